"""Source and crawl commands: `newsdesk source add|list|remove|pause` and `crawl`."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import typer
from rich.table import Table

from newsdesk.cli.common import (
    DataOpt,
    JsonOpt,
    app,
    err,
    fail,
    open_data_store,
    out,
    print_json,
    private_allowed,
)
from newsdesk.cli.index import sync_indexes
from newsdesk.errors import NewsdeskError
from newsdesk.ingest.pipeline import ItemResult
from newsdesk.store.sources import SOURCE_KINDS

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
        raise fail(f"{value!r} is not a duration (use e.g. 90s, 15m, 1h, 2d)", 2) from None
    if seconds < 60:
        raise fail("the shortest schedule is 1 minute (60s)", 2)
    return timedelta(seconds=seconds)


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
        raise fail(problem, 2)
    if kind not in SOURCE_KINDS:
        raise fail(f"--kind must be one of {', '.join(SOURCE_KINDS)}", 2)
    try:
        with open_data_store(data) as store:
            source, new = store.add_source(url, name=name, kind=kind, every=_duration(every),
                                           allow_private=private_allowed(allow_private))
    except NewsdeskError as exc:
        raise fail(str(exc)) from None
    if as_json:
        print_json({**source.to_json(), "added": new})
    else:
        out.print(("added" if new else "already followed") + f" source {source.id}: {url}",
                  highlight=False)


@source_app.command("list")
def source_list(data: DataOpt = None, as_json: JsonOpt = False) -> None:
    """Sources with their schedule and state (failing ones show their last error)."""
    try:
        with open_data_store(data) as store:
            sources = store.list_sources()
    except NewsdeskError as exc:
        raise fail(str(exc)) from None
    if as_json:
        print_json([s.to_json() for s in sources])
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
        with open_data_store(data) as store:
            source = store.remove_source(ref)
    except NewsdeskError as exc:
        raise fail(str(exc)) from None
    out.print(f"removed source {source.id}: {source.url}", highlight=False)


@source_app.command("pause")
def source_pause(ref: Annotated[str, typer.Argument(help="Source id or URL.")],
                 resume: Annotated[bool, typer.Option("--resume", help="Resume instead.")] = False,
                 data: DataOpt = None) -> None:
    """Pause (or --resume) a source."""
    try:
        with open_data_store(data) as store:
            source = store.set_paused(ref, not resume)
    except NewsdeskError as exc:
        raise fail(str(exc)) from None
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
        with open_data_store(data) as store:
            if not store.list_sources():
                raise fail("no sources to crawl: add one with `newsdesk source add URL`")

            def after_pass(pass_reports: list[Any]) -> None:
                # Each round's articles become searchable before the next round starts.
                if not as_json:
                    _crawl_summary(pass_reports)
                sync_indexes(store, as_json=as_json)

            reports = run_crawl(
                store, watch=watch, force=force, allow_private=private_allowed(allow_private),
                rate=rate, on_item=(lambda r: print_json(r.to_json())) if as_json else
                _crawl_progress, on_pass=after_pass)
    except NewsdeskError as exc:
        raise fail(str(exc)) from None
    if as_json:
        print_json({"sources": [r.to_json() for r in reports]})
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
