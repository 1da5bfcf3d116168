"""Hybrid ranking: normalised score fusion weighted per document language, or RRF.

Score fusion (the default) puts both sides on [0, 1] per query — BM25 divided by the
best BM25, the dense score min-max scaled within its document's language (best =
1, the `depth`-th = 0) — and adds them with a lexical share that depends on whether
the document is in the query's language: 0.5 there, 0.2 elsewhere, because BM25
across languages matches only numbers, dates and Latin names. Raw scores could not be
added (BM25 depends on query length, e5 cosines sit in a narrow band), and one
lexical weight for every document cannot serve both vi→vi, where BM25 beats dense,
and en→zh, where the lexical list is noise. On XQuAD dev this beat every RRF
setting on every pair (docs/benchmarks.md, "Retrieval").

RRF (Cormack et al., 2009; `Tuning.fusion = "rrf"`) adds `weight / (k + rank)` over
the lists a document is in; it stays for comparison in the benches.

The defaults live in `Tuning` so `bench/retrieval.py` can sweep them on the XQuAD
dev split; change them there, with the figures, not here by feel.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Tuning:
    """Knobs of the read side (defaults are what `newsdesk search` uses)."""

    fusion: str = "score"
    """"score" (normalised scores, lexical share per document language) or "rrf"."""
    lexical_share_same: float = 0.5
    """Score fusion: lexical share for documents in the query's language (or any, when
    the query's language is unknown)."""
    lexical_share_cross: float = 0.2
    """Score fusion: lexical share for documents in another language. On XQuAD dev
    0.1 / 0.2 / 0.3 give cross-lingual averages 0.851 / 0.853 / 0.852; at 0.3 hybrid falls
    below dense on en→zh and en→vi, at 0.1 below lexical on Lao→Thai (where the embedder
    is weak and dates, numbers and names carry the match); 0.2 is above both everywhere."""
    dense_weak_languages: tuple[str, ...] | None = ("lo",)
    """Languages the packaged embedder reads poorly: a document or query in one of them
    takes `lexical_share_same` even across languages, as if dense could not bridge
    the pair (None: none). Lao: dense scores 0.47 (lo→th) and 0.41 (th→lo) nDCG@10 on
    the lao-thai dev half (even rows), against 0.83–0.86 on XQuAD's cross-lingual
    pairs; with the cross-lingual share (0.2) hybrid fell below lexical on th→lo
    (0.521 vs 0.587), with this rule it is 0.718 (lo→th 0.573 → 0.680). Shares 0.3 /
    0.4 / 0.6 gave th→lo 0.618 / 0.686 / 0.711 on that half."""
    title_boost: float | None = None
    """Weight of a title match relative to the same match in the body (None: the
    index's `lexical.BOOSTS`, 3×)."""
    rrf_k: float = 60.0
    lexical_weight: float = 1.0
    dense_weight: float = 1.0
    dense_floor: float = 0.70
    """Raw cosine below which a dense hit is never relevant (e5-small puts unrelated
    text of another script around 0.65–0.72; 0.75 cut true English→Chinese matches)."""
    centre: float = 0.5
    """Share of the query language's mean vector removed from the query (`dense.centre`)."""
    centre_min_docs: int = 32
    """Fewer documents than this in the query's language: no mean, no centring."""
    dense_margin: float = 0.05
    """A dense hit is relevant when within this of the best hit in its own language
    (see `engine.Searcher._dense_search`: e5 scores are not comparable across
    languages, gaps within one language are)."""
    candidates: int = 100
    """How deep each list is read before fusion (at least 3× offset + limit)."""
    unit_phrase_share: float | None = 0.003
    """An optional query word held as a word by at least this share of the documents
    (and `unit_phrase_min_docs`) is matched by its word terms only, without its unit
    phrase (`engine.Searcher._common_words`); None always adds the phrase."""
    scoring_only_share: float | None = 0.05
    """An optional query word held as a word by at least this share of the documents
    (and `unit_phrase_min_docs`) only adds to the score of documents that match a rarer
    query word (None: every word matches on its own)."""
    scoring_only_in_body: bool = False
    """Do those scoring-only words also score in article bodies? Most of the postings a
    headline-length query reads were theirs (a word in 5 % of a million bodies): at 1M
    documents, scoring them in titles only took the lexical top-k's p95 from 17.0 to
    13.1 ms, with known-item MRR@10 0.847 → 0.846 (0.865 both at 100k; 600 titles,
    bench/search_scale.py's check). Where every query word is that common, they
    match and score in bodies as usual."""
    unit_phrase_min_docs: int = 1000
    """Below this many documents (in the index, and holding the word) neither of the
    two rules above applies: small indexes are cheap to search in full."""
    recency_half_life_days: float | None = None
    """Off by default: relevance sort ranks by relevance only. When set, a hit's fused
    score is multiplied by 1 + recency_weight × 2^(−age / half life)."""
    recency_weight: float = 0.5
    collapse_threshold: float = 0.8
    """Jaccard of character shingles at which two same-language hits are near-duplicates."""
    collapse: bool = True
    pruned_split: bool = True
    """Rank an unfiltered headline-shaped query in parts tantivy can prune (`pruned`):
    the same top k; off only to measure the difference."""
    pruned_min_docs: int = 500_000
    """Below this many documents a query is asked as built: neither the split top k nor
    the cheaper shape for sequences holding a rarer word (`engine.plan_query`). Both
    trade more index lookups and passes for fewer postings read, which pays on a big
    index only: on the 100k bench snapshot (13 segments) they took the lexical top-k
    mean from 2.40 to 2.80 ms and query planning p50 from 0.9 to 1.3 ms; at 1M (4
    segments) they save (top-k p95 12.25 → 11.14 ms end to end)."""
    period_filters: bool = True
    """A date window (with its languages) asked as a union of `period` terms
    (`engine.filter_queries`); False keeps the range clauses, for measurement."""
    gate_min_postings: int = 150_000
    """A filtered search joins the split top k (`pruned.Gate`) only when the rarer
    words' terms hold at least this many postings together: the full query then
    scores that many candidates against the filter, where the split prunes. Below,
    the filtered full query is already cheap (p50 ~2.5 ms at 1M) and the split's
    extra passes cost more. At 1M, over the 109 bench queries that can split:
    filtered top-k p95 8.14 ms with no gate, 7.96 gating every one, 6.66 from
    150,000 postings (bench/search_scale.py queries; docs/benchmarks.md)."""


