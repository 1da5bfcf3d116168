"""What a fetched document is, where a site keeps its feeds, and XML made safe to parse.

Pure functions over bytes and URLs; the fetcher does the network. Three jobs:

- `classify` says whether a response is a feed, a sitemap, an HTML page or
  something else. The bytes are trusted over the Content-Type header, because
  regional CMSs serve RSS as text/html and sitemaps as text/plain all the time;
  the header only decides when the first bytes say nothing.
- `discover_feeds`, `candidate_urls` and `sitemaps_from_robots` list the URLs
  worth trying for a site, from its home page, the usual paths and robots.txt.
- `prepare_xml` and `gunzip` are the shared first step of `feeds` and `sitemaps`:
  a capped decompressor (a gzip bomb stops at the cap) and a pass that removes
  what makes XML parsers dangerous or lossy (DTDs, where entity bombs and XXE
  live; stray `&`; HTML entities; control characters) before any parser sees it.
"""

from __future__ import annotations

import re
import zlib
from html.entities import html5
from typing import Literal
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

from newsdesk.errors import DecodeError, InputError, TooLargeError
from newsdesk.extract.encoding import decode_bytes

Kind = Literal["feed", "sitemap", "html", "unknown"]

# Tried in this order when a home page advertises no feed. The WordPress,
# Blogger and vnexpress-style (/rss/home.rss) defaults cover most regional outlets.
COMMON_FEED_PATHS: tuple[str, ...] = (
    "/feed", "/rss", "/rss.xml", "/feed.xml", "/atom.xml", "/index.xml",
    "/feeds/posts/default", "/rss/home.rss", "/index.rss", "/feed.atom", "/?feed=rss2",
)
# robots.txt `Sitemap:` lines come first (see `sitemaps_from_robots`); these are the fallbacks.
COMMON_SITEMAP_PATHS: tuple[str, ...] = (
    "/sitemap.xml", "/sitemap_index.xml", "/news-sitemap.xml", "/sitemap-news.xml",
)
# <link rel="alternate" type=…> values that announce a feed (x- forms are pre-RFC 4287 usage).
FEED_LINK_TYPES = frozenset({
    "application/rss+xml", "application/atom+xml", "application/rdf+xml",
    "application/feed+json", "application/x-rss+xml", "application/x-atom+xml",
})
# Language roots (/vi/, /zh-hant/) that are a home page, not a section; the
# project's languages plus common neighbours. A section such as /news/ is not a home.
HOME_LANGUAGE_ROOTS = frozenset({
    "en", "vi", "zh", "th", "lo", "km", "my", "ja", "ko", "fr", "de", "es", "id", "ms",
    "cn", "tw", "hk", "zh-cn", "zh-tw", "zh-hk", "zh-hans", "zh-hant", "en-us", "en-gb",
    "vi-vn", "th-th", "lo-la",
})
INDEX_FILES = frozenset({
    "index.html", "index.htm", "index.shtml", "index.php", "index.asp", "index.aspx",
    "default.asp", "default.aspx", "home", "home.html",
})
SNIFF_BYTES = 8192
GZIP_MAGIC = b"\x1f\x8b"

