"""Brief benchmark: ROUGE of the offline engine vs lead-3, citation precision, speed.

Sets (read from ../shared/corpus/news, never copied):
- vietnews: line 1 title, then the abstract (the reference summary), then the body,
  one sentence per line (word-segmented: `_` removed, tokenizer spaces before
  punctuation undone). Each body line is one paragraph for citations.
- cctv: each `### title` story of a day file; paragraphs are its body lines (the
  `[查看原文]` link dropped). Reference: the day's summary-list item for the story
  (matched by character overlap with the story title; stories without an item are
  skipped). These items are headline-length, so all systems score low; the engine
  ranks *without* the title (it would leak the reference).

ROUGE-1/2/L F1 (L = summary-level LCS as rouge-score's `rougeL`), tokens:
Vietnamese syllables (lower-cased, punctuation dropped), Chinese characters
(Han characters one token each, digit/Latin runs one token). Systems compared in
the same run on the same articles:
- lead-3: the first three sentences;
- brief: the offline brief's viewpoint + points (what a reader sees, 4–7 sentences);
- brief-3: the viewpoint + first two points (the same sentence budget as lead-3).
Citation precision: share of bullets the verifier accepts as cited (extractive
bullets are verbatim quotes, so this checks the plumbing, not the choice);
`--sample` writes 30 random bullets with their cited paragraphs for a hand check.

Usage: .venv/bin/python bench/briefs.py [--n 150] [--sample docs/brief-citation-sample.md]
"""

from __future__ import annotations

import argparse
import random
import re
import time
from collections.abc import Iterator
from pathlib import Path

from newsdesk.brief import extractive
from newsdesk.brief.sentences import article_sentences
from newsdesk.brief.verify import verify_brief
from newsdesk.records import Article

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "news"


def detok_vi(line: str) -> str:
    line = line.replace("_", " ")
    line = re.sub(r"\s+([,.;:!?)\]”…%])", r"\1", line)
    line = re.sub(r"([(\[“])\s+", r"\1", line)
    return re.sub(r"\s+", " ", line).strip()


def vietnews(n: int) -> Iterator[tuple[Article, str]]:
    files = sorted((CORPUS / "vietnews").glob("*.txt.seg"))[:n]
    for f in files:
        blocks = [b.strip() for b in f.read_text(encoding="utf-8").split("\n\n") if b.strip()]
        if len(blocks) < 3:
            continue
        title, abstract = detok_vi(blocks[0]), detok_vi(blocks[1])
        body = [detok_vi(x) for b in blocks[2:] for x in b.split("\n") if x.strip()]
        yield _article(f.stem, title, body, "vi"), abstract


def cctv(n: int) -> Iterator[tuple[Article, str]]:
    count = 0
    for f in sorted((CORPUS / "cctv").glob("*.md")):
        text = f.read_text(encoding="utf-8")
        head, _, detail = text.partition("## 详细新闻")
        items = [re.sub(r"^\s*(\d+\.|（\d+）)", "", x).strip(" ；;：:。")
                 for x in head.split("\n") if re.match(r"^\s*(\d+\.|（\d+）)", x)]
        for block in detail.split("\n### ")[1:]:
            title, _, body = block.partition("\n")
            paras = [p.strip() for p in body.split("\n") if p.strip()
                     and not p.startswith("[查看原文]") and not p.startswith("#")]
            ref = _match(title.strip(), items)
            if ref is None or len(paras) < 2:
                continue
            yield _article(f"{f.stem}-{count}", title.strip(), paras, "zh"), ref
            count += 1
            if count >= n:
                return


def _match(title: str, items: list[str]) -> str | None:
    best, best_s = None, 0.0
    tset = set(title)
    for it in items:
        s = len(tset & set(it)) / max(len(tset | set(it)), 1)
        if s > best_s:
            best, best_s = it, s
    return best if best_s >= 0.5 else None


def _article(aid: str, title: str, paragraphs: list[str], lang: str) -> Article:
    return Article(id=aid, canonical_url=f"bench://{aid}", title=title, paragraphs=paragraphs,
                   language=lang, content_hash=aid)


def tokens(text: str, lang: str) -> list[str]:
    text = text.lower()
    if lang == "zh":
        return re.findall(r"[\u4e00-\u9fff]|[0-9a-z]+", text)
    return re.findall(r"\w+", text)


