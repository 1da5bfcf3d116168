"""Article commands: ingest, list, show, stats, reextract, extract, serve."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from newsdesk import config
from newsdesk.cli.common import (
    DataOpt,
    JsonOpt,
    app,
    err,
    fail,
    open_data_store,
    out,
    parse_day,
    print_json,
    private_allowed,
    state,
)
from newsdesk.cli.index import sync_indexes
from newsdesk.errors import InputError, NewsdeskError
from newsdesk.extract.html import extract_file_bytes
from newsdesk.ingest.pipeline import IngestReport, ItemResult, ingest_paths, iter_files, reextract
from newsdesk.records import Article
from newsdesk.store import ArticleFilter, SQLiteStore


def _ingest_urls(store: SQLiteStore, urls: list[str], as_json: bool,
                 report_failure: Any) -> list[ItemResult]:
    """`newsdesk ingest URL`: fetch and ingest single pages through the safe fetcher."""
    import asyncio

    from newsdesk.ingest.crawl import ingest_url
    from newsdesk.ingest.fetch import FetchPolicy

    policy = FetchPolicy(allow_private=private_allowed(False))
    results = []
    for u in urls:
        result = asyncio.run(ingest_url(store, u, policy))
        results.append(result)
        if as_json:
            print_json(result.to_json())
        else:
            report_failure(result)
    return results


def _summary_line(report: IngestReport) -> str:
    c = report.counts
    parts = [f"{c[k]} {k}" for k in ("new", "updated", "unchanged", "duplicate", "failed",
                                     "skipped") if c[k]]
    if not report.results:
        return "nothing to ingest: no files found"
    if report.stored == 0 and not c["failed"]:
        return "nothing new: " + ", ".join(parts)
    return ", ".join(parts)


@app.command()
def ingest(
    targets: Annotated[list[str], typer.Argument(
        metavar="PATH_OR_URL...", help="Folders, HTML, .jsonl or .txt files, or http(s) URLs.")],
    url: Annotated[str | None, typer.Option(help="URL of a single HTML file.")] = None,
    data: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ingest files (a folder, HTML pages, JSONL dumps, saved text pages) or page URLs."""
    try:
        store = open_data_store(data)
    except NewsdeskError as exc:
        raise fail(str(exc)) from None

    def report_failure(result: ItemResult) -> None:
        if result.outcome == "failed":
            err.print(f"[yellow]failed:[/yellow] {result.where}: {result.reason}",
                      highlight=False)

    urls = [t for t in targets if t.lower().startswith(("http://", "https://"))]
    paths = [Path(t) for t in targets if t not in urls]
    with store:
        report = IngestReport()
        if urls:
            report.results += _ingest_urls(store, urls, as_json, report_failure)
        if as_json:
            report.results += ingest_paths(
                store, paths, on_result=lambda r: print_json(r.to_json()), url=url).results
            sync_indexes(store, as_json=True)
            print_json({"summary": dict(report.counts), "stored": report.stored})
        else:
            files = list(iter_files(paths))
            with Progress(TextColumn("ingest"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=err, transient=True) as progress:
                task = progress.add_task("files", total=len(files))
                report.results += ingest_paths(
                    store, paths, on_result=report_failure,
                    on_file=lambda _p: progress.advance(task), url=url).results
            out.print(_summary_line(report), highlight=False)
            sync_indexes(store)
    if report.failures:
        raise typer.Exit(2 if len(report.failures) == len(report.results) else 1)



@app.command("list")
def list_articles(
    lang: Annotated[str | None, typer.Option(help="Language, e.g. zh, vi, en.")] = None,
    source: Annotated[str | None, typer.Option(help="Source name or domain.")] = None,
    since: Annotated[str | None, typer.Option(help="Published on/after (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Published on/before (YYYY-MM-DD).")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows (0: all).")] = 50,
    data: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List stored articles, newest first."""
    f = ArticleFilter(language=lang, source=source, since=parse_day(since),
                      until=parse_day(until, end=True))
    try:
        with open_data_store(data) as store:
            articles = store.list(f, limit=limit or None)
            total = store.count(f)
    except NewsdeskError as exc:
        raise fail(str(exc)) from None
    if as_json:
        print_json([a.summary_json() for a in articles])
        return
    table = Table(show_header=True, header_style="bold", box=None)
    for col in ("id", "published", "lang", "source", "title"):
        table.add_column(col, overflow="fold" if col == "title" else "ellipsis")
    for a in articles:
        table.add_row(a.id, a.published.strftime("%Y-%m-%d %H:%M") if a.published else "—",
                      a.language, a.source_name or "—", a.title)
    out.print(table)
    out.print(f"{len(articles)} of {total} articles", highlight=False)


def _print_article(a: Article) -> None:
    out.print(f"[bold]{_esc(a.title)}[/bold]")
    meta = [a.source_name or "unknown source"]
    if a.source_label:
        meta.append(a.source_label)
    meta.append(a.published.isoformat() if a.published else "no publish date")
    meta.append(a.language)
    out.print(" · ".join(_esc(m) for m in meta))
    if a.authors:
        out.print("by " + _esc(", ".join(a.authors)))
    if a.original_source:
        out.print("originally from " + _esc(a.original_source))
    out.print(f"id {a.id}" + (f" · external id {_esc(a.external_id)}" if a.external_id else "")
              + (f" · {_esc(a.url)}" if a.url else ""))
    out.print()
    for n, paragraph in enumerate(a.paragraphs, start=1):
        out.print(f"[{n}] {_esc(paragraph)}", highlight=False)
        out.print()
    for image in a.images:
        if image.caption:
            out.print(f"[dim]caption: {_esc(image.caption)}[/dim]")


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)


@app.command()
def show(
    article_id: Annotated[str, typer.Argument(metavar="ID", help="Article id or external id.")],
    data: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show one article: metadata and numbered paragraphs."""
    try:
        with open_data_store(data) as store:
            article = store.get(article_id)
    except NewsdeskError as exc:
        raise fail(str(exc)) from None
    if as_json:
        print_json(article.to_json())
    else:
        _print_article(article)


@app.command()
def stats(data: DataOpt = None, as_json: JsonOpt = False) -> None:
    """Counts by language, source and day."""
    try:
        with open_data_store(data) as store:
            numbers = store.stats()
    except NewsdeskError as exc:
        raise fail(str(exc)) from None
    if as_json:
        print_json(numbers)
        return
    out.print(f"{numbers['articles']} articles", highlight=False)
    for title, key in (("language", "by_language"), ("source", "by_source"), ("day", "by_day")):
        table = Table(title=f"by {title}", box=None, title_justify="left")
        table.add_column(title)
        table.add_column("articles", justify="right")
        for k, v in numbers[key].items():
            table.add_row(k, str(v))
        out.print(table)


@app.command("reextract")
def reextract_cmd(
    force: Annotated[bool, typer.Option(help="Re-extract even if already current.")] = False,
    data: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-run extraction from the stored raw HTML (after an extractor upgrade)."""
    try:
        with open_data_store(data) as store:
            total = store.count()
            with Progress(TextColumn("reextract"), BarColumn(), MofNCompleteColumn(),
                          console=err, transient=True, disable=as_json) as progress:
                task = progress.add_task("articles", total=total)
                report = reextract(store, force=force, on_result=lambda _r: progress.advance(task))
            sync_indexes(store, as_json=as_json)
    except NewsdeskError as exc:
        raise fail(str(exc)) from None
    for failure in report.failures:
        err.print(f"[yellow]failed:[/yellow] {failure.where}: {failure.reason}", highlight=False)
    if as_json:
        print_json({"summary": dict(report.counts)})
    else:
        out.print(_summary_line(report), highlight=False)
    if report.failures:
        raise typer.Exit(1)


@app.command()
def extract(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="HTML files.")],
    url: Annotated[str | None, typer.Option(help="The page's URL (helps dates, links).")] = None,
) -> None:
    """Extract without storing: one JSON object per file on stdout."""
    failed = 0
    for path in files:
        try:
            data = path.read_bytes()
            page = extract_file_bytes(data, str(path), url=url)
        except InputError as exc:
            failed += 1
            err.print(f"[yellow]failed:[/yellow] {exc}", highlight=False)
            continue
        except OSError as exc:
            failed += 1
            err.print(f"[yellow]failed:[/yellow] {path}: cannot read ({exc.strerror or exc})",
                      highlight=False)
            continue
        print_json({"path": str(path), **page.to_json()})
    if failed:
        raise typer.Exit(2 if failed == len(files) else 1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    data: DataOpt = None,
) -> None:
    """Serve the web UI and JSON API."""
    import uvicorn

    from newsdesk.web.app import create_app

    try:
        application = create_app(config.data_dir(data or state["data"]))
    except NewsdeskError as exc:
        raise fail(str(exc)) from None
    uvicorn.run(application, host=host, port=port, log_level="warning")
