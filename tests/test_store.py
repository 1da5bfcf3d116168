"""The SQLite store: dedup, in-place updates, filters, migrations."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlparse

import pytest

from newsdesk.errors import NotFoundError, StoreError
from newsdesk.ingest.pipeline import article_from_page
from newsdesk.records import ExtractedPage, Image, PublishDate
from newsdesk.store import ArticleFilter, open_store
from newsdesk.store.schema import LATEST_VERSION
from tests import realtext

VN = timezone(timedelta(hours=7))


def make_article(title: str, paragraphs: list[str], url: str, lang: str = "vi",
                 published: datetime | None = None, source: str = "Báo Sông Hồng"):
    page = ExtractedPage(
        title=title, paragraphs=paragraphs, lead=paragraphs[0], url=url, canonical_url=url,
        source_name=source, source_domain=urlparse(url).hostname,
        published=PublishDate(published, "meta") if published else None, language=lang,
        images=[Image(src="a.jpg", caption="Ảnh minh họa (Ảnh: TTXVN)")],
    )
    return article_from_page(page, raw_kind="html", origin="test", key=url)


@pytest.fixture
def vi_text() -> tuple[str, list[str]]:
    return realtext.vietnamese_article(11)


def test_same_url_twice_is_one_row_and_change_updates_in_place(tmp_path: Path, vi_text) -> None:
    title, body = vi_text
    url = "https://baosonghong.example/a.html"
    when = datetime(2025, 10, 20, 14, 30, tzinfo=VN)
    with open_store(tmp_path) as store:
        first = store.save(make_article(title, body, url, published=when), raw=b"<html>1")
        assert first.outcome == "new"
        again = store.save(make_article(title, body, url, published=when), raw=b"<html>1")
        assert again.outcome == "unchanged" and again.article_id == first.article_id
        seen = store.get(first.article_id).first_seen
        changed = store.save(make_article(title, [*body, "Cập nhật lúc 16:00."], url,
                                          published=when), raw=b"<html>2")
        assert changed.outcome == "updated" and changed.article_id == first.article_id
        assert store.count() == 1
        stored = store.get(first.article_id)
        assert stored.paragraphs[-1] == "Cập nhật lúc 16:00."
        assert stored.first_seen == seen
        # The original offset survives the round trip.
        assert stored.published == when and stored.published.utcoffset() == timedelta(hours=7)
        assert stored.captions == ["Ảnh minh họa (Ảnh: TTXVN)"]
        raw = next(store.iter_raw())
        assert raw.raw == b"<html>2"


def test_same_content_under_another_url_is_a_duplicate(tmp_path: Path, vi_text) -> None:
    title, body = vi_text
    with open_store(tmp_path) as store:
        a = store.save(make_article(title, body, "https://baosonghong.example/a.html"))
        b = store.save(make_article(title, body, "https://tinmekong.example/b.html"))
        assert (a.outcome, b.outcome) == ("new", "duplicate")
        assert b.article_id == a.article_id and store.count() == 1
        # Seeing the duplicate URL again is simply unchanged.
        c = store.save(make_article(title, body, "https://tinmekong.example/b.html"))
        assert c.outcome == "unchanged"


def test_filters_and_order(tmp_path: Path) -> None:
    stories = realtext.chinese_stories("20250115")[:3]
    with open_store(tmp_path) as store:
        for n, (title, body) in enumerate(stories):
            when = datetime(2025, 1, 10 + n, 19, 0, tzinfo=timezone(timedelta(hours=8)))
            store.save(make_article(title, [body], f"https://cctv.example/{n}", lang="zh-Hans",
                                    published=when, source="央视"))
        title, body = realtext.vietnamese_article(2)
        store.save(make_article(title, body, "https://baosonghong.example/x.html",
                                published=datetime(2025, 1, 11, 8, tzinfo=VN)))
        newest_first = store.list()
        assert [a.published for a in newest_first] == sorted(
            (a.published for a in newest_first), reverse=True)
        assert store.count(ArticleFilter(language="zh")) == 3
        assert store.count(ArticleFilter(language="zh-Hans")) == 3
        assert store.count(ArticleFilter(source="baosonghong.example")) == 1
        assert store.count(ArticleFilter(source="央视")) == 3
        since = datetime(2025, 1, 11, tzinfo=UTC)
        until = datetime(2025, 1, 12, tzinfo=UTC)
        # 01-11 19:00+08:00 and 01-11 08:00+07:00 fall on 2025-01-11 in UTC.
        assert store.count(ArticleFilter(since=since, until=until)) == 2
        stats = store.stats()
        assert stats["by_language"] == {"zh-Hans": 3, "vi": 1}
        assert sum(stats["by_day"].values()) == 4


def test_get_by_prefix_and_external_id(tmp_path: Path, vi_text) -> None:
    title, body = vi_text
    article = make_article(title, body, "https://baosonghong.example/p.html")
    article.external_id = "vietnews-11"
    with open_store(tmp_path) as store:
        saved = store.save(article)
        assert store.get(saved.article_id[:8]).id == saved.article_id
        assert store.get("vietnews-11").id == saved.article_id
        with pytest.raises(NotFoundError):
            store.get("does-not-exist")


def test_get_many_returns_the_existing_articles_by_id(tmp_path: Path) -> None:
    texts = [realtext.vietnamese_article(k) for k in (3, 4)]
    with open_store(tmp_path) as store:
        ids = [store.save(make_article(t, body, f"https://baosonghong.example/{k}.html"))
               .article_id for k, (t, body) in enumerate(texts)]
        many = store.get_many([ids[1], "not-an-id", ids[0], ids[1]])
        assert set(many) == set(ids)
        for article_id in ids:
            assert many[article_id] == store.get(article_id)
        assert store.get_many([]) == {}


def test_schema_is_versioned_and_newer_stores_are_refused(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        assert store.schema_version == LATEST_VERSION
        assert store.integrity_ok()
    db = sqlite3.connect(tmp_path / "newsdesk.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="newer"):
        open_store(tmp_path)


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "newsdesk.db").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open store"):
        open_store(tmp_path)