def _ngrams(t: list[str], n: int) -> dict[tuple[str, ...], int]:
    out: dict[tuple[str, ...], int] = {}
    for i in range(len(t) - n + 1):
        g = tuple(t[i:i + n])
        out[g] = out.get(g, 0) + 1
    return out


def _f(overlap: float, cand: int, ref: int) -> float:
    if not cand or not ref or not overlap:
        return 0.0
    p, r = overlap / cand, overlap / ref
    return 2 * p * r / (p + r)


def _lcs(a: list[str], b: list[str]) -> int:
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def rouge(cand: str, ref: str, lang: str) -> tuple[float, float, float]:
    c, r = tokens(cand, lang), tokens(ref, lang)
    out = []
    for n in (1, 2):
        cg, rg = _ngrams(c, n), _ngrams(r, n)
        ov = sum(min(v, rg.get(k, 0)) for k, v in cg.items())
        out.append(_f(ov, sum(cg.values()), sum(rg.values())))
    out.append(_f(_lcs(c, r), len(c), len(r)))
    return out[0], out[1], out[2]


def run(name: str, items: list[tuple[Article, str]], lang: str, use_title: bool,
        samples: list[tuple[str, str, str]]) -> dict[str, object]:
    scores: dict[str, list[tuple[float, float, float]]] = {"lead-3": [], "brief": [],
                                                          "brief-3": []}
    bullets = supported = 0
    t0 = time.perf_counter()
    for article, ref in items:
        sents = article_sentences(article)
        lead3 = " ".join(s.text for s in sents[:3])
        b = verify_brief(extractive.generate_brief(article, style="points",
                                                   use_title=use_title), article)
        full = [b.viewpoint, *b.points]
        scores["lead-3"].append(rouge(lead3, ref, lang))
        scores["brief"].append(rouge(" ".join(p.text for p in full), ref, lang))
        scores["brief-3"].append(rouge(" ".join(p.text for p in full[:3]), ref, lang))
        bullets += b.verification.checked
        supported += round(b.verification.citation_precision * b.verification.checked)
        for p in full:
            cited = "\n".join(f"[{c}] {article.paragraphs[c - 1]}" for c in p.citations)
            samples.append((f"{name}:{article.id}", p.text + " " + "".join(
                f"[{c}]" for c in p.citations), cited))
    elapsed = time.perf_counter() - t0
    mean = {k: tuple(100 * sum(x[i] for x in v) / len(v) for i in range(3))
            for k, v in scores.items()}
    return {"set": name, "n": len(items), "rouge": mean,
            "precision": supported / bullets if bullets else 0.0, "bullets": bullets,
            "per_s": len(items) / elapsed if elapsed else 0.0}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=150, help="articles per set")
    ap.add_argument("--sample", type=Path, default=None)
    ap.add_argument("--seed", type=int, default=6)
    args = ap.parse_args()
    samples: list[tuple[str, str, str]] = []
    results = [run("vietnews", list(vietnews(args.n)), "vi", True, samples),
               run("cctv", list(cctv(args.n)), "zh", False, samples)]
    print("| set | n | system | R-1 | R-2 | R-L | citation precision (verifier) | briefs/s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        for system, (r1, r2, rl) in r["rouge"].items():  # type: ignore[union-attr]
            extra = (f"{r['precision']:.3f} of {r['bullets']}", f"{r['per_s']:.2f}") \
                if system == "brief" else ("", "")
            print(f"| {r['set']} | {r['n']} | {system} | {r1:.1f} | {r2:.1f} | {rl:.1f} | "
                  f"{extra[0]} | {extra[1]} |")
    if args.sample:
        rng = random.Random(args.seed)
        picked = rng.sample(samples, min(30, len(samples)))
        lines = ["# Hand-checked sample of 30 brief bullets (issue 6)", "",
                 "Written by `bench/briefs.py --sample`; each bullet with the paragraph(s) it "
                 "cites. Verdict added by hand below each.", ""]
        for i, (where, bullet, cited) in enumerate(picked, start=1):
            lines += [f"## {i}. {where}", "", f"**Bullet:** {bullet}", "", "**Cited:**", "",
                      *[f"> {c}" for c in cited.split("\n")], "", "**Verdict:** ", ""]
        args.sample.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