DEFAULT_TUNING = Tuning()


def rrf(lists: Sequence[Sequence[str]], weights: Sequence[float], k: float) -> dict[str, float]:
    """{id: Σ weight / (k + rank)} over ranked id lists (rank 1 = first)."""
    scores: dict[str, float] = {}
    for ids, weight in zip(lists, weights, strict=True):
        if weight == 0:
            continue
        for rank, doc_id in enumerate(ids, start=1):
            scores[doc_id] = scores.get(doc_id, 0.0) + weight / (k + rank)
    return scores


def score_fusion(lexical: Sequence[tuple[str, float]], dense: dict[str, float],
                 scale: dict[str, tuple[float, float]], language: dict[str, str],
                 query_language: str, tuning: Tuning) -> dict[str, float]:
    """{id: fused score} over the lexical list and every id in `dense`.

    `dense` holds the (centred) dense score of each candidate, `scale` each language's
    (low, high) dense scores and `language` each candidate's language; a candidate
    without a dense score, or in a language that was not searched, gets 0 there.
    """
    top = max((sc for _, sc in lexical), default=0.0)
    lex = {a: sc / top for a, sc in lexical} if top > 0 else {}
    weak = tuning.dense_weak_languages or ()
    weak_query = query_language in weak
    fused: dict[str, float] = {}
    for article_id in dict.fromkeys([*(a for a, _ in lexical), *dense]):
        lang = language.get(article_id)
        d = 0.0
        if lang in scale and article_id in dense:
            low, high = scale[lang]
            d = min(1.0, max(0.0, (dense[article_id] - low) / max(high - low, 1e-9)))
        same = query_language == "und" or lang is None or lang == query_language
        share = (tuning.lexical_share_same if same or weak_query or lang in weak
                 else tuning.lexical_share_cross)
        fused[article_id] = share * lex.get(article_id, 0.0) + (1 - share) * d
    return fused


def recency_factor(published: datetime | None, half_life_days: float, weight: float,
                   now: datetime | None = None) -> float:
    """1 + weight × 2^(−age/half life); undated articles get no boost."""
    if published is None or half_life_days <= 0:
        return 1.0
    now = now or datetime.now(UTC)
    if published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    age_days = max(0.0, (now - published).total_seconds() / 86400)
    return 1.0 + weight * math.pow(2.0, -age_days / half_life_days)
