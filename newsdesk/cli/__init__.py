"""The `newsdesk` command: a thin shell over the library API.

Commands live in `articles` (ingest, list, show, stats, reextract, extract,
serve), `sources` (source …, crawl), `index` (reindex), `brief` (brief, digest) and
`search` (search);
importing them registers them on `app`.
"""

from newsdesk.cli import articles, brief, index, search, sources  # noqa: F401  (registers the commands)
from newsdesk.cli.common import app

__all__ = ["app"]
