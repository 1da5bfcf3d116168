"""The read side of search: lexical, dense and hybrid retrieval over `data/index/`.

`search(query, data=…, lang=…, source=…, after=…, before=…, sort=…, mode=…, limit=…)`
is what `newsdesk.search`, the CLI, the web page and the benches call.

How a search runs
-----------------
1. `parse_query` splits operators and field filters from the words; `terms` analyses
   the words per script and language into `TermMatch`es.
2. Lexical (tantivy BM25): every optional query word is one clause — its word terms
   or its units (Han characters, Vietnamese syllables) as a phrase, title weighted
   above body, folded Vietnamese below exact. So "中老命运共同体" matches documents
   holding 中老, 命运 or 共同体 (ranked by how many and where), never every
   document holding 中. Required words/phrases must match, excluded ones must not.
   Filters (language, source, [after, before)) are tantivy term-set/range queries.
3. Dense (faiss HNSW over e5 vectors, one graph per document language): the query's
   positive text is embedded (the embedding cache makes a repeated query a lookup),
   centred on its language, and searched in each language's graph *within* the
   constraints — language/source/date filters as masks on the vector side, required
   and excluded words as an allowed id set from the lexical index — so a filter or
   `-word` holds on both sides. Hits far below their language's best or under
   `Tuning.dense_floor` are not evidence of relevance and are dropped (`dense`).
4. The matching (relevant) set is: lexical matches (lexical), dense hits above the
   floor (dense), or their union (hybrid). `total`, facets and date sort are over that
   set; relevance sort fuses the two sides by normalised scores with a lexical share
   per document language (`fusion.score_fusion`).
5. Near-duplicates among the candidates are collapsed into the best-ranked one
   ("N similar"), then the page is cut and snippets are made from the stored text.

A `Searcher` keeps the store, the tantivy index and the vectors open for one data
directory; `search()` reuses one per directory, so the web server and the benches
pay for opening (and loading vectors) once. Readers never lock: tantivy readers
see the last commit and `vectors.bin` is replaced atomically (`refresh()`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import tantivy

from newsdesk import config
from newsdesk.errors import NewsdeskError, NotFoundError
from newsdesk.index import lexical as lx
from newsdesk.index.embed import Embedder, EmbeddingCache, default_embedder
from newsdesk.index.indexer import IndexPaths, read_state
from newsdesk.index.vectors import VectorFilter, VectorIndex
from newsdesk.records import Article
from newsdesk.search import dedup, pruned, snippets
from newsdesk.search.dense import DenseResult, dense_search
from newsdesk.search.fusion import DEFAULT_TUNING, Tuning, recency_factor, rrf, score_fusion
from newsdesk.search.query import QueryError, parse_bound, parse_language, parse_query
from newsdesk.search.terms import TermAnalysis, TermMatch, analyse_term
from newsdesk.search.types import (
    MODES,
    SORTS,
    ParsedQuery,
    SearchFilters,
    SearchHit,
    SearchResults,
)
from newsdesk.store.sqlite import DB_NAME, SQLiteStore
from newsdesk.text.analysis import base_language
from newsdesk.text.langid import query_language

log = logging.getLogger(__name__)

MAX_LIMIT = 1000
PROXIMITY_BOOST = 1.0
"""Extra weight when a run of optional words appears as typed ("đường sắt" together)."""
BM25_K1 = 1.2
"""tantivy's BM25 k1 (`query::bm25`), for an upper bound on a term's score."""
FACET_SIZE = 50
STEERING_WORDS = 8
"""At most this many query words (the longest: a long word is a specific one) choose a
snippet's window; the others are highlighted where it falls (`Plan.highlights`).
Thai pages of the 1M bench, snippets p95 6.1 → 3.8 ms (12 words: 3.9, 6: 3.4)."""
ALLOWED_IDS_MAX = 20_000
"""Above this many articles a required/excluded-word constraint is checked on the dense
candidates afterwards rather than listed up front (tantivy's terms aggregation also
refuses more than 65,000 buckets)."""
SEARCH_THREADS = 2
"""Worker threads per `Searcher` for the native passes of a search that can overlap
(lexical top-k beside dense search, facet counting beside both); shared by concurrent
searches."""
LANGUAGE_NAMES = {"zh": "Chinese", "vi": "Vietnamese", "en": "English", "th": "Thai",
                  "lo": "Lao", "und": "an unknown language"}

_USE_DEFAULT: Any = object()


class SearchError(NewsdeskError):
    """The search cannot run (no index, unreadable index); the message says what to do."""


# --- building tantivy queries ------------------------------------------------------------------


def _should(queries: Sequence[tantivy.Query]) -> tantivy.Query | None:
    qs = list(queries)
    if not qs:
        return None
    if len(qs) == 1:
        return qs[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in qs])


def _must(queries: Sequence[tantivy.Query]) -> tantivy.Query | None:
    qs = list(queries)
    if not qs:
        return None
    if len(qs) == 1:
        return qs[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in qs])


WeightedTerm = tuple[str, str, float]
"""(field, term, boost) of one term query."""


def match_term_keys(m: TermMatch, boosts: dict[str, float] = lx.BOOSTS, units: bool = True,
                    fields: Collection[str] | None = None) -> list[WeightedTerm] | None:
    """The terms of `match_terms`, as (field, term, boost)."""
    if m.phrase:
        return None
    exact = not m.fold_only
    streams = [(f, m.words) for f in (lx.TITLE, lx.BODY) if exact]
    streams += [(f, m.words_fold) for f in (lx.TITLE_FOLD, lx.BODY_FOLD)]
    if units:
        if (exact and len(m.sub) > 2) or len(m.sub_fold) > 2:
            return None
        streams += [lx.sequence_terms(f, m.sub) for f in (lx.TITLE_SUB, lx.BODY_SUB) if exact]
        streams += [lx.sequence_terms(f, m.sub_fold)
                    for f in (lx.TITLE_SUB_FOLD, lx.BODY_SUB_FOLD)]
    return [(f, t, boosts[f]) for f, terms in streams if fields is None or f in fields
            for t in dict.fromkeys(terms)]


def match_terms(schema: tantivy.Schema, m: TermMatch, boosts: dict[str, float] = lx.BOOSTS,
                units: bool = True, fields: Collection[str] | None = None
                ) -> list[tantivy.Query] | None:
    """`match_query` as a flat list of weighted term queries, when the match is only terms
    (None: it needs a phrase, i.e. three or more units in sequence; two are one pair term).

    Each term adds its BM25 score either way, so the flat list scores exactly like the
    nested query; but a query that is one flat union of term queries is one tantivy can
    prune (block-max WAND) instead of scoring every document that holds a common word.
    `fields`: only the terms of these fields.
    """
    keys = match_term_keys(m, boosts, units, fields)
    if keys is None:
        return None
    return [lx.term_query(schema, f, t, b) for f, t, b in keys]


def match_query(schema: tantivy.Schema, m: TermMatch,
                boosts: dict[str, float] = lx.BOOSTS, units: bool = True,
                stats: lx.Statistics | None = None) -> tantivy.Query | None:
    """Documents holding this word (any of its word terms, or its units in sequence),
    or this phrase (its units in sequence), weighted per field by `boosts`.

    `units=False` leaves out a word's unit phrase (see `Tuning.unit_phrase_share`)."""
    if not units and not m.phrase and (m.words or m.words_fold):
        m = replace(m, sub=(), sub_fold=())
    subs: list[tantivy.Query] = []
    if not m.phrase:
        if not m.fold_only:
            subs += [lx.terms_query(schema, f, m.words, boosts[f])
                     for f in (lx.TITLE, lx.BODY) if m.words]
        subs += [lx.terms_query(schema, f, m.words_fold, boosts[f])
                 for f in (lx.TITLE_FOLD, lx.BODY_FOLD) if m.words_fold]
    if m.sub and not m.fold_only:
        subs += [lx.sequence_query(schema, f, m.sub, boost=_sequence_boost(boosts, f, m.sub),
                                   stats=stats)
                 for f in (lx.TITLE_SUB, lx.BODY_SUB)]
    if m.sub_fold:
        subs += [lx.sequence_query(schema, f, m.sub_fold,
                                   boost=_sequence_boost(boosts, f, m.sub_fold), stats=stats)
                 for f in (lx.TITLE_SUB_FOLD, lx.BODY_SUB_FOLD)]
    return _should(subs)


