"""Keep the search indexes in step with the store: incremental, crash-safe, one writer.

`Indexer(store, data_dir).sync()` reads the store's change feed (migration 3: every
article write or delete takes the next store revision) from the revision recorded in
`data/index/state.json` and applies it:

1. lexical first (tantivy), committed at least every `COMMIT_EVERY` seconds, so new
   articles are searchable within about a second of the batch that holds them;
2. then dense vectors, through the embedding cache in batches (the model does
   ~5–25 passages/s on 2 cores), saved atomically every `SAVE_EVERY` seconds.

`state.json` (analysis version, embedder name, revision reached) is written — temp
file + `os.replace` — only after both indexes hold every change up to that revision.
A crash anywhere just redoes work from the last state: lexical upserts are
delete-by-id then add, vector adds replace by article id, and embeddings already
paid for come back from the cache. If the analysis version (a hash of the analysis
code and the lexical schema) or the embedder name differs from `state.json`, that
index is rebuilt from revision 0.

Two processes never sync at once (an `fcntl` lock on `index/sync.lock`; the second
waits). Readers never take the lock: tantivy readers see the last commit, and
`vectors.bin` is replaced atomically.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from newsdesk.errors import NewsdeskError
from newsdesk.index import lexical
from newsdesk.index.embed import Embedder, EmbeddingCache, default_embedder, passage_text, text_hash
from newsdesk.index.sources import article_source_keys
from newsdesk.index.vectors import VectorIndex, VectorMeta
from newsdesk.records import Article
from newsdesk.store.sqlite import SQLiteStore
from newsdesk.text.analysis import base_language

log = logging.getLogger(__name__)

STATE_VERSION = 1
LEXICAL_BATCH = 64
DENSE_BATCH = 64
COMMIT_EVERY = 1.0
SAVE_EVERY = 30.0

Progress = Callable[[str, int, int], None]
"""progress(phase, done, total): phase is "waiting", "lexical" or "dense"."""


class IndexingError(NewsdeskError):
    """Indexing failed; the store is untouched and a later sync will retry."""


@dataclass(frozen=True)
class IndexPaths:
    """Where everything under `data/index/` lives (the search side opens these)."""

    root: Path

    @classmethod
    def of(cls, data_dir: str | Path) -> IndexPaths:
        return cls(Path(data_dir) / "index")

    @property
    def lexical(self) -> Path:
        return self.root / "lexical"

    @property
    def vectors(self) -> Path:
        return self.root / "vectors.bin"

    @property
    def cache(self) -> Path:
        return self.root / "embeddings.sqlite"

    @property
    def state(self) -> Path:
        return self.root / "state.json"

    @property
    def lock(self) -> Path:
        return self.root / "sync.lock"


def analysis_version() -> str:
    """Hash of the analysis code and the lexical schema: any change means re-indexing."""
    import newsdesk.text as text_pkg

    h = hashlib.sha256(f"lexical-schema-{lexical.SCHEMA_VERSION}".encode())
    folder = Path(text_pkg.__file__).parent
    for path in sorted(folder.glob("*.py")):
        if path.name == "langid.py":  # decides nothing about terms
            continue
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def read_state(data_dir: str | Path) -> dict[str, Any]:
    """`state.json` as a dict ({} when the index was never built or the file is unreadable)."""
    path = IndexPaths.of(data_dir).state
    try:
        value = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _write_state(path: Path, state: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(state, fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


@dataclass
class SyncReport:
    """What one sync did (`newsdesk reindex --json` prints this)."""

    revision: int = 0
    lexical_indexed: int = 0
    lexical_deleted: int = 0
    vectors_added: int = 0
    vectors_removed: int = 0
    embedded: int = 0  # texts the model had to embed (cache misses)
    cache_hits: int = 0
    dense: bool = True
    rebuilt: list[str] = field(default_factory=list)  # reasons for full rebuilds
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        parts = [f"{self.lexical_indexed} indexed"]
        if self.lexical_deleted:
            parts.append(f"{self.lexical_deleted} removed")
        if self.dense:
            parts.append(f"{self.vectors_added} embedded ({self.embedded} computed, "
                         f"{self.cache_hits} cached)")
        else:
            parts.append("dense retrieval off")
        if self.rebuilt:
            parts.append("rebuilt: " + "; ".join(self.rebuilt))
        return "index: " + ", ".join(parts) + f" in {self.seconds:.1f}s"


class Indexer:
    """Brings `data/index/` up to the store. One instance per process is enough."""

    def __init__(self, store: SQLiteStore, data_dir: str | Path | None = None,
                 embedder: Embedder | None = None) -> None:
        self.store = store
        self.paths = IndexPaths.of(data_dir if data_dir is not None else store.data_dir)
        self.embedder = embedder if embedder is not None else default_embedder()

    # -- locking ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self, progress: Progress | None) -> Iterator[None]:
        self.paths.root.mkdir(parents=True, exist_ok=True)
        with open(self.paths.lock, "a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if progress:
                    progress("waiting", 0, 0)
                fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # -- public ----------------------------------------------------------------------------
    def sync(self, progress: Progress | None = None) -> SyncReport:
        """Apply every store change since the last sync to both indexes."""
        try:
            with self._locked(progress):
                return self._sync(progress)
        except NewsdeskError as exc:
            if isinstance(exc, IndexingError):
                raise
            raise IndexingError(str(exc)) from exc
        except (OSError, ValueError, RuntimeError) as exc:
            raise IndexingError(f"{type(exc).__name__}: {exc}") from exc

    def rebuild(self, progress: Progress | None = None) -> SyncReport:
        """Wipe `data/index` (the embedding cache is kept: it is keyed by content) and sync."""
        try:
            with self._locked(progress):
                for child in self.paths.root.iterdir():
                    if child.name in (self.paths.lock.name,) or child.name.startswith(
                            self.paths.cache.name):
                        continue
                    if child.is_dir():
                        shutil.rmtree(child)
                    else:
                        child.unlink()
                report = self._sync(progress)
                report.rebuilt.insert(0, "requested")
                return report
        except IndexingError:
            raise
        except (NewsdeskError, OSError, ValueError, RuntimeError) as exc:
            raise IndexingError(f"{type(exc).__name__}: {exc}") from exc

    # -- the work --------------------------------------------------------------------------
    def _sync(self, progress: Progress | None) -> SyncReport:
        started = time.monotonic()
        report = SyncReport(dense=self.embedder is not None)
        state = read_state(self.paths.root.parent)
        version = analysis_version()
        start_rev = int(state.get("revision", 0)) if state.get("version") == STATE_VERSION else 0

        lex_from = start_rev
        if state.get("analysis") != version or not lexical.LexicalIndex.exists(
                self.paths.lexical):
            if state:
                report.rebuilt.append("text analysis changed" if state.get("analysis")
                                      and state.get("analysis") != version
                                      else "lexical index missing")
            lexical.LexicalIndex.wipe(self.paths.lexical)
            lex_from = 0
        name = self.embedder.name if self.embedder is not None else None
        on_commit: Callable[[int], None] | None = None
        if self.embedder is None and lex_from == start_rev and state.get("embedder") is None:
            # Lexical only: each commit is a consistent state, so record it as we go.
            def on_commit(rev: int) -> None:
                self._save_state(version, None, rev)

        lex = lexical.LexicalIndex(self.paths.lexical)
        try:
            lex_done = self._sync_lexical(lex, lex_from, report, progress, on_commit)
        finally:
            lex.close()

        dense_done = lex_done
        if self.embedder is None:
            self.paths.vectors.unlink(missing_ok=True)
        else:
            dense_from = start_rev
            vectors: VectorIndex | None = None
            unreadable = False
            if state.get("embedder") == name and self.paths.vectors.exists():
                try:
                    vectors = VectorIndex.open(self.paths.vectors, self.embedder.dim, name)
                except NewsdeskError as exc:
                    log.warning("%s; rebuilding it (the embedding cache keeps this cheap)", exc)
                    unreadable = True
            if vectors is None or vectors.embedder != name:
                if state.get("embedder") and state.get("embedder") != name:
                    report.rebuilt.append(f"embedder changed ({state.get('embedder')} → {name})")
                elif unreadable:
                    report.rebuilt.append("vector index unreadable or in an older format")
                elif state:
                    report.rebuilt.append("vector index missing")
                vectors = VectorIndex(self.paths.vectors, self.embedder.dim, name)
                dense_from = 0

            def checkpoint(rev: int) -> None:
                vectors.save()
                self._save_state(version, name, min(rev, lex_done))

            dense_done = self._sync_dense(vectors, dense_from, report, progress, checkpoint)
            if vectors.dirty or not self.paths.vectors.exists():
                vectors.save()
        report.revision = min(lex_done, dense_done)
        self._save_state(version, name, report.revision)
        report.seconds = round(time.monotonic() - started, 3)
        return report

    def _save_state(self, version: str, embedder: str | None, revision: int) -> None:
        _write_state(self.paths.state, {
            "version": STATE_VERSION, "analysis": version, "embedder": embedder,
            "dim": self.embedder.dim if self.embedder is not None else None,
            "revision": revision, "written": time.time(),
        })

    def _sync_lexical(self, lex: lexical.LexicalIndex, rev: int, report: SyncReport,
                      progress: Progress | None,
                      on_commit: Callable[[int], None] | None = None) -> int:
        total = self.store.changes_count(rev)
        done = 0
        last_commit = time.monotonic()
        pending = False
        while True:
            batch = self.store.changes_since(rev, LEXICAL_BATCH)
            if not batch.articles and not batch.deleted:
                break
            report.lexical_indexed += lex.upsert(batch.articles)
            lex.delete(batch.deleted)
            report.lexical_deleted += len(batch.deleted)
            pending = True
            rev = batch.last_rev
            done += len(batch.articles) + len(batch.deleted)
            if time.monotonic() - last_commit >= COMMIT_EVERY:
                lex.commit()
                if on_commit:
                    on_commit(rev)
                pending = False
                last_commit = time.monotonic()
            if progress:
                progress("lexical", min(done, total), max(total, done))
        if pending:
            lex.commit()
        return rev

    def _sync_dense(self, vectors: VectorIndex, rev: int, report: SyncReport,
                    progress: Progress | None, checkpoint: Callable[[int], None]) -> int:
        assert self.embedder is not None
        total = self.store.changes_count(rev)
        done = 0
        last_save = time.monotonic()
        with EmbeddingCache(self.paths.cache) as cache:
            while True:
                batch = self.store.changes_since(rev, DENSE_BATCH)
                if not batch.articles and not batch.deleted:
                    break
                report.vectors_removed += vectors.remove(batch.deleted)
                todo = []
                for article in batch.articles:
                    text = passage_text(article)
                    h = text_hash(text)
                    meta = vector_meta(article)
                    if vectors.text_hash(article.id) != h or not vectors.set_meta(article.id,
                                                                                   meta):
                        todo.append((article.id, text, h, meta))
                if todo:
                    hits, misses = cache.hits, cache.misses
                    rows = cache.get_or_compute(self.embedder, "passage",
                                                [t for _, t, _, _ in todo])
                    report.cache_hits += cache.hits - hits
                    report.embedded += cache.misses - misses
                    vectors.add([a for a, _, _, _ in todo], rows, [h for _, _, h, _ in todo],
                                [m for _, _, _, m in todo])
                    report.vectors_added += len(todo)
                rev = batch.last_rev
                done += len(batch.articles) + len(batch.deleted)
                if progress:
                    progress("dense", min(done, total), max(total, done))
                if time.monotonic() - last_save >= SAVE_EVERY:
                    checkpoint(rev)
                    last_save = time.monotonic()
        return rev


def vector_meta(article: Article) -> VectorMeta:
    """What the vector side filters an article by (the lexical side's LANG/SOURCE_KEY/PUBLISHED)."""
    return VectorMeta(base_language(article.language),
                      article_source_keys(article.source_name, article.source_domain),
                      article.published)


def sync_data(data_dir: str | Path, progress: Progress | None = None) -> SyncReport:
    """Open the store in `data_dir` and sync its indexes (benches and scripts)."""
    with SQLiteStore(data_dir) as store:
        return Indexer(store, data_dir).sync(progress)
