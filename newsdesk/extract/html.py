"""Main-text extraction from news HTML: trafilatura plus news-specific cleanup.

trafilatura finds the article body well on most pages. What it does not know is
how regional news templates dress that body: related-news boxes between
paragraphs, captions printed as body text, font switchers and share bars inside
the article container. So we
1. read metadata (JSON-LD, Open Graph) from the untouched tree;
2. on a copy of the tree, lift images and their captions out (they belong in the
   image list) and cut boilerplate containers found by class or by heading text;
3. let trafilatura pick the body from what remains;
4. run the line rules of `newsdesk.extract.boilerplate` over its paragraphs,
   which catch what markup alone cannot (doubled titles, link cards, credits).
"""

from __future__ import annotations

import copy
import re
from configparser import ConfigParser
from urllib.parse import urljoin

import trafilatura
from lxml import etree
from lxml import html as lxml_html
from trafilatura.settings import use_config

from newsdesk.errors import EmptyPageError, InputError, TooLargeError
from newsdesk.extract import patterns
from newsdesk.extract.boilerplate import clean_lines, is_box_heading, is_caption, is_end_heading
from newsdesk.extract.dates import find_publish_date
from newsdesk.extract.encoding import decode_bytes
from newsdesk.extract.metadata import extract_page_metadata
from newsdesk.records import ExtractedPage, Image
from newsdesk.text.langid import detect_language
from newsdesk.text.normalize import fold_key, normalize_paragraph

HtmlElement = lxml_html.HtmlElement

# Bump when extraction output changes, so `newsdesk reextract` knows what is stale.
EXTRACTOR_VERSION = "1"
MAX_PAGE_BYTES = 10 * 1024 * 1024  # larger "pages" are dumps or attacks, not articles
# A container marked as boilerplate (by class or heading) is cut only if it is a
# box: at most this long, or mostly links, and without 2 article-length
# paragraphs. Tuned on ../shared/corpus scrapinghub + fundus (all pages) with
# bench/extraction.py; re-check the three together.
BOX_MAX_CHARS = 600
LINK_DENSE = 0.5
ARTICLE_PARAGRAPH_CHARS = 150
STANDFIRST_MIN, STANDFIRST_MAX = 60, 900  # weighted characters
# Less body than this is a menu or an error page, not an article (one short
# Chinese sentence is ~30 characters).
MIN_BODY_CHARS = 30

# Never "form": ASP.NET and many CMSs wrap the whole page in one.
_DROP_TAGS = ("style", "noscript", "template", "svg", "button", "select", "input",
              "textarea", "iframe")


def _text_len(el: HtmlElement) -> int:
    return len(" ".join(el.text_content().split()))


def _weight(el: HtmlElement) -> int:
    """Text length in Latin-equivalent characters: a Han, kana or hangul character
    carries about as much as three Latin ones, so CJK boxes and paragraphs are
    measured on the same scale as English ones."""
    text = " ".join(el.text_content().split())
    wide = sum(1 for ch in text if "\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af")
    return len(text) + 2 * wide


def _link_density(el: HtmlElement) -> float:
    total = _text_len(el)
    if not total:
        return 0.0
    linked = sum(_text_len(a) for a in el.iter("a"))
    return linked / total


