"""The exact top k of a headline-shaped query, asked in shapes tantivy can prune.

Why: tantivy 0.27 prunes a top-k search (block-max WAND) only when the query is one
flat union of term queries. A pasted headline is such a union of its words' terms
(~60 for a 16-word Vietnamese title: title and body, exact and folded) plus a few
clauses that are not terms (a word asked as its units in sequence, the proximity
bonus of the words as typed) and, when some words are very common, a `Must` around
the rarer ones (`Plan.text_query`). Either makes tantivy score every document that
holds any of the words: at 1M documents, 9.5 ms for one Vietnamese headline whose
flat union of terms takes 3.5 ms.

How, and why it is exact: a boolean query scores a document by the sum of the clauses
it matches, so a document the full query matches scores T(d) + P(d), where T sums its
term clauses (`terms`, `common`) and P its other clauses (`phrases`). Then:

- the documents a `phrases` clause matches (usually few: they hold units in
  sequence) are ranked by exactly T + P by `Must(any phrase) + Should(every term)`:
  its top k;
- every other document scores T(d), so its rank among them is no lower than in T's
  own top k, which tantivy prunes;
- merged (a document in both lists keeps its phrase-side score, which is the full
  one), the best k are the full query's top k. A document in the phrase set that
  only T's list holds shows T(d), less than its true score, which is at most the
  phrase side's k-th score: it can never push in.

One catch: with `common` words, the full query still requires a rarer word, and T's
union does not. A document matching only common words scores at most U, the best
score of the common words' own union (a pruned top 1). T's hits above U therefore
hold a rarer word; when a hit at or below U would reach the top k, the caller runs
the full query instead (`top_k` returns None).

Only unfiltered queries take this path: a filter is an intersection, which tantivy
does not prune either, so the split would cost as much as the full query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import tantivy

Scored = tuple[float, tantivy.DocAddress]


@dataclass(frozen=True)
class Split:
    """A query `Plan.text_query` would build as Must(any of terms + phrases) + Should(common),
    or as a plain union when `common` is empty, in parts."""

    terms: Sequence[tantivy.Query]  # flat term queries: one of them (or a phrase) must match
    phrases: Sequence[tantivy.Query]  # the matching clauses that are not term queries
    common: Sequence[tantivy.Query]  # flat term queries that only add to the score


def _union(queries: Sequence[tantivy.Query]) -> tantivy.Query:
    if len(queries) == 1:
        return queries[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])


def _key(hit: tuple[float, tantivy.DocAddress, bool]) -> tuple[float, int, int]:
    """tantivy's order: best score first, then the earlier document."""
    score, address, _ = hit
    return (-score, address.segment_ord, address.doc)


def top_k(searcher: tantivy.Searcher, split: Split, k: int) -> list[Scored] | None:
    """The full query's best `k` hits, best first; None when the common words leave the
    answer uncertain (the caller then runs the full query)."""
    if k <= 0:
        return []
    flat = [*split.terms, *split.common]
    # (score, address, whether the score is the full one: from the phrase side)
    best: dict[tuple[int, int], tuple[float, tantivy.DocAddress, bool]] = {}
    for score, address in searcher.search(_union(flat), k, count=False).hits:
        best[(address.segment_ord, address.doc)] = (float(score), address, False)
    if split.phrases:
        near = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, _union(split.phrases)),
             *[(tantivy.Occur.Should, q) for q in flat]])
        for score, address in searcher.search(near, k, count=False).hits:
            best[(address.segment_ord, address.doc)] = (float(score), address, True)
    ranked = sorted(best.values(), key=_key)[:k]
    if split.common and not all(full for _, _, full in ranked):
        common = searcher.search(_union(split.common), 1, count=False).hits
        ceiling = float(common[0][0]) if common else 0.0
        # A hit only the union holds, at a score the common words alone can reach,
        # may hold no rarer word: the full query would not match it.
        if any(not full and score <= ceiling for score, _, full in ranked):
            return None
    return [(score, address) for score, address, _ in ranked]
