"""FastAPI application: article list, article view, JSON API with OpenAPI.

Each request opens its own store connection (SQLite connections must not be
shared across the server's worker threads; opening one costs well under a
millisecond). Templates autoescape everything: article text is third-party
input and may contain markup.
"""

# No `from __future__ import annotations`: FastAPI resolves the local dependency
# aliases below at definition time.

import contextlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from newsdesk.brief.service import brief_article
from newsdesk.brief.types import LANGUAGES, STYLES, Brief, base_language
from newsdesk.errors import NewsdeskError, NotFoundError
from newsdesk.search import QueryError, SearchError, SearchResults, searcher_for
from newsdesk.store import ArticleFilter, SQLiteStore, open_store
from newsdesk.store.sqlite import day_bound
from newsdesk.web.render import marked

HERE = Path(__file__).parent
PAGE_SIZE = 30
SEARCH_PAGE_SIZE = 10
MAX_QUERY_CHARS = 500  # a query longer than a paragraph is a paste accident or abuse
LANGUAGE_NAMES = {"zh": "中文", "zh-Hans": "中文（简体）", "zh-Hant": "中文（繁體）",
                  "vi": "Tiếng Việt", "en": "English", "lo": "ລາວ", "th": "ไทย", "und": "?"}


def _day(value: str | None, end: bool = False) -> datetime | None:
    try:
        return day_bound(value, end)
    except ValueError:
        raise HTTPException(status_code=422, detail=f"{value!r} is not a date") from None


