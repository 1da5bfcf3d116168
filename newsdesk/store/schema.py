"""The SQLite schema as an ordered list of migrations.

`PRAGMA user_version` records how many migrations a store has had; opening a
store applies the missing ones inside one transaction, so a store is always at
exactly one version. A store from a newer newsdesk is refused, not guessed at.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: articles, URL aliases of duplicates, ingest failures
    """
    CREATE TABLE articles (
        id TEXT PRIMARY KEY,
        external_id TEXT,
        url TEXT,
        canonical_url TEXT NOT NULL UNIQUE,
        content_hash TEXT NOT NULL,
        title TEXT NOT NULL,
        lead TEXT,
        paragraphs TEXT NOT NULL,
        images TEXT NOT NULL DEFAULT '[]',
        tags TEXT NOT NULL DEFAULT '[]',
        authors TEXT NOT NULL DEFAULT '[]',
        language TEXT NOT NULL,
        source_name TEXT,
        source_domain TEXT,
        source_label TEXT,
        original_source TEXT,
        published TEXT,
        published_utc TEXT,
        published_source TEXT,
        published_tz_assumed INTEGER NOT NULL DEFAULT 0,
        fetched TEXT,
        first_seen TEXT NOT NULL,
        updated TEXT NOT NULL,
        raw_kind TEXT NOT NULL,
        raw BLOB,
        origin TEXT,
        encoding TEXT,
        extractor_version TEXT
    );
    CREATE INDEX articles_content_hash ON articles(content_hash);
    CREATE INDEX articles_published_utc ON articles(published_utc);
    CREATE INDEX articles_language ON articles(language);
    CREATE INDEX articles_source_name ON articles(source_name);
    CREATE INDEX articles_external_id ON articles(external_id);
    CREATE TABLE url_aliases (
        url TEXT PRIMARY KEY,
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE
    );
    """,
    # 2: subscribed sources (feeds, sitemaps, sites, pages) and the entries seen in them
    """
    CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        name TEXT,
        kind TEXT NOT NULL DEFAULT 'auto',
        every_seconds INTEGER NOT NULL DEFAULT 900,
        paused INTEGER NOT NULL DEFAULT 0,
        allow_private INTEGER NOT NULL DEFAULT 0,
        added TEXT NOT NULL,
        last_checked TEXT,
        next_due TEXT,
        etag TEXT,
        last_modified TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        last_status TEXT,
        last_error TEXT,
        last_new INTEGER NOT NULL DEFAULT 0,
        last_unchanged INTEGER NOT NULL DEFAULT 0,
        last_failed INTEGER NOT NULL DEFAULT 0,
        discovered TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE seen_entries (
        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        guid TEXT NOT NULL,
        link TEXT,
        article_id TEXT,
        first_seen TEXT NOT NULL,
        entry_updated TEXT,
        PRIMARY KEY (source_id, guid)
    );
    """,
    # 3: a change feed for the search indexes. Every insert, update or delete of an
    # article takes the next store revision (triggers, so no writer can forget);
    # deletions leave a row in deleted_articles. The indexer reads
    # `rev > last indexed` in order; writers are serialised by SQLite, so revisions
    # commit in increasing order and none is skipped by a reader.
    """
    CREATE TABLE store_revision (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        value INTEGER NOT NULL
    );
    ALTER TABLE articles ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
    UPDATE articles SET rev = rowid;
    INSERT INTO store_revision(id, value) VALUES (1, (SELECT coalesce(max(rev), 0) FROM articles));
    CREATE INDEX articles_rev ON articles(rev);
    CREATE TABLE deleted_articles (
        id TEXT PRIMARY KEY,
        rev INTEGER NOT NULL
    );
    CREATE INDEX deleted_articles_rev ON deleted_articles(rev);
    CREATE TRIGGER articles_rev_insert AFTER INSERT ON articles
    BEGIN
        UPDATE store_revision SET value = value + 1 WHERE id = 1;
        UPDATE articles SET rev = (SELECT value FROM store_revision WHERE id = 1)
            WHERE rowid = NEW.rowid;
        DELETE FROM deleted_articles WHERE id = NEW.id;
    END;
    CREATE TRIGGER articles_rev_update AFTER UPDATE ON articles WHEN NEW.rev = OLD.rev
    BEGIN
        UPDATE store_revision SET value = value + 1 WHERE id = 1;
        UPDATE articles SET rev = (SELECT value FROM store_revision WHERE id = 1)
            WHERE rowid = NEW.rowid;
    END;
    CREATE TRIGGER articles_rev_delete AFTER DELETE ON articles
    BEGIN
        UPDATE store_revision SET value = value + 1 WHERE id = 1;
        INSERT OR REPLACE INTO deleted_articles(id, rev)
            VALUES (OLD.id, (SELECT value FROM store_revision WHERE id = 1));
    END;
    """,
    # 4: cached briefs, one row per (article, reader language, style, engine); the row
    # remembers the article version (content hash) it was made from, so a changed
    # article misses the cache and its brief is regenerated (newsdesk/store/briefs.py)
    """
    CREATE TABLE briefs (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        language TEXT NOT NULL,
        style TEXT NOT NULL,
        engine TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        created TEXT NOT NULL,
        payload TEXT NOT NULL,
        PRIMARY KEY (article_id, language, style, engine)
    );
    """,
]

LATEST_VERSION = len(MIGRATIONS)
