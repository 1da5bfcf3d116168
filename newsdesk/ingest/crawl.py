"""Crawling subscribed sources: fetch what is due, ingest what is new.

One crawl pass takes every due source, fetches it with conditional GET, works
out what it is (feed, sitemap, a site's home page, an article page), and
ingests the articles it links to that the store has not seen. Each article is
committed before its entry is marked seen, so a crawl killed at any point
re-fetches the unfinished entries next time and never stores one twice.

A failing source backs off exponentially (its interval doubles per consecutive
failure, up to a day) and `source list` shows its state and last error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

from newsdesk.errors import InputError
from newsdesk.extract.html import extract_html
from newsdesk.ingest.discover import candidate_urls, classify, discover_feeds, looks_like_home_page
from newsdesk.ingest.feeds import FeedEntry, parse_feed
from newsdesk.ingest.fetch import Fetcher, FetchPolicy, FetchResult
from newsdesk.ingest.pipeline import ItemResult, article_from_page, canonical
from newsdesk.ingest.sitemaps import parse_sitemap
from newsdesk.records import ExtractedPage, PublishDate
from newsdesk.store import SQLiteStore
from newsdesk.store.sources import Source
from newsdesk.text.langid import detect_language

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=24)
MAX_ARTICLES_PER_SOURCE = 500  # per pass; the rest come next pass
MAX_CHILD_SITEMAPS = 20
# Articles fetched at once per source; the fetcher's per-host limits still apply.
# Bounds what a Ctrl-C must wait for.
ARTICLES_IN_FLIGHT = 8
# Sources crawled at once; with the articles above, at most 64 pages in flight.
SOURCES_IN_FLIGHT = 8
HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass
class Candidate:
    """One article a source points at."""

    guid: str
    link: str
    entry: FeedEntry | None = None
    updated: datetime | None = None  # the feed's or sitemap's date for this entry


@dataclass
class SourceReport:
    source_id: int | None
    url: str
    name: str | None = None
    kind: str | None = None
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    not_modified: bool = False
    status: str = "ok"
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"source_id": self.source_id, "url": self.url, "name": self.name,
                "kind": self.kind, "new": self.new, "updated": self.updated,
                "unchanged": self.unchanged, "failed": self.failed,
                "not_modified": self.not_modified, "status": self.status, "errors": self.errors}


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class Crawler:
    """Runs crawl passes over a store's sources with one shared fetcher."""

    def __init__(self, store: SQLiteStore, fetcher: Fetcher,
                 on_item: Callable[[ItemResult], None] | None = None,
                 max_articles: int = MAX_ARTICLES_PER_SOURCE,
                 private_fetcher: Fetcher | None = None) -> None:
        self.store = store
        self.public_fetcher = fetcher
        # Sources added with --allow-private use a fetcher that may reach them.
        self.private_fetcher = private_fetcher or fetcher
        self.on_item = on_item
        self.max_articles = max_articles
        self.stopping = False

    def stop(self) -> None:
        """Finish the articles in flight, start no new ones."""
        self.stopping = True

    # -- a whole pass --------------------------------------------------------------
    async def crawl_due(self, force: bool = False) -> list[SourceReport]:
        sources = self.store.due_sources(_now(), include_not_due=force)
        # Sources run side by side (the fetcher keeps each host polite), so one slow
        # outlet does not hold up the others; reports keep the sources' order.
        slots = asyncio.Semaphore(SOURCES_IN_FLIGHT)

        async def one(source: Source) -> SourceReport | None:
            async with slots:
                if self.stopping:
                    return None
                return await self.crawl_source(source)

        reports = await asyncio.gather(*(one(s) for s in sources))
        return [r for r in reports if r is not None]

    def _fetcher_for(self, source: Source) -> Fetcher:
        return self.private_fetcher if source.allow_private else self.public_fetcher

    async def crawl_source(self, source: Source) -> SourceReport:
        fetcher = self._fetcher_for(source)
        report = SourceReport(source.id, source.url, source.name, source.kind)
        result = await fetcher.fetch(source.url, etag=source.etag,
                                          last_modified=source.last_modified)
        source.last_checked = _now()
        if result.error:
            report.status, report.failed = "failed", 1
            report.errors.append(result.error)
            self._finish(source, report, failed=True)
            return report
        if result.not_modified:
            report.status, report.not_modified = "not-modified", True
            self._finish(source, report, failed=False)
            return report
        source.etag, source.last_modified = result.etag, result.last_modified
        try:
            candidates = await self._candidates(source, result, report)
        except InputError as exc:
            report.status = "failed"
            report.failed += 1
            report.errors.append(str(exc))
            self._finish(source, report, failed=True)
            return report
        report.kind = source.kind
        if source.kind == "page":
            stored = await self._store_page(source, result, report,
                                            Candidate(result.final_url, result.final_url))
            if not stored and source.discovered == [] and discover_feeds(result.body,
                                                                         result.final_url):
                # Not an article after all, but it names its feeds: a site's front page.
                source.kind = report.kind = "site"
                report.failed, report.errors = 0, []
                candidates = await self._site_candidates(source, result, report)
                await self._ingest_candidates(source, candidates, report)
        else:
            await self._ingest_candidates(source, candidates, report)
        self._finish(source, report, failed=report.failed > 0 and report.new == 0
                     and report.unchanged == 0)
        return report

    def _finish(self, source: Source, report: SourceReport, failed: bool) -> None:
        if failed:
            source.failures += 1
            delay = min(source.every * (2 ** source.failures), MAX_BACKOFF)
            source.last_status = "failed"
            source.last_error = report.errors[0] if report.errors else "failed"
        else:
            source.failures = 0
            delay = source.every
            source.last_status = report.status
            source.last_error = report.errors[0] if report.errors else None
        source.next_due = _now() + delay
        source.last_new, source.last_unchanged = report.new + report.updated, report.unchanged
        source.last_failed = report.failed
        self.store.update_source(source)

    # -- what a source points at ---------------------------------------------------
    async def _candidates(self, source: Source, result: FetchResult,
                          report: SourceReport) -> list[Candidate]:
        kind = classify(result.body, result.final_url, result.content_type)
        if source.kind == "auto":
            if kind == "html":
                source.kind = "site" if looks_like_home_page(source.url) else "page"
            elif kind in ("feed", "sitemap"):
                source.kind = kind
            else:
                raise InputError(source.url, "neither a feed, a sitemap nor an HTML page")
        if source.kind == "feed":
            return await self._feed_candidates(result)
        if source.kind == "sitemap":
            return await self._sitemap_candidates(source, result, report)
        if source.kind == "site":
            return await self._site_candidates(source, result, report)
        return []

    async def _feed_candidates(self, result: FetchResult) -> list[Candidate]:
        # feedparser takes ~50 ms for a 100-item feed: off the event loop, so the
        # other sources' fetches keep moving meanwhile.
        feed = await asyncio.to_thread(parse_feed, result.body, result.final_url,
                                       result.content_type)
        return [Candidate(e.guid, e.link, e, e.updated or e.published)
                for e in feed.entries if e.link]

    async def _sitemap_candidates(self, source: Source, result: FetchResult,
                                  report: SourceReport) -> list[Candidate]:
        sitemap = parse_sitemap(result.body, result.final_url)
        urls = list(sitemap.urls)
        for child in sitemap.sitemaps[:MAX_CHILD_SITEMAPS]:
            fetched = await self._fetcher_for(source).fetch(child)
            if fetched.error:
                report.errors.append(fetched.error)
                continue
            try:
                urls += parse_sitemap(fetched.body, fetched.final_url).urls
            except InputError as exc:
                report.errors.append(str(exc))
        epoch = datetime.min.replace(tzinfo=UTC)
        urls.sort(key=lambda u: u.news_published or u.lastmod or epoch, reverse=True)
        return [Candidate(u.loc, u.loc, None, u.lastmod or u.news_published) for u in urls]

    async def _site_candidates(self, source: Source, result: FetchResult,
                               report: SourceReport) -> list[Candidate]:
        feeds = source.discovered or discover_feeds(result.body, result.final_url)
        if not feeds:
            for url in candidate_urls(source.url):
                probe = await self._fetcher_for(source).fetch(url)
                if not probe.error and classify(probe.body, probe.final_url,
                                                probe.content_type) in ("feed", "sitemap"):
                    feeds = [probe.final_url]
                    break
        if not feeds:
            raise InputError(source.url, "no feed or sitemap found on this site")
        source.discovered = feeds
        candidates: list[Candidate] = []
        for feed_url in feeds:
            fetched = await self._fetcher_for(source).fetch(feed_url)
            if fetched.error:
                report.errors.append(fetched.error)
                continue
            try:
                kind = classify(fetched.body, fetched.final_url, fetched.content_type)
                if kind == "sitemap":
                    candidates += await self._sitemap_candidates(source, fetched, report)
                else:
                    candidates += await self._feed_candidates(fetched)
            except InputError as exc:
                report.errors.append(str(exc))
        return candidates

    # -- articles ------------------------------------------------------------------
    async def _ingest_candidates(self, source: Source, candidates: list[Candidate],
                                 report: SourceReport) -> None:
        todo: list[Candidate] = []
        for cand in candidates:
            if self.store.is_seen(source.id, cand.guid, cand.updated):
                report.unchanged += 1
                continue
            known = self.store.has_url(canonical(cand.link) or cand.link)
            if known and not self.store.is_seen(source.id, cand.guid):
                # Already stored from another source: no need to fetch it again.
                self.store.mark_seen(source.id, cand.guid, cand.link, known, cand.updated)
                report.unchanged += 1
                continue
            todo.append(cand)
        todo = todo[: self.max_articles]

        slots = asyncio.Semaphore(ARTICLES_IN_FLIGHT)

        async def one(cand: Candidate) -> None:
            async with slots:
                if self.stopping:  # a stop lets the articles in flight finish, no new ones
                    return
                fetched = await self._fetcher_for(source).fetch(cand.link)
                if fetched.error:
                    await self._fallback_summary(source, cand, fetched.error, report)
                    return
                await self._store_page(source, fetched, report, cand)

        await asyncio.gather(*(one(c) for c in todo))

    async def _store_page(self, source: Source, fetched: FetchResult, report: SourceReport,
                          cand: Candidate) -> bool:
        """Extract and save one fetched page; False if it held no article."""
        where = fetched.final_url
        try:
            page = await asyncio.to_thread(
                extract_html, fetched.body, fetched.final_url,
                f"text/html; charset={fetched.charset}" if fetched.charset else None, where)
        except InputError as exc:
            await self._fallback_summary(source, cand, exc.reason, report)
            return False
        if cand.entry is not None:
            _fill_from_entry(page, cand.entry)
        page.source_name = page.source_name or source.name or urlparse(where).hostname
        key = canonical(page.canonical_url) or canonical(where) or where
        article = article_from_page(page, raw_kind="html", origin=cand.link, key=key)
        article.fetched = _now()
        self._save(source, cand, article, fetched.body, report)
        return True

    async def _fallback_summary(self, source: Source, cand: Candidate, reason: str,
                                report: SourceReport) -> None:
        """Keep a feed's own summary when its article page cannot be had."""
        report.errors.append(f"{cand.link}: {reason}")
        entry = cand.entry
        if entry is None or not (entry.summary or entry.title):
            report.failed += 1
            self._emit(ItemResult(cand.link, "failed", reason=reason))
            return
        page = ExtractedPage(
            title=entry.title or entry.summary[:120],
            paragraphs=[entry.summary or entry.title or ""],
            lead=entry.summary or entry.title, url=cand.link, canonical_url=cand.link,
            source_name=source.name or urlparse(cand.link).hostname,
            source_domain=urlparse(cand.link).hostname,
            published=PublishDate(entry.published, "feed") if entry.published else None,
            authors=list(entry.authors),
            language="und",
        )
        page.language = detect_language(f"{page.title}\n{page.paragraphs[0]}").code
        article = article_from_page(page, raw_kind="feed", origin=source.url,
                                    key=canonical(cand.link) or cand.link)
        article.fetched = _now()
        self._save(source, cand, article, None, report, note=f"feed summary only ({reason})")

    def _save(self, source: Source, cand: Candidate, article, raw: bytes | None,
              report: SourceReport, note: str | None = None) -> None:
        saved = self.store.save(article, raw=raw)
        self.store.mark_seen(source.id, cand.guid, cand.link, saved.article_id, cand.updated)
        if saved.outcome == "new":
            report.new += 1
        elif saved.outcome == "updated":
            report.updated += 1
        else:
            report.unchanged += 1
        self._emit(ItemResult(cand.link, saved.outcome, saved.article_id, article.title,
                              reason=note))

    def _emit(self, item: ItemResult) -> None:
        if self.on_item:
            self.on_item(item)


