"""Retrieval quality benchmark (issue 5): newsdesk lexical, dense and hybrid search vs bm25s.

Measures newsdesk through its public path, not a re-implementation: the XQuAD
paragraphs (and the lao-thai rows) are written as a JSONL dump, ingested into a
fresh data directory with `newsdesk.ingest.pipeline.ingest_paths`, indexed with
`newsdesk.index.indexer.Indexer.sync`, and queried with `newsdesk.search(...)`
restricted to the passage language (`lang=`), once per mode.

Data and scoring (see `bench/_retrieval_data.py`):

* XQuAD, ../shared/corpus/retrieval/xquad: the 240 paragraphs of a language are the
  documents (paragraph text only: the SQuAD titles are English in every file and
  would leak English into zh/vi/th), the questions of a language are the queries,
  the gold document is the paragraph holding the question id. `--split dev` (the
  default, what the issue reports and what the defaults were tuned on) uses
  dev_question_ids.txt; `--split test` the other, held-out ids.
* lao-thai, ../shared/corpus/retrieval/lao-thai: 118 rows (Lao release, its Thai
  translation). lo→th: the row's Lao opening (first 150 characters, cut at a
  space) is the query, the 118 Thai texts are the documents, the row's Thai text
  is gold; th→lo the reverse.
* nDCG@10 (one relevant document) and Recall@10.
* Baseline in the same run: `bm25s` (plain BM25, k1 1.5 b 0.75, lowercased
  whitespace tokens, no stemming) over the same documents. Whitespace tokens
  make it useless for Chinese and Thai, which write no spaces between words:
  that is what the baseline is there to show.

    .venv/bin/python bench/retrieval.py [--pairs en-en,zh-en,...] [--split dev|test]
                                        [--no-lao-thai] [--lao-thai-rows all|even|odd]
                                        [--data DIR] [--json PATH]

A fresh temporary data directory is used unless `--data DIR` names one to reuse
(then ingest finds nothing new and only queries are timed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from _retrieval_data import (
    DEFAULT_PAIRS,
    LAO_THAI_QUERY_CHARS,
    load_lao_thai,
    load_xquad,
    opening,
    score_rankings,
    sentences,
    split_questions,
)

MODES = ("lexical", "dense", "hybrid")


# --- bm25s baseline ---------------------------------------------------------------------------


def whitespace_tokens(text: str) -> list[str]:
    return text.lower().split()


def bm25s_rankings(documents: list[str], queries: list[str], k: int = 10) -> list[list[int]]:
    """Plain BM25 from bm25s on lowercased whitespace tokens; unknown terms are dropped."""
    import bm25s

    retriever = bm25s.BM25()
    retriever.index([whitespace_tokens(d) for d in documents], show_progress=False)
    vocab = retriever.vocab_dict
    out: list[list[int]] = []
    for query in queries:
        terms = [t for t in whitespace_tokens(query) if t in vocab]
        if not terms:
            out.append([])
            continue
        scores = retriever.get_scores(terms)
        order = sorted(range(len(documents)), key=lambda i: (-scores[i], i))
        out.append([i for i in order[:k] if scores[i] > 0])
    return out


# --- newsdesk through its public path ---------------------------------------------------------


def doc_id(collection: str, lang: str, index: int) -> str:
    return f"{collection}-{lang}-{index:03d}"


def parse_doc_id(external_id: str | None) -> int | None:
    if not external_id:
        return None
    try:
        return int(external_id.rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return None


def document_record(collection: str, lang: str, index: int, text: str) -> dict[str, Any]:
    """One JSONL article whose title + body is exactly the passage, nothing added.

    The first sentence becomes the headline and the rest the body (a passage of one
    sentence is all headline). Sending the passage as a body alone would make the
    ingest copy its first 120 characters into the title, so those words would be
    counted twice, by BM25 (title field) and in the embedded text.
    """
    # Sentences until the headline has 40 characters (Thai/Lao "sentences" are the
    # space-separated phrases, often a single word).
    end = 0
    for part in sentences(text):
        end = text.index(part, end) + len(part)
        if end >= 40:
            break
    title, rest = text[:end].strip(), text[end:].strip()
    record: dict[str, Any] = {"id": doc_id(collection, lang, index), "title": title,
                              "language": lang, "source": f"{collection}-{lang}"}
    if rest:
        record["text"] = rest
    return record


def write_dump(path: Path, records: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


class Newsdesk:
    """A data directory built through ingest + Indexer.sync, queried via newsdesk.search."""

    def __init__(self, data_dir: Path, tuning: dict[str, Any] | None = None) -> None:
        self.data_dir = data_dir
        self.tuning_overrides = tuning or {}
        self.failed_queries: list[tuple[str, str]] = []

    def build(self, dump: Path) -> dict[str, Any]:
        from newsdesk.index.indexer import Indexer
        from newsdesk.ingest.pipeline import ingest_paths
        from newsdesk.store import open_store

        store = open_store(self.data_dir)
        try:
            start = time.perf_counter()
            report = ingest_paths(store, [dump])
            ingest_s = time.perf_counter() - start
            start = time.perf_counter()
            indexer = Indexer(store, self.data_dir)
            sync_report = indexer.sync()
            index_s = time.perf_counter() - start
        finally:
            close = getattr(store, "close", None)
            if close:
                close()
        outcomes: dict[str, int] = {}
        for result in report.results:
            outcome = str(getattr(result, "outcome", "?"))
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        return {"ingest_s": ingest_s, "index_s": index_s, "ingest": outcomes,
                "sync": sync_report.to_json()}

    def rankings(self, queries: list[str], collection: str, lang: str, mode: str,
                 k: int = 10) -> tuple[list[list[int]], float]:
        """Top-k document indices per query and the seconds all queries took.

        Restricted to the documents of one collection and language (both are
        filters a user has: `lang=` and `source=`), since XQuAD's Thai paragraphs
        and the lao-thai Thai rows share a data directory.
        """
        from dataclasses import replace

        import newsdesk
        from newsdesk.errors import NewsdeskError
        from newsdesk.search.fusion import DEFAULT_TUNING

        tuning = replace(DEFAULT_TUNING, **self.tuning_overrides)
        out: list[list[int]] = []
        start = time.perf_counter()
        for query in queries:
            try:
                results = newsdesk.search(query, data=self.data_dir, lang=lang,
                                          source=f"{collection}-{lang}", mode=mode, limit=k,
                                          tuning=tuning)
            except NewsdeskError as exc:  # a question the query parser rejects scores 0
                self.failed_queries.append((query, str(exc)))
                out.append([])
                continue
            out.append([i for i in (parse_doc_id(h.external_id) for h in results.hits)
                        if i is not None])
        return out, time.perf_counter() - start


def _plain(value: Any) -> Any:
    """A report object as JSON-able data (dataclass, dict or its repr)."""
    from dataclasses import asdict, is_dataclass

    if is_dataclass(value) and not isinstance(value, type):
        try:
            return json.loads(json.dumps(asdict(value), default=str))
        except TypeError:
            return repr(value)
    if isinstance(value, dict):
        return json.loads(json.dumps(value, default=str))
    return repr(value)


# --- the run ----------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    pairs = [] if args.pairs in ("", "none") else [
        tuple(p.strip().split("-")) for p in args.pairs.split(",")]
    for pair in pairs:
        if len(pair) != 2:
            raise SystemExit(f"--pairs: {'-'.join(pair)!r} is not QUERYLANG-DOCLANG, e.g. zh-en")
    langs = sorted({lang for pair in pairs for lang in pair})
    data = {lang: load_xquad(lang) for lang in langs}
    lao_thai = [] if args.no_lao_thai else load_lao_thai()

    data_dir = args.data or Path(tempfile.mkdtemp(prefix="newsdesk-retrieval-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    dump = data_dir / "bench-documents.jsonl"
    records = [document_record("xquad", lang, i, p)
               for lang in langs for i, p in enumerate(data[lang].passages)]
    for i, (lao, thai) in enumerate(lao_thai):
        records.append(document_record("laothai", "lo", i, lao))
        records.append(document_record("laothai", "th", i, thai))
    write_dump(dump, records)
    engine = Newsdesk(data_dir, parse_tuning(args.tuning))
    print(f"ingesting {len(records)} documents into {data_dir} ...", flush=True)
    build = engine.build(dump)
    embedded = build["sync"].get("embedded", 0)
    rate = (f" = {len(records) / build['index_s']:.2f} docs/s" if embedded else
            " (index reused: nothing to embed)")
    print(f"  ingest {build['ingest_s']:.1f} s {build['ingest']}; Indexer.sync (tantivy + "
          f"embeddings) {build['index_s']:.1f} s for {len(records)} documents, {embedded} "
          f"embedded{rate}", flush=True)

    results: list[dict[str, Any]] = []
    tasks: list[tuple[str, str, str, list[str], list[int], list[str]]] = []
    for qlang, dlang in pairs:
        questions = split_questions(data[qlang], args.split)
        tasks.append((f"{qlang}→{dlang}", "xquad", dlang, [q.text for q in questions],
                      [q.gold for q in questions], data[dlang].passages))
    if lao_thai:
        lao = [r[0] for r in lao_thai]
        thai = [r[1] for r in lao_thai]
        golds = list(range(len(lao_thai)))
        # Every row is a document; `--lao-thai-rows` picks which rows ask (lao-thai has
        # no dev split of its own: even rows serve as one, odd rows as its test half).
        asked = [i for i in golds if args.lao_thai_rows == "all"
                 or i % 2 == (0 if args.lao_thai_rows == "even" else 1)]
        tasks.append(("lo→th", "laothai", "th", [opening(lao[i]) for i in asked], asked, thai))
        tasks.append(("th→lo", "laothai", "lo", [opening(thai[i]) for i in asked], asked, lao))

    for label, collection, dlang, queries, raw_golds, documents in tasks:
        # Identical documents are one article in newsdesk (the second is an alias:
        # lao-thai rows 89 and 97 have the same Thai text), so every run scores
        # against the first document with the same text.
        canon = canonical_ids(documents)
        golds = [canon[g] for g in raw_golds]
        rows: list[dict[str, Any]] = []
        start = time.perf_counter()
        baseline = remap(bm25s_rankings(documents, queries), canon)
        rows.append({"method": "bm25s (whitespace)", **score_rankings(baseline, golds),
                     "queries_per_s": len(queries) / (time.perf_counter() - start)})
        for mode in MODES:
            rankings, seconds = engine.rankings(queries, collection, dlang, mode)
            rankings = remap(rankings, canon)
            rows.append({"method": f"newsdesk {mode}", **score_rankings(rankings, golds),
                         "queries_per_s": len(queries) / seconds})
        results.append({"pair": label, "queries": len(queries), "documents": len(documents),
                        "rows": rows})
        print_table(label, len(queries), len(documents), rows)

    if engine.failed_queries:
        print(f"\n{len(engine.failed_queries)} searches raised an error (scored as empty), "
              f"e.g. {engine.failed_queries[0]}")
    if args.data is None and not args.keep:
        shutil.rmtree(data_dir, ignore_errors=True)
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python "
                   f"{platform.python_version()}",
        "split": args.split,
        "lao_thai_query": f"first {LAO_THAI_QUERY_CHARS} chars of the row, cut at a space",
        "lao_thai_rows": args.lao_thai_rows,
        "tuning_overrides": engine.tuning_overrides,
        "passage_char_budget": _budget(),
        "build": build,
        "failed_queries": engine.failed_queries[:20],
        "failed_query_count": len(engine.failed_queries),
        "results": results,
    }


def canonical_ids(documents: list[str]) -> list[int]:
    """For each document, the index of the first document with the same text."""
    first: dict[str, int] = {}
    return [first.setdefault(" ".join(d.split()), i) for i, d in enumerate(documents)]


def remap(rankings: list[list[int]], canon: list[int]) -> list[list[int]]:
    """Rankings with duplicate documents mapped to their first copy (kept once)."""
    return [list(dict.fromkeys(canon[i] for i in ranking if 0 <= i < len(canon)))
            for ranking in rankings]


def _budget() -> int | None:
    from newsdesk.index import embed

    return getattr(embed, "PASSAGE_CHAR_BUDGET", None)


def parse_tuning(text: str | None) -> dict[str, Any]:
    """`rrf_k=30,dense_floor=0.7` → overrides of `newsdesk.search.fusion.Tuning`."""
    from dataclasses import fields

    from newsdesk.search.fusion import Tuning

    known = {f.name: f for f in fields(Tuning)}
    out: dict[str, Any] = {}
    for item in filter(None, (text or "").split(",")):
        name, _, value = item.partition("=")
        name = name.strip()
        if name not in known:
            raise SystemExit(f"--tuning: unknown knob {name!r} (known: {', '.join(known)})")
        v = value.strip()
        if v.lower() == "none":
            out[name] = None
        elif v.lower() in ("true", "false"):
            out[name] = v.lower() == "true"
        else:
            try:
                out[name] = float(v)
            except ValueError:
                out[name] = v  # a named choice, e.g. fusion=rrf
    return out


def print_table(label: str, queries: int, documents: int, rows: list[dict[str, Any]]) -> None:
    print(f"\n{label}  ({queries} queries, {documents} documents)")
    print(f"  {'method':22s} {'nDCG@10':>8s} {'R@10':>6s} {'q/s':>7s}")
    for row in rows:
        print(f"  {row['method']:22s} {row['ndcg@10']:8.3f} {row['recall@10']:6.3f} "
              f"{row['queries_per_s']:7.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", default=",".join(f"{q}-{d}" for q, d in DEFAULT_PAIRS),
                        help="QUERYLANG-DOCLANG,… or 'none' (lao-thai only)")
    parser.add_argument("--split", default="dev", choices=("dev", "test"))
    parser.add_argument("--no-lao-thai", action="store_true")
    parser.add_argument("--lao-thai-rows", choices=("all", "even", "odd"), default="all",
                        help="which lao-thai rows are asked (all rows stay documents): "
                             "even rows are the dev half, odd rows the test half")
    parser.add_argument("--data", type=Path, help="data directory to build in / reuse")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    parser.add_argument("--tuning", help="search.fusion.Tuning overrides, e.g. rrf_k=30")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    out = run(args)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, ensure_ascii=False), "utf-8")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
