"""RSS, Atom, RDF and JSON feeds: fetched bytes in, typed entries out.

feedparser does the parsing, but not the decoding: the bytes go through the
project's decoder first (`extract.encoding`), which reads GBK labelled gb2312,
Big5 with HKSCS characters, Windows-1258 with combining tones and mislabelled
feeds the way it reads HTML pages, then through `discover.prepare_xml`, which
removes DTDs (entity bombs, XXE) and repairs stray `&` so feedparser's strict
parser can read what a browser would. Whatever still breaks falls to
feedparser's loose parser; every entry that can be read is kept and
`bozo`/`warning`/`entries_lost` say what went wrong.

Dates keep the offset the feed wrote: feedparser's `*_parsed` values are UTC
struct_times, so the raw string is parsed instead. A time with no offset gets
the outlet's zone (by TLD, else language) and `published_tz_assumed`, as HTML
pages do.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

import feedparser
from lxml import etree
from lxml import html as lxml_html

from newsdesk.errors import DecodeError, InputError, TooLargeError
from newsdesk.extract.dates import EARLIEST, date_in_text, local_zone, parse_iso
from newsdesk.extract.encoding import codec_for, decode_bytes
from newsdesk.ingest.discover import (
    discover_feeds,
    gunzip,
    prepare_xml,
    root_name,
    sniff,
    web_url,
)
from newsdesk.text.normalize import normalize_paragraph

FeedKind = Literal["rss", "atom", "rdf", "json"]

MAX_FEED_BYTES = 20 * 1024 * 1024  # the biggest real news feeds are ~2 MB
WARNING_CHARS = 200

_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
               "blockquote", "tr", "table", "section", "article", "figure", "figcaption",
               "pre", "hr", "dd", "dt"}
_TAG = re.compile(r"<[^>]*>")
_BREAK = "\u2029"  # marks block boundaries while flattening HTML
_LOOKS_HTML = re.compile(r"</?(?:p|br|div|span|a|img|b|i|em|strong|ul|li|figure)\b[^>]*>", re.I)
_GMT_OFFSET = re.compile(r"\(?\b(?:GMT|UTC|UT)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?\)?\s*$", re.I)
# Zone abbreviations email.utils does not know (or, for CST, reads as US Central).
_ZONE_NAMES = {"ICT": "+0700", "WIB": "+0700", "SGT": "+0800", "HKT": "+0800",
               "MYT": "+0800", "PHT": "+0800", "JST": "+0900", "KST": "+0900"}
_ZONE_NAME = re.compile(r"\b(?:" + "|".join([*_ZONE_NAMES, "CST"]) + r")\b")
_CHINA_ZONES = {"Asia/Shanghai", "Asia/Taipei", "Asia/Hong_Kong", "Asia/Macau"}
_ITEM_TAG = re.compile(r"<(?:[\w.-]+:)?(?:item|entry)[\s>]")
_ROOT_END = re.compile(r"</(?:[\w.-]+:)?(?:rss|feed|RDF)\s*>")
_EMAIL = re.compile(r"[<(]?\s*[^\s()<>]+@[^\s()<>]+\s*[>)]?")


@dataclass
class FeedEntry:
    """One item of a feed, normalised: absolute link, plain-text summary, aware dates."""

    guid: str  # the feed's id, else the link, else "sha256:" + hash of title and date
    link: str | None  # absolute http(s) URL of the article
    title: str | None
    summary: str | None  # plain text, NFC, block breaks kept as "\n"
    published: datetime | None  # published, else updated (RDF and many Atom feeds)
    updated: datetime | None
    published_tz_assumed: bool = False  # the feed gave a wall-clock time, no offset
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)


@dataclass
class ParsedFeed:
    """A feed's channel metadata, its entries, and how broken it was."""

    url: str
    kind: FeedKind
    title: str | None
    link: str | None  # the site's home page, absolute
    entries: list[FeedEntry]
    bozo: bool = False  # the document was not well-formed (or was repaired)
    warning: str | None = None  # what was wrong, short
    entries_lost: bool = False  # entries may be missing (truncated, unreadable items)
    language: str | None = None
    encoding: str | None = None


