"""The write side of search: embeddings, the tantivy and faiss indexes, and the indexer.

See docs/search-architecture.md for who owns what; `newsdesk.search` reads these.
"""
