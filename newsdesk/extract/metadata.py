"""Title, authors, source and canonical URL from a page's structured metadata.

JSON-LD and Open Graph are what publishers maintain for search engines, so
they are more reliable than anything inferred from layout; trafilatura's own
metadata extractor fills what they leave out.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlparse

from lxml import html as lxml_html
from trafilatura.metadata import extract_metadata

from newsdesk.text.normalize import fold_key, normalize_paragraph

HtmlElement = lxml_html.HtmlElement

ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "blogposting",
                 "analysisnewsarticle", "opinionnewsarticle", "webpage", "liveblogposting"}
# "Title — Site" separators; the part that names the site is dropped.
_TITLE_SEPARATORS = re.compile(r"\s*(?:--|——|\|\||[|｜_])\s*|\s+[\-–—»·:]\s+")
_BYLINE_NOISE = re.compile(
    r"^(by|bởi|theo|tác giả|phóng viên|pv\.?|作者|记者|記者|文|图|編輯|编辑|责任编辑|通讯员|通訊員|"
    r"autor|autorin|von|par|por|di|av|af|door|text|โดย|ຂ່າວໂດຍ|ໂດຍ)\s*[:：/]?\s*", re.I
)
# Role words that also separate two names: "记者 罗嘉怡 通讯员 郑伟".
_ROLE_SEPARATOR = re.compile(r"\s+(?:记者|記者|通讯员|通訊員|实习生|實習生|编辑|編輯|摄影|攝影)\s*")
# Class/id/itemprop words of byline elements, for pages without structured authors.
_BYLINE_CLASS = re.compile(
    r"(^|[\s_-])(author|authors|byline|by-line|reporter|writer|journalist|tac-?gia|"
    r"article-author|post-author)([\s_-]|$)", re.I)


@dataclass
class PageMetadata:
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    site_name: str | None = None
    domain: str | None = None
    canonical_url: str | None = None
    description: str | None = None
    html_lang: str | None = None
    tags: list[str] = field(default_factory=list)
    jsonld: list[dict[str, Any]] = field(default_factory=list)


def jsonld_objects(tree: HtmlElement) -> list[dict[str, Any]]:
    """Article-like JSON-LD objects, flattened out of lists and @graph."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            kind = node.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(isinstance(k, str) and k.lower() in ARTICLE_TYPES for k in kinds):
                found.append(node)
            for key in ("@graph", "mainEntity", "mainEntityOfPage"):
                if key in node:
                    walk(node[key])

    for script in tree.xpath('//script[@type="application/ld+json"]'):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            walk(json.loads(raw, strict=False))
        except (json.JSONDecodeError, RecursionError):
            continue
    # Proper article types before a generic WebPage.
    found.sort(key=lambda o: str(o.get("@type")).lower() == "webpage")
    return found


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("name")
        return [name] if isinstance(name, str) else []
    if isinstance(value, list):
        return [n for item in value for n in _names(item)]
    return []


def _people(value: Any) -> list[str]:
    """Names of JSON-LD authors that are people, not the publishing organisation."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        if isinstance(item, dict) and str(item.get("@type", "")).lower() in (
                "organization", "newsmediaorganization", "corporation"):
            continue
        names += _names(item)
    return _split_authors(", ".join(names))


def _split_authors(byline: str) -> list[str]:
    byline = _ROLE_SEPARATOR.sub(", ", byline)
    parts = re.split(r",|;|&|\s[-–]\s| and | und | et | y | og | och | i | và |、| 和 ", byline)
    names: list[str] = []
    seen: set[str] = set()
    for name in (clean_author(x) for x in parts):
        key = fold_key(name or "")
        if name and key not in seen:  # "Sophie Foster" and the slug "Sophie-Foster"
            seen.add(key)
            names.append(name)
    return names


def _meta(tree: HtmlElement, *names: str) -> str | None:
    wanted = {n.lower() for n in names}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or "").lower()
        if key in wanted and (meta.get("content") or "").strip():
            return normalize_paragraph(meta.get("content") or "")
    return None


def clean_title(title: str, site_name: str | None, h1: str | None) -> str:
    """Drop " - Site name" style suffixes; prefer the page's own <h1> when it agrees."""
    title = normalize_paragraph(title)
    if h1 and fold_key(h1) and fold_key(h1) in fold_key(title):
        return h1
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) > 1:
        site_key = fold_key(site_name or "")
        kept = [p for p in parts if fold_key(p) != site_key]
        if site_key and len(kept) < len(parts):
            return " - ".join(kept).strip() or title
        # Without a known site name, the longest part is the headline.
        longest = max(parts, key=len)
        if len(longest) >= 0.6 * len(title):
            return longest.strip()
    return title


