"""Hybrid ranking: weighted reciprocal rank fusion and an optional recency boost.

RRF (Cormack et al., 2009) adds `weight / (k + rank)` over the lists a document is
in. It needs no score calibration, which matters here: BM25 scores depend on the
query's length and language, and e5 cosines sit in a narrow band (~0.7–0.9), so a
weighted sum of raw scores would be dominated by whichever side happens to spread
more. `k` damps the head: with k = 60 rank 1 is worth only ~1.6× rank 10.

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

    rrf_k: float = 60.0
    lexical_weight: float = 1.0
    dense_weight: float = 1.0
    dense_floor: float = 0.75
    """Cosine below which a dense hit is never relevant (e5-small puts unrelated text of
    another script around 0.70–0.75)."""
    dense_margin: float = 0.05
    """A dense hit is relevant when within this of the best hit in its own language
    (see `engine.Searcher._dense_search`: e5 scores are not comparable across
    languages, gaps within one language are)."""
    candidates: int = 100
    """How deep each list is read before fusion (at least 3× offset + limit)."""
    recency_half_life_days: float | None = None
    """Off by default: relevance sort ranks by relevance only. When set, a hit's fused
    score is multiplied by 1 + recency_weight × 2^(−age / half life)."""
    recency_weight: float = 0.5
    collapse_threshold: float = 0.8
    """Jaccard of character shingles at which two same-language hits are near-duplicates."""
    collapse: bool = True


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
