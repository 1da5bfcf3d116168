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

Cache key: (article id, content hash, language, style, engine, engine version),
in the store's `briefs` table (migration 4). The engine version joins what makes
the output: the offline engine's `extractive.VERSION` or the LLM's
`llm.PROMPT_VERSION` and endpoint (hashed), and the verifier's `verify.VERSION`;
changing any of them regenerates cached briefs. The offline engine's bullets do not
depend on the reader's language (no offline translation model ships), so its verified
brief is cached once per article and style, in the source language, and each reader
gets it with headings and the source-language note in their language
(`extractive.for_reader`).
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from newsdesk.brief import extractive, verify
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


def check_options(lang: str | None, style: str | None, engine: str) -> None:
    """Clear errors for bad options, before any work (None: not given, nothing to check)."""
    if lang is not None and lang not in LANGUAGES:
        raise BriefError(f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}")
    if style is not None and style not in STYLES:
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


def extractive_version() -> str:
    """The offline engine's part of the cache key: its algorithm and the verifier's version."""
    return f"e{extractive.VERSION}.v{verify.VERSION}"


def llm_version(module: ModuleType | None = None, settings: Any = None) -> str:
    """The LLM engine's part of the cache key: its prompt, the verifier's version and,
    with `settings`, the endpoint. Two servers may serve different weights under one
    model name ("llama3" locally and at a provider), so a brief cached from one must
    not be served for the other; the endpoint is hashed so no URL lands in the store."""
    module = module if module is not None else _llm_module()
    version = f"p{getattr(module, 'PROMPT_VERSION', 0)}.v{verify.VERSION}"
    base_url = getattr(settings, "base_url", None)
    if base_url:
        endpoint = base_url.strip().rstrip("/").encode()
        version += f".e{hashlib.sha256(endpoint).hexdigest()[:8]}"
    return version


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
        name, version = _llm_engine_name(llm_conf), llm_version(module, llm_conf)
        cached = _cached(store, article, reader, style, name, version) if use_cache else None
        if cached is not None:
            return cached
        try:
            made = module.generate_brief(article, lang=reader, style=style, settings=llm_conf)
            result = verify_brief(made, article)
            _store(store, article, reader, style, name, version, result, use_cache)
            return result
        except Exception as exc:  # any LLM failure falls back to the offline engine
            log.warning("LLM brief failed for %s: %s", article.id, exc)
            if engine == "llm":
                raise BriefError(f"the LLM failed: {exc}") from exc
            notes.append(f"The LLM failed ({_short(exc)}); this is the offline extractive "
                         "brief instead.")
    source = base_language(article.language)
    version = extractive_version()
    base = _cached(store, article, source, style, extractive.ENGINE, version) \
        if use_cache else None
    if base is None:
        made = extractive.generate_brief(article, lang=None, style=style)
        base = verify_brief(made, article)
        _store(store, article, source, style, extractive.ENGINE, version, base, use_cache)
    result = extractive.for_reader(base, lang)
    if notes:
        result.notes = [*notes, *result.notes]
    return result


def _short(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "…"


def _cached(store: Any, article: Article, language: str, style: str, engine: str,
            version: str) -> Brief | None:
    if store is None:
        return None
    payload = brief_cache.get_brief(store, article.id, article.content_hash, language, style,
                                    engine, version)
    if payload is None:
        return None
    try:
        brief = Brief.from_json(payload)
    except (KeyError, TypeError, ValueError):
        return None
    brief.cached = True
    return brief


def _store(store: Any, article: Article, language: str, style: str, engine: str, version: str,
           brief: Brief, use_cache: bool) -> None:
    if store is None or not use_cache:
        return
    payload = brief.to_json()
    payload["cached"] = False
    brief_cache.put_brief(store, article.id, article.content_hash, language, style, engine,
                          version, payload)


@dataclass
class BatchSummary:
    """What `brief_all` did: counts, failures (never raised) and time."""

    articles: int = 0
    briefs: int = 0  # briefs served (made or from the cache), one per article × language × style
    made: int = 0  # briefs whose engine actually ran (the rest came from the cache)
    failed: list[dict[str, str]] = field(default_factory=list)  # {"article_id", "lang", …}
    languages: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"articles": self.articles, "briefs": self.briefs, "made": self.made,
                "cached": self.briefs - self.made, "failed": self.failed,
                "languages": self.languages, "styles": self.styles,
                "seconds": round(self.seconds, 2), "interrupted": self.interrupted}


def parse_list(value: str | None, allowed: tuple[str, ...], what: str,
               default: tuple[str, ...]) -> list[str]:
    """`"en,zh,vi"` -> ["en", "zh", "vi"], with a clear error for an unknown item."""
    items = [v.strip() for v in (value or "").split(",") if v.strip()] or list(default)
    bad = [v for v in items if v not in allowed]
    if bad:
        raise BriefError(f"unknown {what} {bad[0]!r}: use one or more of {', '.join(allowed)}, "
                         "separated by commas")
    return list(dict.fromkeys(items))


def brief_all(store: Any, *, langs: list[str], styles: list[str], engine: str = "auto",
              settings: Any = None, limit: int | None = None,
              progress: Callable[[int, int], None] | None = None) -> BatchSummary:
    """Brief every article (newest first) in each language and style; fill the cache.

    Idempotent: a second run serves everything from the cache. The offline
    engine computes one brief per article and style whatever the number of
    reader languages (see the module docstring). A failing article is recorded
    in `failed` and the run goes on; Ctrl-C stops it with `interrupted` set.
    """
    for lang in langs:
        check_options(lang, styles[0] if styles else "points", engine)
    for style in styles:
        check_options(None, style, engine)
    summary = BatchSummary(languages=list(langs), styles=list(styles))
    start = time.perf_counter()
    total = store.count() if limit is None else min(limit, store.count())
    offset = 0
    try:
        while offset < total:
            page = store.list(limit=min(200, total - offset), offset=offset)
            if not page:
                break
            offset += len(page)
            for article in page:
                summary.articles += 1
                for style in styles:
                    for lang in langs:
                        try:
                            made = brief_for(article, store=store, lang=lang, style=style,
                                             engine=engine, settings=settings)
                        except Exception as exc:  # reported in the summary, the run goes on
                            log.warning("brief of %s (%s, %s) failed: %s", article.id, lang,
                                        style, exc)
                            summary.failed.append({"article_id": article.id, "lang": lang,
                                                   "style": style, "error": _short(exc)})
                            continue
                        summary.briefs += 1
                        summary.made += not made.cached
                if progress is not None:
                    progress(summary.articles, total)
    except KeyboardInterrupt:
        summary.interrupted = True
    summary.seconds = time.perf_counter() - start
    return summary
