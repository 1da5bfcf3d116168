"""Shared pieces of the CLI: the Typer app, consoles, options and error exits.

Command names, options and JSON fields are a public interface that others script
against; change them only compatibly. Every error a user can cause ends as one
line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from newsdesk import config
from newsdesk.store import SQLiteStore, open_store
from newsdesk.store.sqlite import day_bound

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
state: dict[str, Path | None] = {"data": None}


@app.callback()
def main(
    data: DataOpt = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log details.")] = False,
) -> None:
    state["data"] = data
    logging.basicConfig(level=logging.DEBUG if verbose else logging.ERROR,
                        format="%(levelname)s %(name)s: %(message)s")


def open_data_store(data: Path | None) -> SQLiteStore:
    return open_store(config.data_dir(data or state["data"]))


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False, markup=True)
    return typer.Exit(code)


def parse_day(value: str | None, end: bool = False) -> datetime | None:
    """YYYY-MM-DD (whole day, UTC) or a full ISO timestamp."""
    try:
        return day_bound(value, end)
    except ValueError:
        raise fail(f"{value!r} is not a date (use YYYY-MM-DD or ISO 8601)", 2) from None


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False) + "\n")
    sys.stdout.flush()



def private_allowed(flag: bool) -> bool:
    return flag or os.environ.get("NEWSDESK_ALLOW_PRIVATE", "").lower() in ("1", "true", "yes")
