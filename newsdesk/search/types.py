"""Typed records of the read side of search (the contract in docs/search-architecture.md).

Plain frozen dataclasses so the CLI, the web layer and the benches share one shape,
and `to_json()` gives the stable JSON form (`newsdesk search --json`, the web API).
Offsets in `Highlight` index the text they belong to (`Snippet.text`, or the hit's
title for `SearchHit.title_highlights`), in Python characters (code points), so a
renderer escapes each piece and wraps only the highlighted spans.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Occur = Literal["should", "must", "must_not"]
Mode = Literal["lexical", "dense", "hybrid"]
Sort = Literal["relevance", "date"]

MODES: tuple[str, ...] = ("lexical", "dense", "hybrid")
SORTS: tuple[str, ...] = ("relevance", "date")


@dataclass(frozen=True)
class SearchFilters:
    """Filters that restrict the matching set (lexical and dense alike)."""

    languages: tuple[str, ...] = ()  # base codes; "zh" matches zh-Hans and zh-Hant
    sources: tuple[str, ...] = ()  # source name or domain, case-insensitive
    after: datetime | None = None  # inclusive, aware
    before: datetime | None = None  # exclusive, aware

    @property
    def empty(self) -> bool:
        return not (self.languages or self.sources or self.after or self.before)


@dataclass(frozen=True)
class Term:
    """One thing the user typed: a run of plain words, or a quoted phrase."""

    text: str
    phrase: bool = False


@dataclass(frozen=True)
class Clause:
    """Alternatives joined by OR (usually one), and whether they are optional,
    required or excluded. A plain run of words is one clause whose words are each
    optional (BM25 ranks documents that match more of them higher)."""

    alternatives: tuple[Term, ...]
    occur: Occur = "should"


@dataclass(frozen=True)
class ParsedQuery:
    """`parse_query`'s result: text clauses plus the field filters found in the query."""

    raw: str
    clauses: tuple[Clause, ...] = ()
    filters: SearchFilters = field(default_factory=SearchFilters)

    @property
    def positive_text(self) -> str:
        """What the user is looking for, without operators, exclusions or filters.

        This is what the dense side embeds and what the language guess reads.
        """
        return " ".join(t.text for c in self.clauses if c.occur != "must_not"
                        for t in c.alternatives).strip()

    @property
    def has_text(self) -> bool:
        return any(c.occur != "must_not" for c in self.clauses)

    def to_json(self) -> dict[str, Any]:
        return {
            "clauses": [{"occur": c.occur, "terms": [{"text": t.text, "phrase": t.phrase}
                                                     for t in c.alternatives]}
                        for c in self.clauses],
            "filters": filters_json(self.filters),
        }


@dataclass(frozen=True)
class Highlight:
    start: int
    end: int


@dataclass(frozen=True)
class Snippet:
    text: str
    highlights: tuple[Highlight, ...]
    field: str  # "title" | "body"

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "field": self.field,
                "highlights": [[h.start, h.end] for h in self.highlights]}


@dataclass(frozen=True)
class SearchHit:
    id: str
    external_id: str | None
    score: float
    rank: int
    title: str
    url: str | None
    source: str | None
    published: datetime | None
    language: str
    snippet: Snippet | None
    title_highlights: tuple[Highlight, ...]
    lexical_rank: int | None  # 1-based rank in the lexical list, for explanation and tuning
    dense_rank: int | None  # 1-based rank in the dense list
    similar: tuple[str, ...]  # ids of near-duplicates collapsed into this hit

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "external_id": self.external_id,
            "score": round(self.score, 6),
            "rank": self.rank,
            "title": self.title,
            "url": self.url,
            "source": self.source,
            "published": self.published.isoformat() if self.published else None,
            "language": self.language,
            "snippet": self.snippet.text if self.snippet else None,
            "snippet_highlights": ([[h.start, h.end] for h in self.snippet.highlights]
                                   if self.snippet else []),
            "snippet_field": self.snippet.field if self.snippet else None,
            "title_highlights": [[h.start, h.end] for h in self.title_highlights],
            "lexical_rank": self.lexical_rank,
            "dense_rank": self.dense_rank,
            "similar": len(self.similar),
            "similar_ids": list(self.similar),
        }


@dataclass(frozen=True)
class SearchResults:
    query: str
    parsed: ParsedQuery
    mode: str  # the mode actually used ("lexical" when dense retrieval is unavailable)
    sort: str
    total: int  # documents in the matching set (before near-duplicate collapse)
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]]  # "language" (base codes), "source"
    explanation: str | None  # "no results in Lao; 12 in other languages"
    took_ms: float
    filters: SearchFilters = field(default_factory=SearchFilters)  # API and query combined
    notes: tuple[str, ...] = ()  # e.g. "dense retrieval is off: lexical results only"
    offset: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "mode": self.mode,
            "sort": self.sort,
            "total": self.total,
            "offset": self.offset,
            "hits": [h.to_json() for h in self.hits],
            "facets": self.facets,
            "explanation": self.explanation,
            "notes": list(self.notes),
            "filters": filters_json(self.filters),
            "parsed": self.parsed.to_json(),
            "took_ms": round(self.took_ms, 1),
        }


def filters_json(f: SearchFilters) -> dict[str, Any]:
    return {"languages": list(f.languages), "sources": list(f.sources),
            "after": f.after.isoformat() if f.after else None,
            "before": f.before.isoformat() if f.before else None}
