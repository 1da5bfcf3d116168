"""The keys a `source:` filter matches, in one place for both indexes and both sides.

An article is found by its source's name or its domain, whatever the case; the
lexical index stores these keys in `source_key`, the vector index in its metadata,
and a filter's values are turned into keys the same way before either looks.
"""

from __future__ import annotations

from collections.abc import Iterable


def article_source_keys(name: str | None, domain: str | None) -> tuple[str, ...]:
    """An article's keys: its source name and domain, case-folded, without repeats."""
    return tuple(dict.fromkeys(k.casefold() for k in (name, domain) if k))


def filter_source_keys(sources: Iterable[str]) -> list[str]:
    """A filter's keys: each value stripped and case-folded, blanks dropped."""
    return list(dict.fromkeys(s.strip().casefold() for s in sources if s.strip()))
