"""The document store: the source of truth every index is rebuilt from.

`ArticleStore` is the interface; `SQLiteStore` is the embedded default. A
PostgreSQL backend (server mode) implements the same protocol later and runs the
same tests.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from newsdesk.records import Article
from newsdesk.store.sqlite import ArticleFilter, RawRecord, SaveResult, SQLiteStore


class ArticleStore(Protocol):
    def save(self, article: Article, raw: bytes | None = None) -> SaveResult: ...
    def get(self, ref: str) -> Article: ...
    def get_many(self, ids: Sequence[str]) -> dict[str, Article]: ...
    def list(self, f: ArticleFilter | None = None, limit: int | None = None,
             offset: int = 0) -> list[Article]: ...
    def count(self, f: ArticleFilter | None = None) -> int: ...
    def stats(self) -> dict[str, Any]: ...
    def iter_raw(self) -> Iterator[RawRecord]: ...
    def replace_extraction(self, article: Article) -> bool: ...
    def close(self) -> None: ...


def open_store(data_dir: str | Path) -> SQLiteStore:
    return SQLiteStore(data_dir)


__all__ = ["ArticleFilter", "ArticleStore", "RawRecord", "SQLiteStore", "SaveResult",
           "open_store"]
