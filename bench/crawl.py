"""Crawl benchmark: newsdesk's live crawl end to end against a local multi-host server.

One real `ThreadingHTTPServer` on 127.0.0.1 (in this process) plays `--hosts` sites,
host00.bench.test … host49.bench.test, routed by the Host header. Together they
hold `--pages` article pages, made in memory at start-up from the demo corpus
(demo/site, real multilingual templates in their own encodings: UTF-8, GBK, Big5,
windows-1258, TIS-620): page k is demo page k mod 179 with " #k" inserted after its
headline (title, h1, og:title, JSON-LD headline) and its canonical/og:url rewritten
to its bench URL, so every page is a distinct article. Each host has an RSS feed
/feed.xml listing its pages; robots.txt answers 404; pages and feeds carry an
ETag and answer If-None-Match with 304. The server logs the time and host of
every request, which is how the per-host request rate is measured.

Each phase runs in its own fresh worker process (so its peak RSS is its own), like
one `newsdesk crawl` invocation, with the real newsdesk code: `open_store`,
`add_source(feed, allow_private=False)`, a `Fetcher` whose `FetchPolicy` resolves
*.bench.test to 127.0.0.1 through the `resolver` hook and exempts exactly the bench
host names through `private_hosts` (so the SSRF check runs and passes only for
them), `per_host_rate=--rate`, default concurrency, and `Crawler`.

Phases, in this order:

* baseline         plain httpx.AsyncClient (no robots, no politeness, no SSRF check;
                   16 requests in flight like the Fetcher's default) fetching the same
                   feeds and pages, plain `trafilatura.extract` in worker threads, no store.
* parallel         a fresh store; `Crawler.crawl_source` for `--parallel-sources`
                   sources at once (asyncio.gather), the full page set.
* recrawl-304      the same store, forced again: every feed answers 304. Run twice:
                   sequentially (`crawl_due(force=True)`, what `newsdesk crawl --force`
                   does) and with parallel sources.
* recrawl-seen     the server changes every feed's lastBuildDate (new ETag, 200), so the
                   crawler parses each feed and finds every entry already seen.
* sequential       a fresh store; `Crawler.crawl_due()` as `newsdesk crawl` does today
                   (sources one after another), on the first `--seq-hosts` hosts only,
                   because one host at a time at 2 req/s is slow (skip: --skip-sequential).

Rate check: the fetcher documents "requests to one host start at most
`per_host_rate` per second", i.e. starts at least 1/rate apart, so any half-open
1-second window holds at most ceil(rate) of them. Checked on the client side (when
the fetcher hands each request to httpx, through an httpx request hook) and on the
server's arrival times, there with windows of 1 s minus `--jitter` (connects and a
busy event loop delay some requests more than others); the strict server-side
count and the smallest gaps are printed too. Exit status 1 when the check fails.

    .venv/bin/python bench/crawl.py [--pages 5000] [--hosts 50] [--rate 2.0]
        [--parallel-sources 50] [--seq-hosts 3] [--skip-sequential] [--skip-baseline]
        [--jitter 0.05] [--tracemalloc] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import html
import itertools
import json
import math
import multiprocessing as mp
import os
import platform
import re
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "demo"
DOMAIN = ".bench.test"
FEED_PATH = "/feed.xml"
BASELINE_CONCURRENCY = 16  # FetchPolicy().max_concurrency, the requests in flight
LAST_MODIFIED = "Sat, 20 Dec 2025 10:00:00 GMT"


def host_name(i: int) -> str:
    return f"host{i:02d}{DOMAIN}"


# --- the generated sites ------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """One demo page, the model for every bench page k with k mod 179 == its index."""

    path: str  # path under its outlet's host, from "/"
    url: bytes  # its canonical URL, as written in the page
    headlines: tuple[bytes, ...]  # the headline as written in the page (raw, unescaped)
    body: bytes
    encoding: str
    title: str
    lead: str | None
    published: str | None


def load_templates() -> list[Template]:
    templates = []
    for line in (DEMO / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        body = (DEMO / row["path"]).read_bytes()
        found = re.search(rb'<meta property="og:title" content="([^"]*)"', body)
        if found is None:
            raise SystemExit(f"{row['path']}: no og:title to make unique")
        raw = found.group(1)
        # The headline is attribute-escaped in og:title (&quot; &#x27;) but not in
        # <title> and <h1>: suffix both spellings. The suffix is ASCII, so every
        # page stays valid in its own encoding.
        plain = html.unescape(raw.decode(row["encoding"])).encode(row["encoding"],
                                                                  "xmlcharrefreplace")
        headlines = tuple(dict.fromkeys((raw, plain)))
        url = row["url"].encode("ascii")
        if url not in body:
            raise SystemExit(f"{row['path']}: canonical URL not found in the page")
        path = "/" + row["path"].split("/", 2)[2]
        templates.append(Template(path, url, headlines, body, row["encoding"], row["title"],
                                  row.get("lead"), row.get("published")))
    return templates


@dataclass
class Doc:
    body: bytes
    ctype: str
    etag: str


def _doc(body: bytes, ctype: str) -> Doc:
    return Doc(body, ctype, '"' + hashlib.sha1(body).hexdigest()[:16] + '"')


@dataclass
class Entry:
    k: int
    url: str
    title: str
    lead: str | None
    published: str | None


class BenchSites:
    """All hosts' pages and feeds, made at start-up; and the request log."""

    def __init__(self, pages: int, hosts: int, port: int) -> None:
        self.port = port
        self.hosts = [host_name(i) for i in range(hosts)]
        self.docs: dict[tuple[str, str], Doc] = {}
        self.entries: dict[str, list[Entry]] = defaultdict(list)
        self.feed_generation = 1
        self.log: list[tuple[float, str, str, int]] = []  # (monotonic, host, kind, status)
        self.connections = 0  # TCP connections accepted
        self.lock = threading.Lock()
        templates = load_templates()
        for k in range(pages):
            host = self.hosts[k % hosts]
            t = templates[k % len(templates)]
            path = re.sub(r"\.html$", f"-k{k:05d}.html", t.path)
            url = f"http://{host}:{port}{path}"
            body = t.body.replace(t.url, url.encode("ascii"))
            suffix = f" #{k}".encode("ascii")
            for headline in t.headlines:
                body = body.replace(headline, headline + suffix)
            self.docs[(host, path)] = _doc(body, "text/html")
            self.entries[host].append(Entry(k, url, f"{t.title} #{k}", t.lead, t.published))
        self._make_feeds()

    def _make_feeds(self) -> None:
        built = datetime(2025, 12, 20, 10, 0, tzinfo=UTC).replace(
            minute=self.feed_generation % 60)
        for host in self.hosts:
            items = []
            for e in self.entries[host]:
                date = (f"<pubDate>{format_datetime(datetime.fromisoformat(e.published))}"
                        "</pubDate>") if e.published else ""
                lead = f"<description>{html.escape(e.lead)}</description>" if e.lead else ""
                items.append(f"<item><title>{html.escape(e.title)}</title>"
                             f"<link>{e.url}</link><guid isPermaLink=\"true\">{e.url}</guid>"
                             f"{date}{lead}</item>")
            feed = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
                    f"<title>{host}</title><link>http://{host}:{self.port}/</link>"
                    f"<description>Bench site {host}</description>"
                    f"<lastBuildDate>{format_datetime(built)}</lastBuildDate>"
                    + "".join(items) + "</channel></rss>")
            self.docs[(host, FEED_PATH)] = _doc(feed.encode("utf-8"), "application/rss+xml")

    def bump_feeds(self) -> None:
        """Change every feed's lastBuildDate: new bytes, new ETag, the same entries."""
        self.feed_generation += 1
        self._make_feeds()

    def urls(self, hosts: int | None = None) -> list[str]:
        chosen = self.hosts if hosts is None else self.hosts[:hosts]
        return [e.url for h in chosen for e in self.entries[h]]

    def feeds(self, hosts: int | None = None) -> list[str]:
        chosen = self.hosts if hosts is None else self.hosts[:hosts]
        return [f"http://{h}:{self.port}{FEED_PATH}" for h in chosen]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default 5 drops SYNs under 16 concurrent connects
    errors: Counter[str]

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client closing a kept-alive connection mid-read: count it, no traceback.
        self.errors[type(sys.exc_info()[1]).__name__] += 1


