"""`kill -9` in the middle of a large ingest leaves a valid store with every
article that was reported done, and a restart neither duplicates nor loses any.

A real `newsdesk ingest --json` subprocess ingests 2,000 real Vietnamese articles
(from ../shared/corpus/news/vietnews) and is killed with SIGKILL once it has
reported a few hundred of them.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests import realtext
from tests.conftest import REPO, run_cli

ARTICLES = 2000


def write_dump(path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for n in range(ARTICLES):
            title, body = realtext.vietnamese_article(n)
            handle.write(json.dumps({
                "id": f"vn-{n}", "title": title, "paragraphs": body,
                "published": f"2025-0{1 + n % 9}-1{n % 10}T08:00:00+07:00",
                "source": "vietnews",
            }, ensure_ascii=False) + "\n")


def test_sigkill_mid_ingest_keeps_every_reported_article(tmp_path: Path) -> None:
    dump = tmp_path / "vietnews.jsonl"
    write_dump(dump)
    data = tmp_path / "data"
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsdesk", "--data", str(data), "ingest", "--json", str(dump)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
    )
    reported: set[str] = set()
    assert proc.stdout is not None
    deadline = time.monotonic() + 240
    while len(reported) < 300 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        row = json.loads(line)
        if row.get("outcome") == "new":
            reported.add(row["id"])
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert len(reported) >= 300, "ingest did not report enough articles before the kill"

    db = sqlite3.connect(data / "newsdesk.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = {row[0] for row in db.execute("SELECT id FROM articles")}
    db.close()
    assert reported <= stored
    assert len(stored) < ARTICLES  # it really was interrupted

    # Restart: the rest comes in, nothing twice.
    result = run_cli("ingest", "--json", str(dump), data=data, check=True)
    summary = json.loads(result.stdout.splitlines()[-1])["summary"]
    assert summary["new"] + summary["unchanged"] == ARTICLES
    assert summary["unchanged"] == len(stored)
    db = sqlite3.connect(data / "newsdesk.db")
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == ARTICLES
    assert db.execute("SELECT count(DISTINCT external_id) FROM articles").fetchone()[0] == ARTICLES
