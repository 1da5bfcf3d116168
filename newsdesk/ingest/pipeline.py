"""Ingest: files in, articles stored, one outcome per item, nothing lost.

Each input item (an HTML file, one JSONL line, one result of a saved results
page) is extracted and saved on its own; a failure is recorded with the input's
name and reason, and the batch goes on. An item is reported only after its
store commit returned, so what the report says is done is on disk.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import courlan

from newsdesk.config import MAX_FILE_BYTES
from newsdesk.errors import InputError, TooLargeError
from newsdesk.extract.encoding import decode_bytes
from newsdesk.extract.html import EXTRACTOR_VERSION, extract_file_bytes
from newsdesk.ingest.jsonl import page_from_record, read_jsonl
from newsdesk.ingest.textdump import parse_text_file
from newsdesk.records import Article, ExtractedPage
from newsdesk.store import ArticleStore, RawRecord
from newsdesk.store.sqlite import now_utc

log = logging.getLogger(__name__)

HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
TEXT_SUFFIXES = {".txt", ".text"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
# Feeds are sources to subscribe to (`newsdesk source add`), not articles.
SKIPPED_SUFFIXES = {".xml", ".rss", ".atom", ".json", ".md", ".py", ".csv", ".gz"}


@dataclass
class ItemResult:
    where: str
    outcome: str  # new | updated | unchanged | duplicate | failed | skipped
    article_id: str | None = None
    title: str | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {"where": self.where, "outcome": self.outcome, "id": self.article_id,
                "title": self.title, "reason": self.reason}


@dataclass
class IngestReport:
    results: list[ItemResult] = field(default_factory=list)

    @property
    def counts(self) -> Counter[str]:
        return Counter(r.outcome for r in self.results)

    @property
    def failures(self) -> list[ItemResult]:
        return [r for r in self.results if r.outcome == "failed"]

    @property
    def stored(self) -> int:
        c = self.counts
        return c["new"] + c["updated"]


def article_id(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def content_hash(title: str, paragraphs: list[str]) -> str:
    return hashlib.sha256("\n".join([title, *paragraphs]).encode("utf-8")).hexdigest()


def canonical(url: str | None) -> str | None:
    """Normalised http(s) URL with tracking parameters removed."""
    if not url or not url.startswith(("http://", "https://")):
        return url
    try:
        return courlan.normalize_url(url, strict=True)
    except (ValueError, AttributeError):
        return url


def article_from_page(
    page: ExtractedPage,
    *,
    raw_kind: str,
    origin: str | None,
    key: str,
    external_id: str | None = None,
) -> Article:
    """An Article from extraction output; `key` is the dedup identity."""
    title = page.title or page.paragraphs[0][:120]
    return Article(
        id=article_id(key),
        canonical_url=key,
        title=title,
        paragraphs=page.paragraphs,
        language=page.language,
        content_hash=content_hash(title, page.paragraphs),
        url=page.url or (page.canonical_url if page.canonical_url else None),
        external_id=external_id,
        lead=page.lead,
        source_name=page.source_name,
        source_domain=page.source_domain,
        source_label=page.source_label,
        original_source=page.original_source,
        published=page.published.value if page.published else None,
        published_source=page.published.source if page.published else None,
        published_tz_assumed=page.published.tz_assumed if page.published else False,
        fetched=None,
        authors=page.authors,
        images=page.images,
        tags=page.tags,
        raw_kind=raw_kind,
        origin=origin,
        encoding=page.encoding,
        extractor_version=EXTRACTOR_VERSION,
    )


def html_key(page: ExtractedPage, path: Path | None) -> str:
    url = canonical(page.canonical_url) or canonical(page.url)
    if url:
        return url
    assert path is not None
    return path.resolve().as_uri()


def text_key(page: ExtractedPage, kind: str) -> str:
    stamp = page.published.value.isoformat() if page.published else ""
    basis = "|".join([page.source_name or "", stamp, page.title or ""])
    return f"urn:newsdesk:{kind}:{hashlib.sha1(basis.encode('utf-8')).hexdigest()[:20]}"


def jsonl_key(page: ExtractedPage, external_id: str | None) -> str:
    url = canonical(page.canonical_url)
    if url:
        return url
    if external_id:
        return f"urn:newsdesk:jsonl:{external_id}"
    return text_key(page, "jsonl")


def iter_files(paths: list[Path]) -> Iterator[Path]:
    """Files under `paths` in a stable order, hidden ones skipped."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path).parts
                if any(part.startswith(".") for part in rel):
                    continue
                # A dangling link is reported (as "no such file"), not silently skipped.
                if child.is_file() or (child.is_symlink() and not child.exists()):
                    yield child
        else:
            yield path


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in SKIPPED_SUFFIXES:
        return "skip"
    return "sniff"


def _read_limited(path: Path) -> bytes:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise TooLargeError(str(path), f"{size / 1e6:.1f} MB is over the "
                                       f"{MAX_FILE_BYTES / 1e6:.0f} MB limit for one page")
    return path.read_bytes()


def _save(store: ArticleStore, article: Article, raw: bytes, where: str) -> ItemResult:
    saved = store.save(article, raw=raw)
    return ItemResult(where, saved.outcome, saved.article_id, article.title)


def _ingest_html(store: ArticleStore, path: Path, data: bytes, url: str | None) -> ItemResult:
    page = extract_file_bytes(data, str(path), url=url)
    article = article_from_page(page, raw_kind="html", origin=str(path), key=html_key(page, path))
    return _save(store, article, data, str(path))


