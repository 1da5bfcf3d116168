"""Live ingestion end to end: `newsdesk source …` and `newsdesk crawl` against the
demo corpus served as real sites by an HTTP server on 127.0.0.1 (tests/demo_server.py).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli
from tests.demo_server import DemoSite, serve_demo

RATE = "200"  # per-host requests/s: every demo host is the same 127.0.0.1 here


@pytest.fixture
def site() -> Iterator[DemoSite]:
    with serve_demo() as s:
        yield s


def nd(data: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, data=data, check=check)


def crawl_json(data: Path, *args: str) -> tuple[list[dict], list[dict]]:
    result = nd(data, "crawl", "--json", "--rate", RATE, *args, check=False)
    assert "Traceback" not in result.stderr, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    return rows[:-1], rows[-1]["sources"]


def test_feed_crawl_then_conditional_get(site: DemoSite, tmp_path: Path) -> None:
    data = tmp_path / "data"
    feed = site.url("www.mekongherald.example", "/feed.xml")
    added = json.loads(nd(data, "source", "add", feed, "--name", "Herald", "--every", "30m",
                          "--allow-private", "--json").stdout)
    assert added["added"] is True and added["kind"] == "auto" and added["every_seconds"] == 1800
    again = nd(data, "source", "add", feed).stdout
    assert "already followed" in again

    items, sources = crawl_json(data)
    assert sources[0]["kind"] == "feed" and sources[0]["new"] == 27 and sources[0]["failed"] == 0
    assert len([i for i in items if i["outcome"] == "new"]) == 27
    listed = json.loads(nd(data, "list", "--json", "--limit", "0").stdout)
    assert len(listed) == 27
    # Keyed by the page's canonical URL; `url` is the address it was fetched from.
    assert all(a["url"].startswith(site.base) for a in listed)
    shown = json.loads(nd(data, "show", listed[0]["id"], "--json").stdout)
    assert shown["canonical_url"].startswith("https://www.mekongherald.example/")
    assert shown["fetched"] and shown["published"] and len(shown["paragraphs"]) >= 3

    # Not due yet: nothing is fetched. Forced: the unchanged feed costs one 304.
    before = len(site.requests)
    _, sources = crawl_json(data)
    assert sources == [] and len(site.requests) == before
    _, sources = crawl_json(data, "--force")
    assert sources[0]["not_modified"] is True and sources[0]["new"] == 0
    # A new crawl process reads robots.txt once, then the feed answers 304.
    assert [path for _, path in site.requests[before:]] == [
        "/robots.txt", "/www.mekongherald.example/feed.xml"]
    state = json.loads(nd(data, "source", "list", "--json").stdout)[0]
    assert state["state"] == "not-modified" and state["failures"] == 0


def test_site_home_page_discovers_its_feed(site: DemoSite, tmp_path: Path) -> None:
    data = tmp_path / "data"
    nd(data, "source", "add", site.url("asiawire.example", "/"), "--allow-private")
    _, sources = crawl_json(data)
    assert sources[0]["kind"] == "site" and sources[0]["new"] == 30
    state = json.loads(nd(data, "source", "list", "--json").stdout)[0]
    assert state["discovered"] == [site.url("asiawire.example", "/feed.xml")]


def test_gzipped_sitemap_source(site: DemoSite, tmp_path: Path) -> None:
    data = tmp_path / "data"
    nd(data, "source", "add", site.url("tinmekong.example", "/sitemap.xml.gz"),
       "--allow-private")
    _, sources = crawl_json(data)
    assert sources[0]["kind"] == "sitemap" and sources[0]["new"] == 25
    langs = json.loads(nd(data, "stats", "--json").stdout)["by_language"]
    assert langs == {"vi": 25}


def test_failures_are_recorded_and_back_off(site: DemoSite, tmp_path: Path) -> None:
    data = tmp_path / "data"
    feed = site.url("www.nanfang-guancha.example", "/feed.xml")
    broken = site.url("krungthep-daily.example", "/feed.xml")
    # One article page of the feed is gone: the feed's own summary is kept instead.
    manifest = [json.loads(x) for x in (REPO / "demo/manifest.jsonl").read_text().splitlines()]
    gone = next(m for m in manifest if m["outlet"] == "nanfang")
    site.missing.add(gone["url"].replace("https://", "/", 1))
    site.failing.add("/krungthep-daily.example/feed.xml")
    nd(data, "source", "add", feed, "--allow-private")
    nd(data, "source", "add", broken, "--allow-private", "--every", "10m")
    items, sources = crawl_json(data)
    by_url = {s["url"]: s for s in sources}
    assert by_url[broken]["status"] == "failed" and "HTTP 500" in by_url[broken]["errors"][0]
    good = by_url[feed]
    assert good["new"] == 21 and any("404" in e for e in good["errors"])
    fallback = next(i for i in items if i["reason"] and "feed summary only" in i["reason"])
    shown = json.loads(nd(data, "show", fallback["id"], "--json").stdout)
    assert shown["title"] == gone["title"] and shown["paragraphs"] == [gone["lead"]]

    states = {s["url"]: s for s in json.loads(nd(data, "source", "list", "--json").stdout)}
    failing = states[broken]
    assert failing["failures"] == 1 and failing["state"] == "failing (1x)"
    assert "HTTP 500" in failing["last_error"]
    # Backed off: twice its 10-minute interval.
    from datetime import datetime

    wait = datetime.fromisoformat(failing["next_due"]) - datetime.fromisoformat(
        failing["last_checked"])
    assert 19 * 60 <= wait.total_seconds() <= 21 * 60
    table = nd(data, "source", "list").stdout
    assert "failing (1x)" in table


def test_private_addresses_refused_by_default(site: DemoSite, tmp_path: Path) -> None:
    data = tmp_path / "data"
    nd(data, "source", "add", site.url("asiawire.example", "/feed.xml"))
    _, sources = crawl_json(data)
    assert sources[0]["status"] == "failed"
    assert "loopback" in sources[0]["errors"][0]
    assert site.hits("/asiawire.example/") == 0  # refused before connecting


def test_ingest_url_and_bad_sources(site: DemoSite, tmp_path: Path) -> None:
    data = tmp_path / "data"
    manifest = [json.loads(x) for x in (REPO / "demo/manifest.jsonl").read_text().splitlines()]
    page = next(m for m in manifest if m["outlet"] == "songhong")
    url = site.base + "/" + page["path"].removeprefix("site/")
    refused = run_cli("ingest", url, data=data)
    assert refused.returncode == 2 and "loopback" in refused.stderr
    ok = run_cli("ingest", url, data=data, env={"NEWSDESK_ALLOW_PRIVATE": "1"}, check=True)
    assert ok.stdout.strip() == "1 new"
    stored = json.loads(nd(data, "list", "--json").stdout)[0]
    assert stored["title"] == page["title"] and stored["url"] == url
    shown = json.loads(nd(data, "show", stored["id"], "--json").stdout)
    assert shown["canonical_url"] == page["url"]
    bad = nd(data, "source", "add", "file:///etc/passwd", check=False)
    assert bad.returncode == 2 and "only http and https" in bad.stderr
    assert nd(data, "source", "remove", "99", check=False).returncode == 1


def test_pause_resume_remove(site: DemoSite, tmp_path: Path) -> None:
    data = tmp_path / "data"
    nd(data, "source", "add", site.url("vientianemai.example", "/feed.xml"), "--allow-private")
    assert "paused source 1" in nd(data, "source", "pause", "1").stdout
    assert crawl_json(data)[1] == []
    nd(data, "source", "pause", "1", "--resume")
    _, sources = crawl_json(data)
    assert sources[0]["new"] == 10
    nd(data, "source", "remove", "1")
    assert json.loads(nd(data, "source", "list", "--json").stdout) == []
    assert json.loads(nd(data, "stats", "--json").stdout)["articles"] == 10


def _start_crawl(data: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "newsdesk", "--data", str(data), "crawl", "--json", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
        env={**os.environ, "COLUMNS": "200"})


def _read_new(proc: subprocess.Popen[str], count: int) -> set[str]:
    seen: set[str] = set()
    assert proc.stdout is not None
    deadline = time.monotonic() + 120
    while len(seen) < count and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        row = json.loads(line)
        if row.get("outcome") == "new":
            seen.add(row["id"])
    return seen


def test_sigkill_mid_crawl_then_restart(site: DemoSite, tmp_path: Path) -> None:
    data = tmp_path / "data"
    for host in ("www.mekongherald.example", "asiawire.example", "tinmekong.example"):
        nd(data, "source", "add", site.url(host, "/feed.xml"), "--allow-private")
    proc = _start_crawl(data, "--rate", "20")
    reported = _read_new(proc, 25)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert len(reported) >= 25
    db = sqlite3.connect(data / "newsdesk.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = {r[0] for r in db.execute("SELECT id FROM articles")}
    db.close()
    assert reported <= stored and len(stored) < 82

    _, sources = crawl_json(data, "--force")
    assert sum(s["new"] for s in sources) == 82 - len(stored)
    db = sqlite3.connect(data / "newsdesk.db")
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 82
    assert db.execute("SELECT count(DISTINCT canonical_url) FROM articles").fetchone()[0] == 82


def test_watch_stops_cleanly_on_interrupt(site: DemoSite, tmp_path: Path) -> None:
    data = tmp_path / "data"
    nd(data, "source", "add", site.url("asiawire.example", "/feed.xml"), "--allow-private")
    proc = _start_crawl(data, "--watch", "--rate", "5")
    first = _read_new(proc, 3)
    proc.send_signal(signal.SIGINT)
    # Read the rest through the same buffered reader: `communicate()` reads the raw
    # pipe and would lose lines `_read_new` had already buffered (a flaky miscount).
    assert proc.stdout is not None and proc.stderr is not None
    out = proc.stdout.read()
    err = proc.stderr.read()
    proc.wait(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    rows = [json.loads(line) for line in out.splitlines()]
    summary = rows[-1]["sources"]
    stored = json.loads(nd(data, "stats", "--json").stdout)["articles"]
    # Everything reported before and after the interrupt is stored; the pass was cut short.
    assert len(first) + sum(1 for r in rows if r.get("outcome") == "new") == stored
    assert 3 <= stored < 30
    assert summary and summary[0]["url"].endswith("/asiawire.example/feed.xml")


def test_updated_entry_is_refetched_and_updated_in_place(site: DemoSite, tmp_path: Path) -> None:
    data = tmp_path / "data"
    manifest = [json.loads(x) for x in (REPO / "demo/manifest.jsonl").read_text().splitlines()]
    article = next(m for m in manifest if m["outlet"] == "mekongherald" and m["published"])
    nd(data, "source", "add", site.url("www.mekongherald.example", "/feed.xml"),
       "--allow-private")
    crawl_json(data)
    listed = json.loads(nd(data, "list", "--json", "--limit", "0").stdout)
    first = next(a for a in listed if a["title"] == article["title"])
    before = json.loads(nd(data, "show", first["id"], "--json").stdout)

    # The outlet adds a paragraph and bumps the entry's <updated> in its feed.
    last = article["paragraphs"][-1]
    site.patches.append((f"<p>{last}</p>".encode(),
                         f"<p>{last}</p><p>Update: officials confirmed the figures.</p>".encode()))
    entry_url = article["url"].replace("https://", site.base + "/", 1)
    feed = (REPO / "demo/feeds/mekongherald.xml").read_text("utf-8")
    entry = feed[feed.index(f"<id>{article['url']}</id>"):]
    old_updated = entry[entry.index("<updated>"):entry.index("</updated>") + 10]
    site.patches.append((f"<id>{entry_url}</id>\n<published>{article['published']}"
                         f"</published>\n{old_updated}".encode(),
                         f"<id>{entry_url}</id>\n<published>{article['published']}</published>"
                         "\n<updated>2025-12-31T09:00:00+07:00</updated>".encode()))
    items, sources = crawl_json(data, "--force")
    assert sources[0]["updated"] == 1 and sources[0]["new"] == 0
    assert [i["outcome"] for i in items] == ["updated"]
    after = json.loads(nd(data, "show", first["id"], "--json").stdout)
    assert after["paragraphs"][-1] == "Update: officials confirmed the figures."
    assert after["first_seen"] == before["first_seen"] and after["id"] == before["id"]


def test_wrong_charset_header_is_overruled(site: DemoSite, tmp_path: Path) -> None:
    # GBK pages served as "charset=iso-8859-1": the bytes win over the header.
    data = tmp_path / "data"
    site.wrong_charset["www.nanfang-guancha.example"] = "iso-8859-1"
    nd(data, "source", "add", site.url("www.nanfang-guancha.example", "/feed.xml"),
       "--allow-private")
    _, sources = crawl_json(data)
    assert sources[0]["new"] == 21
    manifest = [json.loads(x) for x in (REPO / "demo/manifest.jsonl").read_text().splitlines()]
    titles = {m["title"] for m in manifest if m["outlet"] == "nanfang"}
    listed = json.loads(nd(data, "list", "--json", "--limit", "0").stdout)
    assert {a["title"] for a in listed} == titles
