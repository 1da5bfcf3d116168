"""A filter on one language and a date range, as one clause or as two, side by side.

`lexical.language_dates_query` asks "this language, published in [after, before)" as
one range over the `lang_time` fast field; before it, the search asked a term on `lang`
and a range on `published`, and tantivy checked both on every document the text
matched. Both shapes run here on one snapshot in one process, taking turns query by
query (which goes first alternates), so each pair of timings shares one moment of this
drifting 2-core machine; the two-clause shape is the engine with
`language_dates_query` switched off. The queries and filters are the search-scale
bench's (`search_scale.make_queries`, `filter_for`), each timed around one
`newsdesk.search(mode=…, limit=10)` call, newsdesk's caches emptied before each pass;
a query's time is its median over the passes.

It also checks the two shapes give the same page (hits in order) and the same total
for every query.

    .venv/bin/python bench/filter_clauses.py --data /tmp/newsdesk-bench/lt-1000000 \\
        --passes 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
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


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, required=True,
                   help="a data directory indexed with lang_time (schema 3 or later)")
    p.add_argument("--passes", type=int, default=5)
    p.add_argument("--mode", default="lexical", choices=("lexical", "dense", "hybrid"))
    p.add_argument("--held-out", type=int, default=40)
    p.add_argument("--english", type=int, default=10)
    args = p.parse_args(argv)

    import newsdesk
    from newsdesk.index import lexical

    real = load_real()
    _, held = split_held_out(real, args.held_out)
    queries = make_queries(held, args.english)
    languages = sorted({d.language for d in real})
    one_clause = lexical.language_dates_query

    def two_clauses(*_: Any, **__: Any) -> None:
        return None  # the engine then asks the language term and the date range

    def run(q: Any, one: bool) -> tuple[float, list[str], int]:
        lexical.language_dates_query = one_clause if one else two_clauses
        t0 = time.perf_counter()
        res = newsdesk.search(q.text, data=args.data, mode=args.mode, limit=10,
                              **filter_for(q, languages))
        return (time.perf_counter() - t0) * 1000, [h.id for h in res.hits], res.total

    try:
        for q in queries:  # warm: the query vectors, the index files
            run(q, True)
            run(q, False)
        same = sum(run(q, True)[1:] == run(q, False)[1:] for q in queries)
        times: dict[bool, list[list[float]]] = {True: [[] for _ in queries],
                                                False: [[] for _ in queries]}
        for n in range(args.passes):
            forget_caches(args.data)
            for i, q in enumerate(queries):
                for one in ((True, False) if (n + i) % 2 else (False, True)):
                    times[one][i].append(run(q, one)[0])
    finally:
        lexical.language_dates_query = one_clause

    print(f"{args.data}, {args.mode}, {len(queries)} queries with their filter, "
          f"{args.passes} alternated passes; same page and total: {same}/{len(queries)}")
    print(f"{'shape':<12}{'p50':>8}{'p90':>8}{'p95':>8}{'mean':>8}  ms")
    medians = {one: [statistics.median(t) for t in times[one]] for one in (False, True)}
    for one, label in ((False, "two clauses"), (True, "one clause")):
        v = medians[one]
        print(f"{label:<12}" + "".join(f"{x:8.2f}" for x in (
            np.percentile(v, 50), np.percentile(v, 90), np.percentile(v, 95), np.mean(v))))
    faster = sum(a < b for a, b in zip(medians[True], medians[False], strict=True))
    print(f"one clause faster on {faster} of {len(queries)} queries")
    return 0 if same == len(queries) else 1


if __name__ == "__main__":
    raise SystemExit(main())
