"""`newsdesk search`: one query (human or `--json`) or a batch (`--queries FILE.jsonl`).

Human output escapes every piece of article text for rich (titles are third-party
input: "[bold]" or "[/]" in a headline must print as is, never as markup) and
bolds only the highlight spans the engine computed.

Batch lines are `{"id", "query"}` plus the optional filters as fields (`lang`,
`source`, `after`, `before`, `sort`, `mode`, `limit`, `offset`); each prints one line
`{"id", "total", "results": [hit…]}` where a hit's `id` is our article id and
`external_id` the id the article had in the ingested JSONL dump. A bad line prints
`{"line": n, "id": …, "error": "…"}` and the batch goes on (exit 1 at the end).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from newsdesk import config
from newsdesk.cli.common import DataOpt, JsonOpt, app, fail, out, print_json, state
from newsdesk.errors import NewsdeskError

BATCH_FIELDS = ("lang", "source", "after", "before", "sort", "mode", "limit", "offset")


def _marked(text: str, highlights: Any) -> str:
    """Rich markup for `text` with highlight spans in bold; the text itself escaped."""
    parts: list[str] = []
    pos = 0
    for h in sorted(highlights, key=lambda h: (h.start, h.end)):
        start, end = max(h.start, pos), min(h.end, len(text))
        if start >= end:
            continue
        parts.append(escape(text[pos:start]))
        parts.append(f"[bold]{escape(text[start:end])}[/bold]")
        pos = end
    parts.append(escape(text[pos:]))
    return "".join(parts)


def _print_human(results: Any) -> None:
    from newsdesk.search.engine import LANGUAGE_NAMES

    for note in results.notes:
        out.print(f"[dim]note: {escape(note)}[/dim]", highlight=False)
    if not results.hits:
        out.print(escape(results.explanation or "no results"), highlight=False)
        return
    out.print(f"[dim]{results.total} matching · {results.mode} · {results.sort} · "
              f"{results.took_ms:.0f} ms[/dim]", highlight=False)
    for hit in results.hits:
        day = hit.published.date().isoformat() if hit.published else "undated"
        base = hit.language.split("-")[0]
        meta = " · ".join([hit.source or "unknown source", day,
                           LANGUAGE_NAMES.get(base, hit.language)])
        similar = f"  [dim](+{len(hit.similar)} similar)[/dim]" if hit.similar else ""
        title = _marked(hit.title, hit.title_highlights)
        out.print(f"[bold cyan]{hit.rank:>3}.[/bold cyan] {title}"
                  f"{similar}", highlight=False)
        out.print(f"     [dim]{escape(meta)} · {escape(hit.id)}[/dim]", highlight=False)
        if hit.snippet:
            out.print(f"     {_marked(hit.snippet.text, hit.snippet.highlights)}", highlight=False)
    facets = results.facets.get("language") or {}
    if facets:
        out.print("[dim]languages: " + escape(", ".join(f"{k} {v}" for k, v in facets.items()))
                  + "[/dim]", highlight=False)


def _batch(path: Path, data: Path | None) -> int:
    from newsdesk.search import search

    failed = 0
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot read {path}: {exc.strerror or exc}", 2) from None
    with handle:
        for n, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            qid: Any = None
            try:
                try:
                    item = json.loads(line)
                except ValueError as exc:
                    raise ValueError(f"not JSON: {exc}") from None
                if not isinstance(item, dict):
                    raise ValueError("a line must be a JSON object")
                qid = item.get("id")
                query = item.get("query")
                if not isinstance(query, str):
                    raise ValueError('"query" must be a string')
                kwargs = {k: item[k] for k in BATCH_FIELDS if item.get(k) is not None}
                unknown = sorted(set(item) - {"id", "query", *BATCH_FIELDS})
                if unknown:
                    raise ValueError(f"unknown field(s): {', '.join(unknown)}")
                results = search(query, data=data, **kwargs)
            except (NewsdeskError, ValueError, TypeError) as exc:
                failed += 1
                print_json({"line": n, "id": qid, "error": str(exc)})
                continue
            print_json({"id": qid, "total": results.total,
                        "results": [h.to_json() for h in results.hits],
                        "explanation": results.explanation})
    return failed


@app.command("search")
def search_command(
    query: Annotated[str | None, typer.Argument(
        help='Words, "phrases", -exclude, +require, a OR b, source:, lang:, after:, before:.')]
    = None,
    lang: Annotated[str | None, typer.Option("--lang", help="Only this language (zh, vi, en, "
                                             "th, lo; comma-separated for several).")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Source name or domain.")]
    = None,
    after: Annotated[str | None, typer.Option("--after", help="Published on or after "
                                              "(YYYY-MM-DD or ISO 8601).")] = None,
    before: Annotated[str | None, typer.Option("--before", help="Published before "
                                               "(exclusive).")] = None,
    sort: Annotated[str, typer.Option("--sort", help="relevance or date (newest first).")]
    = "relevance",
    mode: Annotated[str, typer.Option("--mode", help="hybrid, lexical or dense.")] = "hybrid",
    limit: Annotated[int, typer.Option("--limit", help="Hits to show.")] = 10,
    offset: Annotated[int, typer.Option("--offset", help="Hits to skip (paging).")] = 0,
    queries: Annotated[Path | None, typer.Option(
        "--queries", help='Batch: a JSONL file of {"id", "query", …} lines.')] = None,
    data: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Search articles in every language (hybrid lexical + multilingual embeddings)."""
    data_dir = config.data_dir(data or state["data"])
    if queries is not None:
        if query:
            raise fail("give a QUERY or --queries FILE, not both", 2)
        failed = _batch(queries, data_dir)
        raise typer.Exit(1 if failed else 0)
    if not query or not query.strip():
        raise fail('a query is needed, e.g. newsdesk search "đường sắt" --lang vi', 2)
    from newsdesk.search import search

    try:
        results = search(query, data=data_dir, lang=lang, source=source, after=after,
                         before=before, sort=sort, mode=mode, limit=limit, offset=offset)
    except NewsdeskError as exc:
        raise fail(str(exc), 2) from None
    if as_json:
        print_json(results.to_json())
    else:
        _print_human(results)