def _sequence_boost(boosts: dict[str, float], unit_field: str, units: Sequence[str]) -> float:
    """The weight of units in sequence: that of the field `lx.sequence_terms` asks (the
    pair field, tunable apart, or the unit field for a single unit)."""
    return boosts[lx.sequence_terms(unit_field, units)[0]]


def _proximity(schema: tantivy.Schema, alt: Sequence[TermMatch],
               stats: lx.Statistics | None = None) -> tantivy.Query | None:
    """A bonus for optional words found next to each other, in the order typed."""
    if len(alt) < 2:
        return None
    fold_only = any(m.fold_only for m in alt)
    sub = [u for m in alt for u in m.sub]
    sub_fold = [u for m in alt for u in m.sub_fold]
    subs: list[tantivy.Query] = []
    if not fold_only and len(sub) >= 2:
        subs += [lx.sequence_query(schema, f, sub, boost=PROXIMITY_BOOST, stats=stats)
                 for f in (lx.TITLE_SUB, lx.BODY_SUB)]
    if len(sub_fold) >= 2 and (fold_only or not subs):
        subs += [lx.sequence_query(schema, f, sub_fold, boost=PROXIMITY_BOOST, stats=stats)
                 for f in (lx.TITLE_SUB_FOLD, lx.BODY_SUB_FOLD)]
    return _should(subs)


def _implied(alt: Sequence[TermMatch], without_units: set[int]) -> bool:
    """Does every document `_proximity(alt)` matches also match a word of `alt` on its
    own? Yes when a word matched with its unit phrase (id not in `without_units`)
    has units in the sequence the bonus phrase uses (exact units, or folded ones
    when `_proximity` fell back to those)."""
    exact = not any(m.fold_only for m in alt) and sum(len(m.sub) for m in alt) >= 2
    return any(id(m) not in without_units and (m.sub if exact else m.sub_fold) for m in alt)


def term_query(schema: tantivy.Schema, analysis: TermAnalysis,
               boosts: dict[str, float] = lx.BOOSTS,
               stats: lx.Statistics | None = None) -> tantivy.Query | None:
    """A required (or excluded) term: every script run matches in one of its languages,
    and within a language every word does."""
    runs = []
    for run in analysis.runs:
        alts = [_must([q for m in alt
                       if (q := match_query(schema, m, boosts, stats=stats)) is not None])
                for alt in run]
        q = _should([a for a in alts if a is not None])
        if q is not None:
            runs.append(q)
    return _must(runs)


def _window_terms(f: SearchFilters, span_of: Callable[[], lx.DateSpan | None] | None
                  ) -> list[str] | None:
    """The filter set's date window, with its languages, as `period` terms (None: no
    window, no `span_of`, or a bound that is not a midnight)."""
    if (f.after is None and f.before is None) or span_of is None:
        return None
    return lx.period_filter_terms(f.languages, f.after, f.before, span_of)


def filter_queries(schema: tantivy.Schema, f: SearchFilters,
                   span_of: Callable[[], lx.DateSpan | None] | None = None
                   ) -> list[tantivy.Query]:
    """The clauses of one filter set; each clause is checked on every text match.

    With `span_of` (the index's publish years, `LexicalIndex.date_span`) a date window
    with midnight bounds, and its languages, is one union of `period` terms
    (`lexical.period_filter_terms`): a posting list, which can lead an intersection.
    Otherwise a language with dates is one range clause when it can be
    (`lexical.language_dates_query`)."""
    out = []
    period = _window_terms(f, span_of)
    if period is not None:
        out.append(lx.period_query(schema, period))
    else:
        both = (lx.language_dates_query(schema, f.languages, f.after, f.before)
                if f.languages else None)
        if both is not None:
            out.append(both)
        else:
            if f.languages:
                out.append(lx.languages_query(schema, f.languages))
            if f.after is not None or f.before is not None:
                out.append(lx.date_range_query(schema, f.after, f.before))
    if f.sources:
        out.append(lx.sources_query(schema, f.sources))
    return [tantivy.Query.const_score_query(q, 0.0) for q in out]


def gate_terms(f: SearchFilters, span_of: Callable[[], lx.DateSpan | None] | None
               ) -> list[tuple[str, str]] | None:
    """The filter set as (field, term) pairs such that an article passes it exactly when
    it holds one of them, and holds at most one (None when it has no such form: a
    source filter, a bound that is not a midnight, no `span_of`). A window and its
    languages are `period` terms, languages alone `lang` terms."""
    if f.sources:
        return None
    if f.after is None and f.before is None:
        return [(lx.LANG, b) for b in dict.fromkeys(base_language(x) for x in f.languages)]
    period = _window_terms(f, span_of)
    return None if period is None else [(lx.PERIOD, t) for t in period]


