"""The dense index: faiss HNSW over L2-normalised vectors (inner product = cosine).

One file, `data/index/vectors.bin`, holds both the faiss index and the id mapping, so
they can never disagree: a small header (magic, JSON length, JSON metadata: dim,
embedder name, int id ↔ article id, passage-text hashes, tombstones) followed by
`faiss.serialize_index` bytes. `save()` writes a temp file, fsyncs and `os.replace`s
it, so a reader or a crash sees the old file or the new one, never half of one.

faiss HNSW cannot delete. An update or removal therefore *tombstones* the old int
id (each embedding gets a fresh int id; `IndexIDMap2` maps it back), and search
excludes tombstones with an `IDSelectorNot(IDSelectorBatch)` passed in
`SearchParametersHNSW`, so filtered HNSW search still returns k live hits. When
tombstones pass `COMPACT_RATIO` of the index, `save()` rebuilds the graph from the
live vectors (read back with `reconstruct`, no re-embedding).

Search side: `VectorIndex.open(path)` then `search(query_vector, k, allowed=None)` →
`[(article_id, score)]`, best first; `allowed` restricts to a set of article ids
(language/source/date filters computed on the lexical side). A long-lived reader
calls `refresh()` (cheap `stat`) before searching to pick up a newer file.
"""

from __future__ import annotations

import json
import logging
import os
import struct
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from newsdesk.errors import NewsdeskError

log = logging.getLogger(__name__)

MAGIC = b"NDVEC1\n"
HNSW_M = 32
EF_CONSTRUCTION = 80
EF_SEARCH = 96
"""Default efSearch: recall@1 ≈ 0.99 at ~1.5 ms on 50k vectors (see /work/shared/ENGINES.md)."""
COMPACT_RATIO = 0.25
COMPACT_MIN = 256


class VectorIndexError(NewsdeskError):
    """The vector file is unreadable or belongs to another embedder/dimension."""


def _new_faiss(dim: int) -> Any:
    hnsw = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = EF_CONSTRUCTION
    hnsw.hnsw.efSearch = EF_SEARCH
    return faiss.IndexIDMap2(hnsw)


