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

A filter is an intersection, which tantivy does not prune either. But a filter an
article passes by holding one of a few terms, and never holds two of (a language, a
date window's `period` terms), joins the union as a `Gate`: each of its terms
weighted to score exactly `lift` (to rounding), a number above anything the term
clauses can add up to. Then a document scores lift + T(d) when it passes the filter
and T(d) < lift when it does not, so the union's best k hold the filter's best k by
T, pruned as before: the threshold is lift + the k-th T, which only documents with
enough of the words can reach. The phrase side takes the filter as a `Must`. A hit
that looks like the filter alone (T near 0) or like no filter (T < 0) means fewer
than k documents pass both: the caller then runs the full query.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import tantivy

from newsdesk.index.lexical import Statistics

Scored = tuple[float, tantivy.DocAddress]


@dataclass(frozen=True)
class Gate:
    """A filter as weighted terms (see the module doc)."""

    terms: Sequence[tantivy.Query]  # each scores `lift` in every document holding it
    lift: float
    clauses: Sequence[tantivy.Query]  # the filter as the full query asks it (score 0)

    @property
    def floor(self) -> float:
        """Below this a union hit's T is taken for rounding: the filter alone."""
        return max(1e-3, self.lift * 2.0 ** -16)


def make_gate(searcher: tantivy.Searcher, schema: tantivy.Schema,
              keys: Sequence[tuple[str, str]], clauses: Sequence[tantivy.Query],
              above: float, stats: Statistics) -> Gate:
    """Weigh each (field, term) to score a lift above `above`.

    Every document holding one of these terms holds it once, in a field of one
    length in every document (`lexical.period_terms`, `lang`), so BM25 gives a term
    one score, idf(term) · c with one c for the field: one top-1 search reads c off,
    and each term's boost scales its score to the lift. Terms no document holds are
    left out (none left: nothing passes the filter)."""
    lift = float(2.0 ** math.ceil(math.log2(max(above, 1.0) * 1.01 + 1.0)))
    held = [(f, t, stats.idf(f, t)) for f, t in keys if stats.doc_freq(f, t) > 0]
    scale: dict[str, float] = {}
    terms = []
    for field_name, term, weight in held:
        query = tantivy.Query.term_query(schema, field_name, term)
        if field_name not in scale:
            hits = searcher.search(query, 1, count=False).hits
            if not hits or float(hits[0][0]) <= 0:
                continue  # every document holding it is deleted
            scale[field_name] = float(hits[0][0]) / weight
        terms.append(tantivy.Query.boost_query(query, lift / (weight * scale[field_name])))
    return Gate(terms=terms, lift=lift, clauses=clauses)


@dataclass(frozen=True)
class Split:
    """A query `Plan.text_query` would build as Must(any of terms + phrases) + Should(common),
    or as a plain union when `common` is empty, in parts; with a filter as `gate`."""

    terms: Sequence[tantivy.Query]  # flat term queries: one of them (or a phrase) must match
    phrases: Sequence[tantivy.Query]  # the matching clauses that are not term queries
    common: Sequence[tantivy.Query]  # flat term queries that only add to the score
    gate: Gate | None = None


def _union(queries: Sequence[tantivy.Query]) -> tantivy.Query:
    if len(queries) == 1:
        return queries[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])


def _key(hit: tuple[float, tantivy.DocAddress, bool]) -> tuple[float, int, int]:
    """tantivy's order: best score first, then the earlier document."""
    score, address, _ = hit
    return (-score, address.segment_ord, address.doc)


def top_k(searcher: tantivy.Searcher, split: Split, k: int) -> list[Scored] | None:
    """The full query's best `k` hits, best first; None when the common words, or fewer
    than k documents passing the filter, leave the answer uncertain (the caller then
    runs the full query)."""
    if k <= 0:
        return []
    gate = split.gate
    if gate is not None and not gate.terms:
        return []  # no live document passes the filter
    flat = [*split.terms, *split.common]
    lift = gate.lift if gate is not None else 0.0
    # (score, address, whether the score is the full one: from the phrase side)
    best: dict[tuple[int, int], tuple[float, tantivy.DocAddress, bool]] = {}
    for score, address in searcher.search(_union([*flat, *_gate_terms(gate)]), k,
                                          count=False).hits:
        text = float(score) - lift
        if gate is not None and text < gate.floor:
            return None  # the filter alone, or no filter: under k documents pass both
        best[(address.segment_ord, address.doc)] = (text, address, False)
    if split.phrases:
        near = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, _union(split.phrases)),
             *[(tantivy.Occur.Must, q) for q in (gate.clauses if gate is not None else ())],
             *[(tantivy.Occur.Should, q) for q in flat]])
        for score, address in searcher.search(near, k, count=False).hits:
            best[(address.segment_ord, address.doc)] = (float(score), address, True)
    ranked = sorted(best.values(), key=_key)[:k]
    if split.common and not all(full for _, _, full in ranked):
        # Over every document, filter or not: a ceiling at least as high, and the
        # common words' own union prunes far better than beside the gate's terms.
        common = searcher.search(_union(split.common), 1, count=False).hits
        ceiling = float(common[0][0]) if common else 0.0
        if gate is not None:
            ceiling += gate.floor  # the union side's scores are rounded at the lift
        # A hit only the union holds, at a score the common words alone can reach,
        # may hold no rarer word: the full query would not match it.
        if any(not full and score <= ceiling for score, _, full in ranked):
            return None
    return [(score, address) for score, address, _ in ranked]


def _gate_terms(gate: Gate | None) -> Sequence[tantivy.Query]:
    return gate.terms if gate is not None else ()
