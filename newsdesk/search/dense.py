"""Dense retrieval per document language, with the query's language pull removed.

Two measured facts about multilingual-e5-small shape this (docs/benchmarks.md,
"Retrieval"):

1. Its vectors carry a language direction. A Chinese question is pulled towards
   whatever in an English pool "looks most Chinese". Subtracting half of the mean
   passage vector of the *query's* language from the query (`centre`, then
   renormalising) removes most of that pull: cross-lingual nDCG@10 on XQuAD dev
   +0.02–0.05 on every pair, monolingual −0.00–0.015. The means come from the index
   itself (the live vectors of that language), so they fit the user's corpus and
   need no shipped data; a language with fewer than `Tuning.centre_min_docs`
   documents gives no reliable mean and is not centred.
2. Cosines are not comparable across languages: a query scores unrelated text of
   its own language above the same story in another one. So every language is
   searched in its own graph, a hit is relevant when within `dense_margin` of its
   language's best (on the centred score) and above `dense_floor` (on the raw cosine,
   whose scale the floor was set on), and hits are ranked by that gap.

Each language also reports a score scale (its best and its `depth`-th score) so
fusion can normalise dense scores per language (`fusion.score_fusion`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from newsdesk.index.vectors import VectorFilter, VectorIndex
from newsdesk.search.fusion import Tuning


@dataclass
class DenseResult:
    """Relevant dense hits and what fusion needs to place other documents on their scale."""

    hits: list[tuple[str, float]] = field(default_factory=list)
    """(article id, centred score), ranked by the gap to the best of their language."""
    language: dict[str, str] = field(default_factory=dict)  # article id -> language
    scale: dict[str, tuple[float, float]] = field(default_factory=dict)
    """language -> (low, high): the depth-th and the best centred score."""
    query: np.ndarray | None = None
    """The centred query vector (to score lexical-only hits on the same scale)."""


def centre(vectors: VectorIndex, qvec: np.ndarray, language: str, tuning: Tuning
           ) -> np.ndarray:
    """`qvec` minus `tuning.centre` × the mean vector of `language`'s documents, unit length."""
    if not tuning.centre or language == "und":
        return qvec
    found = vectors.mean(language)
    if found is None or found[1] < tuning.centre_min_docs:
        return qvec
    shifted = np.asarray(qvec, dtype=np.float32) - tuning.centre * found[0]
    norm = float(np.linalg.norm(shifted))
    return shifted / norm if norm > 1e-6 else qvec


def dense_search(vectors: VectorIndex, qvec: np.ndarray, query_language: str,
                 languages: Sequence[str], where: Sequence[VectorFilter],
                 allowed: set[str] | None, depth: int, tuning: Tuning) -> DenseResult:
    """Search each of `languages` (all the index holds when empty) and keep the relevant."""
    query = centre(vectors, qvec, query_language, tuning)
    result = DenseResult(query=query)
    held = vectors.languages()
    wanted = [x for x in (languages or held) if x in held]
    ranked: list[tuple[float, float, str]] = []
    for language in wanted:
        found = vectors.search(query, depth, allowed, language=language, where=where)
        if not found:
            continue
        best, low = found[0][1], found[-1][1]
        result.scale[language] = (low, best)
        close = [(a, sc) for a, sc in found if sc >= best - tuning.dense_margin]
        # The floor is on the raw cosine: rescore only the hits within the margin.
        raw = (vectors.similarity(qvec, [a for a, _ in close]) if query is not qvec
               else dict(close))
        for article_id, score in close:
            if raw.get(article_id, score) >= tuning.dense_floor:
                ranked.append((score - best, score, article_id))
                result.language[article_id] = language
    ranked.sort(key=lambda x: (-x[0], -x[1]))
    result.hits = [(a, sc) for _, sc, a in ranked[:depth]]
    return result
