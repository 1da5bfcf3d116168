"""The dense index: one faiss HNSW graph per document language, cosine on unit vectors.

Why one graph per language
--------------------------
e5 vectors carry a strong language direction: a Chinese query's nearest neighbours
are Chinese passages, whatever they say. Search restricted to English documents in
one shared graph (a faiss selector) walks the query's Chinese neighbourhood and
returns only a handful of English vectors: on XQuAD (1,195 vectors, 240 English)
efSearch 100 gave 6–12 of the 100 asked for, so the gold passage was often never
scored (docs/benchmarks.md, "Retrieval"). The search side asks "what is the best
match in each language" anyway, so each language gets its own graph and a search
never has to leave it.

Filters without tantivy
-----------------------
Each vector also carries its article's source keys and publish time, kept as
numpy arrays per language, so a `source:`/`after:`/`before:` filter is a vectorised
mask rather than an id set built from the lexical index per query (which grows
with the corpus: ~70 ms a query at 100k documents). A mask that leaves few vectors
(`EXACT_MAX`) is scored exactly on the stored rows, which is both exact and faster
than a graph walk that rejects most nodes; a larger one is passed to HNSW as a
bitmap selector with efSearch scaled by how much the mask removes.

On disk
-------
One file, `data/index/vectors.bin`: a header (magic, JSON length, JSON metadata: dim,
embedder, per language the article id of every graph position or null for a
tombstone, passage-text hashes, per-article attributes) followed by each language's
`faiss.serialize_index` bytes. `save()` writes a temp file, fsyncs and `os.replace`s
it, so a reader or a crash sees the old file or the new one, never half of one.

HNSW cannot delete: a removal tombstones the position, masks skip it, and `save()`
rebuilds a language's graph from its live rows once tombstones pass `COMPACT_RATIO`.
"""

from __future__ import annotations

import json
import logging
import math
import os
import struct
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from newsdesk.errors import NewsdeskError
from newsdesk.index.sources import filter_source_keys
from newsdesk.text.analysis import base_language

log = logging.getLogger(__name__)

MAGIC = b"NDVEC2\n"
OLD_MAGICS = (b"NDVEC1\n",)
HNSW_M = 32
EF_CONSTRUCTION = 80
EF_SEARCH = 256
"""Default efSearch. 96 (ENGINES.md: recall@1 ≈ 0.99 on 50k random-ish vectors) found
only 0.38 of the exact top 10 for Chinese queries in a 62k-vector Chinese graph full
of near-duplicate wire copy (bench/search_scale.py at 100k); 256 found 0.88 at 1.7 ms."""
MAX_EF_SEARCH = 2048
EXACT_MAX = 8192
"""Up to this many candidate rows a search scores them all exactly (a few ms)."""
COMPACT_RATIO = 0.25
COMPACT_MIN = 256
_NO_DATE = np.iinfo(np.int64).min

# One query at a time gains nothing from OpenMP threads and pays their wake-up:
# 0.03 ms single-threaded against 0.75–61 ms with 2 threads on a loaded machine.
faiss.omp_set_num_threads(1)


class VectorIndexError(NewsdeskError):
    """The vector file is unreadable or belongs to another embedder/dimension."""


@dataclass(frozen=True)
class VectorMeta:
    """What a vector is filtered by: its article's language, source keys and date."""

    language: str = "und"
    sources: tuple[str, ...] = ()
    """Case-folded source name and domain (what `source:` matches)."""
    published: datetime | None = None

    def row(self) -> _MetaRow:
        ts = _timestamp(self.published) if self.published is not None else None
        return (self.language, tuple(self.sources), ts)

    @classmethod
    def from_row(cls, row: _MetaRow) -> VectorMeta:
        language, sources, ts = row
        return cls(language, sources, datetime.fromtimestamp(ts, UTC) if ts is not None else None)


