"""Plain typed records exchanged between pipeline stages.

Stages never pass dicts of unknown shape: extraction produces an `ExtractedPage`,
ingest turns it into an `Article`, the store persists `Article`s. Keeping these
as frozen-ish dataclasses (not ORM objects) lets each stage run alone from the CLI
and lets later backends (PostgreSQL, Ray shards) share one vocabulary.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class Image:
    """An image of the article; captions live here, never in the body."""

    src: str | None = None
    alt: str | None = None
    caption: str | None = None


@dataclass
class PublishDate:
    """A publish date plus where it came from.

    `value` is always timezone-aware. `tz_assumed` is True when the page gave no
    offset and we applied the outlet's/language's local zone, so users can tell a
    stated offset from a guessed one.
    """

    value: datetime
    source: str  # e.g. "json-ld", "meta", "url", "text", "htmldate", "dump"
    tz_assumed: bool = False

    def isoformat(self) -> str:
        return self.value.isoformat()


@dataclass
class ExtractedPage:
    """What extraction found in one page, before it becomes a stored article."""

    title: str | None
    paragraphs: list[str]
    lead: str | None = None
    url: str | None = None
    canonical_url: str | None = None
    source_name: str | None = None
    source_domain: str | None = None
    source_label: str | None = None
    original_source: str | None = None
    published: PublishDate | None = None
    date_note: str | None = None  # why there is no date, when there is none
    authors: list[str] = field(default_factory=list)
    language: str = "und"
    images: list[Image] = field(default_factory=list)
    encoding: str | None = None
    tags: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def captions(self) -> list[str]:
        return [img.caption for img in self.images if img.caption]

    def to_json(self) -> dict[str, Any]:
        """The stable `newsdesk extract` JSON shape (fields are a public contract)."""
        return {
            "title": self.title,
            "text": self.text,
            "paragraphs": self.paragraphs,
            "lead": self.lead,
            "published": self.published.isoformat() if self.published else None,
            "published_source": self.published.source if self.published else None,
            "date_note": self.date_note,
            "authors": self.authors,
            "language": self.language,
            "captions": self.captions,
            "images": [asdict(i) for i in self.images],
            "url": self.url,
            "canonical_url": self.canonical_url,
            "source": self.source_name,
            "source_domain": self.source_domain,
            "source_label": self.source_label,
            "original_source": self.original_source,
            "encoding": self.encoding,
        }


@dataclass
class Article:
    """One stored article: the store's unit of truth.

    `paragraphs` holds the full body in reading order, the lead included as
    paragraph 1, so that a brief's citation [n] means `paragraphs[n-1]` forever.
    """

    id: str
    canonical_url: str
    title: str
    paragraphs: list[str]
    language: str
    content_hash: str
    url: str | None = None
    external_id: str | None = None
    lead: str | None = None
    source_name: str | None = None
    source_domain: str | None = None
    source_label: str | None = None
    original_source: str | None = None
    published: datetime | None = None
    published_source: str | None = None
    published_tz_assumed: bool = False
    fetched: datetime | None = None
    first_seen: datetime | None = None
    updated: datetime | None = None
    authors: list[str] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    raw_kind: str = "html"  # html | text | jsonl
    origin: str | None = None  # file path or URL it was ingested from
    encoding: str | None = None
    extractor_version: str | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def captions(self) -> list[str]:
        return [img.caption for img in self.images if img.caption]

    def to_json(self) -> dict[str, Any]:
        """The stable JSON shape of `show --json` / `list --json` / the API."""

        def iso(d: datetime | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "id": self.id,
            "external_id": self.external_id,
            "url": self.url,
            "canonical_url": self.canonical_url,
            "source": self.source_name,
            "source_domain": self.source_domain,
            "source_label": self.source_label,
            "original_source": self.original_source,
            "title": self.title,
            "lead": self.lead,
            "paragraphs": self.paragraphs,
            "captions": self.captions,
            "images": [asdict(i) for i in self.images],
            "published": iso(self.published),
            "published_source": self.published_source,
            "published_tz_assumed": self.published_tz_assumed,
            "fetched": iso(self.fetched),
            "first_seen": iso(self.first_seen),
            "updated": iso(self.updated),
            "authors": self.authors,
            "language": self.language,
            "tags": self.tags,
            "content_hash": self.content_hash,
            "origin": self.origin,
            "encoding": self.encoding,
        }

    def summary_json(self) -> dict[str, Any]:
        """The row shape of `list --json`."""
        return {
            "id": self.id,
            "external_id": self.external_id,
            "url": self.url,
            "title": self.title,
            "source": self.source_name,
            "published": self.published.isoformat() if self.published else None,
            "language": self.language,
        }
