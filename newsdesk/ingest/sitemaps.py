"""Sitemaps (sitemaps.org, Google News, plain text, gzipped): bytes in, URLs out.

Sitemaps are the biggest documents a crawler reads and the easiest to make
hostile, so every step is capped or hardened:

- gzip (by its magic bytes, whatever the URL says) is decompressed only up to
  `max_bytes` (50 MB, the protocol's own limit), so a gzip bomb stops there;
- `discover.prepare_xml` drops the DTD (no entity bomb or XXE survives it)
  and turns entities into character references (libxml2's recover mode drops
  `&amp;` after the first error, cutting query strings out of URLs);
- lxml then parses with no network, no entity expansion, no huge trees, and
  recovers what it can from a broken or truncated file;
- at most `max_urls` (50,000, the protocol limit) URLs are kept.

Image and video extensions are ignored: only a `<url>`'s own `<loc>`,
`<lastmod>` and `<news:news>` are read, matched by local name so sitemaps
without (or with an old) namespace still work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Literal
from zoneinfo import ZoneInfo

from lxml import etree

from newsdesk.errors import DecodeError, InputError, TooLargeError
from newsdesk.extract.dates import local_zone, parse_iso
from newsdesk.extract.encoding import decode_bytes
from newsdesk.ingest.discover import GZIP_MAGIC, gunzip, prepare_xml, sniff, web_url
from newsdesk.text.normalize import normalize_paragraph

SitemapKind = Literal["urlset", "index", "text"]

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # sitemaps.org: 50 MB uncompressed
MAX_SITEMAP_URLS = 50_000  # sitemaps.org: 50,000 URLs (or child sitemaps) per file


@dataclass
class SitemapUrl:
    """One `<url>`: its address, last change and, in a Google News sitemap, news metadata."""

    loc: str  # absolute http(s) URL
    lastmod: datetime | None = None  # aware; a date alone is midnight UTC
    news_title: str | None = None
    news_published: datetime | None = None  # aware; see news_published_tz_assumed
    news_language: str | None = None
    news_publication: str | None = None
    news_published_tz_assumed: bool = False  # no offset given: the outlet's zone applied


@dataclass
class ParsedSitemap:
    """A sitemap's URLs, or an index's child sitemaps, and what was wrong with it."""

    url: str
    kind: SitemapKind
    urls: list[SitemapUrl] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)  # child sitemap URLs of an index
    warning: str | None = None  # broken XML, truncated gzip, URLs cut at the limit…


def parse_sitemap(data: bytes, url: str, *, max_bytes: int = MAX_SITEMAP_BYTES,
                  max_urls: int = MAX_SITEMAP_URLS) -> ParsedSitemap:
    """Parse a sitemap, sitemap index or plain-text URL list (gzipped or not)."""
    if len(data) > max_bytes:
        raise TooLargeError(url, f"sitemap is {len(data):,} bytes, over the {max_bytes:,} limit")
    warnings: list[str] = []
    if data.startswith(GZIP_MAGIC):
        data, cut = gunzip(data, url, max_bytes)
        if cut:
            warnings.append("gzip data is truncated; kept the URLs before the cut")
    try:
        text = decode_bytes(data, where=url).text
    except DecodeError as exc:
        raise DecodeError(url, f"not a sitemap: {exc.reason}") from exc
    kind = sniff(text)
    if kind == "url-list":
        return _text_sitemap(text, url, max_urls, warnings)
    if kind != "sitemap":
        raise InputError(url, _not_a_sitemap(kind))
    prepared, repairs = prepare_xml(text)
    warnings += repairs
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             recover=True, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(prepared.encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(url, f"not a sitemap: unreadable XML ({exc})") from exc
    if root is None:
        raise InputError(url, "not a sitemap: unreadable XML")
    errors = list(parser.error_log)
    if errors:
        warnings.insert(0, f"not well-formed XML ({len(errors)} errors; first at line "
                           f"{errors[0].line}: {errors[0].message})")
    result = ParsedSitemap(url=url, kind="index" if _local(root) == "sitemapindex" else "urlset")
    seen: set[str] = set()
    skipped = 0
    for child in root:
        name = _local(child)
        if name not in ("url", "sitemap"):
            continue
        loc = web_url(_child_text(child, "loc"), url)
        if loc is None:
            skipped += 1
            continue
        if loc in seen:
            continue
        if len(seen) == max_urls:
            warnings.append(_cut_warning(max_urls))
            break
        seen.add(loc)
        if result.kind == "index":
            result.sitemaps.append(loc)
        else:
            result.urls.append(_url_entry(child, loc))
    if skipped:
        warnings.append(f"skipped {skipped} entries without an http(s) <loc>")
    result.warning = "; ".join(warnings) if warnings else None
    return result


def _url_entry(el: etree._Element, loc: str) -> SitemapUrl:
    entry = SitemapUrl(loc=loc, lastmod=_lastmod(_child_text(el, "lastmod")))
    news = _child(el, "news")
    if news is None:
        return entry
    publication = _child(news, "publication")
    entry.news_title = normalize_paragraph(_child_text(news, "title") or "") or None
    entry.news_language = (_child_text(news, "language")
                           or (_child_text(publication, "language") if publication is not None
                               else None))
    if publication is not None:
        entry.news_publication = normalize_paragraph(_child_text(publication, "name") or "") or None
    published = parse_iso(_child_text(news, "publication_date") or "")
    if published is not None and published.tzinfo is None:
        entry.news_published = _in_zone(published, local_zone(loc, entry.news_language))
        entry.news_published_tz_assumed = True
    else:
        entry.news_published = published
    return entry


def _text_sitemap(text: str, url: str, max_urls: int, warnings: list[str]) -> ParsedSitemap:
    """sitemaps.org's text format: one URL per line, nothing else."""
    result = ParsedSitemap(url=url, kind="text")
    seen: set[str] = set()
    for line in text.splitlines():
        loc = web_url(line, url) if line.strip().lower().startswith(("http://", "https://")) \
            else None
        if loc is None or loc in seen:
            continue
        if len(seen) == max_urls:
            warnings.append(_cut_warning(max_urls))
            break
        seen.add(loc)
        result.urls.append(SitemapUrl(loc=loc))
    result.warning = "; ".join(warnings) if warnings else None
    return result