@dataclass
class Plan:
    """A parsed query turned into tantivy queries and the matches to highlight."""

    parsed: ParsedQuery
    filters: list[SearchFilters]
    optional: list[tantivy.Query] = field(default_factory=list)
    optional_terms: list[tantivy.Query] = field(default_factory=list)  # flat, see match_terms
    scoring: list[tantivy.Query] = field(default_factory=list)  # very common words: see below
    scoring_body: list[tantivy.Query] = field(default_factory=list)  # their body terms: below
    implied: list[tantivy.Query] = field(default_factory=list)  # in `optional`, match nothing new
    required: list[tantivy.Query] = field(default_factory=list)
    excluded: list[tantivy.Query] = field(default_factory=list)
    highlight: list[TermMatch] = field(default_factory=list)
    common: list[TermMatch] = field(default_factory=list)  # only score: see `highlights`
    impossible: bool = False  # a required term analysed to nothing
    span_of: Callable[[], lx.DateSpan | None] | None = None  # see `filter_queries`
    stats: lx.Statistics | None = None
    optional_keys: list[WeightedTerm] = field(default_factory=list)  # of optional_terms
    scoring_keys: list[WeightedTerm] = field(default_factory=list)  # of scoring

    def filter_clauses(self, schema: tantivy.Schema,
                       filters: Iterable[SearchFilters] | None = None) -> list[tantivy.Query]:
        """Every filter set's clauses (`filter_queries`), of the plan's filters by default."""
        return [q for f in (self.filters if filters is None else filters)
                for q in filter_queries(schema, f, self.span_of)]

    def highlights(self) -> tuple[list[TermMatch], list[TermMatch]]:
        """(words that choose a snippet's window, words only highlighted in it).

        The score-only words are minor while a rarer word decides what matches, and
        beyond `STEERING_WORDS` the shorter words are too: a 200-character window
        shows a few words of a headline-length query anyway, and every steering word
        is a scan of the whole body (a 31-word Thai headline's page: 8 ms).
        """
        steering, minor = self.highlight, []
        if self.common and (self.optional or self.optional_terms or self.required):
            common = {id(m) for m in self.common}
            steering = [m for m in self.highlight if id(m) not in common]
            minor = list(self.common)
        if len(steering) > STEERING_WORDS:
            longest = sorted(range(len(steering)), key=lambda i: -len(steering[i].text))
            keep = set(longest[:STEERING_WORDS])
            minor += [m for i, m in enumerate(steering) if i not in keep]
            steering = [m for i, m in enumerate(steering) if i in keep]
        return steering, minor

    @property
    def has_text(self) -> bool:
        return bool(self.optional or self.optional_terms or self.scoring or self.scoring_body
                    or self.required)

    def text_query(self, schema: tantivy.Schema, counting: bool = False) -> tantivy.Query:
        """Required words must match, excluded ones must not; otherwise one optional word
        must. Very common optional words (`scoring`) only add to the score of documents
        that match a rarer word, as Lucene's CommonTermsQuery does; when every optional
        word is very common they match as usual. Their body terms (`scoring_body`, when
        the plan keeps them apart) count only then, when they decide what matches.

        `counting`: the same matching set without the clauses that only score (the
        `scoring` words beside a required clause, the `implied` phrases), for the pass
        that counts and facets every match and needs no score."""
        clauses = [(tantivy.Occur.Must, q) for q in self.required]
        clauses += [(tantivy.Occur.MustNot, q) for q in self.excluded]
        optional = self.optional
        if counting and self.implied:
            left_out = {id(q) for q in self.implied}
            optional = [q for q in optional if id(q) not in left_out]
        matching = [*self.optional_terms, *optional]
        scoring = (self.scoring if matching or self.required
                   else [*self.scoring, *self.scoring_body])
        if scoring and matching and not self.required:
            one_of = _should(matching)
            assert one_of is not None
            clauses.append((tantivy.Occur.Must, one_of))
            if not counting:
                clauses += [(tantivy.Occur.Should, q) for q in scoring]
        elif not (counting and self.required):  # beside a required clause they only score
            clauses += [(tantivy.Occur.Should, q) for q in [*matching, *scoring]]
        if not self.has_text:
            clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(clauses)

    def query(self, schema: tantivy.Schema, filters: Iterable[SearchFilters] | None = None,
              counting: bool = False) -> tantivy.Query:
        """The lexical matching query: text clauses and every filter set (`counting`: see
        `text_query`)."""
        if self.impossible:
            return tantivy.Query.empty_query()
        fs = self.filter_clauses(schema, filters)
        text = self.text_query(schema, counting)
        if not fs:
            return text
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, text),
                                            *[(tantivy.Occur.Must, q) for q in fs]])

    def split(self, schema: tantivy.Schema, filters: Iterable[SearchFilters] | None = None,
              searcher: tantivy.Searcher | None = None, gate_min_postings: int = 0
              ) -> pruned.Split | None:
        """The relevance query in the parts `pruned.top_k` ranks, when it has that shape
        and something to gain: rarer words' terms beside non-term clauses or common
        words, or beside a filter, and nothing required or excluded (None otherwise).

        Filters take part as a `pruned.Gate` when, all sets together, an article
        passes them by holding one of a few terms (`gate_terms`), with the `searcher`
        and statistics to weigh them, and the rarer words' terms hold at least
        `gate_min_postings` postings (`Tuning.gate_min_postings`); any other filter
        keeps one query."""
        if self.impossible or self.required or self.excluded or not self.optional_terms:
            return None
        sets = [f for f in (self.filters if filters is None else filters) if not f.empty]
        clauses = self.filter_clauses(schema, sets)
        if not clauses:
            if not (self.optional or self.scoring):
                return None  # already one flat union of terms: tantivy prunes it as it is
            return pruned.Split(terms=self.optional_terms, phrases=self.optional,
                                common=self.scoring)
        if searcher is None or self.stats is None:
            return None
        keys = gate_terms(merge_filters(sets), self.span_of)  # None for any source filter
        if keys is None:
            return None
        if gate_min_postings and sum(self.stats.doc_freq(f, t) for f, t, _ in
                                     self.optional_keys) < gate_min_postings:
            return None
        gate = pruned.make_gate(searcher, schema, keys, clauses,
                                above=self._term_bound(self.stats), stats=self.stats)
        return pruned.Split(terms=self.optional_terms, phrases=self.optional,
                            common=self.scoring, gate=gate)

    def _term_bound(self, stats: lx.Statistics) -> float:
        """More than any document can score from the flat term clauses: tantivy's BM25
        gives one term at most idf · (1 + k1) · boost (its tf part stays under 1)."""
        return sum(b * stats.idf(f, t) * (1.0 + BM25_K1)
                   for f, t, b in [*self.optional_keys, *self.scoring_keys])

    def constraint(self, schema: tantivy.Schema, filters: Iterable[SearchFilters] | None = None
                   ) -> tantivy.Query | None:
        """What a dense hit must satisfy: filters, required and excluded terms (None: all)."""
        if self.impossible:
            return tantivy.Query.empty_query()
        fs = self.filter_clauses(schema, filters)
        if not (fs or self.required or self.excluded):
            return None
        clauses = [(tantivy.Occur.Must, q) for q in [*fs, *self.required]]
        clauses += [(tantivy.Occur.MustNot, q) for q in self.excluded]
        if not fs and not self.required:
            clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(clauses)


