"""Query-time snippet cost (issue 5): `newsdesk.search.snippets` against the previous algorithm.

For every hit on a results page the engine calls `snippets.make_snippet(paragraphs,
language, matches)` and `snippets.highlights(title, language, matches)`. This bench
times that pair per hit on real articles of ../shared/corpus/news (cctv zh, vietnews
vi, thaigov th; read in place by `bench/_scale_data.py`) with realistic queries:

* `own`   — a fragment of the article's own title (the hit matches: the lexical case);
* `other` — a fragment of another same-language article's title (partial or no match:
            a lower-ranked or dense hit).

Queries go through `parse_query` and `analyse_term` as the engine builds
`plan.highlight` (no language hint: Latin text is analysed as en and vi).

The baseline is the algorithm snippets.py had before (commit f28b588): analyse every
paragraph with the full chain until 6000 characters, then pick the best window. It
is copied here whole (`baseline_make_snippet`, `baseline_highlights` and their
helpers) rather than imported from git history, so the bench runs from a plain
checkout and later changes to snippets.py cannot silently change the baseline.
Agreement is reported beside the times: the share of (article, query) pairs whose
highlighted words (snippet and title, lowercased) are the same under both, and
whose snippet text is the same.

Pages: what one results page costs. A query (a fragment of one article's title)
and ten hits: that article and up to nine others of its language whose body holds
the fragment's longest word (for Chinese, its first two characters), the rest
drawn at random — roughly what the lexical index would return. The needle cache
is cleared before each page, so the page pays its query's regex compilation once,
as the engine's first hit does.

    .venv/bin/python bench/snippets.py [--per-lang 150] [--json /tmp/snippets.json]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # `python bench/snippets.py` from anywhere

from bench._scale_data import (  # noqa: E402
    _FRAGMENT_CUT,
    NEWS,
    Doc,
    load_cctv,
    load_thaigov,
    load_vietnews,
)
from bench._scale_stats import percentiles  # noqa: E402
from newsdesk.search import snippets  # noqa: E402
from newsdesk.search.query import parse_query  # noqa: E402
from newsdesk.search.terms import TermMatch, analyse_term  # noqa: E402
from newsdesk.search.types import Highlight, Snippet  # noqa: E402
from newsdesk.text.analysis import Token, analyze, warm_up  # noqa: E402

# --- the previous algorithm (snippets.py at f28b588), copied as the baseline -----------------

BASELINE_MAX_ANALYSED_CHARS = 6000
BASELINE_KINDS = ("char", "part", "word")


@dataclass(frozen=True)
class _Unit:
    text: str
    fold: str | None
    start: int
    end: int


def _baseline_stream(tokens: Sequence[Token]) -> tuple[dict[str, list[tuple[int, int]]],
                                                        list[_Unit]]:
    words: dict[str, list[tuple[int, int]]] = defaultdict(list)
    by_pos: dict[int, list[Token]] = defaultdict(list)
    for t in tokens:
        if t.kind == "word":
            words[t.text].append((t.start, t.end))
        by_pos[t.position].append(t)
    units: list[_Unit] = []
    for pos in sorted(by_pos):
        group = by_pos[pos]
        for kind in BASELINE_KINDS:
            exact = sorted((t for t in group if t.kind == kind and not t.folded),
                           key=lambda t: (t.start, t.end))
            if exact:
                folds = {(t.start, t.end): t.text for t in group if t.kind == kind and t.folded}
                units += [_Unit(t.text, folds.get((t.start, t.end)), t.start, t.end)
                          for t in exact]
                break
    return dict(words), units


def _baseline_sequence(units: list[_Unit], seq: Sequence[str],
                       folded: bool) -> list[tuple[int, int]]:
    if not seq:
        return []
    out = []
    n = len(seq)
    for i in range(len(units) - n + 1):
        if all((units[i + j].fold if folded else units[i + j].text) == seq[j] for j in range(n)):
            out.append((units[i].start, units[i + n - 1].end))
    return out


def _baseline_merge(found: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    out: list[tuple[int, int, int]] = []
    for s, e, k in sorted(found, key=lambda x: (x[0], -x[1])):
        if out and s < out[-1][1]:
            if e > out[-1][1]:
                ps, _, pk = out[-1]
                out[-1] = (ps, e, pk)
            continue
        out.append((s, e, k))
    return out


def baseline_find_matches(text: str, language: str,
                          matches: Sequence[TermMatch]) -> list[tuple[int, int, int]]:
    """Old `find_matches`: the whole text through `analyze`, then every unit compared."""
    if not text or not matches:
        return []
    words, units = _baseline_stream(analyze(text, language))
    found: list[tuple[int, int, int]] = []
    for k, m in enumerate(matches):
        spans: list[tuple[int, int]] = []
        if not m.fold_only:
            if not m.phrase:
                for w in m.words:
                    spans += words.get(w, [])
            spans += _baseline_sequence(units, m.sub, folded=False)
        if not m.phrase:
            for w in m.words_fold:
                spans += words.get(w, [])
        spans += _baseline_sequence(units, m.sub_fold, folded=True)
        found += [(s, e, k) for s, e in set(spans)]
    return _baseline_merge(found)


def baseline_highlights(text: str, language: str,
                        matches: Sequence[TermMatch]) -> tuple[Highlight, ...]:
    return tuple(Highlight(s, e) for s, e, _ in baseline_find_matches(text, language, matches))


def _baseline_spaced(text: str) -> bool:
    return text.count(" ") * 12 > len(text)


def _baseline_score(spans: list[tuple[int, int, int]]) -> float:
    return len({k for _, _, k in spans}) * 10 + min(len(spans), 9)


def _baseline_window(text: str, spans: list[tuple[int, int, int]]) -> tuple[int, int, float]:
    size, before = 200, 40  # SNIPPET_CHARS, CONTEXT_BEFORE
    if len(text) <= size:
        return 0, len(text), _baseline_score(spans)
    best = (0, size, -1.0)
    for anchor, _, _ in spans or [(0, 0, 0)]:
        start = max(0, min(anchor - before, len(text) - size))
        end = start + size
        score = _baseline_score([sp for sp in spans if sp[0] >= start and sp[1] <= end])
        if score > best[2]:
            best = (start, end, score)
    start, end, score = best
    if _baseline_spaced(text):
        if start > 0:
            space = text.find(" ", start, start + 20)
            first = min((s for s, _, _ in spans if s >= start), default=end)
            if 0 <= space < first:
                start = space + 1
        if end < len(text):
            space = text.rfind(" ", end - 20, end)
            last = max((e for _, e, _ in spans if e <= end), default=start)
            if space > last:
                end = space
    return start, end, score


def _baseline_cut(text: str, start: int, end: int,
                  spans: list[tuple[int, int, int]]) -> Snippet:
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - start
    marks = tuple(Highlight(s + shift, e + shift) for s, e, _ in spans
                  if s >= start and e <= end)
    return Snippet(prefix + text[start:end] + suffix, marks, "body")


def baseline_make_snippet(paragraphs: Sequence[str], language: str,
                          matches: Sequence[TermMatch]) -> Snippet | None:
    """Old `make_snippet`: every paragraph analysed in order until 6000 characters."""
    best: tuple[float, str, int, int, list[tuple[int, int, int]]] | None = None
    analysed = 0
    wanted = len(matches)
    for text in paragraphs:
        if not text.strip():
            continue
        if analysed > BASELINE_MAX_ANALYSED_CHARS:
            break
        analysed += len(text)
        spans = baseline_find_matches(text, language, matches) if matches else []
        if not spans:
            continue
        start, end, score = _baseline_window(text, spans)
        if best is None or score > best[0]:
            best = (score, text, start, end, spans)
        if len({k for _, _, k in spans}) >= wanted and score >= wanted * 10 + 3:
            break
    if best is None:
        first = next((p for p in paragraphs if p.strip()), "")
        if not first:
            return None
        start, end, _ = _baseline_window(first, [])
        return _baseline_cut(first, start, end, [])
    _, text, start, end, spans = best
    return _baseline_cut(text, start, end, spans)


# --- workload ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    doc: Doc
    query: str
    kind: str  # "own" | "other"
    matches: tuple[TermMatch, ...]


def fragment(title: str, language: str, rng: random.Random) -> str:
    """A short keyword query from a title, as bench/search_scale.py makes them."""
    frags = [f.strip() for f in _FRAGMENT_CUT.split(title) if f.strip()]
    frag = max(frags, key=len) if frags else title
    words = frag.split()
    if len(words) > 4:
        start = rng.randrange(len(words) - 3)
        frag = " ".join(words[start : start + rng.randint(2, 4)])
    elif language == "zh" and len(frag) > 8:
        start = rng.randrange(len(frag) - 5)
        frag = frag[start : start + rng.randint(3, 6)]
    return frag


def highlight_matches(query: str) -> tuple[TermMatch, ...]:
    """What the engine highlights for `query` (its `plan.highlight`), without a language hint."""
    parsed = parse_query(query)
    return tuple(m for clause in parsed.clauses for t in clause.alternatives
                 for m in analyse_term(t).matches())


def make_cases(docs: Sequence[Doc], per_lang: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    by_lang: dict[str, list[Doc]] = defaultdict(list)
    for d in docs:
        by_lang[d.language].append(d)
    cases: list[Case] = []
    for lang, pool in sorted(by_lang.items()):
        sample = rng.sample(pool, min(per_lang, len(pool)))
        for d in sample:
            other = rng.choice(pool)
            for kind, source in (("own", d), ("other", other)):
                q = fragment(source.title, lang, rng)
                m = highlight_matches(q)
                if m:
                    cases.append(Case(d, q, kind, m))
    return cases


# --- measuring --------------------------------------------------------------------------------


def words(snippet: Snippet | None, title: str, marks: Sequence[Highlight]) -> tuple[Any, ...]:
    body = sorted(snippet.text[h.start:h.end].lower() for h in snippet.highlights) if snippet \
        else []
    return tuple(body), tuple(sorted(title[h.start:h.end].lower() for h in marks))


def run(cases: Sequence[Case]) -> dict[str, Any]:
    times: dict[tuple[str, str], list[float]] = defaultdict(list)
    agree: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    differ: list[dict[str, Any]] = []
    for c in cases:
        lang = c.doc.language
        t0 = time.perf_counter()
        old = baseline_make_snippet(c.doc.paragraphs, lang, c.matches)
        old_title = baseline_highlights(c.doc.title, lang, c.matches)
        t1 = time.perf_counter()
        new = snippets.make_snippet(c.doc.paragraphs, lang, c.matches)
        new_title = snippets.highlights(c.doc.title, lang, c.matches)
        t2 = time.perf_counter()
        times[(lang, "baseline")].append((t1 - t0) * 1000)
        times[(lang, "new")].append((t2 - t1) * 1000)
        for key in (lang, f"{lang}/{c.kind}"):
            times[(key, "baseline-k")].append((t1 - t0) * 1000)
            times[(key, "new-k")].append((t2 - t1) * 1000)
        same_words = words(old, c.doc.title, old_title) == words(new, c.doc.title, new_title)
        same_text = (old.text if old else None) == (new.text if new else None)
        agree[lang].append((same_words, same_text))
        agree[f"{lang}/{c.kind}"].append((same_words, same_text))
        if not same_words and len(differ) < 40:
            differ.append({"lang": lang, "query": c.query, "kind": c.kind,
                           "old": words(old, c.doc.title, old_title),
                           "new": words(new, c.doc.title, new_title)})
    out: dict[str, Any] = {"per_hit_ms": {}, "agreement": {}, "differences": differ}
    for key in sorted(agree):
        out["per_hit_ms"][key] = {"baseline": percentiles(times[(key, "baseline-k")]),
                                  "new": percentiles(times[(key, "new-k")])}
        pairs = agree[key]
        out["agreement"][key] = {"cases": len(pairs),
                                 "same_highlights": sum(a for a, _ in pairs) / len(pairs),
                                 "same_text": sum(b for _, b in pairs) / len(pairs)}
    return out


@dataclass(frozen=True)
class Page:
    language: str
    query: str
    matches: tuple[TermMatch, ...]
    hits: tuple[Doc, ...]


def _probe(query: str, language: str) -> str:
    if language == "zh":
        return next((query[i:i + 2] for i in range(len(query) - 1)
                     if all("\u4e00" <= ch <= "\u9fff" for ch in query[i:i + 2])), query[:2])
    return max(query.split(), key=len)


def make_pages(docs: Sequence[Doc], per_lang: int, seed: int, size: int = 10) -> list[Page]:
    rng = random.Random(seed + 1)
    by_lang: dict[str, list[Doc]] = defaultdict(list)
    for d in docs:
        by_lang[d.language].append(d)
    pages: list[Page] = []
    for lang, pool in sorted(by_lang.items()):
        for d in rng.sample(pool, min(per_lang, len(pool))):
            q = fragment(d.title, lang, rng)
            m = highlight_matches(q)
            if not m:
                continue
            probe = _probe(q, lang)
            holding = [o for o in rng.sample(pool, min(3000, len(pool)))
                       if o is not d and any(probe in para for para in o.paragraphs)]
            hits = [d, *holding[: size - 1]]
            while len(hits) < size:
                hits.append(rng.choice(pool))
            pages.append(Page(lang, q, m, tuple(hits)))
    return pages


def run_pages(pages: Sequence[Page]) -> dict[str, Any]:
    """Per-page ms (all hits' snippet + title highlights), baseline and new."""
    times: dict[tuple[str, str], list[float]] = defaultdict(list)
    for page in pages:
        t0 = time.perf_counter()
        for d in page.hits:
            baseline_make_snippet(d.paragraphs, d.language, page.matches)
            baseline_highlights(d.title, d.language, page.matches)
        t1 = time.perf_counter()
        snippets.clear_caches()
        t2 = time.perf_counter()
        for d in page.hits:
            snippets.make_snippet(d.paragraphs, d.language, page.matches)
            snippets.highlights(d.title, d.language, page.matches)
        t3 = time.perf_counter()
        times[(page.language, "baseline")].append((t1 - t0) * 1000)
        times[(page.language, "new")].append((t3 - t2) * 1000)
    return {lang: {"pages": len(times[(lang, "new")]),
                   "baseline": percentiles(times[(lang, "baseline")]),
                   "new": percentiles(times[(lang, "new")])}
            for lang in sorted({k for k, _ in times})}


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--per-lang", type=int, default=150, help="articles per language")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--pages", type=int, default=40, help="10-hit pages per language")
    p.add_argument("--repeat", type=int, default=1, help="timed passes over the cases")
    p.add_argument("--json", type=Path, help="write the figures to this JSON file")
    args = p.parse_args(argv)
    if args.per_lang <= 0 or args.repeat <= 0:
        p.error("--per-lang and --repeat must be positive")
    if not NEWS.is_dir():
        print(f"error: the news corpus is not at {NEWS}", file=sys.stderr)
        return 2
    warm_up(("zh", "vi", "th", "en"))
    docs = load_cctv() + load_vietnews() + load_thaigov()
    cases = make_cases(docs, args.per_lang, args.seed)
    run(cases[:30])  # untimed warm-up (regex compilation, OpenCC, stemmers)
    result: dict[str, Any] = {}
    for _ in range(args.repeat):
        result = run(cases)
    print(f"snippet + title highlights per hit, ms ({len(cases)} cases, "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC)")
    print(f"{'lang/query':<12} {'n':>4} {'old p50':>8} {'old p95':>8} {'new p50':>8} "
          f"{'new p95':>8} {'same hl':>8} {'same text':>9}")
    for key, t in result["per_hit_ms"].items():
        a = result["agreement"][key]
        print(f"{key:<12} {a['cases']:>4} {t['baseline']['p50']:>8.2f} "
              f"{t['baseline']['p95']:>8.2f} {t['new']['p50']:>8.2f} {t['new']['p95']:>8.2f} "
              f"{a['same_highlights']:>8.1%} {a['same_text']:>9.1%}")
    result["pages_ms"] = run_pages(make_pages(docs, args.pages, args.seed))
    print("\none results page (10 hits: snippets + title highlights), ms")
    print(f"{'lang':<12} {'pages':>5} {'old p50':>8} {'old p95':>8} {'new p50':>8} {'new p95':>8}")
    for lang, t in result["pages_ms"].items():
        print(f"{lang:<12} {t['pages']:>5} {t['baseline']['p50']:>8.2f} "
              f"{t['baseline']['p95']:>8.2f} {t['new']['p50']:>8.2f} {t['new']['p95']:>8.2f}")
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
