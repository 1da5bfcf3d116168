"""newsdesk: a self-hosted, multilingual news search and briefing engine.

The library API the CLI and the web layer share:

- `newsdesk.store.open_store(data_dir)` → an `ArticleStore`
- `newsdesk.ingest.pipeline.ingest_paths(store, paths)` → an `IngestReport`
- `newsdesk.extract.html.extract_html(bytes, url=…)` → an `ExtractedPage`
- `newsdesk.text.langid.detect_language(text)` → a `LanguageGuess`
"""

__version__ = "0.1.0"