def parse_feed(data: bytes, url: str, content_type: str | None = None,
               *, max_bytes: int = MAX_FEED_BYTES) -> ParsedFeed:
    """Parse a feed's bytes; raise InputError only if they are not a feed at all."""
    if len(data) > max_bytes:
        raise TooLargeError(url, f"feed is {len(data):,} bytes, over the {max_bytes:,} limit")
    warnings: list[str] = []
    if data.startswith(b"\x1f\x8b"):
        data, cut = gunzip(data, url, max_bytes)
        if cut:
            warnings.append("gzip data is truncated")
    try:
        decoded = decode_bytes(data, header=content_type, where=url)
    except DecodeError as exc:
        raise DecodeError(url, f"not a feed: {exc.reason}") from exc
    kind = sniff(decoded.text)
    if kind in ("json-feed", "json"):
        return _parse_json_feed(decoded.text, url, kind, decoded.encoding)
    declared = codec_for(decoded.declared)
    if declared and declared != decoded.encoding and not data.isascii():
        warnings.append(f"declared encoding {decoded.declared} but the bytes are "
                        f"{decoded.encoding}")
    text, repairs = prepare_xml(decoded.text)
    warnings += repairs
    result = feedparser.parse(
        io.BytesIO(text.encode("utf-8")),  # a bare bytes/str may be opened as a path or URL
        response_headers={"content-type": "application/xml; charset=utf-8"},
        # Summaries become plain text here, never HTML: feedparser's sanitizer and URI
        # rewriting would only cost time (half of the parse on a 5,000-item feed).
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    version = result.get("version") or ""
    if not result.entries and not version:
        raise InputError(url, _not_a_feed(kind, decoded.text, url))
    if result.get("bozo") and result.get("bozo_exception") is not None:
        warnings.insert(0, str(result.bozo_exception))
    channel = result.feed
    language = (channel.get("language") or "").strip() or None
    zone = local_zone(web_url(channel.get("link"), url) or url, language)
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    unreadable = 0
    for raw in result.entries:
        entry = _entry(raw, url, zone)
        if entry is None:
            unreadable += 1
        elif entry.guid not in seen:
            seen.add(entry.guid)
            entries.append(entry)
    truncated = bool(version) and not _ROOT_END.search(text[-4096:])
    if truncated:
        warnings.append("the document ends before its closing tag (truncated)")
    if unreadable:
        warnings.append(f"{unreadable} entries had no id, link or title")
    return ParsedFeed(
        url=url,
        kind=_kind(version, root_name(text)),
        title=_plain(channel.get("title"), channel.get("title_detail")),
        link=web_url(channel.get("link"), url),
        entries=entries,
        bozo=bool(result.get("bozo")) or bool(warnings),
        warning=_shorten("; ".join(warnings)) if warnings else None,
        entries_lost=truncated or unreadable > 0
        or len(_ITEM_TAG.findall(text)) > len(result.entries),
        language=language,
        encoding=decoded.encoding,
    )


def _entry(parsed: Any, feed_url: str, zone: ZoneInfo | None) -> FeedEntry | None:
    # A plain dict: FeedParserDict answers `updated` with `published` when absent.
    raw: dict[str, Any] = dict(parsed)
    link = web_url(raw.get("link"), feed_url)
    title = _plain(raw.get("title"), raw.get("title_detail"))
    published_raw = raw.get("published") or raw.get("updated")
    published, assumed = _date(published_raw,
                               raw.get("published_parsed") or raw.get("updated_parsed"), zone)
    updated, _ = _date(raw.get("updated"), raw.get("updated_parsed"), zone)
    guid = (raw.get("id") or "").strip() or link or _hash_guid(title, published_raw)
    if guid is None:
        return None
    summary_html = raw.get("summary")
    detail = raw.get("summary_detail")
    if not summary_html and raw.get("content"):
        summary_html, detail = raw["content"][0].get("value"), raw["content"][0]
    return FeedEntry(
        guid=guid,
        link=link,
        title=title,
        summary=_plain(summary_html, detail, lines=True),
        published=published,
        updated=updated,
        published_tz_assumed=assumed,
        authors=_authors(raw),
        categories=_unique(normalize_paragraph(t.get("label") or t.get("term") or "")
                           for t in raw.get("tags") or []),
    )


def _hash_guid(title: str | None, published_raw: str | None) -> str | None:
    """A stable id for an entry with neither id nor link: its title and raw date."""
    if not title:
        return None
    key = f"{title}\n{published_raw or ''}".encode()
    return "sha256:" + hashlib.sha256(key).hexdigest()[:16]


def _date(value: str | None, parsed: time.struct_time | None,
          zone: ZoneInfo | None) -> tuple[datetime | None, bool]:
    """An aware datetime from a feed's raw date string, keeping its offset.

    Tries ISO 8601 (Atom, dc:date), RFC 822 (RSS), then the local styles HTML
    pages use ("20/10/2025 14:30 GMT+7"), then feedparser's UTC reading.
    Returns (None, False) for dates before 1995 or more than two days ahead.
    """
    found: datetime | None = None
    if value and value.strip():
        value = value.strip()
        found = parse_iso(value) or _rfc822(_rfc822_zone(value, zone))
        if found is None:
            local = date_in_text(value, zone)
            if local is not None:
                return (local.value, local.tz_assumed) if _plausible(local.value) else (None, False)
    if found is None and parsed is not None:
        try:
            found = datetime(*parsed[:6], tzinfo=UTC)
        except (ValueError, OverflowError):  # "0000-00-00" reads as year -1
            found = None
    if found is None or not _plausible(found):
        return None, False
    if found.tzinfo is not None:
        return found, False
    local_time = found.replace(tzinfo=zone or UTC)
    return found.replace(tzinfo=timezone(local_time.utcoffset() or timedelta(0))), True


def _rfc822_zone(text: str, zone: ZoneInfo | None) -> str:
    """"… GMT+7" and zone names email.utils misreads (CST in China is +0800), as offsets."""
    text = _GMT_OFFSET.sub(lambda m: f" {m[1]}{int(m[2]):02d}{m[3] or '00'}", text)

    def offset(match: re.Match[str]) -> str:
        name = match.group(0).upper()
        if name == "CST":
            return "+0800" if zone is not None and zone.key in _CHINA_ZONES else match.group(0)
        return _ZONE_NAMES[name]

    return _ZONE_NAME.sub(offset, text)


def _rfc822(text: str) -> datetime | None:
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def _plausible(value: datetime) -> bool:
    return EARLIEST <= value.date() <= date.today() + timedelta(days=2)


def _plain(value: str | None, detail: Any = None, lines: bool = False) -> str | None:
    """Plain NFC text from a feed field; HTML (and HTML escaped twice) is stripped."""
    if not value:
        return None
    kind = (detail or {}).get("type") or "text/html"
    text = html.unescape(value) if kind == "text/plain" else value
    for _ in range(2):  # a second pass for HTML that the feed escaped twice
        if kind == "text/plain" and not _LOOKS_HTML.search(text):
            break
        text = _html_to_text(text)
        kind = "text/plain"
    if lines:
        text = "\n".join(filter(None, map(normalize_paragraph, text.split("\n"))))
    else:
        text = normalize_paragraph(text)
    return text or None


def _html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: one line per block, NFC, spaces folded."""
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):  # control characters lxml refuses
        return normalize_paragraph(html.unescape(_TAG.sub(" ", fragment)))
    for el in list(root.iter("script", "style", "noscript", "template", "iframe", "object")):
        el.drop_tree()
    # Newlines in the source are spaces in HTML; only block boundaries break lines.
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag in _BLOCK_TAGS:
            el.text = _BREAK + (el.text or "")
            el.tail = _BREAK + (el.tail or "")
    lines = (normalize_paragraph(line) for line in root.text_content().split(_BREAK))
    return "\n".join(line for line in lines if line)


def _authors(raw: dict[str, Any]) -> list[str]:
    """Author names; e-mail addresses are not names and are dropped.

    RSS <author> is "email (Name)". feedparser's address pattern stops at
    four-letter TLDs and leaves "ple (Name" for "desk@x.example (Name)", so a
    single author is read from the raw string instead.
    """
    details = raw.get("authors") or []
    if len(details) == 1 and "@" in (raw.get("author") or ""):
        names = [_EMAIL.sub(" ", raw["author"]).strip(" ()<>")]
    else:
        names = [d.get("name") or "" for d in details]
    return _unique(normalize_paragraph(n) for n in names if n and "@" not in n)


def _unique(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        if value and value not in out:
            out.append(value)
    return out


def _kind(version: str, root: str | None) -> FeedKind:
    """feedparser's version ("rss20", "atom10", "rss10"…), else the root element's name."""
    if version in ("rss090", "rss10") or (not version and root == "rdf"):
        return "rdf"
    if version.startswith("atom") or (not version and root == "feed"):
        return "atom"
    return "rss"


def _not_a_feed(kind: str, text: str, url: str) -> str:
    if kind == "html":
        links = discover_feeds(text, url)
        hint = f" (it links to the feed {links[0]})" if links else ""
        return f"not a feed: looks like an HTML page{hint}"
    reasons = {
        "empty": "not a feed: the document is empty",
        "sitemap": "not a feed: looks like a sitemap",
        "url-list": "not a feed: looks like a plain-text list of URLs (a sitemap)",
        "text": "not a feed: plain text, no RSS, Atom or RDF element",
    }
    if kind.startswith("xml:"):
        return f"not a feed: XML whose root element is <{kind[4:]}>, not rss, feed or RDF"
    return reasons.get(kind, "not a feed: no RSS, Atom or RDF element found")


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= WARNING_CHARS else text[: WARNING_CHARS - 1] + "…"


def _parse_json_feed(text: str, url: str, kind: str, encoding: str) -> ParsedFeed:
    """JSON Feed 1.0/1.1 (jsonfeed.org), which <link type="application/feed+json"> announces."""
    if kind != "json-feed":
        raise InputError(url, "not a feed: JSON without a jsonfeed.org version")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(url, f"not a feed: broken JSON Feed ({exc.msg}, line {exc.lineno})"
                         ) from exc
    if not isinstance(doc, dict):
        raise InputError(url, "not a feed: a JSON Feed must be an object")
    language = _str(doc, "language")
    home = web_url(_str(doc, "home_page_url"), url)
    zone = local_zone(home or url, language)
    plain = {"type": "text/plain"}
    entries: list[FeedEntry] = []
    items = doc.get("items")
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        link = web_url(_str(item, "url") or _str(item, "external_url"), url)
        title = _plain(_str(item, "title"), plain)
        published_raw = _str(item, "date_published") or _str(item, "date_modified")
        published, assumed = _date(published_raw, None, zone)
        guid = str(item.get("id") or "").strip() or link or _hash_guid(title, published_raw)
        if guid is None:
            continue
        authors = item.get("authors") or [item.get("author")]
        tags = item.get("tags")
        entries.append(FeedEntry(
            guid=guid, link=link, title=title,
            summary=(_plain(_str(item, "summary"), plain, lines=True)
                     or _plain(_str(item, "content_html"), None, lines=True)
                     or _plain(_str(item, "content_text"), plain, lines=True)),
            published=published,
            updated=_date(_str(item, "date_modified"), None, zone)[0],
            published_tz_assumed=assumed,
            authors=_unique(normalize_paragraph(_str(a, "name") or "")
                            for a in authors if isinstance(a, dict)),
            categories=_unique(normalize_paragraph(t) for t in tags
                               if isinstance(t, str)) if isinstance(tags, list) else [],
        ))
    return ParsedFeed(url=url, kind="json", title=_plain(_str(doc, "title"), plain), link=home,
                      entries=entries, language=language, encoding=encoding)


def _str(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    return value if isinstance(value, str) and value.strip() else None