def _remove(el: HtmlElement) -> None:
    """Remove an element but keep its tail text attached to the document."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail and el.tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def parse_html(text: str, where: str) -> HtmlElement:
    # Drop an XML declaration: lxml refuses str input that carries one.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        tree = lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise EmptyPageError(where, f"not parseable as HTML ({exc})") from None
    for bad in tree.xpath("|".join(f"//{t}" for t in _DROP_TAGS)):
        _remove(bad)
    for script in tree.xpath("//script"):
        if (script.get("type") or "").lower() != "application/ld+json":  # metadata lives there
            _remove(script)
    for comment in tree.xpath("//comment()"):
        _remove(comment)
    return tree


def _caption_text(el: HtmlElement) -> str:
    return normalize_paragraph(el.text_content())


def collect_images(tree: HtmlElement, base_url: str | None) -> list[Image]:
    """Move images and their captions out of the body into records."""
    images: list[Image] = []

    def add(img: HtmlElement | None, caption: str | None) -> None:
        src = None
        if img is not None:
            candidates = [img.get(a) for a in ("data-src", "data-original", "src")]
            src = next((c for c in candidates if c and not c.startswith("data:")), None)
        if src and base_url:
            src = urljoin(base_url, src)
        alt = normalize_paragraph(img.get("alt") or "") if img is not None else ""
        if caption or alt:
            images.append(Image(src=src, alt=alt or None, caption=caption or None))

    for figure in list(tree.iter("figure")):
        caps = figure.xpath(".//figcaption") or [
            e for e in figure.iter() if patterns.CAPTION_CLASS.search(e.get("class") or "")
        ]
        imgs = figure.xpath(".//img")
        add(imgs[0] if imgs else None, _caption_text(caps[0]) if caps else None)
        if _has_article_paragraphs(figure):
            for cap in caps:  # some templates wrap the whole story in a <figure>
                _remove(cap)
        else:
            _remove(figure)
    for table in list(tree.iter("table")):
        imgs = table.xpath(".//img")
        if not imgs or _text_len(table) > patterns.CAPTION_MAX_CHARS:
            continue
        caption = " ".join(
            _caption_text(td) for td in table.xpath(".//td") if not td.xpath(".//img")
        ).strip()
        add(imgs[0], caption or None)
        _remove(table)
    for el in list(tree.iter()):
        if not isinstance(el.tag, str) or el.getparent() is None:
            continue
        marker = f"{el.get('class') or ''} {el.get('id') or ''}"
        caption_like = patterns.CAPTION_CLASS.search(marker) or (
            el.tag in ("p", "div", "span", "em", "i")
            and _text_len(el) <= patterns.CAPTION_MAX_CHARS
            and not el.xpath(".//p")
            and is_caption(_caption_text(el))
        )
        if (caption_like and _text_len(el) <= patterns.CAPTION_MAX_CHARS
                and not _has_article_paragraphs(el)):
            prev_imgs = el.xpath("preceding::img[1]")
            add(prev_imgs[0] if prev_imgs else None, _caption_text(el) or None)
            _remove(el)
    return images


def _has_article_paragraphs(el: HtmlElement) -> bool:
    long_paragraphs = sum(1 for p in el.iter("p") if _weight(p) >= ARTICLE_PARAGRAPH_CHARS)
    return long_paragraphs >= 2 or bool(el.xpath(".//h1"))


def _looks_like_box(el: HtmlElement) -> bool:
    """Small or link-dense, and without the long paragraphs an article is made of."""
    if _has_article_paragraphs(el):
        return False
    return _weight(el) <= BOX_MAX_CHARS or _link_density(el) >= LINK_DENSE


def strip_boilerplate(tree: HtmlElement) -> None:
    """Cut containers that class names or headings mark as not-the-article.

    Only boxes are cut: a container is removed when it is small or mostly
    links and holds no run of article paragraphs, whatever its class says; the
    extraction benchmark showed that class names alone ("header", "content-tags")
    too often sit on the article's own wrapper.
    """
    for el in list(tree.iter()):
        if not isinstance(el.tag, str) or el.getparent() is None or el.tag in ("html", "body"):
            continue
        marker = f"{el.get('class') or ''} {el.get('id') or ''}".strip()
        if marker and patterns.BOILERPLATE_CLASS.search(marker) and _looks_like_box(el):
            _remove(el)
    for el in list(tree.iter()):
        if not isinstance(el.tag, str) or el.getparent() is None:
            continue
        text = _caption_text(el)
        if not text or len(text) > 40:
            continue
        end, box = is_end_heading(text), is_box_heading(text)
        if not (end or box):
            continue
        # Climb to the block that holds the heading and its box, but never to a
        # container that also holds article paragraphs.
        block = el
        while (
            block.getparent() is not None
            and block.getparent().tag not in ("body", "html")
            and _looks_like_box(block.getparent())
        ):
            block = block.getparent()
        if block is not el:
            _remove(block)
            continue
        following = list(block.itersiblings())
        _remove(block)
        for sib in following:
            if not isinstance(sib.tag, str):
                continue
            if _looks_like_box(sib) and (end or _link_density(sib) >= LINK_DENSE
                                          or sib.tag in ("ul", "ol")):
                _remove(sib)
            else:
                break


_XML_BLOCKS = {"p", "head", "item", "quote", "code", "cell"}


def _block_text(el: etree._Element) -> str:
    """Text of a block with trafilatura's <lb/> line breaks kept as spaces."""
    parts: list[str] = []

    def visit(node: etree._Element) -> None:
        parts.append(" " if node.tag == "lb" else node.text or "")
        for child in node:
            visit(child)
            parts.append(child.tail or "")

    visit(el)
    return "".join(parts)


