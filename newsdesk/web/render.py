"""Rendering helpers for templates: highlighted text that stays escaped.

Highlights are offsets into the display text, computed by the search engine. The
text between and inside them is third-party input, so each piece is escaped on
its own and only our `<mark>` tags are trusted markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from markupsafe import Markup, escape


class Span(Protocol):
    start: int
    end: int


def marked(text: str | None, highlights: Iterable[Span] = ()) -> Markup:
    """`text` with every highlight wrapped in `<mark>`, everything else escaped.

    Overlapping or out-of-range spans are clipped rather than trusted: a bad offset
    must cost a highlight, never the page.
    """
    if not text:
        return Markup("")
    out: list[str] = []
    pos = 0
    for span in sorted(highlights, key=lambda h: (h.start, h.end)):
        start, end = max(span.start, pos), min(span.end, len(text))
        if start >= end:
            continue
        out.append(str(escape(text[pos:start])))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        pos = end
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))
