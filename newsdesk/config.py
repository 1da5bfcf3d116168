"""Where newsdesk keeps its data, and the limits it applies to inputs.

Precedence: an explicit `--data` option, then the NEWSDESK_DATA environment
variable, then `./data` in the working directory (what `make run` uses).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = "data"
MAX_FILE_BYTES = 10 * 1024 * 1024  # one HTML page or text page
MAX_DUMP_BYTES = 2 * 1024 * 1024 * 1024  # a JSONL dump is streamed line by line
MAX_JSONL_LINE_BYTES = 10 * 1024 * 1024


def data_dir(explicit: str | Path | None = None) -> Path:
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("NEWSDESK_DATA") or DEFAULT_DATA_DIR)


@dataclass(frozen=True)
class LLMSettings:
    """An OpenAI-compatible chat endpoint for LLM briefs (llama.cpp, vLLM, Ollama, hosted).

    `timeout` is the *total* seconds one brief may take, retries included, so a slow
    endpoint costs the reader a bounded wait before the offline fallback. `repr`
    masks the key so settings can be logged.
    """

    base_url: str  # e.g. http://127.0.0.1:8080/v1
    model: str
    api_key: str | None = None
    timeout: float = 60.0
    max_attempts: int = 3  # requests per brief, the first one included
    max_tokens: int = 1024
    response_format: str = "json_schema"  # json_schema | json_object | none

    def __repr__(self) -> str:
        key = "None" if not self.api_key else "'****'"
        return (f"LLMSettings(base_url={self.base_url!r}, model={self.model!r}, "
                f"api_key={key}, timeout={self.timeout}, max_attempts={self.max_attempts})")


def llm_settings(env: dict[str, str] | None = None) -> LLMSettings | None:
    """LLM settings from NEWSDESK_LLM_* variables; None when no endpoint is configured.

    NEWSDESK_LLM_BASE_URL and NEWSDESK_LLM_MODEL are required; NEWSDESK_LLM_API_KEY,
    NEWSDESK_LLM_TIMEOUT (seconds), NEWSDESK_LLM_MAX_ATTEMPTS, NEWSDESK_LLM_MAX_TOKENS
    and NEWSDESK_LLM_RESPONSE_FORMAT are optional. A malformed number raises
    ValueError naming the variable.
    """
    env = dict(os.environ) if env is None else env
    base_url = (env.get("NEWSDESK_LLM_BASE_URL") or "").strip()
    model = (env.get("NEWSDESK_LLM_MODEL") or "").strip()
    if not base_url or not model:
        return None

    def number(name: str, default: float, kind: type = float) -> float:
        raw = (env.get(name) or "").strip()
        if not raw:
            return default
        try:
            value = kind(raw)
        except ValueError:
            raise ValueError(f"{name}={raw!r} is not a number") from None
        if value <= 0:
            raise ValueError(f"{name} must be positive, not {raw!r}")
        return value

    fmt = (env.get("NEWSDESK_LLM_RESPONSE_FORMAT") or "json_schema").strip().lower()
    if fmt not in ("json_schema", "json_object", "none"):
        raise ValueError(f"NEWSDESK_LLM_RESPONSE_FORMAT={fmt!r}: use json_schema, "
                         "json_object or none")
    return LLMSettings(
        base_url=base_url, model=model,
        api_key=(env.get("NEWSDESK_LLM_API_KEY") or "").strip() or None,
        timeout=number("NEWSDESK_LLM_TIMEOUT", 60.0),
        max_attempts=int(number("NEWSDESK_LLM_MAX_ATTEMPTS", 3, int)),
        max_tokens=int(number("NEWSDESK_LLM_MAX_TOKENS", 1024, int)),
        response_format=fmt)