def plan_query(parsed: ParsedQuery, filters: list[SearchFilters], schema: tantivy.Schema,
               boosts: dict[str, float] = lx.BOOSTS,
               common: Callable[[TermMatch], bool] | None = None,
               scoring_only: Callable[[TermMatch], bool] | None = None,
               scoring_in_body: bool = True, stats: lx.Statistics | None = None,
               cheaper_everywhere: bool = True,
               span_of: Callable[[], lx.DateSpan | None] | None = None) -> Plan:
    """`common(match)` True: an optional word is found by its word terms alone, without
    its unit phrase; `scoring_only(match)` True: it only scores (`Plan.text_query`), and
    with `scoring_in_body` False only in titles when a rarer word decides the match.
    Required, excluded and quoted words always match in full. `stats` lets units in
    sequence be asked in a cheaper shape (`lexical.sequence_query`: the same documents
    and scores): quoted and required ones, a run of common words' proximity bonus, and
    with `cheaper_everywhere` every other sequence (a word's, any run's bonus) too.
    `span_of`: date windows become `period` terms (`filter_queries`)."""
    hint = _language_hint(filters)
    plan = Plan(parsed, filters, span_of=span_of, stats=stats)
    for clause in parsed.clauses:
        analyses = [analyse_term(t, hint) for t in clause.alternatives]
        single = analyses[0] if len(analyses) == 1 else None
        if clause.occur == "should" and single is not None and not single.term.phrase:
            usual = {id(m) for m in single.matches() if common is not None and common(m)}
            for m in single.matches():
                units = id(m) not in usual
                # Without its unit phrase a plain word is only terms (`match_terms`).
                if not units and not m.phrase and scoring_only is not None \
                        and scoring_only(m):
                    plan.common.append(m)
                    keys = match_term_keys(m, boosts, False,
                                           None if scoring_in_body else lx.TITLE_FIELDS) or []
                    plan.scoring += [lx.term_query(schema, *k) for k in keys]
                    plan.scoring_keys += keys
                    if not scoring_in_body:
                        plan.scoring_body += match_terms(schema, m, boosts, False,
                                                         lx.BODY_FIELDS) or []
                elif (keys := match_term_keys(m, boosts, units)) is not None:
                    plan.optional_terms += [lx.term_query(schema, *k) for k in keys]
                    plan.optional_keys += keys
                elif (q := match_query(schema, m, boosts, units,
                                       stats if cheaper_everywhere else None)) is not None:
                    plan.optional.append(q)
            for run in single.runs:
                for alt in run:
                    # Kept for common words too: skipping it cost known-item search
                    # 0.04 MRR@10 on Chinese titles at 100k documents (bench/search_scale).
                    # On a big index in the cheaper shape for every run, not only for
                    # runs of common words: a rare word's pairs can be common
                    # ("【新思想引领新征": its rarest pair in 38,034 of a million titles),
                    # and the pairs' counts cost ~0.1 ms a query (1M, 130 bench queries:
                    # top-k mean 3.52 → 3.16 ms, p95 9.44 → 8.65, plan p50 +0.12 ms).
                    common_run = all(id(m) in usual for m in alt)
                    prox = _proximity(schema, alt,
                                      stats if cheaper_everywhere or common_run else None)
                    if prox is not None:
                        plan.optional.append(prox)
                        # A document with the run's units in sequence holds each word's
                        # units in sequence, so a word matched with its unit phrase
                        # already matches it: the bonus then adds no document.
                        if _implied(alt, usual):
                            plan.implied.append(prox)
            plan.highlight += single.matches()
            continue
        q = _should([x for a in analyses
                     if (x := term_query(schema, a, boosts, stats)) is not None])
        if clause.occur == "must_not":
            if q is not None:
                plan.excluded.append(q)
            continue
        if q is None:
            if clause.occur == "must":
                plan.impossible = True
            continue
        (plan.required if clause.occur == "must" else plan.optional).append(q)
        for a in analyses:
            plan.highlight += a.matches()
    return plan


def _allowed_languages(filters: list[SearchFilters]) -> set[str] | None:
    """The (base) languages every filter set allows; None when none restricts them."""
    allowed: set[str] | None = None
    for f in filters:
        if f.languages:
            allowed = set(f.languages) if allowed is None else allowed & set(f.languages)
    return allowed


def _language_hint(filters: list[SearchFilters]) -> list[str]:
    """The languages every filter set allows (what Latin query text is analysed as)."""
    return sorted(_allowed_languages(filters) or ())


# --- arguments -----------------------------------------------------------------------------------