def _ingest_text(store: ArticleStore, path: Path, data: bytes) -> Iterator[ItemResult]:
    text = decode_bytes(data, where=str(path)).text
    query, pages = parse_text_file(text, str(path))
    kind = "dump" if query is not None or len(pages) > 1 else "text"
    for n, page in enumerate(pages, start=1):
        where = f"{path}#{n}" if kind == "dump" else str(path)
        article = article_from_page(page, raw_kind="text", origin=str(path),
                                    key=text_key(page, kind))
        raw = _dump_block(page) if kind == "dump" else data
        yield _save(store, article, raw, where)


def _dump_block(page: ExtractedPage) -> bytes:
    """A results-page block that re-parses to this one article (for reextract)."""
    assert page.published is not None
    source = " ".join(x for x in (page.source_name, page.source_label) if x)
    stamp = page.published.value.strftime("%Y-%m-%d %H:%M")
    return "\n".join([page.title or "", f"{source}· {stamp}", *page.paragraphs]).encode()


def _ingest_jsonl(store: ArticleStore, path: Path) -> Iterator[ItemResult]:
    for item in read_jsonl(path):
        if item.error is not None or item.page is None:
            reason = item.error.reason if item.error else "unreadable record"
            yield ItemResult(item.where, "failed", reason=reason)
            continue
        article = article_from_page(item.page, raw_kind="jsonl", origin=str(path),
                                    key=jsonl_key(item.page, item.external_id),
                                    external_id=item.external_id)
        yield _save(store, article, item.raw, item.where)


def ingest_file(store: ArticleStore, path: Path, url: str | None = None) -> Iterator[ItemResult]:
    """Ingest one file; every failure becomes a 'failed' result, never an exception."""
    where = str(path)
    try:
        kind = _kind(path)
        if kind == "skip":
            yield ItemResult(where, "skipped", reason=f"{path.suffix} files are not articles")
            return
        if kind == "jsonl":
            yield from _ingest_jsonl(store, path)
            return
        data = _read_limited(path)
        if kind == "sniff":
            head = data[:512].lstrip().lower()
            kind = "html" if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<")) else "text"
        if kind == "html":
            yield _ingest_html(store, path, data, url)
        else:
            yield from _ingest_text(store, path, data)
    except InputError as exc:
        yield ItemResult(exc.where, "failed", reason=exc.reason)
    except IsADirectoryError:
        yield ItemResult(where, "failed", reason="is a directory")
    except FileNotFoundError:
        yield ItemResult(where, "failed", reason="no such file")
    except PermissionError:
        yield ItemResult(where, "failed", reason="permission denied")
    except OSError as exc:
        yield ItemResult(where, "failed", reason=f"cannot read ({exc.strerror or exc})")
    except Exception as exc:  # a bug must not stop the batch or show a traceback
        log.exception("unexpected error while ingesting %s", where)
        yield ItemResult(where, "failed", reason=f"internal error: {type(exc).__name__}: {exc}")


def ingest_paths(
    store: ArticleStore,
    paths: list[Path],
    on_result: Callable[[ItemResult], None] | None = None,
    on_file: Callable[[Path], None] | None = None,
    url: str | None = None,
) -> IngestReport:
    report = IngestReport()
    for path in iter_files(paths):
        for result in ingest_file(store, path, url=url):
            report.results.append(result)
            if on_result:
                on_result(result)
        if on_file:
            on_file(path)
    return report


def reextract(store: ArticleStore, force: bool = False,
              on_result: Callable[[ItemResult], None] | None = None) -> IngestReport:
    """Re-run extraction from stored raw inputs; ids, URLs and first-seen dates stay."""
    report = IngestReport()
    for record in store.iter_raw():
        if not force and record.extractor_version == EXTRACTOR_VERSION:
            result = ItemResult(record.article_id, "unchanged", record.article_id)
        else:
            result = _reextract_one(store, record)
        report.results.append(result)
        if on_result:
            on_result(result)
    return report


def _reextract_one(store: ArticleStore, record: RawRecord) -> ItemResult:
    where = record.origin or record.article_id
    try:
        old = store.get(record.article_id)
        page = _page_from_raw(record, where)
        article = article_from_page(page, raw_kind=record.raw_kind, origin=record.origin,
                                    key=old.canonical_url, external_id=old.external_id)
        article.id = old.id
        article.fetched = old.fetched
        changed = article.content_hash != old.content_hash or (
            old.extractor_version != EXTRACTOR_VERSION)
        store.replace_extraction(article)
        return ItemResult(where, "updated" if changed else "unchanged", old.id, article.title)
    except InputError as exc:
        return ItemResult(where, "failed", record.article_id, reason=exc.reason)
    except Exception as exc:
        log.exception("unexpected error while re-extracting %s", where)
        return ItemResult(where, "failed", record.article_id,
                          reason=f"internal error: {type(exc).__name__}: {exc}")


def _page_from_raw(record: RawRecord, where: str) -> ExtractedPage:
    if record.raw_kind == "html":
        return extract_file_bytes(record.raw, where, url=record.url)
    if record.raw_kind == "jsonl":
        return page_from_record(json.loads(record.raw.decode("utf-8-sig")), where)
    _, pages = parse_text_file(decode_bytes(record.raw, where=where).text, where)
    return pages[0]


__all__ = ["IngestReport", "ItemResult", "article_from_page", "ingest_file", "ingest_paths",
           "now_utc", "reextract"]
