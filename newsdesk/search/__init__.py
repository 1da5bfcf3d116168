"""The read side of search (issue 5): `newsdesk.search(query, …) -> SearchResults`.

`newsdesk.search` is both this package and the function: Python binds a subpackage
as an attribute of its parent on import, which would shadow a function of the same
name exported from `newsdesk/__init__.py`. So the package module itself is made
callable: `newsdesk.search("中老铁路", data=…)` and
`from newsdesk.search import search` are the same call, whichever import ran first.
See docs/search-architecture.md for the contract and `engine` for how it works.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

from newsdesk.search.engine import Searcher, SearchError, make_filters, search, searcher_for
from newsdesk.search.fusion import DEFAULT_TUNING, Tuning
from newsdesk.search.query import QueryError, parse_query
from newsdesk.search.types import (
    Clause,
    Highlight,
    ParsedQuery,
    SearchFilters,
    SearchHit,
    SearchResults,
    Snippet,
    Term,
)

__all__ = [
    "DEFAULT_TUNING",
    "Clause",
    "Highlight",
    "ParsedQuery",
    "QueryError",
    "SearchError",
    "SearchFilters",
    "SearchHit",
    "SearchResults",
    "Searcher",
    "Snippet",
    "Term",
    "Tuning",
    "make_filters",
    "parse_query",
    "search",
    "searcher_for",
]


class _CallableModule(ModuleType):
    """This package, callable as `search(...)`."""

    def __call__(self, *args: Any, **kwargs: Any) -> SearchResults:
        return search(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