def _cut_warning(max_urls: int) -> str:
    return (f"cut at {max_urls:,} URLs (the protocol allows {MAX_SITEMAP_URLS:,} per file); "
            "the rest are ignored")


def _not_a_sitemap(kind: str) -> str:
    reasons = {
        "feed": "not a sitemap: looks like an RSS/Atom feed (read it with parse_feed)",
        "json-feed": "not a sitemap: looks like a JSON Feed (read it with parse_feed)",
        "html": "not a sitemap: looks like an HTML page",
        "empty": "not a sitemap: the document is empty",
        "json": "not a sitemap: JSON",
        "text": "not a sitemap: plain text whose first line is not a URL",
    }
    if kind.startswith("xml:"):
        return f"not a sitemap: XML whose root element is <{kind[4:]}>, not urlset or sitemapindex"
    return reasons.get(kind, f"not a sitemap ({kind})")


def _lastmod(value: str | None) -> datetime | None:
    """W3C datetime; a date alone (allowed, and common) is read as midnight UTC."""
    parsed = parse_iso(value or "")
    if parsed is None:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _in_zone(value: datetime, zone: ZoneInfo | None) -> datetime:
    local = value.replace(tzinfo=zone or UTC)
    return value.replace(tzinfo=timezone(local.utcoffset() or timedelta(0)))


def _local(el: etree._Element) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _child(el: etree._Element, name: str) -> etree._Element | None:
    return next((c for c in el if _local(c) == name), None)


def _child_text(el: etree._Element, name: str) -> str | None:
    child = _child(el, name)
    if child is None:
        return None
    return "".join(str(t) for t in child.itertext()).strip() or None