def _as_list(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    return [v.strip() for item in items for v in str(item).split(",") if v.strip()]


def _as_bound(value: datetime | date | str | None, name: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return parse_bound(str(value), name)


def make_filters(lang: str | Sequence[str] | None = None,
                 source: str | Sequence[str] | None = None,
                 after: datetime | date | str | None = None,
                 before: datetime | date | str | None = None) -> SearchFilters:
    """API/CLI filter arguments → `SearchFilters` (raises `QueryError` on bad values).

    `after` is inclusive, `before` exclusive; a plain date is that day's UTC midnight.
    """
    languages = tuple(dict.fromkeys(parse_language(v) for v in _as_list(lang)))
    sources = tuple(dict.fromkeys(_as_list(source)))
    return SearchFilters(languages, sources, _as_bound(after, "after"),
                         _as_bound(before, "before"))


def merge_filters(filters: Sequence[SearchFilters]) -> SearchFilters:
    """One `SearchFilters` meaning "all of these hold" (for display and explanations)."""
    languages: tuple[str, ...] = ()
    for f in filters:
        if f.languages:
            languages = (f.languages if not languages
                         else tuple(x for x in languages if x in f.languages) or ("none",))
    sources = tuple(dict.fromkeys(s for f in filters for s in f.sources))
    afters = [f.after for f in filters if f.after]
    befores = [f.before for f in filters if f.before]
    return SearchFilters(languages, sources, max(afters) if afters else None,
                         min(befores) if befores else None)


# --- the searcher -------------------------------------------------------------------------------


@dataclass
class _Relevant:
    """The matching set of one search: ranked lists and how big it is.

    `total` and `facets` may still be counting on the searcher's worker thread
    (`counting`); `settle()` waits for them. The ranked lists never wait.
    """

    total: int
    lexical: list[tuple[str, float]]  # relevance order (or date order when by_date)
    dense: list[tuple[str, float]]  # relevance order, above the floor
    dense_only: list[str]  # dense hits the lexical list does not hold
    facets: dict[str, dict[str, int]]
    dense_result: DenseResult | None = None
    vectors: VectorIndex | None = None
    query_language: str = "und"
    counting: Future[tuple[dict[str, dict[str, int]], int]] | None = None

    def settle(self) -> _Relevant:
        if self.counting is not None:
            self.facets, self.total = self.counting.result()
            self.counting = None
        return self


class Searcher:
    """Search one data directory; keep one per process and directory (thread-safe)."""

    def __init__(self, data_dir: str | Path, embedder: Embedder | None = _USE_DEFAULT) -> None:
        self.data_dir = Path(data_dir)
        self.paths = IndexPaths.of(self.data_dir)
        if not (self.data_dir / DB_NAME).exists():
            raise SearchError(f"no articles in {self.data_dir} yet: ingest some first "
                              "(`newsdesk ingest PATH`)")
        if not read_state(self.data_dir) or not lx.LexicalIndex.exists(self.paths.lexical):
            raise SearchError(f"no search index in {self.data_dir}: run `newsdesk reindex`")
        self.lexical = lx.LexicalIndex(self.paths.lexical)
        self.schema = self.lexical.schema
        self.store = SQLiteStore(self.data_dir)
        self._store_lock = threading.Lock()
        self._dense_lock = threading.Lock()
        self._embedder_arg = embedder
        self._vectors: VectorIndex | None = None
        self._cache: EmbeddingCache | None = None
        # tantivy and faiss release the GIL: the lexical top-k runs beside the dense
        # search, and counting and faceting the matching set (one pass over all of it)
        # beside the ranking, the store reads and the snippets, instead of adding to them.
        self._workers = ThreadPoolExecutor(max_workers=SEARCH_THREADS,
                                           thread_name_prefix="newsdesk-search")

    def close(self) -> None:
        self._workers.shutdown(wait=True)
        self.store.close()
        if self._cache is not None:
            self._cache.close()

    # -- dense resources -------------------------------------------------------------------
    def _dense_ready(self) -> tuple[Embedder, VectorIndex] | str:
        """(embedder, vectors), or why dense retrieval cannot run."""
        embedder = (default_embedder() if self._embedder_arg is _USE_DEFAULT
                    else self._embedder_arg)
        if embedder is None:
            return "dense retrieval is off (NEWSDESK_EMBEDDER=none)"
        state = read_state(self.data_dir)
        if not state.get("embedder"):
            return "the index holds no vectors (built with dense retrieval off)"
        if state.get("embedder") != embedder.name:
            return (f"the vectors were made by {state.get('embedder')}, not {embedder.name}: "
                    "run `newsdesk reindex`")
        with self._dense_lock:
            if self._vectors is None:
                if not self.paths.vectors.exists():
                    return "no vector index yet: run `newsdesk reindex`"
                try:
                    self._vectors = VectorIndex.open(self.paths.vectors, embedder.dim,
                                                     embedder.name)
                except NewsdeskError as exc:
                    return str(exc)
            else:
                try:
                    self._vectors.refresh()
                except NewsdeskError as exc:
                    return str(exc)
            if self._cache is None:
                self._cache = EmbeddingCache(self.paths.cache)
        return embedder, self._vectors

    def _embed_query(self, embedder: Embedder, text: str) -> Any:
        assert self._cache is not None
        return self._cache.get_or_compute(embedder, "query", [text])[0]

    # -- lexical helpers -------------------------------------------------------------------
    def _word_shares(self, s: tantivy.Searcher, tuning: Tuning,
                     stats: lx.Statistics | None = None
                     ) -> tuple[Callable[[TermMatch], bool] | None,
                                Callable[[TermMatch], bool] | None]:
        """(common, scoring_only): which query words are common enough, as words, to
        skip their unit phrase, and to only add to the score (see `plan_query`).

        A word's unit phrase (its Han characters or Vietnamese syllables in sequence)
        finds the documents whose segmenter grouped it differently; on a big index it
        is also most of a query's cost, since every document holding those common
        characters has its positions checked. A word that the index already holds as a
        word in many documents loses little by being matched as a word only; a word
        in a large share of them ("的", "năm") says little about relevance and would
        make most of the index match (and be counted, and faceted).
        """
        n = s.num_docs
        # Both rules (and the plan's phrases) ask about the same words: one lookup each.
        doc_freq = (stats or self.lexical.statistics(s)).doc_freq

        def over(share: float | None) -> Callable[[TermMatch], bool] | None:
            if share is None:
                return None
            threshold = max(tuning.unit_phrase_min_docs, share * n)
            if n < threshold:
                return None

            def held_by_many(m: TermMatch) -> bool:
                if m.fold_only:
                    terms = [(lx.BODY_FOLD, w) for w in m.words_fold]
                else:
                    terms = [(f, w) for w in m.words for f in (lx.BODY, lx.TITLE)]
                return any(doc_freq(f, w) >= threshold for f, w in terms)

            return held_by_many

        return over(tuning.unit_phrase_share), over(tuning.scoring_only_share)

    def _ids(self, query: tantivy.Query, s: tantivy.Searcher, at_most: int) -> set[str]:
        """Every article id matching `query`, from the `id` fast field (no stored docs).

        `at_most` bounds the matches (the ids the query was restricted to, or a count
        the caller already has), so no counting pass is needed; for small sets only
        (≤ `ALLOWED_IDS_MAX`)."""
        if at_most <= 0:
            return set()
        result = s.aggregate(query, {"ids": {"terms": {"field": lx.ID, "size": at_most + 1}}})
        return {str(b["key"]) for b in result["ids"]["buckets"]}

    def _docs(self, ids: Sequence[str], s: tantivy.Searcher) -> dict[str, dict[str, Any]]:
        """Stored fields (lang, source, published) of these articles."""
        if not ids:
            return {}
        q = tantivy.Query.term_set_query(self.schema, lx.ID, list(ids))
        out = {}
        for _, address in s.search(q, len(ids)).hits:
            d = s.doc(address)
            out[d[lx.ID][0]] = {
                "lang": (d.get_first(lx.LANG) or "und"),
                "source": d.get_first(lx.SOURCE),
                "published": d.get_first(lx.PUBLISHED),
            }
        return out

    # -- the search ------------------------------------------------------------------------
    def search(self, query: str, *, lang: str | Sequence[str] | None = None,
               source: str | Sequence[str] | None = None,
               after: datetime | date | str | None = None,
               before: datetime | date | str | None = None,
               sort: str = "relevance", mode: str = "hybrid", limit: int = 10,
               offset: int = 0, tuning: Tuning | None = None) -> SearchResults:
        started = time.perf_counter()
        tuning = tuning or DEFAULT_TUNING
        if sort not in SORTS:
            raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
        if mode not in MODES:
            raise QueryError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        if not isinstance(limit, int) or limit < 0 or limit > MAX_LIMIT:
            raise QueryError(f"limit must be between 0 and {MAX_LIMIT}")
        if not isinstance(offset, int) or offset < 0:
            raise QueryError("offset must be 0 or more")
        query = query or ""
        parsed = parse_query(query)
        api = make_filters(lang, source, after, before)
        filters = [f for f in (api, parsed.filters) if not f.empty]
        if not parsed.clauses and not filters:
            raise QueryError("the query is empty: type some words or a filter such as lang:vi")
        s = self.lexical.searcher()
        stats = self.lexical.statistics(s)
        plan = plan_query(parsed, filters, self.schema, _boosts(tuning),
                          *self._word_shares(s, tuning, stats), tuning.scoring_only_in_body,
                          stats, cheaper_everywhere=_big_index(s, tuning),
                          span_of=((lambda: self.lexical.date_span(s))
                                   if tuning.period_filters else None))
        notes: list[str] = []
        used_mode = mode
        dense: tuple[Embedder, VectorIndex] | None = None
        if mode != "lexical" and plan.has_text:
            ready = self._dense_ready()
            if isinstance(ready, str):
                notes.append(f"{ready}; showing lexical results")
                used_mode = "lexical"
            else:
                dense = ready
        elif mode != "lexical":
            used_mode = "lexical"  # filters or exclusions only: nothing to embed
        by_date = sort == "date" or not plan.has_text
        if not plan.has_text and sort == "relevance":
            notes.append("no search words: newest first")

        need = offset + limit
        page_depth = 3 * need + 10  # what `_page` may scan to fill a page after collapsing
        # Lexical relevance order is final (nothing to fuse or re-weight), so it needs no
        # more candidates than the page scans; a smaller top-k also prunes sooner.
        depth = (page_depth if used_mode == "lexical" and not tuning.recency_half_life_days
                 else max(tuning.candidates, page_depth))
        qvec = (self._embed_query(dense[0], parsed.positive_text)
                if dense is not None else None)
        qlang = (query_language(parsed.positive_text, set(dense[1].languages()))
                 if dense is not None else "und")
        rel = self._relevant(plan, filters, used_mode, by_date, depth, s, dense, qvec, tuning,
                             qlang=qlang)

        ordered, scores, ranks = self._order(rel, used_mode, by_date, tuning, s)
        hits = self._page(ordered, scores, ranks, offset, limit, plan, tuning)
        rel.settle()
        explanation = None
        if not hits:
            explanation = self._explain(plan, filters, used_mode, rel.total, offset, s, dense,
                                        qvec, tuning, qlang)
        return SearchResults(
            query=query, parsed=parsed, mode=used_mode, sort=sort, total=rel.total, hits=hits,
            facets=rel.facets, explanation=explanation,
            took_ms=(time.perf_counter() - started) * 1000, filters=merge_filters(filters),
            notes=tuple(notes), offset=offset)

    def _relevant(self, plan: Plan, filters: list[SearchFilters], mode: str, by_date: bool,
                  depth: int, s: tantivy.Searcher, dense: tuple[Embedder, VectorIndex] | None,
                  qvec: Any, tuning: Tuning, lists: bool = True,
                  qlang: str = "und") -> _Relevant:
        # The lexical top-k needs nothing from the dense side: it runs beside it.
        ranking = (self._workers.submit(self._lexical_top, plan, filters, depth, by_date, s,
                                        tuning)
                   if lists and mode != "dense" else None)
        dense_hits: list[tuple[str, float]] = []
        dres: DenseResult | None = None
        if dense is not None and mode != "lexical":
            dres = self._dense_search(dense[1], qvec, qlang, plan, filters, depth, tuning, s)
            dense_hits = dres.hits
        dense_ids: list[str] = []
        if dense_hits:
            ids = [a for a, _ in dense_hits]
            # Vectors of articles no longer in the lexical index (deleted) do not count.
            present = self._ids(tantivy.Query.term_set_query(self.schema, lx.ID, ids), s,
                                len(ids))
            dense_hits = [(a, sc) for a, sc in dense_hits if a in present]
            dense_ids = [a for a, _ in dense_hits]
        lexical: list[tuple[str, float]] = []
        facets: dict[str, dict[str, int]] = {"language": {}, "source": {}}
        matching = self._matching(
            plan.query(self.schema, filters, counting=True) if mode != "dense" else None,
            dense_ids)
        counting = None
        total = 0
        if matching is not None and lists:
            # One pass over the matching set (lexical matches or dense hits; which dense
            # hits the lexical query also matches never needs working out) gives the
            # facets and, from them, the total. It runs beside the ranking.
            counting = self._workers.submit(self._facets, matching, s)
        elif matching is not None:
            total = self.lexical.count(matching, searcher=s)
        if ranking is not None:
            lexical = ranking.result()
        in_lexical = {a for a, _ in lexical}
        dense_only = [a for a in dense_ids if a not in in_lexical]
        return _Relevant(total, lexical, dense_hits, dense_only, facets, dres,
                         dense[1] if dense is not None else None, qlang, counting)

    def _lexical_top(self, plan: Plan, filters: list[SearchFilters], depth: int,
                     by_date: bool, s: tantivy.Searcher, tuning: Tuning
                     ) -> list[tuple[str, float]]:
        """The lexical top `depth` (by relevance, or newest first), in parts tantivy can
        prune when the query allows (`pruned`), else as one query."""
        split = (plan.split(self.schema, filters, s, tuning.gate_min_postings)
                 if tuning.pruned_split and not by_date and _big_index(s, tuning) else None)
        if split is not None:
            hits = pruned.top_k(s, split, depth)
            if hits is not None:
                return self.lexical.scored_ids(hits, s)
        return self.lexical.search(plan.query(self.schema, filters), depth,
                                   order_by_date=by_date, searcher=s)

    def _dense_search(self, vectors: VectorIndex, qvec: Any, qlang: str, plan: Plan,
                      filters: list[SearchFilters], depth: int, tuning: Tuning,
                      s: tantivy.Searcher) -> DenseResult:
        """Dense hits within the constraints (see `dense.dense_search` for the ranking).

        Filters become per-language graph choice and vector-side masks (no per-query
        work over the whole corpus); only required and excluded words need the lexical
        index, as the set of ids that satisfy them.
        """
        if plan.impossible:
            return DenseResult()
        allowed_languages = _allowed_languages(filters)
        if allowed_languages is not None and not allowed_languages:
            return DenseResult()  # the filter sets allow no language in common
        languages = sorted(allowed_languages or ())
        where = [VectorFilter(f.sources, f.after, f.before) for f in filters
                 if f.sources or f.after or f.before]
        allowed = None
        post: tantivy.Query | None = None
        if plan.required or plan.excluded:
            constraint = plan.constraint(self.schema, filters)
            if constraint is not None:
                n = self.lexical.count(constraint, searcher=s)
                if not n:
                    return DenseResult()
                if n <= ALLOWED_IDS_MAX:
                    allowed = self._ids(constraint, s, n)
                else:
                    # Not selective (e.g. "-word" alone): search as if unconstrained and
                    # check the few candidates instead of listing most of the corpus.
                    post = constraint
        result = dense_search(vectors, qvec, qlang, languages, where, allowed, depth, tuning)
        if post is not None and result.hits:
            ids = [a for a, _ in result.hits]
            keep = self._ids(tantivy.Query.boolean_query([
                (tantivy.Occur.Must, post),
                (tantivy.Occur.Must, tantivy.Query.term_set_query(self.schema, lx.ID, ids))]), s,
                len(ids))
            result.hits = [(a, sc) for a, sc in result.hits if a in keep]
        return result

    def _matching(self, q_lex: tantivy.Query | None, dense_ids: list[str]
                  ) -> tantivy.Query | None:
        """The matching set as one query: the lexical matches and the dense hits."""
        return _should([q for q in (q_lex, tantivy.Query.term_set_query(
            self.schema, lx.ID, dense_ids) if dense_ids else None) if q is not None])

    def _facets(self, matching: tantivy.Query, s: tantivy.Searcher
                ) -> tuple[dict[str, dict[str, int]], int]:
        """(language and source counts, how many articles match), from fast fields in
        one aggregation (no stored documents)."""
        counts, total = self.lexical.facets_counted(matching, (lx.LANG, lx.SOURCE),
                                                    FACET_SIZE, searcher=s)
        return ({"language": _by_count(counts[lx.LANG]),
                 "source": _by_count(counts[lx.SOURCE])}, total)

    def _order(self, rel: _Relevant, mode: str, by_date: bool, tuning: Tuning,
               s: tantivy.Searcher) -> tuple[list[str], dict[str, float],
                                             dict[str, tuple[int | None, int | None]]]:
        lex_rank = {a: i for i, (a, _) in enumerate(rel.lexical, start=1)}
        dense_rank = {a: i for i, (a, _) in enumerate(rel.dense, start=1)}
        ranks = {a: (None if by_date else lex_rank.get(a), dense_rank.get(a))
                 for a in [*lex_rank, *dense_rank]}
        if by_date:
            lexical = [a for a, _ in rel.lexical] if mode != "dense" else []
            extra = rel.dense_only
            if not extra:
                return lexical, dict.fromkeys(lexical, 0.0), ranks
            dates = self._docs(extra, s)
            # Merge the lexical date order with the dense-only hits, newest first, undated
            # last; the lexical list is already in this order.
            lex_dates = self._docs(lexical, s)
            merged = sorted([*lexical, *extra], key=lambda a: _date_key(
                (lex_dates.get(a) or dates.get(a) or {}).get("published")))
            return merged, dict.fromkeys(merged, 0.0), ranks
        if mode == "lexical":
            ordered = [a for a, _ in rel.lexical]
            scores = dict(rel.lexical)
        elif mode == "dense":
            ordered = [a for a, _ in rel.dense]
            scores = dict(rel.dense)
        elif tuning.fusion == "score" and rel.dense_result is not None and rel.vectors:
            scores = self._score_fusion(rel, tuning)
            ordered = sorted(scores, key=lambda a: (-scores[a], lex_rank.get(a, 10**9),
                                                     dense_rank.get(a, 10**9)))
        else:
            scores = rrf([[a for a, _ in rel.lexical], [a for a, _ in rel.dense]],
                         [tuning.lexical_weight, tuning.dense_weight], tuning.rrf_k)
            ordered = sorted(scores, key=lambda a: (-scores[a], lex_rank.get(a, 10**9),
                                                     dense_rank.get(a, 10**9)))
        if tuning.recency_half_life_days:
            docs = self._docs(ordered, s)
            now = datetime.now(UTC)
            for a in ordered:
                scores[a] *= recency_factor((docs.get(a) or {}).get("published"),
                                            tuning.recency_half_life_days,
                                            tuning.recency_weight, now)
            ordered.sort(key=lambda a: -scores[a])
        return ordered, scores, ranks

    @staticmethod
    def _score_fusion(rel: _Relevant, tuning: Tuning) -> dict[str, float]:
        """Fused scores of lexical and dense candidates; lexical-only candidates are
        scored by the (centred) query vector too, so each side is judged on all."""
        dres, vectors = rel.dense_result, rel.vectors
        assert dres is not None and vectors is not None
        dense = dict(rel.dense)
        language = dict(dres.language)
        lexical_only = [a for a, _ in rel.lexical if a not in dense]
        if dres.query is not None and lexical_only:
            dense.update(vectors.similarity(dres.query, lexical_only))
        for article_id in lexical_only:
            lang = vectors.language_of(article_id)
            if lang is not None:
                language[article_id] = lang
        return score_fusion(rel.lexical, dense, dres.scale, language, rel.query_language,
                            tuning)

    def _article(self, article_id: str, loaded: dict[str, Article]) -> Article | None:
        article = loaded.get(article_id)
        if article is not None:
            return article
        with self._store_lock:
            try:
                return self.store.get(article_id)
            except NotFoundError:
                return None

    def _uncollapsed(self, ordered: list[str], need: int
                     ) -> tuple[list[Article], dedup.Groups]:
        """The first `need` articles, each a group of its own (`Tuning.collapse` off)."""
        with self._store_lock:
            loaded = self.store.get_many(ordered[:need])
        articles: list[Article] = []
        for article_id in ordered:
            if len(articles) >= need:
                break
            article = self._article(article_id, loaded)
            if article is not None:
                articles.append(article)
        return articles, [(i, []) for i in range(len(articles))]

    def _collapsed(self, ordered: list[str], need: int, threshold: float
                   ) -> tuple[list[Article], dedup.Groups]:
        """The first `need` groups of near-duplicates in order (`dedup.Collapse`), and
        the articles they index.

        Usually twice a page's worth of hits fills it (loaded in one store query);
        when collapsing eats more, the next hits follow, up to three pages' worth.
        """
        scan_to = need * 3 + 10
        articles: list[Article] = []
        collapse = dedup.Collapse(threshold)

        def full(item: int, n_groups: int) -> bool:
            return item >= scan_to or (n_groups >= need and item >= need * 2)

        position = 0
        while position < len(ordered) and not full(len(articles), len(collapse.groups)):
            ids = ordered[position:position + (need * 2 if not articles else scan_to)
                          - len(articles)]
            position += len(ids)
            with self._store_lock:
                loaded = self.store.get_many(ids)
            batch = [a for a in (loaded.get(i) for i in ids) if a is not None]
            articles += batch
            if collapse.add([dedup.Candidate(a.title, a.paragraphs[:3], a.language)
                             for a in batch], full):
                break
        return articles, collapse.groups

    def _page(self, ordered: list[str], scores: dict[str, float],
              ranks: dict[str, tuple[int | None, int | None]], offset: int, limit: int,
              plan: Plan, tuning: Tuning) -> list[SearchHit]:
        need = offset + limit
        if limit == 0:
            return []
        articles, groups = (self._collapsed(ordered, need, tuning.collapse_threshold)
                            if tuning.collapse else self._uncollapsed(ordered, need))
        hits = []
        steering, minor = plan.highlights()
        for rank, (kept, members) in enumerate(groups[offset:need], start=offset + 1):
            a = articles[kept]
            lr, dr = ranks.get(a.id, (None, None))
            hits.append(SearchHit(
                id=a.id, external_id=a.external_id, score=float(scores.get(a.id, 0.0)),
                rank=rank, title=a.title, url=a.url or a.canonical_url, source=a.source_name,
                published=a.published, language=a.language,
                snippet=snippets.make_snippet(a.paragraphs, a.language, steering, minor),
                title_highlights=snippets.highlights(a.title, a.language, plan.highlight),
                lexical_rank=lr, dense_rank=dr,
                similar=tuple(articles[m].id for m in members)))
        return hits

    def _explain(self, plan: Plan, filters: list[SearchFilters], mode: str, total: int,
                 offset: int, s: tantivy.Searcher, dense: tuple[Embedder, VectorIndex] | None,
                 qvec: Any, tuning: Tuning, qlang: str = "und") -> str:
        if total and offset >= total:
            return f"no more results: {total} in all"
        if plan.impossible:
            return "a required word or phrase has no searchable letters"
        merged = merge_filters(filters)
        parts = []
        if merged.languages:
            parts.append("in " + " or ".join(LANGUAGE_NAMES.get(x, x) for x in merged.languages))
        if merged.sources:
            parts.append("from " + " and ".join(merged.sources))
        if merged.after or merged.before:
            parts.append(_date_range_text(merged.after, merged.before))
        if not parts:
            what = f"“{plan.parsed.positive_text}”" if plan.parsed.positive_text else "the query"
            if mode == "dense":
                return (f"no results for {what}: no article is close enough in meaning "
                        f"(similarity below {tuning.dense_floor:g})")
            return f"no results for {what}"
        head = "no results " + " ".join(parts)
        # Drop the language filter alone first ("no results in Lao; 12 in other languages").
        if merged.languages:
            without = [replace(f, languages=()) for f in filters]
            rel = self._relevant(plan, without, mode, False, tuning.candidates, s, dense, qvec,
                                 tuning, lists=True, qlang=qlang).settle()
            if rel.total:
                others = ", ".join(f"{LANGUAGE_NAMES.get(k, k)} {v}"
                                   for k, v in rel.facets["language"].items())
                return f"{head}; {rel.total} in other languages ({others})"
        if len(parts) > 1 or not merged.languages:
            rel = self._relevant(plan, [], mode, False, tuning.candidates, s, dense, qvec,
                                 tuning, lists=False, qlang=qlang)
            if rel.total:
                return f"{head}; {rel.total} without these filters"
        return head + "; none without these filters either"


def _boosts(tuning: Tuning) -> dict[str, float]:
    """The field weights a search uses: the index's, or with the title weight tuned."""
    if tuning.title_boost is None:
        return lx.BOOSTS
    title_of = {lx.TITLE: lx.BODY, lx.TITLE_FOLD: lx.BODY_FOLD, lx.TITLE_SUB: lx.BODY_SUB,
                lx.TITLE_SUB_FOLD: lx.BODY_SUB_FOLD, lx.TITLE_PAIR: lx.BODY_PAIR,
                lx.TITLE_PAIR_FOLD: lx.BODY_PAIR_FOLD}
    boosts = dict(lx.BOOSTS)
    for title, body in title_of.items():
        boosts[title] = lx.BOOSTS[body] * tuning.title_boost
    return boosts


def _big_index(s: tantivy.Searcher, tuning: Tuning) -> bool:
    """Big enough for the shapes that trade lookups for postings (`Tuning.pruned_min_docs`)."""
    return s.num_docs >= tuning.pruned_min_docs


def _date_key(value: datetime | None) -> tuple[int, float]:
    if value is None:
        return (1, 0.0)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (0, -value.timestamp())


def _by_count(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _date_range_text(after: datetime | None, before: datetime | None) -> str:
    def day(d: datetime) -> str:
        return d.date().isoformat() if d.time() == datetime.min.time() else d.isoformat()

    if after and before:
        return f"from {day(after)} to before {day(before)}"
    if after:
        return f"on or after {day(after)}"
    assert before is not None
    return f"before {day(before)}"


# --- the module-level entry point ----------------------------------------------------------------

_SEARCHERS: dict[tuple[Path, int], Searcher] = {}
_SEARCHERS_LOCK = threading.Lock()


def searcher_for(data: str | Path | None = None,
                 embedder: Embedder | None = _USE_DEFAULT) -> Searcher:
    """The process-wide `Searcher` for a data directory (opened on first use)."""
    path = config.data_dir(data).resolve()
    key = (path, id(embedder))
    with _SEARCHERS_LOCK:
        searcher = _SEARCHERS.get(key)
        if searcher is None:
            searcher = _SEARCHERS[key] = Searcher(path, embedder)
        return searcher


def search(query: str, *, data: str | Path | None = None,
           lang: str | Sequence[str] | None = None, source: str | Sequence[str] | None = None,
           after: datetime | date | str | None = None, before: datetime | date | str | None = None,
           sort: str = "relevance", mode: str = "hybrid", limit: int = 10, offset: int = 0,
           tuning: Tuning | None = None, embedder: Embedder | None = _USE_DEFAULT
           ) -> SearchResults:
    """Search the articles in `data` (default: $NEWSDESK_DATA or ./data).

    `lang`/`source` take one value, a comma-separated string or a list; `after`
    (inclusive) and `before` (exclusive) take datetimes, dates or YYYY-MM-DD / ISO 8601
    strings. They combine with `lang:`/`source:`/`after:`/`before:` in the query (both
    must hold). `mode` is "hybrid" (default), "lexical" or "dense"; `sort` is
    "relevance" or "date" (newest first, over the same matching set). `tuning`
    overrides fusion and collapse knobs; `embedder` overrides the process default
    (None turns dense retrieval off). Raises `QueryError` for a bad query or argument
    and `SearchError` when there is no usable index.
    """
    return searcher_for(data, embedder).search(
        query, lang=lang, source=source, after=after, before=before, sort=sort, mode=mode,
        limit=limit, offset=offset, tuning=tuning)
