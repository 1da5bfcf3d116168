"""`newsdesk reindex`, and the index sync that ingest, crawl and reextract run afterwards.

Indexing is derived work: when it fails the articles are already committed to the
store, so the commands that store articles report the failure in one clear line and
keep their own exit code; `newsdesk reindex` (exit 1 on failure) retries.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from newsdesk.cli.common import DataOpt, JsonOpt, app, err, fail, open_data_store, out, print_json
from newsdesk.errors import NewsdeskError
from newsdesk.store import SQLiteStore


def _progress_bar(disable: bool) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, transient=True, disable=disable)


def _run(store: SQLiteStore, as_json: bool, rebuild: bool) -> Any:
    from newsdesk.index.indexer import Indexer

    indexer = Indexer(store)
    with _progress_bar(as_json) as bar:
        tasks: dict[str, Any] = {}

        def on_progress(phase: str, done: int, total: int) -> None:
            if phase == "waiting":
                if not as_json:
                    err.print("waiting for another process that is indexing…")
                return
            label = {"lexical": "index text", "dense": "embed"}.get(phase, phase)
            if phase not in tasks:
                tasks[phase] = bar.add_task(label, total=total)
            bar.update(tasks[phase], completed=done, total=total)

        return indexer.rebuild(on_progress) if rebuild else indexer.sync(on_progress)


def sync_indexes(store: SQLiteStore, as_json: bool = False) -> dict[str, Any]:
    """Bring the search indexes up to the store; never raises (the articles are safe).

    Returns the report as JSON (or `{"error": …}`). The commands' JSON output is a
    public contract and does not carry it: `newsdesk reindex --sync --json` does.
    """
    try:
        report = _run(store, as_json, rebuild=False)
    except Exception as exc:
        reason = str(exc) or type(exc).__name__
        err.print(f"[red]error:[/red] indexing failed: {reason}. The articles are stored; "
                  "run `newsdesk reindex` to build the search index again.", highlight=False)
        return {"error": reason}
    if not as_json and (report.lexical_indexed or report.lexical_deleted or report.rebuilt):
        # stderr, like the progress bar: stdout stays the command's own summary line.
        err.print(report.summary(), highlight=False)
    return dict(report.to_json())


@app.command()
def reindex(
    incremental: Annotated[bool, typer.Option(
        "--sync", help="Only catch up with the store instead of rebuilding.")] = False,
    data: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rebuild the search indexes (text and vectors) from the store."""
    try:
        with open_data_store(data) as store:
            report = _run(store, as_json, rebuild=not incremental)
    except NewsdeskError as exc:
        raise fail(f"indexing failed: {exc}") from None
    except (OSError, ValueError, RuntimeError) as exc:
        raise fail(f"indexing failed: {exc}") from None
    if as_json:
        print_json(report.to_json())
    else:
        out.print(report.summary(), highlight=False)
