"""`brief_article`: choose the engine, verify, cache.

Engines: `extractive` (offline, always there) and `llm` (any OpenAI-compatible
endpoint, `newsdesk.brief.llm`, when configured). `auto` uses the LLM when one is
configured and falls back to the offline engine, with a visible note, when the
LLM fails. Every brief, whatever its engine, goes through `verify.verify_brief`
before it is returned or cached.

The LLM module is imported lazily and its absence means "not configured"; the
hook it must provide:

- `load_settings() -> settings | None` (None: not configured; reads
  `NEWSDESK_LLM_BASE_URL`, `NEWSDESK_LLM_MODEL`, `NEWSDESK_LLM_API_KEY`), and
- `generate_brief(article, *, lang, style, settings) -> Brief` raising on failure;
  `settings.model` names the model (the engine is then `llm:<model>`).

Cache key: (article id, content hash, reader language, style, engine + engine
version), in the store's `briefs` table (migration 4).
"""

from __future__ import annotations

import importlib
import logging
import os
from types import ModuleType
from typing import Any

from newsdesk.brief import extractive
from newsdesk.brief.types import (
    ENGINES,
    LANGUAGES,
    STYLES,
    Brief,
    BriefError,
    base_language,
)
from newsdesk.brief.verify import verify_brief
from newsdesk.records import Article
from newsdesk.store import briefs as brief_cache

log = logging.getLogger(__name__)


def check_options(lang: str | None, style: str, engine: str) -> None:
    """Clear errors for bad options, before any work."""
    if lang is not None and lang not in LANGUAGES:
        raise BriefError(f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}")
    if style not in STYLES:
        raise BriefError(f"unknown style {style!r}: use one of {', '.join(STYLES)}")
    if engine not in ENGINES:
        raise BriefError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")


def _llm_module() -> ModuleType | None:
    try:
        return importlib.import_module("newsdesk.brief.llm")
    except ImportError:
        return None


def llm_settings(settings: Any = None) -> tuple[ModuleType | None, Any]:
    """(module, settings) when an LLM is configured, else (module or None, None)."""
    module = _llm_module()
    if module is None:
        return None, None
    if settings is not None:
        return module, settings
    loader = getattr(module, "load_settings", None)
    if loader is None:
        return module, None
    try:
        return module, loader()
    except Exception as exc:  # a broken configuration is reported, not fatal
        log.warning("LLM settings unusable: %s", exc)
        return module, None


def _llm_engine_name(settings: Any) -> str:
    model = getattr(settings, "model", None) or os.environ.get("NEWSDESK_LLM_MODEL") or "llm"
    return f"llm:{model}"


def brief_article(store: Any, article_id: str, *, lang: str | None = None,
                  style: str = "points", engine: str = "auto", settings: Any = None,
                  use_cache: bool = True) -> Brief:
    """The verified brief of one article (id, external id or unique prefix).

    Raises `NotFoundError` for an unknown article and `BriefError` for bad options
    or `engine="llm"` without a configured LLM.
    """
    check_options(lang, style, engine)
    article = store.get(article_id)
    return brief_for(article, store=store, lang=lang, style=style, engine=engine,
                     settings=settings, use_cache=use_cache)


def brief_for(article: Article, *, store: Any = None, lang: str | None = None,
              style: str = "points", engine: str = "auto", settings: Any = None,
              use_cache: bool = True) -> Brief:
    """Like `brief_article` for an article already in hand (`store` only for the cache)."""
    check_options(lang, style, engine)
    reader = lang or base_language(article.language)
    module, llm_conf = (None, None) if engine == "extractive" else llm_settings(settings)
    if engine == "llm" and llm_conf is None:
        raise BriefError("no LLM is configured: set NEWSDESK_LLM_BASE_URL and "
                         "NEWSDESK_LLM_MODEL (and NEWSDESK_LLM_API_KEY if needed), "
                         "or use --engine extractive")
    notes: list[str] = []
    if module is not None and llm_conf is not None:
        key = _llm_engine_name(llm_conf)
        cached = _cached(store, article, reader, style, key) if use_cache else None
        if cached is not None:
            return cached
        try:
            made = module.generate_brief(article, lang=reader, style=style, settings=llm_conf)
            result = verify_brief(made, article)
            _store(store, article, reader, style, key, result, use_cache)
            return result
        except Exception as exc:  # any LLM failure falls back to the offline engine
            log.warning("LLM brief failed for %s: %s", article.id, exc)
            if engine == "llm":
                raise BriefError(f"the LLM failed: {exc}") from exc
            notes.append(f"The LLM failed ({_short(exc)}); this is the offline extractive "
                         "brief instead.")
    key = f"{extractive.ENGINE}/{extractive.VERSION}"
    cached = _cached(store, article, reader, style, key) if use_cache else None
    if cached is None:
        made = extractive.generate_brief(article, lang=lang, style=style)
        cached = verify_brief(made, article)
        _store(store, article, reader, style, key, cached, use_cache)
    if notes:
        cached.notes = [*notes, *cached.notes]
    return cached


def _short(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "…"


def _cached(store: Any, article: Article, reader: str, style: str, key: str) -> Brief | None:
    if store is None:
        return None
    payload = brief_cache.get_brief(store, article.id, article.content_hash, reader, style, key)
    if payload is None:
        return None
    try:
        brief = Brief.from_json(payload)
    except (KeyError, TypeError, ValueError):
        return None
    brief.cached = True
    return brief


def _store(store: Any, article: Article, reader: str, style: str, key: str, brief: Brief,
           use_cache: bool) -> None:
    if store is None or not use_cache:
        return
    payload = brief.to_json()
    payload["cached"] = False
    brief_cache.put_brief(store, article.id, article.content_hash, reader, style, key, payload)
