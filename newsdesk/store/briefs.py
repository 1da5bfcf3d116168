"""The brief cache: briefs kept in the store next to the articles they summarise.

One row per (article id, reader language, style, engine); the row records the
article's content hash it was made from. A read whose hash differs from the
article's current one is a miss, so an updated article gets a fresh brief, and
the write that follows replaces the stale row (no stale rows pile up). Deleting
an article deletes its briefs (foreign key cascade). Each statement runs on its
own in the store's autocommit connection, so a write is atomic.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any, Protocol


class HasConnection(Protocol):
    _db: sqlite3.Connection


def _conn(store: HasConnection | sqlite3.Connection) -> sqlite3.Connection:
    return store if isinstance(store, sqlite3.Connection) else store._db


def get_brief(store: HasConnection | sqlite3.Connection, article_id: str, content_hash: str,
              language: str, style: str, engine: str) -> dict[str, Any] | None:
    """The cached brief payload, or None when absent or made from another version."""
    row = _conn(store).execute(
        "SELECT content_hash, payload FROM briefs "
        "WHERE article_id = ? AND language = ? AND style = ? AND engine = ?",
        (article_id, language, style, engine)).fetchone()
    if row is None or row[0] != content_hash:
        return None
    try:
        value = json.loads(row[1])
    except ValueError:  # a damaged row is a miss, and the next write replaces it
        return None
    return value if isinstance(value, dict) else None


def put_brief(store: HasConnection | sqlite3.Connection, article_id: str, content_hash: str,
              language: str, style: str, engine: str, payload: dict[str, Any]) -> None:
    _conn(store).execute(
        "INSERT OR REPLACE INTO briefs(article_id, language, style, engine, content_hash, "
        "created, payload) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (article_id, language, style, engine, content_hash,
         datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
         json.dumps(payload, ensure_ascii=False)))


def count_briefs(store: HasConnection | sqlite3.Connection, article_id: str | None = None) -> int:
    sql, params = "SELECT count(*) FROM briefs", ()
    if article_id:
        sql, params = sql + " WHERE article_id = ?", (article_id,)
    return int(_conn(store).execute(sql, params).fetchone()[0])