def _fill_from_entry(page: ExtractedPage, entry: FeedEntry) -> None:
    """The feed knows some things better than a page without metadata."""
    if page.published is None and entry.published is not None:
        page.published = PublishDate(entry.published, "feed")
        page.date_note = None
    if not page.authors and entry.authors:
        page.authors = list(entry.authors)


async def ingest_url(store: SQLiteStore, url: str, policy: FetchPolicy) -> ItemResult:
    """Fetch one page and ingest it (`newsdesk ingest URL`)."""
    async with Fetcher(policy) as fetcher:
        fetched = await fetcher.fetch(url)
    if fetched.error:
        return ItemResult(url, "failed", reason=fetched.error)
    try:
        page = await asyncio.to_thread(
            extract_html, fetched.body, fetched.final_url,
            f"text/html; charset={fetched.charset}" if fetched.charset else None, url)
    except InputError as exc:
        return ItemResult(url, "failed", reason=exc.reason)
    key = canonical(page.canonical_url) or canonical(fetched.final_url) or fetched.final_url
    article = article_from_page(page, raw_kind="html", origin=url, key=key)
    article.fetched = _now()
    saved = store.save(article, raw=fetched.body)
    return ItemResult(url, saved.outcome, saved.article_id, article.title)


def run_crawl(
    store: SQLiteStore,
    *,
    watch: bool = False,
    force: bool = False,
    allow_private: bool = False,
    rate: float = 1.0,
    on_item: Callable[[ItemResult], None] | None = None,
    on_pass: Callable[[list[SourceReport]], None] | None = None,
    max_passes: int | None = None,
) -> list[SourceReport]:
    """One crawl pass, or passes on schedule until Ctrl-C/SIGTERM with `watch`.

    The first interrupt lets the articles in flight be stored and then stops;
    reports of every finished pass are returned.
    """
    import signal

    all_reports: list[SourceReport] = []

    async def main() -> None:
        public = FetchPolicy(allow_private=allow_private, per_host_rate=rate)
        private = FetchPolicy(allow_private=True, per_host_rate=rate)
        async with Fetcher(public) as fetcher, Fetcher(private) as private_fetcher:
            crawler = Crawler(store, fetcher, on_item=on_item, private_fetcher=private_fetcher)
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                # Not available off the main thread (tests may run passes there).
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.add_signal_handler(sig, crawler.stop)
            passes = 0
            first = True
            while not crawler.stopping:
                reports = await crawler.crawl_due(force=force and first)
                first = False
                passes += 1
                if reports:
                    all_reports.extend(reports)
                    if on_pass:
                        on_pass(reports)
                if not watch or (max_passes is not None and passes >= max_passes):
                    break
                await _sleep_until_due(store, crawler)

    asyncio.run(main())
    return all_reports


async def _sleep_until_due(store: SQLiteStore, crawler: Crawler) -> None:
    """Sleep until the next source is due, waking every second to notice a stop."""
    due = [s.next_due for s in store.list_sources() if not s.paused and s.next_due]
    wake = min(due) if due else _now() + timedelta(minutes=1)
    while not crawler.stopping and _now() < wake:
        await asyncio.sleep(1)
