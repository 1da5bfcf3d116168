"""Two checkouts of newsdesk back to back on one data directory: lexical search latency,
and the cost of a results page's snippets, alternated so a drifting machine hits both.

On this shared 2-core machine one `search_scale.py` run takes minutes, and the machine
drifts over minutes: two full runs of the same code differed by 15 ms of p95. A change
worth a few milliseconds is only seen when the two engines take turns quickly. So:

* latency: each round runs one process per checkout (order swapped every round), each
  timing `newsdesk.search(mode="lexical", limit=10)` for the search-scale bench's
  queries as `search_scale.measure_latency` does (a warm pass, then 3 timed passes
  with newsdesk's caches emptied, the median per query);
* `--interleave`: both engines alive at once, taking turns query by query (which
  goes first alternates), `--passes` passes; each pair of timings shares one moment
  of the machine, and the table counts the queries where "after" was faster;
* pages (`--pages`): in one process, both checkouts' `snippets.py` make the snippets and
  title highlights of the same results pages (the after checkout's hits for each
  query), alternated page by page, 5 times; and how many snippets are identical.

    .venv/bin/python bench/latency_ab.py --before /tmp/before --after . \\
        --data /tmp/newsdesk-bench/pairs-1000000 --rounds 3 --pages
    .venv/bin/python bench/latency_ab.py --before /tmp/before --interleave --passes 5 \\
        --data /tmp/newsdesk-bench/pairs-1000000

(`git worktree add /tmp/before REV` gives the before checkout.)
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def queries_for(held_out: int, english: int) -> list[dict[str, str]]:
    sys.path.insert(0, str(REPO))
    from bench.search_scale import load_real, make_queries, split_held_out

    _, held = split_held_out(load_real(), held_out)
    return [{"text": q.text, "language": q.language} for q in make_queries(held, english)]


def warm_engine(root: Path, data: Path, queries: list[dict[str, str]]
                ) -> tuple[Callable[[str], float], Callable[[], None]]:
    """The newsdesk at `root`, imported into this process and warmed on `queries` (query
    vectors cached, every query run once): (ms of one lexical search, forget caches)."""
    sys.path.insert(0, str(root))
    import newsdesk
    from newsdesk.search import engine, snippets

    if not Path(newsdesk.__file__).resolve().is_relative_to(root.resolve()):
        raise SystemExit(f"imported {newsdesk.__file__}, not the checkout at {root}")
    for q in queries:
        newsdesk.search(q["text"], data=data, mode="dense", limit=1)
        newsdesk.search(q["text"], data=data, mode="lexical", limit=10)

    def timed(text: str) -> float:
        t0 = time.perf_counter()
        newsdesk.search(text, data=data, mode="lexical", limit=10)
        return (time.perf_counter() - t0) * 1000

    def forget() -> None:
        # search_scale.forget_caches, written out: `bench` here is the measured
        # checkout's, and an older one may not have it. Checkouts before 2026-12-05
        # also kept collapse keys per article.
        getattr(engine.searcher_for(data), "_dup_keys", {}).clear()
        getattr(snippets, "clear_caches", snippets._needles.cache_clear)()

    return timed, forget


def measure(root: Path, data: Path, queries: list[dict[str, str]], passes: int) -> dict[str, Any]:
    """Lexical latency of the newsdesk at `root` (run in its own process)."""
    timed, forget = warm_engine(root, data, queries)
    times: list[list[float]] = [[] for _ in queries]
    for _ in range(passes):
        forget()
        for i, q in enumerate(queries):
            times[i].append(timed(q["text"]))
    per_query = [statistics.median(t) for t in times]
    groups: dict[str, list[float]] = {"all": per_query}
    for q, ms in zip(queries, per_query, strict=True):
        groups.setdefault(q["language"], []).append(ms)
    return {k: {"p50": float(np.percentile(v, 50)), "p95": float(np.percentile(v, 95)),
                "n": len(v)} for k, v in groups.items()}


def serve(root: Path, data: Path, queries: list[dict[str, str]]) -> None:
    """One engine for `interleaved`: warm, then answer the driver line by line on stdin
    ("forget": empty newsdesk's caches; a number: run that query, print its ms)."""
    timed, forget = warm_engine(root, data, queries)
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() == "forget":
            forget()
            print("ok", flush=True)
            continue
        print(f"{timed(queries[int(line)]['text']):.4f}", flush=True)


def interleaved(before: Path, after: Path, data: Path, queries: list[dict[str, str]],
                passes: int) -> None:
    """Both engines alive at once, taking turns query by query (which goes first
    alternates), so each pair of timings shares the machine's state of that moment;
    the minute-to-minute drift that whole-pass turns still see (±5 ms of p95 between
    rounds of identical code) falls on both alike."""
    workers: dict[str, subprocess.Popen[str]] = {}
    with tempfile.NamedTemporaryFile("w", suffix=".json") as fh:
        json.dump(queries, fh)
        fh.flush()
        for name, root in (("before", before), ("after", after)):
            workers[name] = subprocess.Popen(
                [sys.executable, __file__, "--before", str(before), "--serve",
                 str(root.resolve()), "--data", str(data), "--queries", fh.name],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=root)
        for w in workers.values():
            assert w.stdout is not None
            if w.stdout.readline().strip() != "ready":
                raise SystemExit("an engine failed to start (its error is above)")

    def ask(name: str, line: str) -> str:
        w = workers[name]
        assert w.stdin is not None and w.stdout is not None
        w.stdin.write(line + "\n")
        w.stdin.flush()
        return w.stdout.readline().strip()

    times = {name: [[] for _ in queries] for name in workers}
    for p in range(passes):
        for name in workers:
            ask(name, "forget")
        for i in range(len(queries)):
            order = ["before", "after"] if (i + p) % 2 == 0 else ["after", "before"]
            for name in order:
                times[name][i].append(float(ask(name, str(i))))
    for w in workers.values():
        assert w.stdin is not None
        w.stdin.close()
        w.wait()
    med = {n: [statistics.median(t) for t in v] for n, v in times.items()}
    print(f"\nLexical newsdesk.search at {data}, engines taking turns query by query, "
          f"{passes} passes; ms, p50/p95/mean over per-query medians; 'after faster' = "
          "queries where after's median is lower")
    groups: dict[str, list[int]] = {"all": list(range(len(queries)))}
    for i, q in enumerate(queries):
        groups.setdefault(q["language"], []).append(i)
    print(f"{'group':<6} {'n':>4} {'before p50':>10} {'p95':>6} {'mean':>6} "
          f"{'after p50':>10} {'p95':>6} {'mean':>6} {'after faster':>12}")
    for g, idx in groups.items():
        row = []
        for n in ("before", "after"):
            v = [med[n][i] for i in idx]
            row += [np.percentile(v, 50), np.percentile(v, 95), np.mean(v)]
        faster = sum(med["after"][i] < med["before"][i] for i in idx)
        print(f"{g:<6} {len(idx):>4} {row[0]:>10.1f} {row[1]:>6.1f} {row[2]:>6.1f} "
              f"{row[3]:>10.1f} {row[4]:>6.1f} {row[5]:>6.1f} {faster:>7}/{len(idx)}")


def load_snippets(root: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, root / "newsdesk/search/snippets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def pages(before: Path, after: Path, data: Path, queries: list[dict[str, str]],
          rounds: int = 5) -> None:
    """Snippets + title highlights per results page, both snippets.py alternated."""
    sys.path.insert(0, str(after))
    import newsdesk
    from newsdesk.search import engine
    from newsdesk.search.fusion import DEFAULT_TUNING

    old, new = load_snippets(before, "snippets_before"), load_snippets(after, "snippets_after")
    searcher = engine.searcher_for(data, None)
    built = []
    for q in queries:
        res = newsdesk.search(q["text"], data=data, mode="lexical", limit=10)
        # The page's plan as the engine makes it (this checkout's engine): the word
        # shares decide which words are score-only, which a newer snippets.py takes apart.
        plan = engine.plan_query(
            res.parsed, [], searcher.schema, engine._boosts(DEFAULT_TUNING),
            *searcher._word_shares(searcher.lexical.searcher(), DEFAULT_TUNING),
            DEFAULT_TUNING.scoring_only_in_body)
        articles = searcher.store.get_many([h.id for h in res.hits])
        built.append((q["language"], plan, [articles[h.id] for h in res.hits]))

    def snippet(module: Any, a: Any, plan: Any) -> Any:
        """`make_snippet` as that checkout's engine calls it: with the minor words apart
        when its snippets.py takes them (2026-12-05 on), else every word alike."""
        if "minor" in inspect.signature(module.make_snippet).parameters:
            steering, minor = plan.highlights()
            return module.make_snippet(a.paragraphs, a.language, steering, minor)
        return module.make_snippet(a.paragraphs, a.language, plan.highlight)

    def page_ms(module: Any, page: Any) -> float:
        _, plan, hits = page
        getattr(module, "clear_caches", module._needles.cache_clear)()
        t0 = time.perf_counter()
        for a in hits:
            snippet(module, a, plan)
            module.highlights(a.title, a.language, plan.highlight)
        return (time.perf_counter() - t0) * 1000

    same = sum(snippet(old, a, plan) == snippet(new, a, plan)
               for _, plan, hits in built for a in hits)
    total = sum(len(hits) for _, _, hits in built)
    times: dict[str, list[list[float]]] = {"before": [[] for _ in built],
                                           "after": [[] for _ in built]}
    for r in range(rounds):
        for i, page in enumerate(built):
            order = [("before", old), ("after", new)]
            for name, module in (order if (r + i) % 2 else order[::-1]):
                times[name][i].append(page_ms(module, page))
    print(f"\nSnippets + title highlights of one page (10 hits), ms; median of {rounds} "
          f"alternated runs per page; identical snippets {same}/{total}")
    print(f"{'lang':<5} {'pages':>5} {'before p50':>10} {'p95':>6} {'after p50':>10} {'p95':>6}")
    for lang in [*sorted({p[0] for p in built}), "all"]:
        idx = [i for i, p in enumerate(built) if lang in ("all", p[0])]
        row = [np.percentile([statistics.median(times[n][i]) for i in idx], q)
               for n in ("before", "after") for q in (50, 95)]
        print(f"{lang:<5} {len(idx):>5} {row[0]:>10.2f} {row[1]:>6.2f} {row[2]:>10.2f} "
              f"{row[3]:>6.2f}")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--before", type=Path, required=True, help="the checkout to compare with")
    p.add_argument("--after", type=Path, default=REPO, help="default: this checkout")
    p.add_argument("--data", type=Path, required=True, help="a built data directory")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--passes", type=int, default=3, help="timed passes per process")
    p.add_argument("--held-out", type=int, default=40)
    p.add_argument("--english", type=int, default=10)
    p.add_argument("--pages", action="store_true", help="also compare results-page snippets")
    p.add_argument("--interleave", action="store_true",
                   help="both engines at once, taking turns query by query (--passes "
                        "passes), instead of whole passes in rounds")
    p.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # one process's part
    p.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # one engine, interleaved
    p.add_argument("--queries", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.rounds < 1 or args.passes < 1:
        p.error("--rounds and --passes must be 1 or more")
    for root in (args.before, args.after):
        if not (root / "newsdesk" / "search" / "snippets.py").is_file():
            p.error(f"{root} is not a newsdesk checkout (git worktree add DIR REV makes one)")
    if not args.data.is_dir():
        p.error(f"no data directory {args.data}")
    if args.measure:
        queries = json.loads(args.queries.read_text())
        print(json.dumps(measure(args.measure, args.data, queries, args.passes)))
        return
    if args.serve:
        serve(args.serve, args.data, json.loads(args.queries.read_text()))
        return
    queries = queries_for(args.held_out, args.english)
    if args.interleave:
        interleaved(args.before, args.after, args.data, queries, args.passes)
        if args.pages:
            pages(args.before.resolve(), args.after.resolve(), args.data, queries)
        return
    results: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
    with tempfile.NamedTemporaryFile("w", suffix=".json") as fh:
        json.dump(queries, fh)
        fh.flush()
        for r in range(args.rounds):
            order = [("before", args.before), ("after", args.after)]
            for name, root in (order if r % 2 == 0 else order[::-1]):
                out = subprocess.run(
                    [sys.executable, __file__, "--before", str(args.before), "--measure",
                     str(root.resolve()), "--data", str(args.data), "--queries", fh.name,
                     "--passes", str(args.passes)],
                    check=True, capture_output=True, text=True, cwd=root)
                results[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
                print(f"round {r + 1} {name:<6} lexical p50 {results[name][-1]['all']['p50']:.1f}"
                      f" p95 {results[name][-1]['all']['p95']:.1f} ms", flush=True)
    print(f"\nLexical newsdesk.search at {args.data}, ms: p50/p95 over per-query medians "
          f"of {args.passes} passes, each round")
    for group in results["after"][0]:
        cells = [" ".join(f"{x[group]['p50']:.1f}/{x[group]['p95']:.1f}" for x in results[n])
                 for n in ("before", "after")]
        print(f"{group:<4} before {cells[0]}   after {cells[1]}")
    if args.pages:
        pages(args.before.resolve(), args.after.resolve(), args.data, queries)


if __name__ == "__main__":
    main()