_MetaRow = tuple[str, tuple[str, ...], int | None]
"""A `VectorMeta` as the index keeps it, one per article: (language, source keys, publish
time in whole seconds, as saved). Why not the dataclass: a million instances are a
million objects CPython's cycle collector walks on every full collection, which
stalls every search for ~300 ms (at 1M, the search bench's timed phase ran 7 in 95 s),
and ~300 bytes each. A tuple of strings and ints is untracked by the collector after
its first pass, and the source tuples and language strings are shared (`_Interned`)."""


def _row_of_json(row: Sequence[Any]) -> _MetaRow:
    language, sources, ts = row
    return (str(language), tuple(sources), int(ts) if ts is not None else None)


class _Interned:
    """One shared object per distinct language and source tuple of the rows."""

    def __init__(self) -> None:
        self._seen: dict[Any, Any] = {}

    def row(self, row: _MetaRow) -> _MetaRow:
        language, sources, ts = row
        return (self._seen.setdefault(language, language),
                self._seen.setdefault(sources, sources), ts)


@dataclass(frozen=True)
class VectorFilter:
    """One filter set: every given condition holds (`after` inclusive, `before` exclusive)."""

    sources: tuple[str, ...] = ()
    after: datetime | None = None
    before: datetime | None = None


def _new_hnsw(dim: int) -> Any:
    index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = EF_CONSTRUCTION
    index.hnsw.efSearch = EF_SEARCH
    return index


