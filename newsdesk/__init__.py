"""newsdesk: a self-hosted, multilingual news search and briefing engine.

The library API the CLI and the web layer share:

- `newsdesk.store.open_store(data_dir)` → an `ArticleStore`
- `newsdesk.ingest.pipeline.ingest_paths(store, paths)` → an `IngestReport`
- `newsdesk.extract.html.extract_html(bytes, url=…)` → an `ExtractedPage`
- `newsdesk.text.langid.detect_language(text)` → a `LanguageGuess`
- `newsdesk.search(query, data=…, lang=…, source=…, after=…, before=…, sort=…, mode=…,
  limit=…)` → `newsdesk.search.SearchResults` (imported on first use, so
  `import newsdesk` stays cheap)
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """Lazy `newsdesk.search`: the package is callable (see newsdesk/search/__init__.py)."""
    if name == "search":
        import importlib

        return importlib.import_module("newsdesk.search")
    raise AttributeError(f"module 'newsdesk' has no attribute {name!r}")
