"""JSONL dumps: one article per line, read as a stream.

Fields (all optional but a title or text; unknown fields are ignored):

| field | meaning |
|---|---|
| `id` | the caller's id, kept as the article's external id (search results carry it) |
| `url` | article URL (http/https only; others are ignored); the dedup key when present |
| `title` | headline |
| `text` or `paragraphs` | body: a list, or a string split at blank lines (else newlines) |
| `lead` | standfirst, if different from the first paragraph |
| `published` | ISO 8601; without an offset it is read as UTC and flagged as assumed |
| `source`, `source_domain` | outlet name and domain |
| `language` | BCP-47 tag; detected when absent |
| `authors`, `tags` | lists of strings (a single string is accepted) |
| `captions` | list of image captions |

A line that is not valid JSON (a truncated last line, say) fails alone with its
line number; the lines around it are still ingested.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

from newsdesk.config import MAX_JSONL_LINE_BYTES
from newsdesk.errors import InputError
from newsdesk.extract.dates import parse_iso
from newsdesk.records import ExtractedPage, Image, PublishDate
from newsdesk.text.langid import detect_language
from newsdesk.text.normalize import normalize_paragraph, normalize_text


@dataclass
class JsonlItem:
    """One line's outcome: a page and its external id, or an error."""

    where: str
    raw: bytes
    page: ExtractedPage | None = None
    external_id: str | None = None
    error: InputError | None = None


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if v is not None and str(v).strip()]
    return [str(value)]


def _paragraphs(record: dict[str, Any]) -> list[str]:
    if isinstance(record.get("paragraphs"), list):
        parts = [str(p) for p in record["paragraphs"]]
    else:
        text = normalize_text(str(record.get("text") or ""))
        parts = re.split(r"\n\s*\n", text) if "\n\n" in text else text.split("\n")
    return [p for p in (normalize_paragraph(x) for x in parts) if p]


def page_from_record(record: dict[str, Any], where: str) -> ExtractedPage:
    if not isinstance(record, dict):
        raise InputError(where, "line is JSON but not an object")
    paragraphs = _paragraphs(record)
    title = normalize_paragraph(str(record.get("title") or ""))
    if not paragraphs and not title:
        raise InputError(where, "record has neither title nor text")
    if not paragraphs:
        paragraphs = [title]
    title = title or paragraphs[0][:120]
    published = None
    if record.get("published"):
        parsed = parse_iso(str(record["published"]))
        if parsed is None:
            raise InputError(where, f"published {record['published']!r} is not an ISO 8601 date")
        assumed = parsed.tzinfo is None
        published = PublishDate(parsed.replace(tzinfo=UTC) if assumed else parsed, "jsonl",
                                tz_assumed=assumed)
    language = str(record.get("language") or "") or detect_language(
        f"{title}\n{' '.join(paragraphs)}").code
    lead = normalize_paragraph(str(record.get("lead") or "")) or paragraphs[0]
    url = str(record.get("url") or "").strip() or None
    if url and not url.lower().startswith(("http://", "https://")):
        url = None  # javascript:, file: and the like are not article addresses
    return ExtractedPage(
        title=title,
        paragraphs=paragraphs,
        lead=lead,
        url=url,
        canonical_url=url,
        source_name=str(record["source"]) if record.get("source") else None,
        source_domain=str(record["source_domain"]) if record.get("source_domain") else None,
        published=published,
        date_note=None if published else "record has no published field",
        authors=_strings(record.get("authors")),
        language=language,
        images=[Image(caption=c) for c in _strings(record.get("captions"))],
        tags=_strings(record.get("tags")),
    )


def read_jsonl(path: Path) -> Iterator[JsonlItem]:
    """Yield one item per non-blank line; bad lines come back as errors."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            where = f"{path}:{number}"
            if not line.strip():
                continue
            if len(line) > MAX_JSONL_LINE_BYTES:
                yield JsonlItem(where, b"", error=InputError(
                    where, f"line of {len(line) / 1e6:.1f} MB is over the "
                           f"{MAX_JSONL_LINE_BYTES / 1e6:.0f} MB limit"))
                continue
            try:
                record = json.loads(line.decode("utf-8-sig"))
            except UnicodeDecodeError:
                yield JsonlItem(where, line, error=InputError(where, "line is not UTF-8"))
                continue
            except json.JSONDecodeError as exc:
                yield JsonlItem(where, line, error=InputError(
                    where, f"invalid JSON ({exc.msg} at column {exc.colno}); truncated line?"))
                continue
            try:
                page = page_from_record(record, where)
            except InputError as exc:
                yield JsonlItem(where, line, error=exc)
                continue
            external = record.get("id")
            yield JsonlItem(where, line, page=page,
                            external_id=str(external) if external is not None else None)