_FEED_ROOTS = {"rss", "feed", "rdf", "channel"}
_SITEMAP_ROOTS = {"urlset", "sitemapindex"}
_HTML_ROOTS = {"html", "head", "body"}
_HTML_TYPES = ("text/html", "application/xhtml+xml")
# Leading markup that is not the root element: declarations, comments, PIs.
_PROLOG = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE\s[^\[>]*(?:\[.*?\]\s*)?>", re.S | re.I)
_ROOT = re.compile(r"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_ANY_ROOT = re.compile(r"<(?:[\w.-]+:)?(rss|feed|RDF|urlset|sitemapindex)[\s>]")
_JSON_FEED = re.compile(r'"version"\s*:\s*"https?://jsonfeed\.org/version/')
_URL_LINE = re.compile(r"^https?://\S+$")
_XML_DECL = re.compile(r"<\?xml\s[^>]*?\?>")
_DECL_ENCODING = re.compile(r"""\s+encoding\s*=\s*["'][^"']*["']""")
_DOCTYPE = re.compile(r"<!DOCTYPE\s[^\[>]*(\[.*?\]\s*)?>", re.S | re.I)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_AMPERSAND = re.compile(r"<!\[CDATA\[.*?\]\]>|&(?:(#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][\w.-]*);)?",
                        re.S)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_WEB_ABSOLUTE = re.compile(r"https?://[^/?#\s]+", re.I)
_PREDEFINED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def sniff(data: bytes | str) -> str:
    """What the first bytes are: "feed", "sitemap", "html", "json-feed", "json",
    "gzip", "url-list", "xml:<root>", "text" or "empty"."""
    if isinstance(data, bytes):
        if data.startswith(GZIP_MAGIC):
            return "gzip"
        head = _head_text(data[:SNIFF_BYTES])
    else:
        head = data[:SNIFF_BYTES]
    head = head.lstrip("\ufeff \t\r\n")
    if not head:
        return "empty"
    if head.startswith(("{", "[")):
        return "json-feed" if _JSON_FEED.search(head) else "json"
    if re.match(r"<!DOCTYPE\s+html", head, re.I):
        return "html"
    if not head.startswith("<"):
        first = head.split("\n", 1)[0].strip()
        return "url-list" if _URL_LINE.match(first) else "text"
    name = root_name(head)
    if name in _FEED_ROOTS:
        return "feed"
    if name in _SITEMAP_ROOTS:
        return "sitemap"
    if name in _HTML_ROOTS:
        return "html"
    # PHP warnings or a banner before the XML: the real root is further on.
    later = _ANY_ROOT.search(head)
    if later:
        return "sitemap" if later.group(1) in _SITEMAP_ROOTS else "feed"
    if name is None:
        return "text"
    return f"xml:{name}"


def root_name(text: str) -> str | None:
    """Local name (lower case) of the first element, skipping prolog and comments."""
    pos = 0
    while True:
        match = _PROLOG.match(text, pos)
        if not match or match.end() == pos:
            break
        pos = match.end()
    match = _ROOT.match(text, pos)
    return match.group(2).lower() if match else None


def classify(data: bytes, url: str, content_type: str | None = None) -> Kind:
    """Feed, sitemap, HTML page or unknown, from the first bytes, then the header.

    Gzip data is a sitemap when the URL ends in .gz or the decompressed head is
    one (only a few kilobytes are decompressed to look).
    """
    kind = sniff(data)
    if kind == "gzip":
        if urlsplit(url).path.lower().endswith(".gz"):
            return "sitemap"
        kind = sniff(_gunzip_head(data))
    if kind in ("feed", "json-feed"):
        return "feed"
    if kind in ("sitemap", "url-list"):
        return "sitemap"
    if kind == "html":
        return "html"
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media in FEED_LINK_TYPES:
        return "feed"
    if media in _HTML_TYPES and kind not in ("json", "gzip"):
        return "html"
    return "unknown"


def discover_feeds(html: bytes | str, url: str) -> list[str]:
    """Feed URLs a page announces with <link rel="alternate">, absolute, in page order."""
    tree = _parse_html(html, url)
    if tree is None:
        return []
    base = url
    for el in tree.iter("base"):
        if el.get("href"):
            base = urljoin(url, el.get("href", "").strip())
            break
    found: list[str] = []
    for el in tree.iter("link"):
        rels = (el.get("rel") or "").lower().split()
        media = (el.get("type") or "").split(";", 1)[0].strip().lower()
        href = (el.get("href") or "").strip()
        if "alternate" not in rels or media not in FEED_LINK_TYPES or not href:
            continue
        absolute = web_url(_unfeed(href), base)
        if absolute and absolute not in found:
            found.append(absolute)
    return found


def candidate_urls(home_url: str,
                   kind: Literal["feed", "sitemap", "all"] = "all") -> list[str]:
    """Absolute URLs of the usual feed and/or sitemap paths for a site.

    For a home under a folder (https://x.vn/blog/) the folder's paths come first,
    then the host root's.
    """
    parts = urlsplit(home_url)
    root = f"{parts.scheme}://{parts.netloc}"
    folder = parts.path.rsplit("/", 1)[0] if "/" in parts.path else ""
    paths = {"feed": COMMON_FEED_PATHS, "sitemap": COMMON_SITEMAP_PATHS,
             "all": COMMON_FEED_PATHS + COMMON_SITEMAP_PATHS}[kind]
    out: list[str] = []
    for prefix in ([root + folder] if folder.strip("/") else []) + [root]:
        for path in paths:
            candidate = prefix + path
            if candidate not in out:
                out.append(candidate)
    return out


def sitemaps_from_robots(text: str, url: str) -> list[str]:
    """`Sitemap:` URLs in a robots.txt (the first place to look), absolute, de-duplicated."""
    out: list[str] = []
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "sitemap" and value.strip():
            absolute = web_url(value.split("#", 1)[0], url)
            if absolute and absolute not in out:
                out.append(absolute)
    return out


def looks_like_home_page(url: str) -> bool:
    """True for a site's front page (/, /index.html, /vi/), False for an article or section.

    A query string makes it an article (WordPress serves posts as /?p=123).
    """
    parts = urlsplit(url)
    if parts.query:
        return False
    segments = [s for s in parts.path.split("/") if s]
    if segments and segments[-1].lower() in INDEX_FILES:
        segments = segments[:-1]
    return not segments or (len(segments) == 1 and segments[0].lower() in HOME_LANGUAGE_ROOTS)


def web_url(value: str | None, base: str) -> str | None:
    """`value` resolved against `base`, if the result is an http(s) URL; else None."""
    value = (value or "").strip()
    if _SCHEME.match(value):
        # Absolute already (nearly every sitemap <loc>): no urljoin, which costs 30 µs a URL.
        return value if _WEB_ABSOLUTE.match(value) else None
    if not value:
        return None
    absolute = urljoin(base, value)
    parts = urlsplit(absolute)
    return absolute if parts.scheme in ("http", "https") and parts.netloc else None


def gunzip(data: bytes, where: str, max_bytes: int) -> tuple[bytes, bool]:
    """Decompress gzip data (all members) but never past `max_bytes`.

    Returns the bytes and whether the stream was cut short (a truncated
    download still yields what it holds). A bomb raises TooLargeError as soon
    as the output passes the cap, having held at most `max_bytes` in memory.
    """
    out = bytearray()
    decomp = zlib.decompressobj(16 + zlib.MAX_WBITS)
    pending = data
    try:
        while True:
            out += decomp.decompress(pending, max_bytes + 1 - len(out))
            if len(out) > max_bytes:
                raise TooLargeError(where, f"gzip data expands past the {_mb(max_bytes)} limit")
            if decomp.unconsumed_tail:
                pending = decomp.unconsumed_tail
            elif decomp.eof and decomp.unused_data.startswith(GZIP_MAGIC):
                pending = decomp.unused_data
                decomp = zlib.decompressobj(16 + zlib.MAX_WBITS)
            else:
                break
    except zlib.error as exc:
        if not out:
            raise InputError(where, f"corrupt gzip data ({exc})") from exc
        return bytes(out), True
    if not out and not decomp.eof:
        raise InputError(where, "corrupt gzip data (nothing could be decompressed)")
    return bytes(out), not decomp.eof


def prepare_xml(text: str) -> tuple[str, list[str]]:
    """XML text a parser can read safely and completely, plus what was repaired.

    - junk before the root element (PHP warnings, a banner) is dropped;
    - the declaration's encoding is dropped: the text is already decoded and
      is handed on as UTF-8;
    - the DOCTYPE is dropped: feeds and sitemaps need no DTD, and it is where
      billion-laughs bombs and external entities (XXE) are declared;
    - control characters XML forbids are dropped;
    - every entity becomes a character reference: a bare `&` becomes `&#38;`,
      HTML names (`&nbsp;`) their code points, unknown names (`&lol9;`) literal
      text. libxml2 in recover mode silently drops `&amp;` after the first
      error in a document, which cuts query strings out of URLs; character
      references survive.
    """
    repairs: list[str] = []
    first = _first_element(text)
    root = _ANY_ROOT.search(text, first, first + 65536)
    if root and root.start() > first and root_name(text) not in _HTML_ROOTS:
        # PHP warnings or a banner before the document: start at the real root.
        repairs.append(f"dropped {root.start() - first} characters before <{root.group(1)}>")
        text = text[root.start():]
    decl = _XML_DECL.match(text.lstrip("\ufeff \t\r\n"))
    if decl:
        head = len(text) - len(text.lstrip("\ufeff \t\r\n"))
        declaration = _DECL_ENCODING.sub("", decl.group(0), count=1)
        text = text[:head] + declaration + text[head + decl.end():]
    doctype = _DOCTYPE.search(text, 0, _first_element(text))
    if doctype:
        if doctype.group(1):
            repairs.append("ignored the DTD (entity declarations are never expanded)")
        text = text[:doctype.start()] + text[doctype.end():]
    text, controls = _CONTROL.subn("", text)
    if controls:
        repairs.append(f"dropped {controls} control characters")
    counts = {"bare": 0, "unknown": 0}

    def entity(match: re.Match[str]) -> str:
        whole, name = match.group(0), match.group(1)
        if whole.startswith("<"):
            return whole  # CDATA: its text is literal
        if name is None:
            counts["bare"] += 1
            return "&#38;"
        if name.startswith("#"):
            return whole
        value = _PREDEFINED.get(name) or html5.get(name + ";")
        if value is None:
            counts["unknown"] += 1
            return "&#38;" + name + ";"
        return "".join(f"&#{ord(ch)};" for ch in value)

    text = _AMPERSAND.sub(entity, text)
    if counts["bare"]:
        repairs.append(f"escaped {counts['bare']} bare '&'")
    if counts["unknown"]:
        repairs.append(f"kept {counts['unknown']} undeclared entities as text")
    return text, repairs


def _first_element(text: str) -> int:
    """Offset of the root element's '<' (the prolog ends there)."""
    pos = 0
    while True:
        match = _PROLOG.match(text, pos)
        if not match or match.end() == pos:
            return pos
        pos = match.end()


def _head_text(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="replace")
    # Markup is ASCII in every encoding we read; the text around it does not matter here.
    return head.decode("utf-8", errors="replace")


def _gunzip_head(data: bytes) -> bytes:
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, SNIFF_BYTES)
    except zlib.error:
        return b""


def _parse_html(html: bytes | str, url: str) -> lxml_html.HtmlElement | None:
    if isinstance(html, bytes):
        try:
            html = decode_bytes(html, where=url).text
        except DecodeError:
            return None
    html = _XML_DECL.sub("", html, count=1)  # lxml refuses str with an encoding declaration
    if not html.strip():
        return None
    try:
        return lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None


def _unfeed(href: str) -> str:
    """feed://host/x and feed:https://host/x (old Safari/Firefox style) as web URLs."""
    if href.lower().startswith("feed://"):
        return "http://" + href[7:]
    if href.lower().startswith("feed:"):
        return href[5:]
    return href


def _mb(size: int) -> str:
    return f"{size / 1_048_576:g} MB"
