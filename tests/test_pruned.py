"""The split top k (`search.pruned`) on real news: the full query's hits, in its order.

A store of real CCTV stories, vietnews articles and Thai government releases is
searched with headlines (of indexed and of unseen articles, whole and cut short),
under the default tuning and under one that makes the words common at this size
(so queries get score-only words and words without their unit phrase).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import tantivy

from newsdesk.search import Tuning, pruned, search
from newsdesk.search.engine import Searcher, _boosts, make_filters, plan_query
from newsdesk.search.pruned import Scored
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


def _tops(s: tantivy.Searcher, full_query: tantivy.Query, split: pruned.Split
          ) -> Iterator[tuple[int, list[Scored], list[Scored] | None]]:
    """(k, the full query's top k, the split's) for k = 3, 10, 40."""
    for k in (3, 10, 40):
        yield k, s.search(full_query, k, count=False).hits, pruned.top_k(s, split, k)


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
            for k, want, got in _tops(s, plan.query(searcher.schema, []), split):
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


FILTERS = ({"lang": "zh"}, {"lang": "vi"}, {"lang": ["zh", "th"]},
           {"after": "2025-01-02"}, {"before": "2025-01-03"},
           {"lang": "zh", "after": "2025-01-02", "before": "2025-01-03"},
           {"lang": "vi", "after": "2024-01-01"})
"""Filters the gate takes: languages (`lang` terms), windows with and without languages
(`period` terms; the Vietnamese articles here are undated, so the last passes none)."""
TWO_SETS = ([{"lang": "zh"}, {"after": "2025-01-02"}],
            [{"lang": ["zh", "vi"]}, {"lang": ["vi", "th"], "before": "2025-01-03"}],
            [{"lang": "zh"}, {"lang": "vi"}])
"""Filter sets that must all hold (the API's and the query's): the gate takes them as
one (the last pair passes nothing)."""


def _same_ranking(got: list[tuple[float, tantivy.DocAddress]],
                  want: list[tuple[float, tantivy.DocAddress]], tol: float, text: str) -> None:
    """Scores equal rank by rank (to `tol`: the gate's rounding), documents equal except
    that hits whose scores are that close may trade places, or, at the end of the
    list, be other documents with the same score."""
    assert len(got) == len(want), text
    for (score, _), (expected, _) in zip(got, want, strict=True):
        assert score == pytest.approx(expected, abs=tol), text
    i = 0
    while i < len(want):
        j = i
        while j + 1 < len(want) and abs(want[j + 1][0] - want[i][0]) <= 2 * tol:
            j += 1
        if j + 1 < len(want):
            assert set(_key(got[i:j + 1])) == set(_key(want[i:j + 1])), text
        i = j + 1


def test_a_filter_joins_the_split_as_a_gate(corpus: tuple[Path, list[str]]) -> None:
    """For every headline, filter, k = 3, 10, 40 and both tunings: the filtered full
    query's hits and scores (to the gate's rounding), or None when fewer than k
    documents pass both the filter and the words, or the common words leave it
    uncertain. A source filter, or a bound inside a day, keeps the one query."""
    data, queries = corpus
    searcher = Searcher(data, embedder=None)
    s = searcher.lexical.searcher()
    seen = {"gated": 0, "exact": 0, "uncertain": 0}
    for tuning in (Tuning(collapse=False), SMALL_INDEX):
        stats = searcher.lexical.statistics(s)
        for text in queries:
            for sets in [*([extra] for extra in FILTERS), *TWO_SETS]:
                filters = [make_filters(**extra) for extra in sets]
                plan = plan_query(parse_query(text), filters, searcher.schema,
                                  _boosts(tuning), *searcher._word_shares(s, tuning, stats),
                                  tuning.scoring_only_in_body, stats,
                                  span_of=lambda: searcher.lexical.date_span(s))
                split = plan.split(searcher.schema, filters, s)
                if split is None:
                    assert plan.impossible or plan.required or not plan.optional_terms
                    continue
                assert split.gate is not None
                for k, want, got in _tops(s, plan.query(searcher.schema, filters), split):
                    seen["gated"] += 1
                    if got is None:
                        seen["uncertain"] += 1
                        passing = tantivy.Query.boolean_query(
                            [(tantivy.Occur.Must, pruned._union([*split.terms, *split.common])),
                             *[(tantivy.Occur.Must, q) for q in split.gate.clauses]])
                        assert split.common or s.search(passing, 1).count < k, text
                        continue
                    seen["exact"] += 1
                    _same_ranking(got, want, split.gate.lift * 2.0 ** -20, text)
    for extra in ({"source": "vietnews"}, {"after": datetime(2025, 1, 2, 12, tzinfo=UTC)}):
        filters = [make_filters(**extra)]
        plan = plan_query(parse_query(queries[0]), filters, searcher.schema, stats=stats,
                          span_of=lambda: searcher.lexical.date_span(s))
        assert plan.split(searcher.schema, filters, s) is None
    searcher.close()
    assert seen["exact"] >= 500, seen
    assert seen["uncertain"] >= 50, seen  # k = 40 at this size: few documents pass


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
    index size) and off, default and small-index tunings, with and without filters
    (scores to the gate's rounding)."""
    data, queries = corpus
    for tuning in (Tuning(pruned_min_docs=0, gate_min_postings=0),
                   replace(SMALL_INDEX, pruned_min_docs=0, gate_min_postings=0)):
        for text in queries[::2]:
            for extra in ({}, *FILTERS):
                on = search(text, data=data, embedder=None, mode="lexical", limit=10,
                            tuning=tuning, **extra)
                off = search(text, data=data, embedder=None, mode="lexical", limit=10,
                             tuning=replace(tuning, pruned_split=False), **extra)
                assert [(h.id, h.similar) for h in on.hits] == \
                    [(h.id, h.similar) for h in off.hits], text
                assert [h.score for h in on.hits] == pytest.approx([h.score for h in off.hits],
                                                                    rel=1e-5, abs=1e-3)
                assert on.total == off.total


def _counted(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    """A list that grows by one on each call of `pruned.<name>` (which still runs)."""
    calls: list[int] = []
    real = getattr(pruned, name)

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(pruned, name, counted)
    return calls


def test_a_small_index_asks_the_query_as_built(corpus: tuple[Path, list[str]],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Below `Tuning.pruned_min_docs` the split's extra passes cost more than they save:
    the search never takes it; from that size on, it does."""
    data, queries = corpus
    calls = _counted(monkeypatch, "top_k")
    for text in queries[:10]:
        search(text, data=data, embedder=None, mode="lexical", tuning=Tuning())
    assert not calls
    for text in queries[:10]:
        search(text, data=data, embedder=None, mode="lexical",
               tuning=Tuning(pruned_min_docs=1))
    assert len(calls) >= 5


def test_a_filtered_search_gates_only_words_with_many_postings(
        corpus: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    """`Tuning.gate_min_postings`: a filtered search takes the gate only when the rarer
    words' terms hold that many postings together (the filtered full query is cheap
    otherwise); with the bar at 0 it always does."""
    data, queries = corpus
    gates = _counted(monkeypatch, "make_gate")
    for bar, expect_some in ((10**9, False), (0, True)):
        gates.clear()
        for text in queries[:10]:
            search(text, data=data, embedder=None, mode="lexical", lang="zh",
                   tuning=Tuning(pruned_min_docs=0, gate_min_postings=bar))
        assert bool(gates) == expect_some, bar