def _paragraphs_from_xml(xml: str) -> list[str]:
    """Paragraph texts of trafilatura's XML, in order, however deeply nested.

    Blocks (p, head, item, quote…) are paragraphs; containers (div, list, table,
    row) are walked, and loose text inside a container becomes a paragraph too.
    """
    doc = etree.fromstring(xml.encode("utf-8"))
    main = doc.find("main")
    if main is None:
        return []
    out: list[str] = []

    def walk(container: etree._Element) -> None:
        if container.text and container.text.strip():
            out.append(container.text)
        for child in container:
            if child.tag in _XML_BLOCKS and not any(c.tag in _XML_BLOCKS for c in child.iter()
                                                    if c is not child):
                out.append(_block_text(child))
            elif child.tag not in ("graphic", "lb"):
                walk(child)
            if child.tail and child.tail.strip():
                out.append(child.tail)

    walk(main)
    return [p for p in (normalize_paragraph(x) for x in out) if p]


def _trafilatura_config() -> ConfigParser:
    # Below MIN_EXTRACTED_SIZE characters trafilatura swaps its result for a
    # fallback extractor's, which returns short articles as one unstructured
    # blob (title, byline and body run together). 250 characters is a short
    # paragraph in English but a whole Chinese news brief; 100 keeps structure
    # for those and scored the same or better on scrapinghub and fundus.
    config = use_config()
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "100")
    return config


_CONFIG = _trafilatura_config()


def body_paragraphs(tree: HtmlElement, url: str | None) -> list[str]:
    """trafilatura's body, or every substantial <p> when it finds none."""
    xml = trafilatura.extract(
        copy.deepcopy(tree), url=url, output_format="xml", include_comments=False,
        include_tables=False, include_images=False, with_metadata=False, deduplicate=False,
        config=_CONFIG,
    )
    paragraphs = _paragraphs_from_xml(xml) if xml else []
    if paragraphs:
        return paragraphs
    return [p for p in (_caption_text(el) for el in tree.iter("p")) if len(p) >= 20]


def find_standfirst(tree: HtmlElement, paragraphs: list[str],
                    description: str | None) -> str | None:
    """The standfirst under the headline when the body extractor left it out.

    Taken only if it is marked as one (class/id), sits after the <h1>, is
    paragraph-sized and not links, is not in the body already, and says what
    the page's own description meta says. Without that last check, class
    names alone picked teasers and promos as often as standfirsts
    (scrapinghub + fundus: 50 pages better, 59 worse).
    """
    described = fold_key(description or "")[:60]
    if not paragraphs or len(described) < 20:
        return None
    h1 = tree.xpath("//h1")
    start = h1[0] if h1 else None
    known = fold_key(" ".join(paragraphs))
    for el in tree.iter():
        if not isinstance(el.tag, str) or el.tag in ("meta", "script", "head", "title"):
            continue
        marker = f"{el.get('class') or ''} {el.get('id') or ''}"
        if not patterns.STANDFIRST_CLASS.search(marker):
            continue
        if start is not None and not _after(el, start):
            continue
        text = normalize_paragraph(el.text_content())
        weight = _weight(el)
        if not (STANDFIRST_MIN <= weight <= STANDFIRST_MAX) or _link_density(el) > 0.3:
            continue
        key = fold_key(text)
        if key in known or described not in key:
            continue
        if start is None or key != fold_key(start.text_content()):
            return text
    return None


