"""Plain-text pages people saved from their browsers.

Two shapes occur (both in ../shared/seeds):

- a *results page* (seed 000): a query line, then blocks of
  title · "Source· YYYY-MM-DD HH:MM" · excerpt or structured summary;
- an *article page* (seed 003): the page's visible text, headline first, with
  the site's boilerplate mixed in.

A results page is recognised by its "Source· date" lines; anything else is an
article page, cleaned with the same line rules the HTML extractor uses.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from newsdesk.errors import EmptyPageError
from newsdesk.extract.boilerplate import (
    clean_lines,
    doubled_text,
    is_box_heading,
    is_end_heading,
    is_ui_line,
)
from newsdesk.extract.dates import date_in_text
from newsdesk.records import ExtractedPage, PublishDate
from newsdesk.text.langid import detect_language
from newsdesk.text.normalize import normalize_paragraph, normalize_text

# "人民网-国际频道 原创稿· 2025-11-03 09:00" — a middle dot (or bullet) then a date.
RESULT_META = re.compile(
    r"^(?P<source>.+?)\s*[·•|]\s*(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[ T](?P<time>\d{1,2}:\d{2}(?::\d{2})?))?\s*$"
)
# Lines of a results page's chrome, not results.
RESULTS_CHROME = {"search documents", "search results", "搜索结果", "kết quả tìm kiếm"}
# Headings of third-party structured summaries (seed 000); their bullets become
# separate paragraphs so that their own [n] markers stay readable.
SUMMARY_HEADINGS = re.compile(
    r"\s*(Core Points|Core Insights|Core Viewpoint|Key Points|Summary by Categories|"
    r"Summary by Sections|Group \d+(?::[^-]*?)?|[A-Z][A-Za-z,&'’ ]{3,60}(?= - ))\s*(?= - |$)"
)
KNOWN_HEADINGS = ("Summary by Categories", "Summary by Sections", "Core Points", "Core Insights",
                  "Core Viewpoint", "Key Points")
LABEL_MAX_CHARS = 4
# The seed's aggregator prints times in UTC (a Vientiane "12月3日电" dateline is
# stamped 2025-12-02 17:13), so dump times without an offset are read as UTC.
DEFAULT_DUMP_OFFSET = UTC


def is_results_page(lines: list[str]) -> bool:
    return sum(1 for line in lines if RESULT_META.match(line.strip())) >= 1


def split_source_label(source: str) -> tuple[str, str | None]:
    """"人民网-国际频道 原创稿" → ("人民网-国际频道", "原创稿").

    The last space-separated word is a label when it is a short all-Han word
    after a name (an outlet's own tag such as 原创稿, 转载, 综合); Latin names
    like "Xin Hua She" are never split.
    """
    source = source.strip()
    head, _, last = source.rpartition(" ")
    if head and last and len(last) <= LABEL_MAX_CHARS and all(
        "\u4e00" <= ch <= "\u9fff" for ch in last
    ):
        return head.strip(), last
    return source, None


def _split_known_heading(piece: str) -> list[str]:
    for heading in KNOWN_HEADINGS:
        if piece.startswith(heading + " "):
            return [heading, piece[len(heading) :].strip()]
    return [piece]


def _summary_paragraphs(text: str) -> list[str]:
    """Split "Core Points - a [1] - b [2] Summary by Categories …" into lines."""
    out: list[str] = []
    for piece in (p.strip() for p in re.split(r"\s+-\s+", text)):
        if not piece:
            continue
        # A heading may stick to the end of the previous bullet: "… [1] Group 1".
        match = re.search(r"(?<=\])\s+(?P<h>[A-Z][^\[\]]{2,80})$", piece)
        parts = [piece[: match.start()].strip(), match.group("h")] if match else [piece]
        for part in parts:
            out.extend(_split_known_heading(part))
    return [p for p in out if p]


def _dump_datetime(day: str, time: str | None) -> PublishDate:
    value = datetime.fromisoformat(f"{day}T{time or '00:00'}")
    return PublishDate(value.replace(tzinfo=DEFAULT_DUMP_OFFSET), "dump", tz_assumed=True)


def parse_results_page(text: str, where: str) -> tuple[str | None, list[ExtractedPage]]:
    """The query and one page record per result block, in page order."""
    lines = [normalize_paragraph(line) for line in text.splitlines()]
    lines = [line for line in lines if line]
    meta_at = [i for i, line in enumerate(lines) if RESULT_META.match(line)]
    if not meta_at:
        raise EmptyPageError(where, "no 'Source· YYYY-MM-DD HH:MM' result lines")
    first_title = meta_at[0] - 1
    query = None
    header = [x for x in lines[: max(first_title, 0)] if x.casefold() not in RESULTS_CHROME]
    if header:
        query = header[0]
    results: list[ExtractedPage] = []
    for n, at in enumerate(meta_at):
        if at == 0:
            continue
        title = lines[at - 1]
        end = meta_at[n + 1] - 1 if n + 1 < len(meta_at) else len(lines)
        body_lines = lines[at + 1 : end]
        match = RESULT_META.match(lines[at])
        assert match is not None
        source, label = split_source_label(match.group("source"))
        paragraphs: list[str] = []
        for line in body_lines:
            if SUMMARY_HEADINGS.match(line) and " - " in line:
                paragraphs.extend(_summary_paragraphs(line))
            else:
                paragraphs.append(line)
        if not paragraphs:
            paragraphs = [title]
        guess = detect_language(title)
        language = guess.code if guess.code != "und" else detect_language(
            " ".join(paragraphs)).code
        results.append(ExtractedPage(
            title=title,
            paragraphs=paragraphs,
            lead=paragraphs[0],
            source_name=source,
            source_label=label,
            published=_dump_datetime(match.group("date"), match.group("time")),
            language=language,
        ))
    return query, results


def parse_article_page(text: str, where: str) -> ExtractedPage:
    """One article from a page's visible text, boilerplate removed."""
    lines = [normalize_paragraph(line) for line in normalize_text(text).split("\n")]
    lines = [line for line in lines if line]
    title_at = next(
        (
            i for i, line in enumerate(lines)
            if not is_ui_line(line) and not is_box_heading(line) and not is_end_heading(line)
            and not doubled_text(line) and len(line) <= 300
        ),
        None,
    )
    if title_at is None:
        raise EmptyPageError(where, "no headline or text found")
    title = lines[title_at]
    cleaned = clean_lines(lines[title_at + 1 :], title)
    if not cleaned.paragraphs:
        raise EmptyPageError(where, "no article text after the headline")
    guess = detect_language(f"{title}\n{' '.join(cleaned.paragraphs)}")
    # Only a full date near the top counts; "hôm 20/10" without a year does not.
    published = date_in_text("\n".join(lines[: title_at + 3]), None)
    return ExtractedPage(
        title=title,
        paragraphs=cleaned.paragraphs,
        lead=cleaned.paragraphs[0],
        original_source=cleaned.original_source,
        published=published,
        date_note=None if published else "no publish date in the saved text",
        language=guess.code,
        images=cleaned.images,
    )


def parse_text_file(text: str, where: str) -> tuple[str | None, list[ExtractedPage]]:
    """Either kind of saved page; returns (query or None, articles)."""
    if not text.strip():
        raise EmptyPageError(where, "empty file")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if is_results_page(lines):
        return parse_results_page(text, where)
    return None, [parse_article_page(text, where)]


__all__ = ["parse_article_page", "parse_results_page", "parse_text_file", "split_source_label"]