def clean_author(name: str) -> str | None:
    name = _BYLINE_NOISE.sub("", normalize_paragraph(name)).strip(" ,;|")
    name = re.sub(r"\s*\([^)]{1,12}\)$", "", name)  # "Oliver Maksan (oma)"
    if not name or len(name) > 80 or name.startswith(("http", "www.")):
        return None
    if not any(ch.isalpha() for ch in name):
        return None
    return name


def extract_page_metadata(tree: HtmlElement, url: str | None) -> PageMetadata:
    meta = PageMetadata()
    meta.jsonld = jsonld_objects(tree)
    article = meta.jsonld[0] if meta.jsonld else {}
    canonical = None
    for link in tree.xpath('//link[@rel="canonical"]/@href'):
        canonical = link.strip()
        break
    canonical = canonical or _meta(tree, "og:url")
    if canonical and url:
        canonical = urljoin(url, canonical)
    if canonical and not urlparse(canonical).scheme.startswith("http"):
        canonical = None
    meta.canonical_url = canonical
    page_url = canonical or url
    meta.domain = (urlparse(page_url).hostname or None) if page_url else None
    if meta.domain and meta.domain.startswith("www."):
        meta.domain = meta.domain[4:]

    publisher = _names(article.get("publisher")) if article else []
    meta.site_name = _meta(tree, "og:site_name", "application-name") or (
        publisher[0] if publisher else None
    )
    h1_nodes = tree.xpath("//h1")
    h1 = normalize_paragraph(h1_nodes[0].text_content()) if h1_nodes else None
    headline = article.get("headline") if isinstance(article.get("headline"), str) else None
    title_tag = tree.findtext(".//title")
    raw_title = _meta(tree, "og:title", "twitter:title") or headline or h1 or title_tag
    meta.title = clean_title(raw_title, meta.site_name, h1) if raw_title else None
    meta.description = _meta(tree, "og:description", "description")
    meta.authors = _people(article.get("author"))
    if not meta.authors:
        byline = _meta(tree, "author", "article:author", "dc.creator", "byl")
        if byline and not byline.startswith("http"):
            meta.authors = _split_authors(byline)
    keywords = _meta(tree, "keywords", "news_keywords")
    if keywords:
        meta.tags = [k.strip() for k in re.split(r"[,，、;]", keywords) if k.strip()][:20]
    lang = tree.get("lang") or tree.xpath("string(//html/@lang)")
    meta.html_lang = lang.strip().lower() or None if lang else None

    try:
        fallback = extract_metadata(tree, default_url=url)
    except Exception:  # trafilatura's metadata pass is best-effort
        fallback = None
    if fallback is not None:
        if not meta.title and fallback.title:
            meta.title = clean_title(fallback.title, meta.site_name, h1)
        # trafilatura's byline heuristics beat a bare <meta name=author>, which
        # is often the site's name (Fundus gold, bench/extraction.py).
        if fallback.author and not _people(article.get("author")):
            meta.authors = [_restore_marks(a, tree) for a in
                            _split_authors(fallback.author.replace(";", ","))]
        meta.site_name = meta.site_name or fallback.sitename
    if not meta.authors:
        meta.authors = _byline_authors(tree)
    return meta


def _byline_authors(tree: HtmlElement) -> list[str]:
    """Names in the page's byline element (class "author", "reporter"…)."""
    for el in tree.iter():
        if not isinstance(el.tag, str) or el.tag in ("meta", "link", "script", "body", "html"):
            continue
        marker = f"{el.get('class') or ''} {el.get('id') or ''} {el.get('itemprop') or ''}"
        if _BYLINE_CLASS.search(marker):
            text = normalize_paragraph(el.text_content())
            if 2 <= len(text) <= 100:
                return _split_authors(text)
    return []


def _restore_marks(name: str, tree: HtmlElement) -> str:
    """trafilatura drops a final combining vowel of Thai/Lao names ("ทองดี" → "ทองด");
    put back the marks that follow the name where the page writes it."""
    text = tree.text_content()
    at = text.find(name)
    if at < 0:
        return name
    end = at + len(name)
    while end < len(text) and unicodedata.category(text[end]) == "Mn":
        end += 1
    return text[at:end]
