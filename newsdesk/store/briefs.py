"""The brief cache: briefs kept in the store next to the articles they summarise.

One row per (article id, language, style, engine, engine version); the row
records the article's content hash it was made from. A read whose hash differs
from the article's current one is a miss, so an updated article gets a fresh
brief. A read whose engine version differs (a new prompt, a changed offline
algorithm or verifier) is a miss too, because the version is part of the key.
The write that follows replaces the stale row and any row of the same engine at
another version, so stale rows do not pile up. Deleting an article deletes its
briefs (foreign key cascade).

The cache goes through the store's public `transaction()` (SQLiteStore), never
its private connection: each write is one atomic transaction.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, Protocol


class TransactionalStore(Protocol):
    """What the cache needs from a store: `SQLiteStore.transaction`."""

    def transaction(self, write: bool = True) -> AbstractContextManager[sqlite3.Connection]: ...


def engine_key(engine: str, version: str) -> str:
    """The engine column: `extractive@e1.v2`, `llm:gemma@p2.v2` (name @ version)."""
    return f"{engine}@{version}"


def get_brief(store: TransactionalStore, article_id: str, content_hash: str,
              language: str, style: str, engine: str, version: str) -> dict[str, Any] | None:
    """The cached brief payload, or None when absent, stale, or made by another version."""
    with store.transaction(write=False) as db:
        row = db.execute(
            "SELECT content_hash, payload FROM briefs "
            "WHERE article_id = ? AND language = ? AND style = ? AND engine = ?",
            (article_id, language, style, engine_key(engine, version))).fetchone()
    if row is None or row[0] != content_hash:
        return None
    try:
        value = json.loads(row[1])
    except ValueError:  # a damaged row is a miss, and the next write replaces it
        return None
    return value if isinstance(value, dict) else None


def put_brief(store: TransactionalStore, article_id: str, content_hash: str, language: str,
              style: str, engine: str, version: str, payload: dict[str, Any]) -> None:
    """Write one brief, replacing this engine's rows at any version (and pre-version rows)."""
    key = engine_key(engine, version)
    with store.transaction() as db:
        db.execute(
            "DELETE FROM briefs WHERE article_id = ? AND language = ? AND style = ? "
            "AND (engine = ? OR substr(engine, 1, ?) IN (?, ?))",
            (article_id, language, style, engine, len(engine) + 1, engine + "@",
             engine + "/"))
        db.execute(
            "INSERT OR REPLACE INTO briefs(article_id, language, style, engine, content_hash, "
            "created, payload) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (article_id, language, style, key, content_hash,
             datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
             json.dumps(payload, ensure_ascii=False)))


def count_briefs(store: TransactionalStore, article_id: str | None = None) -> int:
    sql, params = "SELECT count(*) FROM briefs", ()
    if article_id:
        sql, params = sql + " WHERE article_id = ?", (article_id,)
    with store.transaction(write=False) as db:
        return int(db.execute(sql, params).fetchone()[0])


def cached_keys(store: TransactionalStore, article_id: str) -> list[tuple[str, str, str]]:
    """(language, style, engine@version) of an article's cached briefs, for tests and tools."""
    with store.transaction(write=False) as db:
        rows = db.execute("SELECT language, style, engine FROM briefs WHERE article_id = ? "
                          "ORDER BY language, style, engine", (article_id,)).fetchall()
    return [(str(r[0]), str(r[1]), str(r[2])) for r in rows]