def create_app(data_dir: Path) -> FastAPI:
    # Open once at start-up so a broken or newer store fails fast, not per request.
    open_store(data_dir).close()
    app = FastAPI(title="newsdesk", version="0.1.0",
                  description="Multilingual news search and briefing engine.")
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["language_names"] = LANGUAGE_NAMES
    templates.env.globals["marked"] = marked
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    def store() -> Iterator[SQLiteStore]:
        s = open_store(data_dir)
        try:
            yield s
        finally:
            s.close()

    StoreDep = Annotated[SQLiteStore, Depends(store)]

    def filters(lang: str | None, source: str | None, since: str | None,
                until: str | None) -> ArticleFilter:
        return ArticleFilter(language=lang or None, source=source or None,
                             since=_day(since), until=_day(until, end=True))

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request, s: StoreDep, page: Annotated[int, Query(ge=1)] = 1,
             lang: str | None = None, source: str | None = None, since: str | None = None,
             until: str | None = None) -> HTMLResponse:
        f = filters(lang, source, since, until)
        total = s.count(f)
        articles = s.list(f, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        stats = s.stats()
        return templates.TemplateResponse(request, "list.html", {
            "articles": articles, "total": total, "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)), "stats": stats,
            "lang": lang or "", "source": source or "", "since": since or "",
            "until": until or "",
        })

    def run_search(q: str, lang: str | None, source: str | None, after: str | None,
                   before: str | None, sort: str, mode: str, limit: int,
                   offset: int) -> SearchResults:
        if len(q) > MAX_QUERY_CHARS:
            raise QueryError(f"the query is longer than {MAX_QUERY_CHARS} characters")
        return searcher_for(data_dir).search(
            q, lang=lang or None, source=source or None, after=after or None,
            before=before or None, sort=sort, mode=mode, limit=limit, offset=offset)

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def search_page(request: Request, s: StoreDep, q: str = "", lang: str = "",
                    source: str = "", after: str = "", before: str = "",
                    sort: str = "relevance", mode: str = "hybrid",
                    page: Annotated[int, Query(ge=1, le=1000)] = 1) -> HTMLResponse:
        offset = (page - 1) * SEARCH_PAGE_SIZE
        params = {"q": q, "lang": lang, "source": source, "after": after,
                  "before": before, "sort": sort, "mode": mode}

        def link(**changes: Any) -> str:
            merged = {**params, "page": page, **changes}
            if "page" not in changes:
                merged["page"] = 1  # a new filter starts again at the first page
            return "/search?" + urlencode({k: v for k, v in merged.items()
                                           if v not in ("", None) and
                                           not (k == "page" and v == 1)})

        results, error, titles = None, None, {}
        if q.strip() or lang or source or after or before:
            try:
                results = run_search(q, lang, source, after, before, sort, mode,
                                     SEARCH_PAGE_SIZE, offset)
            except (QueryError, SearchError) as exc:
                error = str(exc)
        if results:
            similar = [sid for h in results.hits for sid in h.similar]
            for sid in similar:
                with contextlib.suppress(NotFoundError):
                    titles[sid] = s.get(sid).title
        total = results.total if results else 0
        return templates.TemplateResponse(request, "search.html", {
            **params, "results": results, "error": error, "page": page, "offset": offset,
            "pages": max(1, -(-total // SEARCH_PAGE_SIZE)), "link": link, "titles": titles,
        }, status_code=200 if error is None else 400)

    @app.get("/api/search", summary="Search articles (lexical, dense or hybrid)")
    def api_search(q: str = "", lang: str | None = None, source: str | None = None,
                   after: str | None = None, before: str | None = None,
                   sort: str = "relevance", mode: str = "hybrid",
                   limit: Annotated[int, Query(ge=1, le=100)] = 10,
                   offset: Annotated[int, Query(ge=0, le=10000)] = 0) -> dict[str, Any]:
        """Same query syntax as the CLI: phrases in quotes, `-word`, `OR`, `source:`,
        `lang:`, `after:YYYY-MM-DD`, `before:`. Hits carry `id`, `external_id`, `score`,
        `title`, `url`, `source`, `published`, `language`, `snippet` with highlight
        offsets into it, and `similar` (near-duplicates collapsed into the hit)."""
        try:
            return run_search(q, lang, source, after, before, sort, mode, limit,
                              offset).to_json()
        except (QueryError, SearchError) as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from None

    @app.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def article_page(request: Request, article_id: str, s: StoreDep, lang: str = "",
                     style: str = "points") -> HTMLResponse:
        try:
            article = s.get(article_id)
        except NotFoundError:
            return templates.TemplateResponse(request, "missing.html",
                                              {"article_id": article_id}, status_code=404)
        brief_lang = lang if lang in LANGUAGES else base_language(article.language)
        return templates.TemplateResponse(request, "article.html", {
            "a": article, "brief_lang": brief_lang,
            "brief_style": style if style in STYLES else "points"})

    def make_brief(s: SQLiteStore, article_id: str, lang: str | None, style: str) -> Brief:
        try:
            return brief_article(s, article_id, lang=lang or None, style=style)
        except NotFoundError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from None
        except NewsdeskError as exc:  # bad language or style, LLM misconfigured
            raise HTTPException(status_code=422, detail=str(exc)) from None

    @app.get("/articles/{article_id}/brief", response_class=HTMLResponse,
             include_in_schema=False)
    def brief_fragment(request: Request, article_id: str, s: StoreDep, lang: str = "",
                       style: str = "points", compact: bool = False) -> HTMLResponse:
        b = make_brief(s, article_id, lang, style)
        return templates.TemplateResponse(request, "brief_fragment.html",
                                          {"b": b, "compact": compact})

    @app.get("/api/articles/{article_id}/brief",
             summary="A structured brief whose bullets cite verified paragraph numbers")
    def api_brief(article_id: str, s: StoreDep, lang: str | None = None,
                  style: str = "points") -> dict[str, Any]:
        """Same JSON as `newsdesk brief ID --json`: `viewpoint`, `points`, `groups`, each
        bullet with `citations` (1-based paragraph numbers), and `verification`."""
        return make_brief(s, article_id, lang, style).to_json()

    @app.get("/api/articles", summary="List articles, newest first")
    def api_list(s: StoreDep, lang: str | None = None, source: str | None = None,
                 since: str | None = None, until: str | None = None,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 50,
                 offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
        f = filters(lang, source, since, until)
        return {"total": s.count(f),
                "articles": [a.summary_json() for a in s.list(f, limit=limit, offset=offset)]}

    @app.get("/api/articles/{article_id}", summary="One article with numbered paragraphs")
    def api_article(article_id: str, s: StoreDep) -> dict[str, Any]:
        try:
            return s.get(article_id).to_json()
        except NotFoundError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from None

    @app.get("/api/stats", summary="Counts by language, source and day")
    def api_stats(s: StoreDep) -> dict[str, Any]:
        return s.stats()

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
