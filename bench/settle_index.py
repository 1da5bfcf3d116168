"""Re-index N articles of a search-scale snapshot in one writer session, as updates do.

A full rebuild of the 1M snapshot (`search_scale.py --relex`) ends with the segments
tantivy's merge policy left: 20 at the last rebuild, 7 of them 100k–150k documents, a
level one segment short of being merged. Queries then look every term up in every
segment. tantivy-py has no call to merge segments; what merges them is more commits:
re-upserting some articles (the same text, so the same documents) adds the segments that
complete the levels, and closing the writer waits for the merges (40,000 articles took
the rebuilt snapshot from 20 segments to 3 in 100 s). Each re-indexed article's old
copy stays behind as a deleted document until its segment merges, which the largest
segment never does: `--outside-largest` re-indexes only articles in the other
segments. Analysis is served from the bench's memo, as in `search_scale.relex`.

    .venv/bin/python bench/settle_index.py --data /tmp/newsdesk-bench/lt-1000000 \\
        --articles 40000
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.search_scale import load_real, snapshot_memo, split_held_out


def segments(lexical_dir: Path) -> list[int]:
    meta = json.loads((lexical_dir / "meta.json").read_text("utf-8"))
    return [int(s["max_doc"]) for s in meta["segments"]]


def outside_largest(index: Any) -> set[str]:
    """The ids of the documents outside the index's largest segment."""
    import tantivy

    from newsdesk.index import lexical

    s = index.searcher()
    hits = s.search(tantivy.Query.all_query(), s.num_docs, count=False).hits
    sizes = Counter(address.segment_ord for _, address in hits)
    largest = max(sizes, key=lambda ord_: sizes[ord_]) if sizes else None
    return {s.doc(address)[lexical.ID][0] for _, address in hits
            if address.segment_ord != largest}


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, required=True, help="a search-scale snapshot")
    p.add_argument("--articles", type=int, default=40_000,
                   help="how many articles to re-index, spread evenly over the ids")
    p.add_argument("--outside-largest", action="store_true",
                   help="pick only articles outside the largest segment: their old copies "
                        "are deleted in segments that merge, so no deleted documents stay "
                        "behind in the largest one (which nothing merges)")
    p.add_argument("--held-out", type=int, default=40,
                   help="as the run that built the snapshot (the memo's documents)")
    args = p.parse_args(argv)

    from newsdesk.index import lexical
    from newsdesk.index.indexer import IndexPaths
    from newsdesk.store.sqlite import SQLiteStore

    indexed, _ = split_held_out(load_real(), args.held_out)
    path = IndexPaths.of(args.data).lexical
    index = lexical.LexicalIndex(path)
    ids = sorted(index.ids())
    memo, _ = snapshot_memo(indexed, len(ids))
    try:
        before = segments(path)
        pool = sorted(outside_largest(index)) if args.outside_largest else ids
        pick = pool[::max(1, len(pool) // args.articles)][:args.articles]
        started = time.perf_counter()
        with SQLiteStore(args.data) as store:
            for i in range(0, len(pick), 1000):
                batch = pick[i:i + 1000]
                loaded = store.get_many(batch)
                index.upsert([loaded[a] for a in batch if a in loaded])
        index.commit()
    finally:
        index.close()  # waits for the merges the commit started
        memo.close()
    after = segments(path)
    print(f"re-indexed {len(pick):,} articles in {time.perf_counter() - started:.0f} s "
          f"(memo misses {memo.misses}); segments {len(before)} → {len(after)}: {after}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