def make_handler(sites_ref: list[BenchSites]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real news sites do
        timeout = 30  # an idle kept-alive connection ends after this

        def log_message(self, *args: object) -> None:
            pass

        def setup(self) -> None:
            super().setup()
            sites = sites_ref[0]
            with sites.lock:
                sites.connections += 1

        def do_GET(self) -> None:
            now = time.monotonic()
            sites = sites_ref[0]
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower().rstrip(".")
            path = self.path.split("?", 1)[0]
            kind = ("robots" if path == "/robots.txt" else "feed" if path == FEED_PATH
                    else "page")
            doc = sites.docs.get((host, path))
            if doc is None:
                status = self._send(404, b"not found", "text/plain", None)
            elif self.headers.get("If-None-Match") == doc.etag:
                status = self._send(304, b"", doc.ctype, doc.etag)
            else:
                status = self._send(200, doc.body, doc.ctype, doc.etag)
            with sites.lock:
                sites.log.append((now, host, kind, status))

        def _send(self, status: int, body: bytes, ctype: str, etag: str | None) -> int:
            self.send_response(status)
            if etag:
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", LAST_MODIFIED)
            if status != 304:
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)
            return status

    return Handler


# --- worker processes -----------------------------------------------------------------


def _rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class LoopLag:
    """How late the event loop wakes a 20 ms sleeper (blocking work on the loop thread);
    also samples the RSS about once a second."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self.rss: list[tuple[float, int]] = []  # (seconds since start, KB)
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        t0 = next_rss = time.perf_counter()
        while True:
            start = time.perf_counter()
            await asyncio.sleep(0.02)
            now = time.perf_counter()
            self.lags.append(now - start - 0.02)
            if now >= next_rss:
                self.rss.append((now - t0, _rss_kb()))
                next_rss = now + 1.0

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    def stop(self) -> dict[str, float]:
        if self._task:
            self._task.cancel()
        lags = sorted(self.lags) or [0.0]
        self.rss.append((self.rss[-1][0] if self.rss else 0.0, _rss_kb()))
        quarters = [self.rss[min(len(self.rss) - 1, len(self.rss) * q // 4)][1] // 1024
                    for q in range(1, 5)]
        return {"max_ms": lags[-1] * 1000, "p99_ms": lags[int(len(lags) * 0.99)] * 1000,
                "mean_ms": statistics.fmean(lags) * 1000, "rss_quarters_mb": quarters}


def worker(spec: dict[str, Any], out: Any) -> None:
    """Entry point of one phase's process; puts its figures (or an error) on `out`."""
    try:
        if spec.get("tracemalloc"):
            import tracemalloc
            tracemalloc.start()
        runner = _baseline if spec["phase"] == "baseline" else _crawl
        result = asyncio.run(runner(spec))
        if spec.get("tracemalloc"):
            result["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        out.put(result)
    except BaseException as exc:  # the orchestrator reports it
        import traceback
        out.put({"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()})


async def _crawl(spec: dict[str, Any]) -> dict[str, Any]:
    import newsdesk.ingest.crawl as crawl_mod
    from newsdesk.ingest.crawl import Crawler
    from newsdesk.ingest.fetch import Fetcher, FetchPolicy
    from newsdesk.store import open_store

    store = open_store(spec["data_dir"])
    for url in spec["add_feeds"]:
        store.add_source(url, allow_private=False)

    async def resolver(host: str, port: int) -> list[str]:
        if host.rstrip(".").endswith(DOMAIN):
            return ["127.0.0.1"]
        raise OSError(f"{host} is not a bench host")

    policy = FetchPolicy(per_host_rate=spec["rate"], resolver=resolver,
                         private_hosts=frozenset(spec["hosts"]), allow_private=False)

    # Timing wrappers (instrumentation only; behaviour unchanged): extraction runs in
    # worker threads, store.save on the event loop thread.
    extract_times: list[tuple[float, float]] = []
    save_times: list[float] = []
    real_extract = crawl_mod.extract_html

    def timed_extract(*args: Any, **kwargs: Any) -> Any:
        w, c = time.perf_counter(), time.thread_time()
        try:
            return real_extract(*args, **kwargs)
        finally:
            extract_times.append((time.perf_counter() - w, time.thread_time() - c))

    real_save = store.save

    def timed_save(*args: Any, **kwargs: Any) -> Any:
        w = time.perf_counter()
        try:
            return real_save(*args, **kwargs)
        finally:
            save_times.append(time.perf_counter() - w)

    crawl_mod.extract_html = timed_extract  # type: ignore[assignment]
    store.save = timed_save  # type: ignore[method-assign]

    before = store.count()
    rss_before = _rss_kb()
    lag = LoopLag()
    sends: list[tuple[float, str]] = []

    async def on_request(request: Any) -> None:
        sends.append((time.monotonic(), request.url.host))

    async with Fetcher(policy) as fetcher:
        # When each request is handed to httpx, after the fetcher's politeness wait:
        # the client-side start times (bench instrumentation through a public httpx hook).
        assert fetcher._client is not None
        fetcher._client.event_hooks["request"].append(on_request)
        crawler = Crawler(store, fetcher)
        lag.start()
        t0, c0, m0 = time.perf_counter(), _cpu(), time.monotonic()
        if spec["parallel"] <= 0:
            reports = await crawler.crawl_due(force=spec["force"])
        else:
            sources = store.due_sources(crawl_mod._now(), include_not_due=spec["force"])
            gate = asyncio.Semaphore(spec["parallel"])

            async def one(source: Any) -> Any:
                async with gate:
                    return await crawler.crawl_source(source)

            reports = list(await asyncio.gather(*(one(s) for s in sources)))
        wall, cpu, m1 = time.perf_counter() - t0, _cpu() - c0, time.monotonic()
        loop_lag = lag.stop()
    after = store.count()
    totals: Counter[str] = Counter()
    errors: list[str] = []
    for r in reports:
        totals.update(new=r.new, updated=r.updated, unchanged=r.unchanged, failed=r.failed,
                      not_modified=int(r.not_modified), sources=1)
        totals[f"status:{r.status}"] += 1
        errors += r.errors
    store.close()
    ext_wall = [w for w, _ in extract_times]
    return {
        "wall_s": wall, "cpu_s": cpu, "mono_start": m0, "mono_end": m1,
        "articles_before": before, "articles_after": after, "stored": after - before,
        "reports": dict(totals), "errors_sample": errors[:5], "errors": len(errors),
        "rss_before_mb": rss_before / 1024,
        "extract_calls": len(extract_times), "extract_wall_s": sum(ext_wall),
        "extract_cpu_s": sum(c for _, c in extract_times),
        "extract_wall_mean_ms": statistics.fmean(ext_wall) * 1000 if ext_wall else 0.0,
        "save_calls": len(save_times), "save_s": sum(save_times),
        "save_max_ms": max(save_times, default=0.0) * 1000,
        "loop_lag": loop_lag, "client_sends": sends,
    }


async def _baseline(spec: dict[str, Any]) -> dict[str, Any]:
    import httpx
    import trafilatura

    port = spec["port"]
    gate = asyncio.Semaphore(BASELINE_CONCURRENCY)
    limits = httpx.Limits(max_connections=BASELINE_CONCURRENCY,
                          max_keepalive_connections=BASELINE_CONCURRENCY)
    rss_before = _rss_kb()
    lag = LoopLag()
    async with httpx.AsyncClient(limits=limits, trust_env=False, timeout=60.0) as client:

        async def get(url: str) -> httpx.Response:
            # Plain httpx, no DNS: the bench host goes in the Host header.
            parts = httpx.URL(url)
            async with gate:
                return await client.get(parts.copy_with(host="127.0.0.1"),
                                        headers={"Host": f"{parts.host}:{port}"})

        lag.start()
        t0, c0, m0 = time.perf_counter(), _cpu(), time.monotonic()
        feeds = await asyncio.gather(*(get(u) for u in spec["feeds"]))
        links = [m.decode() for f in feeds
                 for m in re.findall(rb"<link>(http[^<]+\.html)</link>", f.content)]

        async def page(url: str) -> bool:
            response = await get(url)
            if response.status_code != 200:
                return False
            text = await asyncio.to_thread(trafilatura.extract, response.content, url=url)
            return bool(text)

        done = await asyncio.gather(*(page(u) for u in links))
        wall, cpu, m1 = time.perf_counter() - t0, _cpu() - c0, time.monotonic()
        loop_lag = lag.stop()
    return {"wall_s": wall, "cpu_s": cpu, "mono_start": m0, "mono_end": m1,
            "links": len(links), "stored": sum(done), "failed": len(done) - sum(done),
            "rss_before_mb": rss_before / 1024, "loop_lag": loop_lag}


def run_phase(spec: dict[str, Any]) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=worker, args=(spec, out))
    proc.start()
    result = out.get()
    proc.join()
    if "error" in result:
        raise SystemExit(f"phase {spec['name']} failed: {result['error']}\n"
                         f"{result.get('traceback', '')}")
    return result


# --- the request log -------------------------------------------------------------------


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most arrivals in any half-open window [t, t + window)."""
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while t - times[lo] >= window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def rate_stats(log: list[tuple[Any, ...]], rate: float | None,
               jitter: float = 0.0) -> dict[str, Any]:
    """Per-host request rates of a log of (monotonic time, host[, kind, status]).

    `max_1s` counts arrivals in any half-open 1-s window; `max_1s_tol` in any window
    of 1 s minus `jitter`, the allowance for delays between the fetcher's start and
    the server reading the request (connects, thread scheduling) that can bring two
    arrivals closer than the starts were.
    """
    by_host: dict[str, list[float]] = defaultdict(list)
    kinds: Counter[str] = Counter()
    for entry in log:
        by_host[entry[1]].append(entry[0])
        if len(entry) > 3:
            kinds[f"{entry[2]} {entry[3]}"] += 1
    per_host = {}
    first = min((e[0] for e in log), default=0.0)
    for host, times in sorted(by_host.items()):
        times.sort()
        gaps = [b - a for a, b in itertools.pairwise(times)]
        span = times[-1] - times[0]
        at = min(range(len(gaps)), key=gaps.__getitem__) if gaps else None
        per_host[host] = {
            "requests": len(times), "max_1s": max_in_window(times),
            "max_1s_tol": max_in_window(times, 1.0 - jitter),
            "mean_rate": (len(times) - 1) / span if span > 0 else 0.0,
            "min_gap_s": gaps[at] if at is not None else None,
            # seconds into the phase (first request) when that smallest gap ended
            "min_gap_at_s": times[at + 1] - first if at is not None else None,
        }
    hosts = per_host.values()
    result: dict[str, Any] = {
        "requests": len(log), "kinds": dict(sorted(kinds.items())), "hosts": len(per_host),
        "jitter_s": jitter,
        "max_1s_over_hosts": max((h["max_1s"] for h in hosts), default=0),
        "max_1s_tol_over_hosts": max((h["max_1s_tol"] for h in hosts), default=0),
        "max_mean_rate": max((h["mean_rate"] for h in hosts), default=0.0),
        "mean_of_mean_rates": statistics.fmean(h["mean_rate"] for h in hosts)
        if per_host else 0.0,
        "min_gap_s": min((h["min_gap_s"] for h in hosts if h["min_gap_s"] is not None),
                         default=None),
        "per_host": per_host,
    }
    if rate and rate > 0:
        limit = max(1, math.ceil(rate - 1e-9))
        strict = [h for h, st in per_host.items() if st["max_1s"] > limit]
        over = [h for h, st in per_host.items() if st["max_1s_tol"] > limit]
        result.update(limit_per_1s=limit, hosts_over_strict=strict, hosts_over_limit=over,
                      ok=not over)
    return result


def wire_delays(server: list[tuple[Any, ...]], client: list[tuple[Any, ...]]
                ) -> dict[str, Any]:
    """Server arrival minus client hand-over, per request (i-th of a host with i-th)."""
    by_server: dict[str, list[float]] = defaultdict(list)
    by_client: dict[str, list[float]] = defaultdict(list)
    for entry in server:
        by_server[entry[1]].append(entry[0])
    for entry in client:
        by_client[entry[1]].append(entry[0])
    delays: list[float] = []
    for host, times in by_client.items():
        arrivals = sorted(by_server.get(host, []))
        if len(arrivals) == len(times):
            delays += [a - c for a, c in zip(arrivals, sorted(times), strict=True)]
    if not delays:
        return {}
    delays.sort()
    return {"requests": len(delays), "p50_ms": delays[len(delays) // 2] * 1000,
            "p99_ms": delays[int(len(delays) * 0.99)] * 1000, "max_ms": delays[-1] * 1000}


# --- orchestration ------------------------------------------------------------------------


@dataclass
class Row:
    phase: str
    mode: str
    pages: int
    stored: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    rss_before_mb: float
    server_cpu_s: float
    requests: int
    rate: dict[str, Any] = field(default_factory=dict)  # server-side arrivals
    client_rate: dict[str, Any] = field(default_factory=dict)  # requests handed to httpx
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.rate.get("ok", True) and self.client_rate.get("ok", True)

    @property
    def per_s(self) -> float:
        return self.stored / self.wall_s if self.wall_s else 0.0


def _version(dist: str) -> str:
    try:
        return importlib_metadata.version(dist)
    except importlib_metadata.PackageNotFoundError:
        return "?"


def _fmt_gap(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def print_table(rows: list[Row], rate: float, jitter: float) -> None:
    limit = max(1, math.ceil(rate - 1e-9))
    print()
    print("Crawl benchmark: articles/s end to end (fetch + extract + store) and per-host rate")
    head = (f"{'phase':<13} {'mode':<14} {'pages':>5} {'stored':>6} {'wall s':>7} "
            f"{'art/s':>6} {'cpu s':>6} {'cpu%':>4} {'rss MB':>6} {'reqs':>5} "
            f"{'srv/1s':>6} {'tol/1s':>6} {'cli/1s':>6} {'mean/s':>6} {'srv gap':>7} "
            f"{'cli gap':>7} {'rate':>4}")
    print(head)
    print("-" * len(head))
    for r in rows:
        rs, cs = r.rate, r.client_rate
        verdict = "n/a" if r.phase == "baseline" else "OK" if r.ok else "OVER"
        cli = str(cs["max_1s_over_hosts"]) if cs else "-"
        print(f"{r.phase:<13} {r.mode:<14} {r.pages:>5} {r.stored:>6} {r.wall_s:>7.1f} "
              f"{r.per_s:>6.1f} {r.cpu_s:>6.1f} {100 * r.cpu_s / r.wall_s:>4.0f} "
              f"{r.peak_rss_mb:>6.0f} {r.requests:>5} {rs['max_1s_over_hosts']:>6} "
              f"{rs['max_1s_tol_over_hosts']:>6} {cli:>6} {rs['max_mean_rate']:>6.2f} "
              f"{_fmt_gap(rs['min_gap_s']):>7} {_fmt_gap(cs.get('min_gap_s')):>7} {verdict:>4}")
    print(f"""
Limit: --rate {rate:g} req/s per host; the fetcher spaces a host's request starts
>= {1 / rate:.3f} s apart, so any 1-s window holds at most {limit} of them.
  srv/1s  most requests one host received in any 1-s window (server arrival times)
  tol/1s  the same in windows of 1 s - {jitter * 1000:.0f} ms (--jitter: allowance for connect
          and scheduling delays between a start and the server reading the request)
  cli/1s  the same, client side: when the fetcher handed each request to httpx
  mean/s  the highest per-host mean rate, (requests - 1) / (last - first)
  srv gap / cli gap  smallest time between two requests to one host, s
  rate    OK when tol/1s <= {limit} and cli/1s <= {limit} for every host
  art/s   articles stored / wall (baseline: pages with trafilatura output / wall)
  cpu%    crawler process CPU / wall (200 = both cores); rss MB its peak RSS""")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--rate", type=float, default=2.0, help="per-host requests/s limit")
    parser.add_argument("--parallel-sources", type=int, default=50,
                        help="sources crawled at once in the parallel phases")
    parser.add_argument("--seq-hosts", type=int, default=3,
                        help="hosts (with all their pages) in the sequential phase")
    parser.add_argument("--skip-sequential", action="store_true")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also report tracemalloc's peak (slows Python code down)")
    parser.add_argument("--jitter", type=float, default=0.05,
                        help="seconds of arrival jitter allowed in the server-side check")
    parser.add_argument("--json", type=Path, default=None, help="write all figures here")
    args = parser.parse_args(argv)
    if args.hosts < 1 or args.pages < args.hosts or args.parallel_sources < 1:
        parser.error("need --hosts >= 1, --pages >= --hosts and --parallel-sources >= 1")
    seq_hosts = min(args.seq_hosts, args.hosts)

    sites_ref: list[BenchSites] = []
    server = _Server(("127.0.0.1", 0), make_handler(sites_ref))
    server.errors = Counter()
    port = server.server_address[1]
    t = time.perf_counter()
    sites = BenchSites(args.pages, args.hosts, port)
    sites_ref.append(sites)
    size = sum(len(d.body) for d in sites.docs.values())
    print(f"server: 127.0.0.1:{port}, {args.hosts} hosts, {args.pages} pages + {args.hosts} "
          f"feeds, {size / 1e6:.1f} MB, built in {time.perf_counter() - t:.1f} s", flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    root = Path(tempfile.mkdtemp(prefix="newsdesk-bench-crawl-"))
    rows: list[Row] = []
    common = {"port": port, "hosts": sites.hosts, "rate": args.rate,
              "tracemalloc": args.tracemalloc}

    def phase(name: str, mode: str, pages: int, **spec: Any) -> Row:
        print(f"[{datetime.now(UTC):%H:%M:%S}] {name} ({mode}) …", flush=True)
        mark, connections = len(sites.log), sites.connections
        server_cpu0 = _cpu()
        result = run_phase({"name": name, **common, **spec})
        server_cpu = _cpu() - server_cpu0
        with sites.lock:
            log = [e for e in sites.log[mark:]
                   if result["mono_start"] - 0.01 <= e[0] <= result["mono_end"] + 0.01]
        limit = None if name == "baseline" else args.rate
        sends = result.pop("client_sends", None)
        result["connections"] = sites.connections - connections
        if sends is not None:
            result["wire_delay"] = wire_delays(log, sends)
        row = Row(name, mode, pages, result["stored"], result["wall_s"], result["cpu_s"],
                  result["peak_rss_mb"], result["rss_before_mb"], server_cpu, len(log),
                  rate_stats(log, limit, args.jitter),
                  rate_stats(sends, limit) if sends is not None else {},
                  {k: v for k, v in result.items()
                   if k not in ("wall_s", "cpu_s", "peak_rss_mb", "rss_before_mb", "stored")})
        rows.append(row)
        print(f"    {row.stored} articles in {row.wall_s:.1f} s = {row.per_s:.1f}/s; "
              f"{row.requests} requests {row.rate['kinds']}; cpu {row.cpu_s:.1f} s; "
              f"peak RSS {row.peak_rss_mb:.0f} MB; rate {'OK' if row.ok else 'OVER'} "
              f"(server max/1s {row.rate['max_1s_over_hosts']}, "
              f"client {row.client_rate.get('max_1s_over_hosts', '-')})", flush=True)
        return row

    started = time.perf_counter()
    try:
        if not args.skip_baseline:
            phase("baseline", "httpx+trafil.", args.pages, phase="baseline",
                  feeds=sites.feeds())
        full = str(root / "parallel")
        crawl = {"phase": "crawl", "data_dir": full, "add_feeds": [], "force": False}
        phase("parallel", f"{args.parallel_sources} sources", args.pages,
              **{**crawl, "add_feeds": sites.feeds(), "parallel": args.parallel_sources})
        phase("recrawl-304", "sequential", 0, **{**crawl, "force": True, "parallel": 0})
        phase("recrawl-304", f"{args.parallel_sources} sources", 0,
              **{**crawl, "force": True, "parallel": args.parallel_sources})
        sites.bump_feeds()
        phase("recrawl-seen", f"{args.parallel_sources} sources", 0,
              **{**crawl, "force": True, "parallel": args.parallel_sources})
        if not args.skip_sequential:
            seq_pages = len(sites.urls(seq_hosts))
            phase("sequential", f"{seq_hosts} hosts", seq_pages, phase="crawl",
                  data_dir=str(root / "sequential"), add_feeds=sites.feeds(seq_hosts),
                  force=False, parallel=0)
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(root, ignore_errors=True)
    total = time.perf_counter() - started

    print_table(rows, args.rate, args.jitter)
    by = {(r.phase, r.mode): r for r in rows}
    par = rows[1] if not args.skip_baseline else rows[0]
    print("\nBreakdown (crawler process, timing wrappers around extract_html and store.save):")
    for r in rows:
        e = r.extra
        if r.phase == "baseline":
            print(f"  {r.phase:<13} {r.mode:<14} loop lag max {e['loop_lag']['max_ms']:.0f} ms; "
                  f"server CPU {r.server_cpu_s:.1f} s; {e['connections']} TCP connections; "
                  f"{e['failed']} pages without output")
            continue
        wd = e.get("wire_delay") or {}
        print(f"  {r.phase:<13} {r.mode:<14} extract {e['extract_calls']} calls, "
              f"{e['extract_wall_s']:.1f} s wall / {e['extract_cpu_s']:.1f} s thread CPU "
              f"(mean {e['extract_wall_mean_ms']:.0f} ms); store.save {e['save_calls']} calls "
              f"{e['save_s']:.1f} s (max {e['save_max_ms']:.0f} ms); loop lag max "
              f"{e['loop_lag']['max_ms']:.0f} ms p99 {e['loop_lag']['p99_ms']:.0f} ms; "
              f"server CPU {r.server_cpu_s:.1f} s; RSS before crawl {r.rss_before_mb:.0f} MB, "
              f"at 25/50/75/100% {e['loop_lag']['rss_quarters_mb']} MB; "
              f"reports {e['reports']}; errors {e['errors']}; "
              f"{e['connections']} TCP connections for {r.requests} requests; "
              f"hand-over to server arrival p50/p99/max {wd.get('p50_ms', 0):.0f}/"
              f"{wd.get('p99_ms', 0):.0f}/{wd.get('max_ms', 0):.0f} ms; hosts with 3+ "
              f"arrivals in a strict 1-s window {len(r.rate.get('hosts_over_strict', []))}")
        tight = sorted((h["min_gap_s"], h["min_gap_at_s"]) for h in r.rate["per_host"].values()
                       if h["min_gap_s"] is not None)[:5]
        if tight:
            print("      smallest server-side gaps (s, at s into the phase): "
                  + ", ".join(f"{g:.3f} @ {a:.1f}" for g, a in tight))
        for err in e["errors_sample"][:2]:
            print(f"      e.g. {err}")
    if "baseline" in {r.phase for r in rows}:
        base = rows[0]
        print(f"\nBaseline (plain httpx + trafilatura.extract, no politeness/SSRF/store): "
              f"{base.per_s:.1f} pages/s; newsdesk parallel: {par.per_s:.1f} articles/s "
              f"({par.per_s / base.per_s:.2f}x the baseline).")
    seq = by.get(("sequential", f"{seq_hosts} hosts"))
    if seq:
        per_source = seq.wall_s / seq_hosts
        print(f"Sequential sources (`newsdesk crawl` today): {seq.wall_s:.1f} s for {seq_hosts} "
              f"sources of {seq.pages // seq_hosts} pages = {per_source:.1f} s per source; "
              f"{args.hosts} such sources would take ~{per_source * args.hosts:.0f} s "
              f"vs {par.wall_s:.0f} s with {args.parallel_sources} sources in parallel.")
    print(f"Whole run: {total:.0f} s.")
    if server.errors:
        print(f"Server-side connection errors (clients closing kept-alive connections): "
              f"{dict(server.errors)}")
    ok = all(r.ok for r in rows)
    print("RATE OK: no host exceeded the configured per-host rate." if ok else
          "RATE EXCEEDED: " + "; ".join(
              f"{r.phase}/{r.mode}: server {r.rate['hosts_over_limit'][:5]} client "
              f"{r.client_rate.get('hosts_over_limit', [])[:5]}" for r in rows if not r.ok))

    if args.json:
        payload = {
            "meta": {
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "command": " ".join([Path(sys.executable).name, *sys.argv]),
                "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                            "python": platform.python_version()},
                "versions": {d: _version(d) for d in ("newsdesk", "httpx", "trafilatura",
                                                       "lxml")},
                "args": {k: (str(v) if isinstance(v, Path) else v)
                         for k, v in vars(args).items()},
                "total_s": total,
            },
            "rows": [{**asdict(r), "articles_per_s": r.per_s} for r in rows],
        }
        args.json.write_text(json.dumps(payload, indent=1, default=str), encoding="utf-8")
        print(f"JSON: {args.json}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
