"""Subscribed sources and what has been seen in them, kept in the same store.

A source is a URL the user follows (a feed, a sitemap, a site's home page or a
single page) with its schedule and its fetch state: the validators for
conditional GET, consecutive failures (for back-off) and the last outcome, so
`newsdesk source list` can show why a source is quiet. Entries are marked seen
only after their article is committed, so a crawl killed mid-way re-fetches
what it had not stored and never skips it.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from newsdesk.errors import NotFoundError

SOURCE_KINDS = ("auto", "feed", "sitemap", "site", "page")


@dataclass
class Source:
    id: int
    url: str
    name: str | None
    kind: str
    every: timedelta
    paused: bool
    allow_private: bool
    added: datetime
    last_checked: datetime | None = None
    next_due: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0
    last_status: str | None = None  # ok | not-modified | failed
    last_error: str | None = None
    last_new: int = 0
    last_unchanged: int = 0
    last_failed: int = 0
    discovered: list[str] = field(default_factory=list)

    @property
    def state(self) -> str:
        if self.paused:
            return "paused"
        if self.failures:
            return f"failing ({self.failures}x)"
        return self.last_status or "new"

    def to_json(self) -> dict[str, Any]:
        def iso(d: datetime | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "id": self.id, "url": self.url, "name": self.name, "kind": self.kind,
            "every_seconds": int(self.every.total_seconds()), "paused": self.paused,
            "allow_private": self.allow_private, "state": self.state, "added": iso(self.added),
            "last_checked": iso(self.last_checked), "next_due": iso(self.next_due),
            "failures": self.failures, "last_status": self.last_status,
            "last_error": self.last_error, "last_new": self.last_new,
            "last_unchanged": self.last_unchanged, "last_failed": self.last_failed,
            "discovered": self.discovered,
        }


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _source(row: sqlite3.Row) -> Source:
    return Source(
        id=row["id"], url=row["url"], name=row["name"], kind=row["kind"],
        every=timedelta(seconds=row["every_seconds"]), paused=bool(row["paused"]),
        allow_private=bool(row["allow_private"]), added=datetime.fromisoformat(row["added"]),
        last_checked=_dt(row["last_checked"]), next_due=_dt(row["next_due"]),
        etag=row["etag"], last_modified=row["last_modified"], failures=row["failures"],
        last_status=row["last_status"], last_error=row["last_error"], last_new=row["last_new"],
        last_unchanged=row["last_unchanged"], last_failed=row["last_failed"],
        discovered=json.loads(row["discovered"] or "[]"),
    )


class SourcesMixin:
    """Source bookkeeping for SQLiteStore (uses its connection `_db`)."""

    _db: sqlite3.Connection

    def add_source(self, url: str, name: str | None = None, kind: str = "auto",
                   every: timedelta = timedelta(minutes=15), allow_private: bool = False
                   ) -> tuple[Source, bool]:
        """Add a source (or return the existing one with that URL); True if new."""
        now = datetime.now(UTC).replace(microsecond=0)
        cur = self._db.execute(
            "INSERT OR IGNORE INTO sources (url, name, kind, every_seconds, allow_private, added,"
            " next_due) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (url, name, kind, int(every.total_seconds()), int(allow_private), now.isoformat(),
             now.isoformat()),
        )
        return self.get_source(url), cur.rowcount == 1

    def get_source(self, ref: str | int) -> Source:
        """A source by numeric id or exact URL."""
        row = None
        if isinstance(ref, int) or str(ref).isdigit():
            row = self._db.execute("SELECT * FROM sources WHERE id = ?", (int(ref),)).fetchone()
        if row is None:
            row = self._db.execute("SELECT * FROM sources WHERE url = ?", (str(ref),)).fetchone()
        if row is None:
            raise NotFoundError(f"no source {ref!r} (see `newsdesk source list`)")
        return _source(row)

    def list_sources(self) -> list[Source]:
        return [_source(r) for r in self._db.execute("SELECT * FROM sources ORDER BY id")]

    def remove_source(self, ref: str | int) -> Source:
        source = self.get_source(ref)
        self._db.execute("DELETE FROM sources WHERE id = ?", (source.id,))
        return source

    def set_paused(self, ref: str | int, paused: bool) -> Source:
        source = self.get_source(ref)
        self._db.execute("UPDATE sources SET paused = ? WHERE id = ?", (int(paused), source.id))
        return self.get_source(source.id)

    def due_sources(self, now: datetime, include_not_due: bool = False) -> list[Source]:
        rows = self._db.execute(
            "SELECT * FROM sources WHERE paused = 0 AND (? OR next_due IS NULL OR next_due <= ?)"
            " ORDER BY next_due, id",
            (int(include_not_due), now.isoformat()),
        )
        return [_source(r) for r in rows]

    def update_source(self, source: Source) -> None:
        """Persist the fetch state a crawl computed for `source`."""
        self._db.execute(
            "UPDATE sources SET kind = ?, last_checked = ?, next_due = ?, etag = ?,"
            " last_modified = ?, failures = ?, last_status = ?, last_error = ?, last_new = ?,"
            " last_unchanged = ?, last_failed = ?, discovered = ? WHERE id = ?",
            (source.kind, _iso(source.last_checked), _iso(source.next_due), source.etag,
             source.last_modified, source.failures, source.last_status, source.last_error,
             source.last_new, source.last_unchanged, source.last_failed,
             json.dumps(source.discovered), source.id),
        )

    def is_seen(self, source_id: int, guid: str, updated: datetime | None = None) -> bool:
        """Seen, and not updated since: an entry whose feed date moved on is new again."""
        row = self._db.execute(
            "SELECT entry_updated FROM seen_entries WHERE source_id = ? AND guid = ?",
            (source_id, guid),
        ).fetchone()
        if row is None:
            return False
        if updated is None or row[0] is None:
            return True
        return datetime.fromisoformat(row[0]) >= updated

    def mark_seen(self, source_id: int, guid: str, link: str | None,
                  article_id: str | None, updated: datetime | None = None) -> None:
        self._db.execute(
            "INSERT INTO seen_entries (source_id, guid, link, article_id, first_seen,"
            " entry_updated) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source_id, guid) DO UPDATE"
            " SET article_id = excluded.article_id, entry_updated = excluded.entry_updated",
            (source_id, guid, link, article_id,
             datetime.now(UTC).replace(microsecond=0).isoformat(),
             updated.isoformat() if updated else None),
        )

    def has_url(self, url: str) -> str | None:
        """The id of the article stored under this canonical URL or alias, if any."""
        row = self._db.execute("SELECT id FROM articles WHERE canonical_url = ?",
                               (url,)).fetchone()
        if row is None:
            row = self._db.execute("SELECT article_id FROM url_aliases WHERE url = ?",
                                   (url,)).fetchone()
        return row[0] if row else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
