"""The embedded document store: one SQLite file in WAL mode, the source of truth.

Every article is written in its own short transaction, and callers report an
article as done only after its commit returns; so a `kill -9` at any moment
leaves a valid store holding every article that was reported done (WAL with
synchronous=NORMAL survives process crashes; only power loss may lose the last
commits). Search indexes and later caches are derived data the store can rebuild.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from newsdesk.errors import NotFoundError, StoreError
from newsdesk.records import Article, Image
from newsdesk.store.schema import LATEST_VERSION, MIGRATIONS
from newsdesk.store.sources import SourcesMixin

DB_NAME = "newsdesk.db"
SaveOutcome = Literal["new", "updated", "unchanged", "duplicate"]

_COLUMNS = (
    "id, external_id, url, canonical_url, content_hash, title, lead, paragraphs, images, tags, "
    "authors, language, source_name, source_domain, source_label, original_source, published, "
    "published_utc, published_source, published_tz_assumed, fetched, first_seen, updated, "
    "raw_kind, origin, encoding, extractor_version"
)


@dataclass(frozen=True)
class SaveResult:
    outcome: SaveOutcome
    article_id: str


@dataclass(frozen=True)
class ArticleFilter:
    """Filters shared by `list`, the web page and (later) search."""

    language: str | None = None  # "zh" matches zh-Hans and zh-Hant
    source: str | None = None  # source name or domain, case-insensitive
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class ChangeBatch:
    """Articles written and ids deleted after some revision, up to `last_rev` (inclusive)."""

    articles: list[Article]
    deleted: list[str]
    last_rev: int


@dataclass(frozen=True)
class RawRecord:
    """What `reextract` needs: the stored raw input of one article."""

    article_id: str
    raw_kind: str
    raw: bytes
    url: str | None
    origin: str | None
    extractor_version: str | None


def day_bound(value: str | None, end: bool = False) -> datetime | None:
    """A filter bound from user input: YYYY-MM-DD (a whole UTC day) or ISO 8601.

    As an end bound a plain date is inclusive (`--until 2025-10-01` keeps that
    day), so it becomes the next midnight. Raises ValueError on anything else;
    the CLI and the web layer turn that into their own error.
    """
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if end and len(value) == 10:
        parsed += timedelta(days=1)
    return parsed


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _utc(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class SQLiteStore(SourcesMixin):
    """Article store backed by `<data_dir>/newsdesk.db`."""

    def __init__(self, data_dir: str | Path) -> None:
        self.data_dir = Path(data_dir)
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create data directory {self.data_dir}: {exc}") from None
        self.path = self.data_dir / DB_NAME
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30,
                                       check_same_thread=False)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open store {self.path}: {exc}") from None

    # -- lifecycle -------------------------------------------------------------------
    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > LATEST_VERSION:
            raise StoreError(
                f"store {self.path} has schema version {version}, newer than this newsdesk "
                f"({LATEST_VERSION}); upgrade newsdesk"
            )
        for number in range(version, LATEST_VERSION):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for statement in _statements(MIGRATIONS[number]):
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {number + 1}")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        """The store's connection inside one transaction, for tables kept next to the
        articles by other modules (the brief cache, `newsdesk/store/briefs.py`).

        `write=True` takes the write lock up front (BEGIN IMMEDIATE) so a
        read-then-write cannot be overtaken; `write=False` is a consistent read
        snapshot. Committed when the block ends, rolled back on any exception.
        """
        self._db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writes ----------------------------------------------------------------------
    def save(self, article: Article, raw: bytes | None = None) -> SaveResult:
        """Insert or update one article atomically; never creates a second row.

        Same canonical URL: updated in place when the content changed (first-seen
        date kept), else unchanged. Same content under another URL: a duplicate,
        remembered as an alias of the first article.
        """
        now = now_utc()
        packed = zlib.compress(raw, 6) if raw is not None else None
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute(
                "SELECT id, content_hash, first_seen, extractor_version FROM articles "
                "WHERE canonical_url = ?",
                (article.canonical_url,),
            ).fetchone()
            if row is None:
                alias = db.execute(
                    "SELECT article_id FROM url_aliases WHERE url = ?", (article.canonical_url,)
                ).fetchone()
                if alias:
                    db.execute("COMMIT")
                    return SaveResult("unchanged", alias[0])
            if row is not None:
                if (row["content_hash"] == article.content_hash
                        and row["extractor_version"] == article.extractor_version):
                    db.execute("COMMIT")
                    return SaveResult("unchanged", row["id"])
                article.id = row["id"]
                article.first_seen = _parse(row["first_seen"])
                article.updated = now
                self._write(article, packed, replace=True)
                db.execute("COMMIT")
                return SaveResult("updated", article.id)
            dup = db.execute(
                "SELECT id FROM articles WHERE content_hash = ? LIMIT 1", (article.content_hash,)
            ).fetchone()
            if dup is not None:
                db.execute(
                    "INSERT OR IGNORE INTO url_aliases(url, article_id) VALUES (?, ?)",
                    (article.canonical_url, dup[0]),
                )
                db.execute("COMMIT")
                return SaveResult("duplicate", dup[0])
            article.first_seen = article.first_seen or now
            article.updated = now
            self._write(article, packed, replace=False)
            db.execute("COMMIT")
            return SaveResult("new", article.id)
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _write(self, a: Article, packed: bytes | None, replace: bool) -> None:
        values: dict[str, Any] = {
            "id": a.id, "external_id": a.external_id, "url": a.url,
            "canonical_url": a.canonical_url, "content_hash": a.content_hash, "title": a.title,
            "lead": a.lead, "paragraphs": _dump(a.paragraphs),
            "images": _dump([asdict(i) for i in a.images]), "tags": _dump(a.tags),
            "authors": _dump(a.authors), "language": a.language, "source_name": a.source_name,
            "source_domain": a.source_domain, "source_label": a.source_label,
            "original_source": a.original_source, "published": _iso(a.published),
            "published_utc": _utc(a.published), "published_source": a.published_source,
            "published_tz_assumed": int(a.published_tz_assumed), "fetched": _iso(a.fetched),
            "first_seen": _iso(a.first_seen), "updated": _iso(a.updated),
            "raw_kind": a.raw_kind, "origin": a.origin, "encoding": a.encoding,
            "extractor_version": a.extractor_version,
        }
        if replace:
            assignments = ", ".join(f"{k} = :{k}" for k in values if k != "id")
            if packed is not None:
                assignments += ", raw = :raw"
                values["raw"] = packed
            self._db.execute(f"UPDATE articles SET {assignments} WHERE id = :id", values)
        else:
            values["raw"] = packed
            cols = ", ".join(values)
            params = ", ".join(f":{k}" for k in values)
            self._db.execute(f"INSERT INTO articles ({cols}) VALUES ({params})", values)

    # -- reads -----------------------------------------------------------------------
    def get(self, ref: str) -> Article:
        """An article by id, external id or unique id prefix."""
        row = self._db.execute(f"SELECT {_COLUMNS} FROM articles WHERE id = ?", (ref,)).fetchone()
        if row is None:
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM articles WHERE external_id = ? LIMIT 1", (ref,)
            ).fetchone()
        if row is None and len(ref) >= 4:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM articles WHERE id LIKE ? LIMIT 2",
                (ref.replace("%", "").replace("_", "") + "%",),
            ).fetchall()
            row = rows[0] if len(rows) == 1 else None
        if row is None:
            raise NotFoundError(f"no article with id {ref!r}")
        return _article(row)

    def get_many(self, ids: Sequence[str]) -> dict[str, Article]:
        """{id: article} for the ids that exist, in one query (a results page needs ~20–40
        articles; one lookup each cost more in statement overhead than in reading)."""
        out: dict[str, Article] = {}
        unique = list(dict.fromkeys(ids))
        for k in range(0, len(unique), 500):  # SQLite's host-parameter limit
            chunk = unique[k:k + 500]
            marks = ", ".join("?" * len(chunk))
            for row in self._db.execute(
                    f"SELECT {_COLUMNS} FROM articles WHERE id IN ({marks})", chunk):
                out[row["id"]] = _article(row)
        return out

    def _where(self, f: ArticleFilter) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if f.language:
            clauses.append("(language = ? OR language LIKE ?)")
            params += [f.language, f"{f.language}-%"]
        if f.source:
            clauses.append("(lower(source_name) = lower(?) OR lower(source_domain) = lower(?))")
            params += [f.source, f.source]
        if f.since:
            clauses.append("published_utc >= ?")
            params.append(_utc(f.since))
        if f.until:
            clauses.append("published_utc < ?")
            params.append(_utc(f.until))
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def list(self, f: ArticleFilter | None = None, limit: int | None = None,
             offset: int = 0) -> list[Article]:
        """Articles newest first (undated ones last, by first-seen)."""
        where, params = self._where(f or ArticleFilter())
        sql = (f"SELECT {_COLUMNS} FROM articles{where} "
               "ORDER BY published_utc IS NULL, published_utc DESC, first_seen DESC, id")
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return [_article(r) for r in self._db.execute(sql, params)]

    def count(self, f: ArticleFilter | None = None) -> int:
        where, params = self._where(f or ArticleFilter())
        return int(self._db.execute(f"SELECT count(*) FROM articles{where}", params).fetchone()[0])

    def stats(self) -> dict[str, Any]:
        """Counts by language, source and publish day (UTC)."""
        def grouped(expr: str) -> dict[str, int]:
            rows = self._db.execute(
                f"SELECT {expr} AS k, count(*) FROM articles GROUP BY k ORDER BY count(*) DESC, k"
            )
            return {str(k) if k is not None else "unknown": n for k, n in rows}

        days = self._db.execute(
            "SELECT substr(published_utc, 1, 10) AS d, count(*) FROM articles "
            "GROUP BY d ORDER BY d IS NULL, d DESC"
        )
        return {
            "articles": self.count(),
            "by_language": grouped("language"),
            "by_source": grouped("source_name"),
            "by_day": {str(d) if d else "undated": n for d, n in days},
            "schema_version": self.schema_version,
        }

    def iter_raw(self) -> Iterator[RawRecord]:
        """Stored raw inputs, for re-extraction after an extractor upgrade."""
        rows = self._db.execute(
            "SELECT id, raw_kind, raw, url, origin, extractor_version FROM articles "
            "WHERE raw IS NOT NULL ORDER BY id"
        ).fetchall()
        for row in rows:
            yield RawRecord(row["id"], row["raw_kind"], zlib.decompress(row["raw"]), row["url"],
                            row["origin"], row["extractor_version"])

    def replace_extraction(self, article: Article) -> bool:
        """Overwrite an article's extracted fields in place (raw and dates kept)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            current = self._db.execute(
                "SELECT first_seen FROM articles WHERE id = ?", (article.id,)
            ).fetchone()
            if current is None:
                self._db.execute("ROLLBACK")
                return False
            article.first_seen = _parse(current[0])
            article.updated = now_utc()
            self._write(article, None, replace=True)
            self._db.execute("COMMIT")
            return True
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def delete(self, ref: str) -> bool:
        """Remove one article (its aliases go with it); the change feed records the deletion."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            cur = self._db.execute("DELETE FROM articles WHERE id = ?", (ref,))
            self._db.execute("COMMIT")
            return cur.rowcount > 0
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    # -- change feed (search indexes) ---------------------------------------------------
    def revision(self) -> int:
        """The store's latest revision: every article write or delete takes the next one."""
        row = self._db.execute("SELECT value FROM store_revision WHERE id = 1").fetchone()
        return int(row[0]) if row else 0

    def changes_since(self, rev: int, limit: int = 256) -> ChangeBatch:
        """The next `limit` changes after revision `rev`, oldest first, from one snapshot.

        An article changed twice appears once, at its latest revision. `last_rev` is
        the revision of the last change returned (or `rev` when there is none).
        """
        db = self._db
        db.execute("BEGIN")
        try:
            rows = db.execute(
                "SELECT id, rev, 0 AS gone FROM articles WHERE rev > ? "
                "UNION ALL SELECT id, rev, 1 FROM deleted_articles WHERE rev > ? "
                "ORDER BY rev LIMIT ?", (rev, rev, limit)).fetchall()
            live = [r[0] for r in rows if not r[2]]
            articles: list[Article] = []
            for i in range(0, len(live), 500):
                chunk = live[i:i + 500]
                marks = ",".join("?" * len(chunk))
                found = {r["id"]: _article(r) for r in db.execute(
                    f"SELECT {_COLUMNS} FROM articles WHERE id IN ({marks})", chunk)}
                articles += [found[a] for a in chunk if a in found]
        finally:
            db.execute("COMMIT")
        return ChangeBatch(articles=articles, deleted=[r[0] for r in rows if r[2]],
                           last_rev=int(rows[-1][1]) if rows else rev)

    def changes_count(self, rev: int) -> int:
        """How many changes `changes_since(rev, …)` would still return in all (for progress)."""
        row = self._db.execute(
            "SELECT (SELECT count(*) FROM articles WHERE rev > ?) + "
            "(SELECT count(*) FROM deleted_articles WHERE rev > ?)", (rev, rev)).fetchone()
        return int(row[0])

    def integrity_ok(self) -> bool:
        return self._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _statements(script: str) -> list[str]:
    """Split a migration into statements; a trigger's BEGIN … END body stays whole."""
    out: list[str] = []
    current = ""
    for piece in script.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \n\t;"):
                out.append(current.strip())
            current = ""
    if current.strip(" \n\t;"):
        out.append(current.strip())
    return out


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _article(row: sqlite3.Row) -> Article:
    return Article(
        id=row["id"], external_id=row["external_id"], url=row["url"],
        canonical_url=row["canonical_url"], content_hash=row["content_hash"],
        title=row["title"], lead=row["lead"], paragraphs=json.loads(row["paragraphs"]),
        images=[Image(**i) for i in json.loads(row["images"])], tags=json.loads(row["tags"]),
        authors=json.loads(row["authors"]), language=row["language"],
        source_name=row["source_name"], source_domain=row["source_domain"],
        source_label=row["source_label"], original_source=row["original_source"],
        published=_parse(row["published"]), published_source=row["published_source"],
        published_tz_assumed=bool(row["published_tz_assumed"]), fetched=_parse(row["fetched"]),
        first_seen=_parse(row["first_seen"]), updated=_parse(row["updated"]),
        raw_kind=row["raw_kind"], origin=row["origin"], encoding=row["encoding"],
        extractor_version=row["extractor_version"],
    )
