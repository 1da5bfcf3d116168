"""Where newsdesk keeps its data, and the limits it applies to inputs.

Precedence: an explicit `--data` option, then the NEWSDESK_DATA environment
variable, then `./data` in the working directory (what `make run` uses).
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DATA_DIR = "data"
MAX_FILE_BYTES = 10 * 1024 * 1024  # one HTML page or text page
MAX_DUMP_BYTES = 2 * 1024 * 1024 * 1024  # a JSONL dump is streamed line by line
MAX_JSONL_LINE_BYTES = 10 * 1024 * 1024


def data_dir(explicit: str | Path | None = None) -> Path:
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("NEWSDESK_DATA") or DEFAULT_DATA_DIR)
