"""Shapes of a filtered search, side by side on one snapshot, taking turns query by query.

The search-scale bench's filtered cell (the query's language and an 18-month window)
can be asked in several shapes; each is the engine with one thing switched:

* `two-clauses`: a term on `lang` and a range on `published`, both checked on every
  document the text matches (`lexical.language_dates_query` switched off, and no
  `period` terms);
* `range`: the language and the window as one range over the `lang_time` fast field
  (`Tuning(period_filters=False)`, no gate);
* `period`: the window and its language as a union of `period` posting lists, which
  can lead an intersection (`engine.filter_queries`), no gate;
* `gate`: `period`, and the filter joining the split top k as weighted terms when the
  words hold `Tuning.gate_min_postings` postings (`pruned.Gate`): the default.

All run in one process, in turns query by query (the order rotates), so each set of
timings shares one moment of this drifting 2-core machine. The queries and filters
are `search_scale.make_queries` and `filter_for`, each timed around one
`newsdesk.search(mode=…, limit=10)` call, newsdesk's caches emptied before each pass;
a query's time is its median over the passes. It also checks every shape gives the
first's page (hits in order) and total for every query.

    .venv/bin/python bench/filter_clauses.py --data /tmp/newsdesk-bench/lt-1000000 \\
        --passes 5 --shapes range,period,gate
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.search_scale import (
    filter_for,
    forget_caches,
    load_real,
    make_queries,
    split_held_out,
)

SHAPES = ("two-clauses", "range", "period", "gate")
NO_GATE = 10**15


@contextmanager
def _two_clauses() -> Any:
    from newsdesk.index import lexical

    one_clause = lexical.language_dates_query
    lexical.language_dates_query = lambda *_, **__: None  # the engine asks both clauses
    try:
        yield
    finally:
        lexical.language_dates_query = one_clause


def shape_setup(name: str) -> tuple[Any, Callable[[], AbstractContextManager[Any]]]:
    """(the Tuning, a context to run under) of one shape."""
    from newsdesk.search import DEFAULT_TUNING

    if name == "two-clauses":
        return replace(DEFAULT_TUNING, period_filters=False, gate_min_postings=NO_GATE), \
            _two_clauses
    if name == "range":
        return replace(DEFAULT_TUNING, period_filters=False, gate_min_postings=NO_GATE), \
            nullcontext
    if name == "period":
        return replace(DEFAULT_TUNING, gate_min_postings=NO_GATE), nullcontext
    return DEFAULT_TUNING, nullcontext


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, required=True,
                   help="a data directory indexed with period terms (schema 5 or later)")
    p.add_argument("--passes", type=int, default=5)
    p.add_argument("--mode", default="lexical", choices=("lexical", "dense", "hybrid"))
    p.add_argument("--shapes", default="range,period,gate",
                   help=f"comma-separated, of: {', '.join(SHAPES)}")
    p.add_argument("--held-out", type=int, default=40)
    p.add_argument("--english", type=int, default=10)
    args = p.parse_args(argv)
    shapes = [s.strip() for s in args.shapes.split(",") if s.strip()]
    if not shapes or any(s not in SHAPES for s in shapes):
        p.error(f"--shapes takes names from {', '.join(SHAPES)}")

    import newsdesk

    real = load_real()
    _, held = split_held_out(real, args.held_out)
    queries = make_queries(held, args.english)
    languages = sorted({d.language for d in real})
    setups = {name: shape_setup(name) for name in shapes}

    def run(q: Any, name: str) -> tuple[float, list[str], int]:
        tuning, context = setups[name]
        with context():
            t0 = time.perf_counter()
            res = newsdesk.search(q.text, data=args.data, mode=args.mode, limit=10,
                                  tuning=tuning, **filter_for(q, languages))
            return (time.perf_counter() - t0) * 1000, [h.id for h in res.hits], res.total

    for q in queries:  # warm: the query vectors, the index files
        for name in shapes:
            run(q, name)
    same = {name: 0 for name in shapes}
    for q in queries:
        first = run(q, shapes[0])[1:]
        for name in shapes:
            same[name] += run(q, name)[1:] == first
    times = {name: [[] for _ in queries] for name in shapes}
    for n in range(args.passes):
        forget_caches(args.data)
        for i, q in enumerate(queries):
            k = (n + i) % len(shapes)
            for name in shapes[k:] + shapes[:k]:
                times[name][i].append(run(q, name)[0])

    print(f"{args.data}, {args.mode}, {len(queries)} queries with their filter, "
          f"{args.passes} passes, shapes in turns")
    print(f"{'shape':<12}{'p50':>8}{'p90':>8}{'p95':>8}{'mean':>8}  ms   same page and total")
    medians = {name: [statistics.median(t) for t in times[name]] for name in shapes}
    for name in shapes:
        v = medians[name]
        print(f"{name:<12}" + "".join(f"{x:8.2f}" for x in (
            np.percentile(v, 50), np.percentile(v, 90), np.percentile(v, 95), np.mean(v)))
            + f"   {same[name]}/{len(queries)}")
    base = shapes[0]
    for name in shapes[1:]:
        faster = sum(a < b for a, b in zip(medians[name], medians[base], strict=True))
        print(f"{name} faster than {base} on {faster} of {len(queries)} queries")
    return 0 if all(v == len(queries) for v in same.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
