"""The `newsdesk` command: a thin shell over the library API.

Command names, options and JSON fields here are a public interface that others
script against; change them only compatibly. Every error a user can cause ends
as one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from newsdesk import config
from newsdesk.errors import InputError, NewsdeskError
from newsdesk.extract.html import extract_file_bytes
from newsdesk.ingest.pipeline import IngestReport, ItemResult, ingest_paths, iter_files, reextract
from newsdesk.records import Article
from newsdesk.store import ArticleFilter, SQLiteStore, open_store
from newsdesk.store.sources import SOURCE_KINDS

app = typer.Typer(
    help="newsdesk: multilingual news ingest, search and briefs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DataOpt = Annotated[
    Path | None,
    typer.Option("--data", help="Data directory (default: $NEWSDESK_DATA or ./data)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]
_state: dict[str, Path | None] = {"data": None}


@app.callback()
def main(
    data: DataOpt = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log details.")] = False,
) -> None:
    _state["data"] = data
    logging.basicConfig(level=logging.DEBUG if verbose else logging.ERROR,
                        format="%(levelname)s %(name)s: %(message)s")


def _store(data: Path | None) -> SQLiteStore:
    return open_store(config.data_dir(data or _state["data"]))


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False, markup=True)
    return typer.Exit(code)


def _parse_day(value: str | None, end: bool = False) -> datetime | None:
    """YYYY-MM-DD (whole day, UTC) or a full ISO timestamp."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _fail(f"{value!r} is not a date (use YYYY-MM-DD or ISO 8601)", 2) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if end and len(value) == 10:
        parsed += timedelta(days=1)  # --until 2025-10-01 includes that day
    return parsed


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _ingest_urls(store: SQLiteStore, urls: list[str], as_json: bool,
                 report_failure: Any) -> list[ItemResult]:
    """`newsdesk ingest URL`: fetch and ingest single pages through the safe fetcher."""
    import asyncio

    from newsdesk.ingest.crawl import ingest_url
    from newsdesk.ingest.fetch import FetchPolicy

    policy = FetchPolicy(allow_private=_allow_private(False))
    results = []
    for u in urls:
        result = asyncio.run(ingest_url(store, u, policy))
        results.append(result)
        if as_json:
            _print_json(result.to_json())
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
        store = _store(data)
    except NewsdeskError as exc:
        raise _fail(str(exc)) from None

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
                store, paths, on_result=lambda r: _print_json(r.to_json()), url=url).results
            _print_json({"summary": dict(report.counts), "stored": report.stored})
        else:
            files = list(iter_files(paths))
            with Progress(TextColumn("ingest"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=err, transient=True) as progress:
                task = progress.add_task("files", total=len(files))
                report.results += ingest_paths(
                    store, paths, on_result=report_failure,
                    on_file=lambda _p: progress.advance(task), url=url).results
            out.print(_summary_line(report), highlight=False)
    if report.failures:
        raise typer.Exit(2 if len(report.failures) == len(report.results) else 1)


source_app = typer.Typer(help="Sources to follow: feeds, sitemaps, sites, single pages.",
                         no_args_is_help=True)
app.add_typer(source_app, name="source")

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _duration(value: str) -> timedelta:
    """"15m", "1h", "90s", "2d" → timedelta (at least one minute)."""
    value = value.strip().lower()
    try:
        seconds = int(value[:-1]) * _UNITS[value[-1]] if value[-1] in _UNITS else int(value)
    except (ValueError, IndexError, KeyError):
        raise _fail(f"{value!r} is not a duration (use e.g. 90s, 15m, 1h, 2d)", 2) from None
    if seconds < 60:
        raise _fail("the shortest schedule is 1 minute (60s)", 2)
    return timedelta(seconds=seconds)


def _allow_private(flag: bool) -> bool:
    return flag or os.environ.get("NEWSDESK_ALLOW_PRIVATE", "").lower() in ("1", "true", "yes")


@source_app.command("add")
def source_add(
    url: Annotated[str, typer.Argument(help="Feed, sitemap, site home page or article URL.")],
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    every: Annotated[str, typer.Option(help="Schedule, e.g. 15m, 1h.")] = "15m",
    kind: Annotated[str, typer.Option(help="auto|feed|sitemap|site|page")] = "auto",
    allow_private: Annotated[bool, typer.Option(
        "--allow-private", help="Allow loopback/private addresses for this source.")] = False,
    data: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Follow a source; it is fetched by the next `newsdesk crawl`."""
    from newsdesk.ingest.fetch import check_url

    problem = check_url(url)
    if problem:
        raise _fail(problem, 2)
    if kind not in SOURCE_KINDS:
        raise _fail(f"--kind must be one of {', '.join(SOURCE_KINDS)}", 2)
    try:
        with _store(data) as store:
            source, new = store.add_source(url, name=name, kind=kind, every=_duration(every),
                                           allow_private=_allow_private(allow_private))
    except NewsdeskError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        _print_json({**source.to_json(), "added": new})
    else:
        out.print(("added" if new else "already followed") + f" source {source.id}: {url}",
                  highlight=False)


@source_app.command("list")
def source_list(data: DataOpt = None, as_json: JsonOpt = False) -> None:
    """Sources with their schedule and state (failing ones show their last error)."""
    try:
        with _store(data) as store:
            sources = store.list_sources()
    except NewsdeskError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        _print_json([s.to_json() for s in sources])
        return
    table = Table(box=None, header_style="bold")
    for col in ("id", "name", "kind", "every", "state", "last", "next due", "url / last error"):
        table.add_column(col, overflow="fold")
    for s in sources:
        last = f"+{s.last_new} ={s.last_unchanged} !{s.last_failed}" if s.last_checked else "—"
        detail = s.url + (f"\n{s.last_error}" if s.last_error else "")
        table.add_row(str(s.id), s.name or "", s.kind, _human(s.every), s.state, last,
                      s.next_due.strftime("%Y-%m-%d %H:%M") if s.next_due else "now", detail)
    out.print(table)
    if not sources:
        out.print("no sources yet: `newsdesk source add URL`")


def _human(every: timedelta) -> str:
    seconds = int(every.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@source_app.command("remove")
def source_remove(ref: Annotated[str, typer.Argument(help="Source id or URL.")],
                  data: DataOpt = None) -> None:
    """Stop following a source (its articles stay)."""
    try:
        with _store(data) as store:
            source = store.remove_source(ref)
    except NewsdeskError as exc:
        raise _fail(str(exc)) from None
    out.print(f"removed source {source.id}: {source.url}", highlight=False)


@source_app.command("pause")
def source_pause(ref: Annotated[str, typer.Argument(help="Source id or URL.")],
                 resume: Annotated[bool, typer.Option("--resume", help="Resume instead.")] = False,
                 data: DataOpt = None) -> None:
    """Pause (or --resume) a source."""
    try:
        with _store(data) as store:
            source = store.set_paused(ref, not resume)
    except NewsdeskError as exc:
        raise _fail(str(exc)) from None
    out.print(f"{'paused' if source.paused else 'resumed'} source {source.id}: {source.url}",
              highlight=False)


@app.command()
def crawl(
    watch: Annotated[bool, typer.Option("--watch", help="Keep crawling on schedule.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Crawl every source now.")] = False,
    allow_private: Annotated[bool, typer.Option(
        "--allow-private", help="Allow loopback/private addresses for all sources.")] = False,
    rate: Annotated[float, typer.Option(help="Requests per second per host.")] = 1.0,
    data: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fetch every due source once (or keep going with --watch) and ingest new articles."""
    from newsdesk.ingest.crawl import run_crawl

    try:
        with _store(data) as store:
            if not store.list_sources():
                raise _fail("no sources to crawl: add one with `newsdesk source add URL`")
            reports = run_crawl(
                store, watch=watch, force=force, allow_private=_allow_private(allow_private),
                rate=rate, on_item=(lambda r: _print_json(r.to_json())) if as_json else
                _crawl_progress, on_pass=None if as_json else _crawl_summary)
    except NewsdeskError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        _print_json({"sources": [r.to_json() for r in reports]})
    if reports and all(r.status == "failed" for r in reports):
        raise typer.Exit(1)


def _crawl_progress(result: ItemResult) -> None:
    if result.outcome == "failed":
        err.print(f"[yellow]failed:[/yellow] {result.where}: {result.reason}", highlight=False)
    elif result.outcome in ("new", "updated"):
        err.print(f"{result.outcome}: {result.title}", highlight=False, markup=False)


def _crawl_summary(reports: list[Any]) -> None:
    table = Table(box=None, header_style="bold", title="crawl summary", title_justify="left")
    for col in ("source", "kind", "new", "unchanged", "failed", "status / why"):
        table.add_column(col, overflow="fold")
    for r in reports:
        why = r.status + (": " + "; ".join(r.errors[:3]) if r.errors else "")
        table.add_row(r.name or r.url, r.kind or "", str(r.new + r.updated), str(r.unchanged),
                      str(r.failed), why)
    out.print(table)


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
    f = ArticleFilter(language=lang, source=source, since=_parse_day(since),
                      until=_parse_day(until, end=True))
    try:
        with _store(data) as store:
            articles = store.list(f, limit=limit or None)
            total = store.count(f)
    except NewsdeskError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        _print_json([a.summary_json() for a in articles])
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
        with _store(data) as store:
            article = store.get(article_id)
    except NewsdeskError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        _print_json(article.to_json())
    else:
        _print_article(article)


@app.command()
def stats(data: DataOpt = None, as_json: JsonOpt = False) -> None:
    """Counts by language, source and day."""
    try:
        with _store(data) as store:
            numbers = store.stats()
    except NewsdeskError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        _print_json(numbers)
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
        with _store(data) as store:
            total = store.count()
            with Progress(TextColumn("reextract"), BarColumn(), MofNCompleteColumn(),
                          console=err, transient=True, disable=as_json) as progress:
                task = progress.add_task("articles", total=total)
                report = reextract(store, force=force, on_result=lambda _r: progress.advance(task))
    except NewsdeskError as exc:
        raise _fail(str(exc)) from None
    for failure in report.failures:
        err.print(f"[yellow]failed:[/yellow] {failure.where}: {failure.reason}", highlight=False)
    if as_json:
        _print_json({"summary": dict(report.counts)})
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
        _print_json({"path": str(path), **page.to_json()})
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
        application = create_app(config.data_dir(data or _state["data"]))
    except NewsdeskError as exc:
        raise _fail(str(exc)) from None
    uvicorn.run(application, host=host, port=port, log_level="warning")


if __name__ == "__main__":
    app()