class VectorIndex:
    """HNSW index of article vectors with tombstones, filtered search and atomic save."""

    def __init__(self, path: str | Path, dim: int, embedder: str) -> None:
        self.path = Path(path)
        self.dim = dim
        self.embedder = embedder
        self.ef_search = EF_SEARCH
        self._lock = threading.RLock()
        self._index = _new_faiss(dim)
        self._ids: dict[int, str] = {}  # live int id -> article id
        self._by_article: dict[str, int] = {}
        self._hashes: dict[str, str] = {}  # article id -> hash of the embedded text
        self._tombstones: set[int] = set()
        self._next = 1
        self._stamp: tuple[int, int, int] | None = None
        self.dirty = False

    # -- lifecycle ---------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, dim: int | None = None,
             embedder: str | None = None) -> VectorIndex:
        """Load `path`; a missing file gives an empty index (needs `dim` and `embedder`)."""
        path = Path(path)
        if not path.exists():
            if dim is None or embedder is None:
                raise VectorIndexError(f"no vector index at {path} (run `newsdesk reindex`)")
            return cls(path, dim, embedder)
        index = cls(path, dim or 1, embedder or "")
        index._load()
        if dim is not None and index.dim != dim:
            raise VectorIndexError(f"{path} holds {index.dim}-d vectors, expected {dim}")
        return index

    def _file_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _load(self) -> None:
        stamp = self._file_stamp()
        try:
            data = self.path.read_bytes()
            if not data.startswith(MAGIC):
                raise ValueError("not a newsdesk vector file")
            (n,) = struct.unpack_from("<Q", data, len(MAGIC))
            start = len(MAGIC) + 8
            meta = json.loads(data[start:start + n])
            index = faiss.deserialize_index(np.frombuffer(data[start + n:], dtype=np.uint8))
        except (OSError, ValueError, RuntimeError, struct.error) as exc:
            raise VectorIndexError(f"cannot read vector index {self.path}: {exc} "
                                   "(run `newsdesk reindex`)") from None
        with self._lock:
            self.dim = int(meta["dim"])
            self.embedder = str(meta["embedder"])
            self._index = index
            self._ids = {int(i): a for i, a in meta["ids"]}
            self._by_article = {a: i for i, a in self._ids.items()}
            self._hashes = dict(meta["hashes"])
            self._tombstones = set(meta["tombstones"])
            self._next = int(meta["next"])
            self._stamp = stamp
            self.dirty = False

    def refresh(self) -> bool:
        """Reload if another process saved a newer file; True when reloaded."""
        stamp = self._file_stamp()
        if stamp is None or stamp == self._stamp:
            return False
        self._load()
        return True

    def save(self) -> None:
        """Write atomically (temp file, fsync, os.replace); compacts first if worthwhile."""
        with self._lock:
            if len(self._tombstones) >= max(COMPACT_MIN, COMPACT_RATIO * max(1, self.ntotal)):
                self.compact()
            meta = {
                "dim": self.dim, "embedder": self.embedder, "next": self._next,
                "ids": sorted(self._ids.items()), "hashes": self._hashes,
                "tombstones": sorted(self._tombstones), "m": HNSW_M,
            }
            blob = json.dumps(meta, ensure_ascii=False).encode()
            body = faiss.serialize_index(self._index)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(self.path.name + f".tmp{os.getpid()}")
            with open(tmp, "wb") as fh:
                fh.write(MAGIC)
                fh.write(struct.pack("<Q", len(blob)))
                fh.write(blob)
                fh.write(memoryview(body))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
            _fsync_dir(self.path.parent)
            self._stamp = self._file_stamp()
            self.dirty = False

    # -- writing -----------------------------------------------------------------------------
    @property
    def ntotal(self) -> int:
        return int(self._index.ntotal)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._by_article

    def text_hash(self, article_id: str) -> str | None:
        """Hash of the text the article's vector was made from (skip re-adding unchanged)."""
        return self._hashes.get(article_id)

    def add(self, ids: Sequence[str], vectors: np.ndarray,
            hashes: Sequence[str] | None = None) -> None:
        """Add or replace vectors (rows L2-normalised float32, one per article id)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        if len(ids) != vectors.shape[0]:
            raise ValueError(f"{len(ids)} ids for {vectors.shape[0]} vectors")
        if not ids:
            return
        with self._lock:
            self.remove(ids)
            ints = np.arange(self._next, self._next + len(ids), dtype=np.int64)
            self._next += len(ids)
            self._index.add_with_ids(vectors, ints)
            for n, article_id in zip(ints.tolist(), ids, strict=True):
                self._ids[n] = article_id
                self._by_article[article_id] = n
            if hashes is not None:
                self._hashes.update(zip(ids, hashes, strict=True))
            self.dirty = True

    def remove(self, ids: Iterable[str]) -> int:
        """Tombstone these articles' vectors; they never come back from `search`."""
        n = 0
        with self._lock:
            for article_id in ids:
                old = self._by_article.pop(article_id, None)
                self._hashes.pop(article_id, None)
                if old is not None:
                    del self._ids[old]
                    self._tombstones.add(old)
                    n += 1
            if n:
                self.dirty = True
        return n

    def clear(self) -> None:
        with self._lock:
            self._index = _new_faiss(self.dim)
            self._ids.clear()
            self._by_article.clear()
            self._hashes.clear()
            self._tombstones.clear()
            self.dirty = True

    def compact(self) -> None:
        """Rebuild the graph from live vectors only (drops tombstones)."""
        with self._lock:
            live = sorted(self._ids)
            fresh = _new_faiss(self.dim)
            if live:
                vectors = np.vstack([self._index.reconstruct(i) for i in live])
                fresh.add_with_ids(vectors.astype(np.float32), np.array(live, dtype=np.int64))
            self._index = fresh
            self._tombstones.clear()
            self.dirty = True

    # -- reading -----------------------------------------------------------------------------
    def search(self, vector: np.ndarray, k: int = 10,
               allowed: set[str] | None = None,
               ef_search: int | None = None) -> list[tuple[str, float]]:
        """[(article_id, inner product)] best first, only among `allowed` when given."""
        query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, self.dim)
        with self._lock:
            if k <= 0 or not self._ids:
                return []
            selector: Any = None
            if allowed is not None:
                ints = [self._by_article[a] for a in allowed if a in self._by_article]
                if not ints:
                    return []
                selector = faiss.IDSelectorBatch(np.array(ints, dtype=np.int64))
            elif self._tombstones:
                dead = faiss.IDSelectorBatch(np.array(sorted(self._tombstones), dtype=np.int64))
                selector = faiss.IDSelectorNot(dead)
                selector._keep = dead  # keep the inner selector alive as long as the outer
            params = faiss.SearchParametersHNSW(efSearch=max(ef_search or self.ef_search, k))
            if selector is not None:
                params.sel = selector
            scores, labels = self._index.search(query, min(k, len(self._ids)), params=params)
            out = []
            for score, label in zip(scores[0].tolist(), labels[0].tolist(), strict=True):
                article_id = self._ids.get(int(label)) if label >= 0 else None
                if article_id is not None:
                    out.append((article_id, float(score)))
            return out


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
