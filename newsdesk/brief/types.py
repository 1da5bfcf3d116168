"""Records of a brief and a digest, and their stable JSON shapes.

The `to_json()` shapes are a public interface (`newsdesk brief --json`, the web
API, the cache): the issue's fields `article_id, language, engine, viewpoint,
points, groups, verification{score, dropped}` never change meaning; extra fields
may be added. `from_json()` reads back what `to_json()` wrote, so cached briefs
are the same objects the engines produce.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from newsdesk.errors import NewsdeskError

STYLES = ("points", "categories", "insights")
LANGUAGES = ("en", "zh", "vi", "th", "lo")
ENGINES = ("auto", "extractive", "llm")


class BriefError(NewsdeskError):
    """A brief cannot be made as asked (bad language/style/engine, no LLM configured)."""


def base_language(code: str | None) -> str:
    """`zh-Hant` -> `zh`: briefs speak of base languages."""
    return (code or "und").split("-")[0].lower()


@dataclass
class BriefPoint:
    """One bullet: its text and the 1-based paragraph numbers it rests on."""

    text: str
    citations: list[int]
    support: float | None = None  # verifier's similarity for this bullet (1.0 = verbatim)
    kind: str | None = None  # sentence category (figures, quotes, background, next, facts)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "citations": list(self.citations)}
        if self.support is not None:
            out["support"] = round(self.support, 4)
        if self.kind:
            out["kind"] = self.kind
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> BriefPoint:
        return cls(text=str(d["text"]), citations=[int(c) for c in d.get("citations", [])],
                   support=d.get("support"), kind=d.get("kind"))


@dataclass
class BriefGroup:
    title: str
    points: list[BriefPoint]
    kind: str | None = None  # the category behind the title, language-independent

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"title": self.title, "points": [p.to_json() for p in self.points]}
        if self.kind:
            out["kind"] = self.kind
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> BriefGroup:
        return cls(title=str(d["title"]), points=[BriefPoint.from_json(p) for p in d["points"]],
                   kind=d.get("kind"))


@dataclass
class Verification:
    """What the verifier found.

    `score` is the share of bullets that stand (as cited or after re-citing);
    `citation_precision` the share whose citations were right as the engine gave
    them, before any correction — the figure the benchmark reports.
    """

    score: float
    dropped: list[dict[str, Any]] = field(default_factory=list)  # {"text","citations","reason"}
    recited: int = 0
    checked: int = 0
    citation_precision: float = 1.0
    corrections: list[dict[str, Any]] = field(default_factory=list)  # {"text","from","to","reason"}

    def to_json(self) -> dict[str, Any]:
        return {"score": round(self.score, 4), "dropped": self.dropped, "recited": self.recited,
                "checked": self.checked,
                "citation_precision": round(self.citation_precision, 4),
                "corrections": self.corrections}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Verification:
        return cls(score=float(d["score"]), dropped=list(d.get("dropped", [])),
                   recited=int(d.get("recited", 0)), checked=int(d.get("checked", 0)),
                   citation_precision=float(d.get("citation_precision", 1.0)),
                   corrections=list(d.get("corrections", [])))


@dataclass
class Brief:
    article_id: str
    language: str  # language the bullets are written in
    source_language: str  # the article's language
    requested_language: str | None  # what the reader asked for
    engine: str  # "extractive" | "llm:<model>"
    style: str  # "points" | "categories" | "insights"
    viewpoint: BriefPoint
    points: list[BriefPoint]
    groups: list[BriefGroup]
    verification: Verification
    notes: list[str] = field(default_factory=list)
    article_version: str = ""  # the article's content hash the brief was made from
    title: str | None = None  # the article's title, for display
    labels: dict[str, str] = field(default_factory=dict)  # section headings, reader's language
    cached: bool = False  # served from the store's cache (not part of the cached payload)

    def bullets(self) -> list[BriefPoint]:
        """Every bullet: viewpoint, points, then grouped points."""
        return [self.viewpoint, *self.points, *(p for g in self.groups for p in g.points)]

    def to_json(self) -> dict[str, Any]:
        return {
            "article_id": self.article_id,
            "language": self.language,
            "source_language": self.source_language,
            "requested_language": self.requested_language,
            "engine": self.engine,
            "style": self.style,
            "title": self.title,
            "viewpoint": self.viewpoint.to_json(),
            "points": [p.to_json() for p in self.points],
            "groups": [g.to_json() for g in self.groups],
            "verification": self.verification.to_json(),
            "notes": list(self.notes),
            "labels": dict(self.labels),
            "article_version": self.article_version,
            "cached": self.cached,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Brief:
        return cls(
            article_id=str(d["article_id"]), language=str(d["language"]),
            source_language=str(d.get("source_language") or d["language"]),
            requested_language=d.get("requested_language"), engine=str(d["engine"]),
            style=str(d.get("style", "points")),
            viewpoint=BriefPoint.from_json(d["viewpoint"]),
            points=[BriefPoint.from_json(p) for p in d.get("points", [])],
            groups=[BriefGroup.from_json(g) for g in d.get("groups", [])],
            verification=Verification.from_json(d["verification"]),
            notes=list(d.get("notes", [])), article_version=str(d.get("article_version", "")),
            title=d.get("title"), labels=dict(d.get("labels", {})),
            cached=bool(d.get("cached", False)),
        )


@dataclass
class DigestCitation:
    """[article:paragraph]; `ref` is the short legend key (A1, A2…)."""

    article_id: str
    paragraph: int
    ref: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"article_id": self.article_id, "paragraph": self.paragraph, "ref": self.ref}

    def label(self) -> str:
        return f"[{self.ref or self.article_id}:{self.paragraph}]"


@dataclass
class DigestPoint:
    text: str
    citations: list[DigestCitation]
    language: str = ""  # the language of the sentence (source language)
    date: str | None = None  # timeline entries: the article's publish day
    support: float | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "language": self.language,
                               "citations": [c.to_json() for c in self.citations]}
        if self.date is not None:
            out["date"] = self.date
        if self.support is not None:
            out["support"] = round(self.support, 4)
        return out


@dataclass
class DigestGroup:
    """How one source (outlet, language) tells the story differently."""

    title: str
    points: list[DigestPoint]
    kind: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "kind": self.kind,
                "points": [p.to_json() for p in self.points]}


@dataclass
class DigestSource:
    """One article in the legend."""

    ref: str
    article_id: str
    title: str
    source: str | None
    language: str
    published: str | None

    def to_json(self) -> dict[str, Any]:
        return {"ref": self.ref, "article_id": self.article_id, "title": self.title,
                "source": self.source, "language": self.language, "published": self.published}


@dataclass
class Digest:
    query: str
    language: str | None  # reader's language (labels); bullets stay in their source language
    engine: str
    articles: list[DigestSource]
    what_happened: list[DigestPoint]
    differences: list[DigestGroup]  # one per source/language
    timeline: list[DigestPoint]
    verification: Verification
    notes: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)

    def bullets(self) -> list[DigestPoint]:
        return [*self.what_happened, *(p for g in self.differences for p in g.points),
                *self.timeline]

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "language": self.language,
            "engine": self.engine,
            "articles": [a.to_json() for a in self.articles],
            "what_happened": [p.to_json() for p in self.what_happened],
            "differences": [g.to_json() for g in self.differences],
            "timeline": [p.to_json() for p in self.timeline],
            "verification": self.verification.to_json(),
            "notes": list(self.notes),
            "labels": dict(self.labels),
        }