def _timestamp(value: datetime) -> int:
    return int((value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp())


class _Arrays:
    """Per-position numpy views of one language's graph, rebuilt after each change."""

    def __init__(self, part: _Partition, metas: dict[str, _MetaRow],
                 codes: dict[str, int]) -> None:
        n = len(part.articles)
        self.live = np.fromiter((a is not None for a in part.articles), dtype=bool, count=n)
        self.dated = np.zeros(n, dtype=bool)
        self.when = np.full(n, _NO_DATE, dtype=np.int64)
        width = max([1, *(len(metas[a][1]) for a in part.articles if a is not None)])
        self.sources = np.full((n, width), -1, dtype=np.int32)
        for pos, article_id in enumerate(part.articles):
            if article_id is None:
                continue
            _, sources, ts = metas[article_id]
            if ts is not None:
                self.dated[pos] = True
                self.when[pos] = ts
            for j, key in enumerate(sources):
                self.sources[pos, j] = codes.setdefault(key, len(codes))
        self.count = int(self.live.sum())
        self._mean: np.ndarray | None = None

    def mean(self, matrix: np.ndarray) -> np.ndarray:
        if self._mean is None:
            total = matrix.sum(axis=0, dtype=np.float64)
            dead = np.flatnonzero(~self.live)
            if dead.size:
                total -= matrix[dead].sum(axis=0, dtype=np.float64)
            self._mean = (total / max(1, self.count)).astype(np.float32)
        return self._mean


class _Partition:
    """One language: an HNSW graph and the article id at each of its positions."""

    def __init__(self, dim: int, index: Any = None,
                 articles: list[str | None] | None = None) -> None:
        self.index = index if index is not None else _new_hnsw(dim)
        self.articles: list[str | None] = articles if articles is not None else []
        self.dead = sum(a is None for a in self.articles)
        self.arrays: _Arrays | None = None

    def matrix(self) -> np.ndarray:
        """The stored rows, a view (valid until the next add)."""
        n, d = int(self.index.ntotal), int(self.index.d)
        if n == 0:
            return np.zeros((0, d), dtype=np.float32)
        storage = faiss.downcast_index(self.index.storage)
        return faiss.rev_swig_ptr(storage.get_xb(), n * d).reshape(n, d)


class VectorIndex:
    """Per-language HNSW graphs of article vectors: filtered search, tombstones, atomic save."""

    def __init__(self, path: str | Path, dim: int, embedder: str) -> None:
        self.path = Path(path)
        self.dim = dim
        self.embedder = embedder
        self.ef_search = EF_SEARCH
        self._lock = threading.RLock()
        self._parts: dict[str, _Partition] = {}
        self._where: dict[str, tuple[str, int]] = {}  # article id -> (language, position)
        self._hashes: dict[str, str] = {}  # article id -> hash of the embedded text
        self._metas: dict[str, _MetaRow] = {}  # article id -> filter attributes
        self._interned = _Interned()
        self._codes: dict[str, int] = {}  # source key -> small int (masks)
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
            if any(data.startswith(m) for m in OLD_MAGICS):
                raise ValueError("written by an older newsdesk (one graph for all languages)")
            if not data.startswith(MAGIC):
                raise ValueError("not a newsdesk vector file")
            (n,) = struct.unpack_from("<Q", data, len(MAGIC))
            start = len(MAGIC) + 8
            meta = json.loads(data[start:start + n])
            offset = start + n
            parts: dict[str, _Partition] = {}
            for entry in meta["partitions"]:
                size = int(entry["bytes"])
                blob = np.frombuffer(data, dtype=np.uint8, count=size, offset=offset)
                offset += size
                parts[entry["language"]] = _Partition(
                    int(meta["dim"]), faiss.deserialize_index(blob), list(entry["articles"]))
            interned = _Interned()
            metas = {a: interned.row(_row_of_json(row)) for a, row in meta["metas"].items()}
        except (OSError, ValueError, RuntimeError, struct.error, KeyError, TypeError) as exc:
            raise VectorIndexError(f"cannot read vector index {self.path}: {exc} "
                                   "(run `newsdesk reindex`)") from None
        with self._lock:
            self.dim = int(meta["dim"])
            self.embedder = str(meta["embedder"])
            self._parts = parts
            self._where = {a: (lang, pos) for lang, p in parts.items()
                           for pos, a in enumerate(p.articles) if a is not None}
            self._hashes = dict(meta["hashes"])
            self._metas = metas
            self._interned = interned
            self._codes = {}
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
        """Write atomically (temp file, fsync, os.replace); compacts first where worthwhile."""
        with self._lock:
            for language, part in list(self._parts.items()):
                if part.dead >= max(COMPACT_MIN, COMPACT_RATIO * max(1, len(part.articles))):
                    self._compact(language)
            bodies = [(lang, faiss.serialize_index(p.index), p.articles)
                      for lang, p in sorted(self._parts.items())]
            meta = {
                "dim": self.dim, "embedder": self.embedder, "m": HNSW_M,
                "partitions": [{"language": lang, "bytes": int(body.size), "articles": arts}
                               for lang, body, arts in bodies],
                "hashes": self._hashes,
                "metas": {a: [lang, list(sources), ts]
                          for a, (lang, sources, ts) in self._metas.items()},
            }
            blob = json.dumps(meta, ensure_ascii=False).encode()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(self.path.name + f".tmp{os.getpid()}")
            with open(tmp, "wb") as fh:
                fh.write(MAGIC)
                fh.write(struct.pack("<Q", len(blob)))
                fh.write(blob)
                for _, body, _ in bodies:
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
        """Graph positions in use, tombstones included."""
        return sum(len(p.articles) for p in self._parts.values())

    def __len__(self) -> int:
        return len(self._where)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._where

    def ids(self) -> set[str]:
        """Every article with a live vector."""
        with self._lock:
            return set(self._where)

    def text_hash(self, article_id: str) -> str | None:
        """Hash of the text the article's vector was made from (skip re-adding unchanged)."""
        return self._hashes.get(article_id)

    def meta(self, article_id: str) -> VectorMeta | None:
        row = self._metas.get(article_id)
        return VectorMeta.from_row(row) if row is not None else None

    def language_of(self, article_id: str) -> str | None:
        where = self._where.get(article_id)
        return where[0] if where else None

    def languages(self) -> dict[str, int]:
        """{language: live vectors}, largest first."""
        with self._lock:
            counts = {lang: len(p.articles) - p.dead for lang, p in self._parts.items()}
        return dict(sorted(((k, v) for k, v in counts.items() if v),
                           key=lambda kv: (-kv[1], kv[0])))

    def add(self, ids: Sequence[str], vectors: np.ndarray,
            hashes: Sequence[str] | None = None,
            metas: Sequence[VectorMeta] | None = None) -> None:
        """Add or replace vectors (rows L2-normalised float32, one per article id)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        if len(ids) != vectors.shape[0]:
            raise ValueError(f"{len(ids)} ids for {vectors.shape[0]} vectors")
        metas = list(metas) if metas is not None else [VectorMeta()] * len(ids)
        if len(metas) != len(ids):
            raise ValueError(f"{len(ids)} ids for {len(metas)} metas")
        if not ids:
            return
        with self._lock:
            self.remove(ids)
            rows: dict[str, list[int]] = {}
            for i, meta in enumerate(metas):
                rows.setdefault(base_language(meta.language), []).append(i)
            for language, picked in rows.items():
                part = self._parts.get(language)
                if part is None:
                    part = self._parts[language] = _Partition(self.dim)
                start = len(part.articles)
                part.index.add(vectors[picked])
                for j, i in enumerate(picked):
                    part.articles.append(ids[i])
                    self._where[ids[i]] = (language, start + j)
                part.arrays = None
            for i, article_id in enumerate(ids):
                self._metas[article_id] = self._interned.row(metas[i].row())
            if hashes is not None:
                self._hashes.update(zip(ids, hashes, strict=True))
            self.dirty = True

    def set_meta(self, article_id: str, meta: VectorMeta) -> bool:
        """Update an article's filter attributes in place (same language only)."""
        with self._lock:
            where = self._where.get(article_id)
            if where is None or where[0] != base_language(meta.language):
                return False
            row = self._interned.row(meta.row())
            if self._metas.get(article_id) != row:
                self._metas[article_id] = row
                self._parts[where[0]].arrays = None
                self.dirty = True
            return True

    def remove(self, ids: Iterable[str]) -> int:
        """Tombstone these articles' vectors; they never come back from `search`."""
        n = 0
        with self._lock:
            for article_id in ids:
                where = self._where.pop(article_id, None)
                self._hashes.pop(article_id, None)
                self._metas.pop(article_id, None)
                if where is not None:
                    part = self._parts[where[0]]
                    part.articles[where[1]] = None
                    part.dead += 1
                    part.arrays = None
                    n += 1
            if n:
                self.dirty = True
        return n

    def clear(self) -> None:
        with self._lock:
            self._parts.clear()
            self._where.clear()
            self._hashes.clear()
            self._metas.clear()
            self.dirty = True

    def compact(self) -> None:
        """Rebuild every graph from its live rows only (drops tombstones)."""
        with self._lock:
            for language in list(self._parts):
                self._compact(language)

    def _compact(self, language: str) -> None:
        part = self._parts[language]
        live = [pos for pos, a in enumerate(part.articles) if a is not None]
        if not live:
            del self._parts[language]
            self.dirty = True
            return
        rows = np.ascontiguousarray(part.matrix()[live])
        fresh = _Partition(self.dim)
        fresh.index.add(rows)
        fresh.articles = [part.articles[pos] for pos in live]
        self._parts[language] = fresh
        for pos, article_id in enumerate(fresh.articles):
            assert article_id is not None
            self._where[article_id] = (language, pos)
        self.dirty = True

    # -- reading -----------------------------------------------------------------------------
    def _arrays(self, part: _Partition) -> _Arrays:
        if part.arrays is None:
            part.arrays = _Arrays(part, self._metas, self._codes)
        return part.arrays

    def mean(self, language: str) -> tuple[np.ndarray, int] | None:
        """(mean live vector, how many) of one language's documents, or None."""
        with self._lock:
            part = self._parts.get(base_language(language))
            if part is None:
                return None
            arrays = self._arrays(part)
            if not arrays.count:
                return None
            return arrays.mean(part.matrix()), arrays.count

    def similarity(self, vector: np.ndarray, ids: Sequence[str]) -> dict[str, float]:
        """Cosine of `vector` with these articles' stored vectors (those that have one)."""
        query = np.ascontiguousarray(vector, dtype=np.float32).reshape(self.dim)
        out: dict[str, float] = {}
        with self._lock:
            by_part: dict[str, list[tuple[str, int]]] = {}
            for article_id in ids:
                where = self._where.get(article_id)
                if where is not None:
                    by_part.setdefault(where[0], []).append((article_id, where[1]))
            for language, items in by_part.items():
                rows = self._parts[language].matrix()[[pos for _, pos in items]]
                for (article_id, _), score in zip(items, (rows @ query).tolist(), strict=True):
                    out[article_id] = float(score)
        return out

    def _mask(self, language: str, part: _Partition, where: Sequence[VectorFilter],
              allowed: set[str] | None) -> np.ndarray:
        arrays = self._arrays(part)
        mask = arrays.live.copy()
        for f in where:
            if f.sources:
                codes = [self._codes[k] for k in filter_source_keys(f.sources)
                         if k in self._codes]
                mask &= np.isin(arrays.sources, codes).any(axis=1) if codes else False
            if f.after is not None:
                mask &= arrays.dated & (arrays.when >= _timestamp(f.after))
            if f.before is not None:
                mask &= arrays.dated & (arrays.when < _timestamp(f.before))
        if allowed is not None:
            keep = np.zeros(len(part.articles), dtype=bool)
            keep[[w[1] for a in allowed
                  if (w := self._where.get(a)) is not None and w[0] == language]] = True
            mask &= keep
        return mask

    def search(self, vector: np.ndarray, k: int = 10, allowed: set[str] | None = None,
               ef_search: int | None = None, *, language: str | None = None,
               where: Sequence[VectorFilter] = ()) -> list[tuple[str, float]]:
        """[(article_id, inner product)] best first.

        `language` searches that language's graph only (default: every graph, merged);
        `allowed` restricts to these article ids and `where` to articles passing every
        filter set. Restricted searches are exact when few rows remain.
        """
        query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, self.dim)
        if k <= 0:
            return []
        with self._lock:
            names = [base_language(language)] if language is not None else list(self._parts)
            found: list[tuple[str, float]] = []
            for name in names:
                part = self._parts.get(name)
                if part is not None:
                    found += self._search_part(name, part, query, k, allowed, where,
                                               ef_search or self.ef_search)
        found.sort(key=lambda h: -h[1])
        return found[:k]

    def _search_part(self, language: str, part: _Partition, query: np.ndarray, k: int,
                     allowed: set[str] | None, where: Sequence[VectorFilter],
                     ef: int) -> list[tuple[str, float]]:
        n = len(part.articles)
        if n == 0:
            return []
        restricted = allowed is not None or any(
            f.sources or f.after or f.before for f in where)
        if not restricted and not part.dead and n > EXACT_MAX:
            return self._graph_search(part, query, k, ef, None, n, n)
        mask = self._mask(language, part, where, allowed) if restricted else self._arrays(part).live
        count = int(mask.sum())
        if count == 0:
            return []
        if count <= EXACT_MAX:
            positions = np.flatnonzero(mask)
            scores = part.matrix()[positions] @ query[0]
            top = np.argsort(-scores, kind="stable")[:k]
            return [(part.articles[positions[i]], float(scores[i]))  # type: ignore[misc]
                    for i in top.tolist()]
        return self._graph_search(part, query, k, ef, mask, count, n)

    @staticmethod
    def _graph_search(part: _Partition, query: np.ndarray, k: int, ef: int,
                      mask: np.ndarray | None, count: int, n: int) -> list[tuple[str, float]]:
        k = min(k, count)
        ef = max(ef, k)
        params = faiss.SearchParametersHNSW()
        bits = None
        if mask is not None and count < n:
            # A selector rejects nodes but the walk still visits them: widen the beam
            # in proportion so about as many accepted candidates are seen.
            ef = min(MAX_EF_SEARCH, max(ef, math.ceil(ef * n / count)))
            bits = np.packbits(mask, bitorder="little")
            params.sel = faiss.IDSelectorBitmap(n, faiss.swig_ptr(bits))
        params.efSearch = ef
        scores, positions = part.index.search(query, k, params=params)
        del bits
        out = []
        for score, pos in zip(scores[0].tolist(), positions[0].tolist(), strict=True):
            if pos >= 0:
                article_id = part.articles[pos]
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
