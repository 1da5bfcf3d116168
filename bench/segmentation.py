"""Segmentation benchmark for the search analysis chains (newsdesk/text/analysis.py).

Three parts, all on real text read in place from ../shared/corpus (never copied):

* vi     Vietnamese word segmentation against the vietnews gold (`*.txt.seg`:
         syllables of a word joined by `_`). Input is the file with `_` replaced
         by a space, i.e. the gold's own syllables and punctuation spacing.
         Scored per word span: a predicted word is right when a gold word has
         exactly its start and end. Gold tokens that are not plain syllables
         ("TP.", "25/2", "COVID-19", punctuation) are left out, and so are
         predicted words overlapping them, because every tokenizer here cuts
         those the same way (by `word_pattern`) and they would only add noise.
         "multi" scores words of two or more syllables only: the part a
         segmenter adds over the syllable baseline.
* speed  tokenizer throughput (chars/s) on CCTV (zh), thaigov (th), lao-thai (lo),
         for the raw segmenter and for the whole newsdesk chain.
* ir     a retrieval check of the analysis options: BM25 (k1 1.2, b 0.75) over
         the 240 XQuAD paragraphs of one language, its own dev questions
         (dev_question_ids.txt), Recall@10 and nDCG@10 (one gold paragraph).
         For vi, also the same questions stripped of tone and vowel marks.

    .venv/bin/python bench/segmentation.py [--parts vi,speed,ir] [--limit 500]
                                          [--json PATH]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CORPUS = (REPO / ".." / "shared" / "corpus").resolve()
sys.path.insert(0, str(REPO))  # `python bench/segmentation.py` from anywhere

from newsdesk.text import segment_lo, segment_th, segment_vi, segment_zh  # noqa: E402
from newsdesk.text.analysis import Analyzer, word_pattern  # noqa: E402

Span = tuple[int, int]


# --- Vietnamese word segmentation F1 --------------------------------------------------------


def load_vietnews(limit: int) -> list[tuple[str, set[Span], list[Span]]]:
    """(input text, clean gold word spans, spans of excluded gold tokens) per article."""
    files = sorted((CORPUS / "news" / "vietnews").glob("*.txt.seg"))[:limit]
    pattern = word_pattern()
    out = []
    for path in files:
        parts: list[str] = []
        gold: set[Span] = set()
        excluded: list[Span] = []
        pos = 0
        for line in path.read_text("utf-8").splitlines():
            for token in line.split():
                if parts and parts[-1] != "\n":
                    parts.append(" ")
                    pos += 1
                surface = token.replace("_", " ")
                span = (pos, pos + len(surface))
                syllables = token.split("_")
                if all(pattern.fullmatch(s) for s in syllables):
                    gold.add(span)
                else:
                    excluded.append(span)
                parts.append(surface)
                pos += len(surface)
            parts.append("\n")
            pos += 1
        out.append(("".join(parts), gold, excluded))
    return out


def prf(tp: int, predicted: int, gold: int) -> dict[str, float]:
    p = tp / predicted if predicted else 0.0
    r = tp / gold if gold else 0.0
    return {"p": p, "r": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def score_vietnamese(segmenter: str, articles: list[tuple[str, set[Span], list[Span]]]
                     ) -> dict[str, Any]:
    tokenize = segment_vi.VietnameseTokenizer(segmenter, syllables=False)
    tokenize("khởi động")  # load the model outside the clock
    counts = Counter[str]()
    elapsed = 0.0
    chars = 0
    for text, gold, excluded in articles:
        started = time.perf_counter()
        tokens = tokenize(text)
        elapsed += time.perf_counter() - started
        chars += len(text)
        blocked = sorted(excluded)
        predicted = {(t.start, t.end) for t in tokens if not _overlaps((t.start, t.end), blocked)}
        multi_pred = {s for s in predicted if " " in text[s[0]:s[1]]}
        multi_gold = {s for s in gold if " " in text[s[0]:s[1]]}
        counts.update(tp=len(predicted & gold), pred=len(predicted), gold=len(gold),
                      mtp=len(multi_pred & multi_gold), mpred=len(multi_pred),
                      mgold=len(multi_gold))
    return {"segmenter": segmenter, "articles": len(articles), "chars": chars,
            "seconds": elapsed, "chars_per_s": chars / elapsed if elapsed else 0.0,
            "words": prf(counts["tp"], counts["pred"], counts["gold"]),
            "multi": prf(counts["mtp"], counts["mpred"], counts["mgold"]),
            "gold_words": counts["gold"], "gold_multi": counts["mgold"]}


def _overlaps(span: Span, blocked: list[Span]) -> bool:
    import bisect

    i = bisect.bisect_left(blocked, (span[1], -1))
    return any(b[0] < span[1] and span[0] < b[1] for b in blocked[max(0, i - 2) : i + 1])


def available_vi_segmenters() -> list[str]:
    names = ["syllable", "pyvi"]
    try:
        importlib_metadata.version("underthesea")
        names.append("underthesea")
    except importlib_metadata.PackageNotFoundError:
        print("underthesea is not installed: skipped", file=sys.stderr)
    return names


# --- throughput -----------------------------------------------------------------------------


def cctv_texts(days: int) -> list[str]:
    files = sorted((CORPUS / "news" / "cctv").glob("*.md"))[:days]
    return [re.sub(r"\[查看原文\]\([^)]*\)", "", f.read_text("utf-8")) for f in files]


def thaigov_texts(limit: int) -> list[str]:
    files = sorted((CORPUS / "news" / "thaigov").glob("*.txt"))[:limit]
    return [f.read_text("utf-8") for f in files]


def lao_texts() -> list[str]:
    path = CORPUS / "retrieval" / "lao-thai" / "vientiane-thaiembassy.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [row["lao"] for row in csv.DictReader(handle)]


def throughput(name: str, fn: Callable[[str], object], texts: list[str]) -> dict[str, Any]:
    fn(texts[0][:200])  # warm-up outside the clock (jieba's dictionary, models)
    started = time.perf_counter()
    for text in texts:
        fn(text)
    elapsed = time.perf_counter() - started
    chars = sum(len(t) for t in texts)
    return {"name": name, "texts": len(texts), "chars": chars, "seconds": elapsed,
            "chars_per_s": chars / elapsed}


def speed_part(args: argparse.Namespace) -> list[dict[str, Any]]:
    import jieba

    started = time.perf_counter()
    segment_zh.jieba_tokenizer()
    warm = time.perf_counter() - started
    print(f"jieba warm-up: {warm:.2f} s (cache file {jieba.dt.cache_file or 'default'})")
    zh = cctv_texts(args.zh_days)
    th = thaigov_texts(args.th_files)
    lo = lao_texts()
    vi = [a[0] for a in load_vietnews(min(args.limit, 200))]
    rows = [
        throughput("zh jieba.lcut (precise)", lambda t: jieba.lcut(t), zh),
        throughput("zh jieba.lcut_for_search", lambda t: jieba.lcut_for_search(t), zh),
        throughput("zh chain (t2s + precise + chars)", segment_zh.chain().analyze, zh),
        throughput("th pythainlp newmm (Python)", segment_th.pythainlp_newmm_words, th),
        throughput("th nlpo3 newmm (Rust, the chain's)", segment_th.newmm_words, th),
        throughput("th chain", segment_th.chain().analyze, th),
        throughput("lo laonlp word_tokenize", segment_lo.laonlp_words, lo),
        throughput("lo chain", segment_lo.chain().analyze, lo),
        throughput("vi chain (pyvi + syllables + folded)", segment_vi.chain().analyze, vi),
    ]
    return rows


# --- retrieval check ------------------------------------------------------------------------


def xquad(language: str) -> tuple[list[str], list[tuple[str, int]]]:
    """Paragraph texts and (question, gold paragraph index) for the dev question ids."""
    base = CORPUS / "retrieval" / "xquad"
    dev = set((base / "dev_question_ids.txt").read_text("utf-8").split())
    data = json.loads((base / f"xquad.{language}.json").read_text("utf-8"))
    passages: list[str] = []
    questions: list[tuple[str, int]] = []
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                if qa["id"] in dev:
                    questions.append((qa["question"], len(passages)))
            passages.append(paragraph["context"])
    return passages, questions


def distractors(language: str, count: int) -> list[str]:
    """News paragraphs of the same language, added to the pool so that ranking is not trivial.

    XQuAD alone (240 paragraphs) saturates: almost every variant finds the gold
    paragraph in the top 10. Real news makes the vocabulary statistics and the
    competition closer to what newsdesk will index.
    """
    paragraphs: list[str] = []
    if language == "zh":
        for text in cctv_texts(400):
            paragraphs += [p for p in text.split("\n") if len(p) >= 80 and not p.startswith("#")]
            if len(paragraphs) >= count:
                break
    else:
        for path in sorted((CORPUS / "news" / "vietnews").glob("*.txt.seg"))[::-1]:
            lines = path.read_text("utf-8").replace("_", " ").splitlines()[2:]
            paragraphs += [ln for ln in lines if len(ln) >= 80]
            if len(paragraphs) >= count:
                break
    return paragraphs[:count]


class BM25:
    """Plain Okapi BM25 over an inverted index; ties keep document order."""

    def __init__(self, docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.postings: dict[str, list[tuple[int, int]]] = {}
        for i, doc in enumerate(docs):
            for term, tf in Counter(doc).items():
                self.postings.setdefault(term, []).append((i, tf))
        n = len(docs)
        avg = sum(len(d) for d in docs) / n
        self.norm = [k1 * (1 - b + b * len(d) / avg) for d in docs]
        self.idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5))
                    for t, p in self.postings.items()}
        self.k1 = k1

    def rank(self, query: dict[str, float], top: int = 10) -> list[int]:
        """`query` maps each term to its weight (1.0 unless a variant is down-weighted)."""
        scores: dict[int, float] = {}
        for term, weight in query.items():
            idf = weight * self.idf.get(term, 0.0)
            for doc, tf in self.postings.get(term, ()):
                scores[doc] = scores.get(doc, 0.0) + idf * tf * (self.k1 + 1) / (
                    tf + self.norm[doc])
        return sorted(scores, key=lambda d: (-scores[d], d))[:top]


def evaluate(analyzer: Analyzer, index: BM25, questions: list[tuple[str, int]],
             query_text: Callable[[str], str] = lambda q: q, folded_weight: float = 1.0
             ) -> dict[str, float]:
    recall = ndcg = first = 0.0
    for question, gold in questions:
        terms = {t.text: folded_weight if t.folded else 1.0
                 for t in analyzer.analyze(query_text(question))}
        ranking = index.rank(terms)
        if gold in ranking:
            recall += 1
            ndcg += 1 / math.log2(ranking.index(gold) + 2)
            first += ranking[0] == gold
    n = len(questions)
    return {"recall@1": first / n, "recall@10": recall / n, "ndcg@10": ndcg / n,
            "questions": n}


def build_index(analyzer: Analyzer, passages: list[str]) -> BM25:
    return BM25([[t.text for t in analyzer.analyze(p)] for p in passages])


def ir_part(segmenters: list[str], extra: int) -> list[dict[str, Any]]:
    import opencc

    rows = []
    passages, questions = xquad("zh")
    passages += distractors("zh", extra)
    s2t = opencc.OpenCC("s2t").convert
    for search, chars in ((False, False), (True, False), (False, True), (True, True)):
        name = f"zh jieba precise{' + search parts' if search else ''}{' + chars' if chars else ''}"
        analyzer = segment_zh.chain(search, chars)
        index = build_index(analyzer, passages)
        rows.append({"name": name, **evaluate(analyzer, index, questions)})
        if (search, chars) == (False, True):
            rows.append({"name": name + " | questions in zh-Hant (s2t)",
                         **evaluate(analyzer, index, questions, s2t)})
    passages, questions = xquad("vi")
    passages += distractors("vi", extra)
    variants = [("syllable", True, False)]
    for seg in segmenters[1:]:
        variants += [(seg, False, False), (seg, True, False), (seg, True, True)]
    for seg, syllables, folded in variants:
        analyzer = segment_vi.chain(seg, syllables, folded)
        index = build_index(analyzer, passages)
        label = f"vi {seg}{' + syllables' if syllables and seg != 'syllable' else ''}"
        label += " + folded" if folded else ""
        for weight in (1.0, 0.3) if folded else (1.0,):
            name = label + (f" (~ weight {weight})" if weight != 1.0 else "")
            rows.append({"name": name, **evaluate(analyzer, index, questions,
                                                  folded_weight=weight)})
            rows.append({"name": name + " | questions without marks",
                         **evaluate(analyzer, index, questions, strip_marks, weight)})
    return rows


def strip_marks(text: str) -> str:
    return segment_vi.fold(text)


# --- report ---------------------------------------------------------------------------------


def versions() -> dict[str, str]:
    out = {}
    for name in ("jieba", "pyvi", "underthesea", "pythainlp", "laonlp", "opencc",
                 "snowballstemmer"):
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", default="vi,speed,ir")
    parser.add_argument("--limit", type=int, default=500, help="vietnews articles")
    parser.add_argument("--zh-days", type=int, default=20, help="CCTV transcripts (days)")
    parser.add_argument("--th-files", type=int, default=200, help="thaigov releases")
    parser.add_argument("--distractors", type=int, default=2000,
                        help="news paragraphs added to the XQuAD pool")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if not CORPUS.is_dir():
        print(f"{CORPUS} is absent", file=sys.stderr)
        return 2
    parts = set(args.parts.split(","))
    report: dict[str, Any] = {
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "python": platform.python_version()},
        "versions": versions(), "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    print(f"{report['started']}  {report['versions']}")
    segmenters = available_vi_segmenters()
    if "vi" in parts:
        articles = load_vietnews(args.limit)
        report["vi"] = [score_vietnamese(s, articles) for s in segmenters]
        print(f"\nVietnamese word segmentation, vietnews, {len(articles)} articles "
              f"({report['vi'][0]['gold_words']} gold words, "
              f"{report['vi'][0]['gold_multi']} of 2+ syllables)")
        print(f"{'tokenizer':<12} {'P':>6} {'R':>6} {'F1':>6} | {'multi P':>7} {'R':>6} "
              f"{'F1':>6} | {'chars/s':>9}")
        for row in report["vi"]:
            w, m = row["words"], row["multi"]
            print(f"{row['segmenter']:<12} {w['p']:6.3f} {w['r']:6.3f} {w['f1']:6.3f} | "
                  f"{m['p']:7.3f} {m['r']:6.3f} {m['f1']:6.3f} | {row['chars_per_s']:9,.0f}")
    if "speed" in parts:
        report["speed"] = speed_part(args)
        print(f"\n{'tokenizer (real text)':<42} {'texts':>6} {'chars':>9} {'chars/s':>9}")
        for row in report["speed"]:
            print(f"{row['name']:<42} {row['texts']:6d} {row['chars']:9,d} "
                  f"{row['chars_per_s']:9,.0f}")
    if "ir" in parts:
        report["ir"] = ir_part(segmenters, args.distractors)
        print(f"\nXQuAD dev questions, BM25 over the 240 paragraphs of the same language "
              f"+ {args.distractors} news paragraphs")
        width = max(len(row["name"]) for row in report["ir"])
        print(f"{'analysis':<{width}} {'R@1':>6} {'R@10':>6} {'nDCG@10':>8}")
        for row in report["ir"]:
            print(f"{row['name']:<{width}} {row['recall@1']:6.3f} {row['recall@10']:6.3f} "
                  f"{row['ndcg@10']:8.3f}")
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