def _after(el: HtmlElement, anchor: HtmlElement) -> bool:
    for node in anchor.itersiblings():
        if node is el or el in node.iterdescendants():
            return True
    parent = anchor.getparent()
    return parent is not None and parent.tag != "body" and _after(el, parent)


def extract_html(
    data: bytes | str,
    url: str | None = None,
    header: str | None = None,
    where: str = "page",
    max_bytes: int = MAX_PAGE_BYTES,
) -> ExtractedPage:
    """Extract one article page. Raises an InputError subclass on bad input."""
    encoding = None
    if isinstance(data, bytes):
        if len(data) > max_bytes:
            raise TooLargeError(where, f"{len(data) / 1e6:.1f} MB is over the "
                                       f"{max_bytes / 1e6:.0f} MB page limit")
        decoded = decode_bytes(data, header, where)
        text, encoding = decoded.text, decoded.encoding
    else:
        text = data
    if not text.strip():
        raise EmptyPageError(where, "empty page")
    tree = parse_html(text, where)
    meta = extract_page_metadata(tree, url)
    page_url = meta.canonical_url or url

    work = copy.deepcopy(tree)
    images = collect_images(work, page_url)
    strip_boilerplate(work)
    raw_paragraphs = body_paragraphs(work, page_url)
    standfirst = find_standfirst(work, raw_paragraphs, meta.description)
    if standfirst:
        raw_paragraphs.insert(0, standfirst)
    cleaned = clean_lines(raw_paragraphs, meta.title)
    paragraphs = cleaned.paragraphs
    known_captions = {fold_key(i.caption or "") for i in images}
    images += [i for i in cleaned.images if fold_key(i.caption or "") not in known_captions]
    author_keys = {fold_key(a) for a in meta.authors}
    while paragraphs and fold_key(paragraphs[-1]) in author_keys:
        paragraphs.pop()  # a byline repeated under the text is not body
    if sum(len(p) for p in paragraphs) < MIN_BODY_CHARS:
        raise EmptyPageError(where, "no article text found (navigation or boilerplate only)")

    title = meta.title or paragraphs[0][:120]
    guess = detect_language(f"{title}\n{' '.join(paragraphs)}")
    language = guess.code
    if language == "und" and meta.html_lang:
        language = meta.html_lang.split("-")[0]
    published, note = find_publish_date(tree, text, page_url, language, meta.jsonld)
    return ExtractedPage(
        title=title,
        paragraphs=paragraphs,
        lead=paragraphs[0],
        url=url,
        canonical_url=meta.canonical_url,
        source_name=meta.site_name or meta.domain,
        source_domain=meta.domain,
        original_source=cleaned.original_source,
        published=published,
        date_note=note,
        authors=meta.authors,
        language=language,
        images=images,
        encoding=encoding,
        tags=meta.tags,
    )


def extract_file_bytes(data: bytes, path: str, url: str | None = None) -> ExtractedPage:
    """Extract a saved HTML file; wraps unexpected parser failures as InputError."""
    try:
        return extract_html(data, url=url, where=path)
    except InputError:
        raise
    except (etree.LxmlError, ValueError, RecursionError) as exc:
        raise InputError(path, f"broken HTML ({type(exc).__name__}: {exc})") from None
