"""Language models and converters, loaded once per process and shared by every module.

The crawler extracts pages in worker threads and the web server answers searches in
a thread pool; `lru_cache` alone lets every thread that arrives before the first
load finishes load its own copy (six copies of py3langid's model were seen in the
crawl benchmark). One lock, one table: language id and Chinese segmentation share
the same OpenCC converter instead of each building one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import opencc

_LOAD_LOCK = threading.Lock()
_loaded: dict[str, Any] = {}


def load_once(key: str, load: Callable[[], Any]) -> Any:
    """`load()`'s result for `key`, computed by the first caller only."""
    value = _loaded.get(key)
    if value is None:
        with _LOAD_LOCK:
            value = _loaded.get(key)
            if value is None:
                value = _loaded[key] = load()
    return value


def opencc_converter(config: str) -> opencc.OpenCC:
    """The process's OpenCC converter for `config` ("t2s", "s2t", …)."""
    return load_once(f"opencc:{config}", lambda: opencc.OpenCC(config))
