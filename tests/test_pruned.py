"""The split top k (`search.pruned`) on real news: the full query's hits, in its order.

A store of real CCTV stories, vietnews articles and Thai government releases is
searched with headlines (of indexed and of unseen articles, whole and cut short),
under the default tuning and under one that makes the words common at this size
(so queries get score-only words and words without their unit phrase).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import tantivy

from newsdesk.search import Tuning, pruned, search
from newsdesk.search.engine import Searcher, _boosts, plan_query
from newsdesk.search.query import parse_query
from tests import realtext, smallzh
from tests.conftest import index_records

SMALL_INDEX = Tuning(unit_phrase_share=0.02, scoring_only_share=0.08, unit_phrase_min_docs=1,
                     collapse=False)
"""At ~90 documents the default rules (≥ 1000 documents) never call a word common."""


def _rows() -> tuple[list[dict[str, str]], list[str]]:
    """(articles to index, headlines of articles left out)."""
    rows: list[dict[str, str]] = []
    for day in ("20250101", "20250102", "20250103"):
        for n, (title, body) in enumerate(realtext.chinese_stories(day)):
            rows.append({"id": f"zh{day}-{n}", "title": title, "language": "zh",
                         "text": body.replace("\n", "\n\n"), "published": f"{day}T19:00:00"})
    for n in range(40):
        title, paragraphs = realtext.vietnamese_article(n)
        rows.append({"id": f"vi{n}", "title": title, "text": "\n\n".join(paragraphs),
                     "language": "vi"})
    for n in range(12):
        title, body = realtext.thai_release(n)
        rows.append({"id": f"th{n}", "title": title, "text": body.replace("\n", "\n\n"),
                     "language": "th"})
    unseen = [title for title, _ in realtext.chinese_stories("20250104")[:8]]
    unseen += [realtext.vietnamese_article(n)[0] for n in range(40, 48)]
    unseen += [realtext.thai_release(n)[0] for n in range(12, 16)]
    return rows, unseen


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    rows, unseen = _rows()
    data = index_records(tmp_path_factory.mktemp("pruned"), rows)
    titles = [r["title"] for r in rows[::3]]
    queries = titles + [t[:len(t) // 2] for t in titles[::2]] + unseen
    return data, queries


def _key(hits: list[tuple[float, tantivy.DocAddress]]) -> list[tuple[int, int]]:
    return [(a.segment_ord, a.doc) for _, a in hits]


def test_the_split_top_k_is_the_full_querys_top_k(corpus: tuple[Path, list[str]]) -> None:
    """For every headline, k = 3, 10, 40 and both tunings: the same documents, scores and
    order as the full query, or None (only with common words). Headlines always bring
    a proximity phrase, so the split has phrases, with or without common words."""
    data, queries = corpus
    searcher = Searcher(data, embedder=None)
    s = searcher.lexical.searcher()
    seen = {"phrases": 0, "both": 0, "uncertain": 0, "split": 0}
    for tuning in (Tuning(collapse=False), SMALL_INDEX):
        stats = searcher.lexical.statistics(s)
        for text in queries:
            plan = plan_query(parse_query(text), [], searcher.schema, _boosts(tuning),
                              *searcher._word_shares(s, tuning, stats),
                              tuning.scoring_only_in_body, stats)
            split = plan.split(searcher.schema, [])
            if split is None:
                continue
            full_query = plan.query(searcher.schema, [])
            for k in (3, 10, 40):
                want = s.search(full_query, k, count=False).hits
                got = pruned.top_k(s, split, k)
                seen["split"] += 1
                if got is None:
                    seen["uncertain"] += 1
                    assert split.common, text
                    continue
                assert _key(got) == _key(want), (text, k)
                for (score, _), (expected, _) in zip(got, want, strict=True):
                    assert score == pytest.approx(expected, rel=1e-5), text
            seen["phrases"] += bool(split.phrases) and not split.common
            seen["both"] += bool(split.common and split.phrases)
    searcher.close()
    assert seen["split"] >= 300, seen
    assert min(seen["phrases"], seen["both"]) >= 20, seen
    # Common words are strong in ~90 documents; at 1M, 2 of the 130 bench queries are.
    assert seen["uncertain"] <= seen["split"] // 2, seen


def test_a_hit_holding_only_common_words_sends_the_search_to_the_full_query(
        tmp_path: Path) -> None:
    """越南 is common here (4 of 6 documents) and only scores; 汇率 decides the match.
    The union of their terms ranks the titles holding 越南 alone near the top, and
    those the full query does not match: the split says it cannot tell (None), and
    the search, split or not, lists exactly the documents that hold 汇率."""
    data = smallzh.indexed(tmp_path)
    tuning = Tuning(unit_phrase_share=0.5, scoring_only_share=0.5, unit_phrase_min_docs=1,
                    collapse=False, pruned_min_docs=0)
    searcher = Searcher(data, embedder=None)
    s = searcher.lexical.searcher()
    stats = searcher.lexical.statistics(s)
    plan = plan_query(parse_query("越南 汇率"), [], searcher.schema, _boosts(tuning),
                      *searcher._word_shares(s, tuning, stats), tuning.scoring_only_in_body,
                      stats)
    split = plan.split(searcher.schema, [])
    assert split is not None and split.common and split.terms
    assert pruned.top_k(s, split, 10) is None
    searcher.close()
    for pruned_split in (True, False):
        results = search("越南 汇率", data=data, embedder=None, mode="lexical", limit=10,
                         tuning=replace(tuning, pruned_split=pruned_split))
        assert sorted(h.external_id for h in results.hits) == ["a", "b"]
        assert results.total == 2


def test_searches_list_the_same_pages_split_or_not(corpus: tuple[Path, list[str]]) -> None:
    """End to end (collapse, snippets, totals): the same page with the split on (at any
    index size) and off, default and small-index tunings; a
    filtered search never splits and is unchanged too."""
    data, queries = corpus
    for tuning in (Tuning(pruned_min_docs=0), replace(SMALL_INDEX, pruned_min_docs=0)):
        for text in queries[::2]:
            for extra in ({}, {"lang": "vi"}):
                on = search(text, data=data, embedder=None, mode="lexical", limit=10,
                            tuning=tuning, **extra)
                off = search(text, data=data, embedder=None, mode="lexical", limit=10,
                             tuning=replace(tuning, pruned_split=False), **extra)
                assert [(h.id, h.similar) for h in on.hits] == \
                    [(h.id, h.similar) for h in off.hits], text
                assert [h.score for h in on.hits] == pytest.approx([h.score for h in off.hits],
                                                                    rel=1e-5)
                assert on.total == off.total


def test_a_small_index_asks_the_query_as_built(corpus: tuple[Path, list[str]],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Below `Tuning.pruned_min_docs` the split's extra passes cost more than they save:
    the search never takes it; from that size on, it does."""
    data, queries = corpus
    calls: list[int] = []
    real_top_k = pruned.top_k

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real_top_k(*args, **kwargs)

    monkeypatch.setattr(pruned, "top_k", counted)
    for text in queries[:10]:
        search(text, data=data, embedder=None, mode="lexical", tuning=Tuning())
    assert not calls
    for text in queries[:10]:
        search(text, data=data, embedder=None, mode="lexical",
               tuning=Tuning(pruned_min_docs=1))
    assert len(calls) >= 5
