"""Extraction benchmark: newsdesk against plain trafilatura and htmldate, side by side.

Sets (all read in place from ../shared/corpus, never copied):

* scrapinghub  181 article pages with gold `articleBody`: body P/R/F1, scored exactly
               as scrapinghub/article-extraction-benchmark does (see bench/_scoring.py).
* fundus       one or more real pages per publisher, 40+ countries, gold body, title,
               authors, publish date and image captions. Each `<Publisher>.json` holds
               one entry per parser version (V1, V1_1, V2, …); versions are matched to the
               publisher's HTML files in order (oldest file → oldest version), which is
               how Fundus's own tests pair them (a later parser for a later crawl date).
* dates        htmldate's MediaCloud 2020 set: 200 pages with a gold publish day.
* demo         our own demo corpus (demo/manifest.jsonl): body P/R/F1 plus leaks of
               captions and known regional boilerplate into the body.

Speed is pages per second over the wall clock of the extraction calls only, after
one untimed warm-up call per system and set. newsdesk's call includes decoding the
bytes, metadata and date finding; trafilatura's text call gets an already decoded
string and finds the body only, so the comparison flatters trafilatura a little.

    .venv/bin/python bench/extraction.py [--sets scrapinghub,fundus,dates,demo]
                                         [--limit N] [--json PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import json
import os
import platform
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import trafilatura
from htmldate import find_date
from trafilatura.utils import decode_file

import newsdesk.extract as extract_pkg
from newsdesk.errors import InputError
from newsdesk.extract.html import EXTRACTOR_VERSION, extract_html
from newsdesk.text.langid import detect_language

try:  # `python -m bench.extraction` or an importer with the repo root on sys.path
    from bench import _scoring as sc
except ModuleNotFoundError:  # `python bench/extraction.py`
    import _scoring as sc  # type: ignore[no-redef]

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / ".." / "shared" / "corpus"
DEMO_MANIFEST = REPO / "demo" / "manifest.jsonl"
ALL_SETS = ("scrapinghub", "fundus", "dates", "demo")

# Strings that must never reach an article body (regional news templates).
BOILERPLATE_STRINGS = (
    "Tin liên quan", "Tin cũ hơn", "Nhỏ Bình thường Lớn", "相关新闻", "字号", "Related", "Share",
)
MIN_CAPTION_CHARS = 8  # shorter gold captions ("Foto", "AP") match by accident
WORST_N = 10

ND, TF, TFM, HD = "newsdesk", "trafilatura", "trafilatura-meta", "htmldate"


# --- pages and outputs ----------------------------------------------------------


@dataclass
class Page:
    id: str
    url: str | None
    data: bytes
    html: str  # decoded text for trafilatura and htmldate
    gold_body: str | None = None
    gold_title: str | None = None
    gold_authors: list[str] | None = None
    gold_date: str | None = None  # ISO date or datetime
    gold_captions: list[str] = field(default_factory=list)
    lang: str = "und"


@dataclass
class Output:
    body: str | None = None
    title: str | None = None
    authors: list[str] | None = None
    day: date | None = None
    when: datetime | None = None  # full datetime, when the system gives one
    date_source: str | None = None
    tz_assumed: bool | None = None
    captions: list[str] = field(default_factory=list)
    language: str | None = None
    note: str | None = None  # InputError reason (an expected "no article" answer)
    error: str | None = None  # unexpected exception: a bug in that system


def _decode(data: bytes) -> str:
    return decode_file(data)


def _lang(text: str | None) -> str:
    return detect_language(text).base if text and text.strip() else "und"


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    return [str(v) for v in value if v and str(v).strip()]


def load_scrapinghub(root: Path, limit: int | None) -> list[Page]:
    base = root / "extraction" / "scrapinghub"
    truth = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for pid in sorted(truth)[:limit]:
        data = gzip.decompress((base / "html" / f"{pid}.html.gz").read_bytes())
        body = truth[pid].get("articleBody") or ""
        pages.append(Page(id=pid, url=truth[pid].get("url"), data=data,
                          html=data.decode("utf-8", errors="replace"), gold_body=body,
                          lang=_lang(body)))
    return pages


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", version))


def fundus_body(entry: dict[str, Any]) -> str:
    """Summary paragraphs, then each section's headline(s) and paragraphs, in order."""
    body = entry.get("body") or {}
    parts = _as_list(body.get("summary"))
    for section in body.get("sections") or []:
        parts += _as_list(section.get("headline"))
        parts += _as_list(section.get("paragraphs"))
    return "\n".join(parts)


def load_fundus(root: Path, limit: int | None) -> list[Page]:
    base = root / "extraction" / "fundus"
    pages: list[Page] = []
    for country in sorted(p for p in base.iterdir() if p.is_dir()):
        info = json.loads((country / "meta.info").read_text(encoding="utf-8"))
        for gold_path in sorted(country.glob("*.json")):
            publisher = gold_path.stem
            gold = json.loads(gold_path.read_text(encoding="utf-8"))
            files = sorted(country.glob(f"{publisher}_*.html.gz"))
            versions = sorted(gold, key=_version_key)
            if len(files) != len(versions):
                print(f"fundus: {country.name}/{publisher}: {len(files)} pages but "
                      f"{len(versions)} gold versions; skipped", file=sys.stderr)
                continue
            for path, version in zip(files, versions, strict=True):
                entry = gold[version]
                data = gzip.decompress(path.read_bytes())
                body = fundus_body(entry)
                captions = [c for c in (img.get("caption") for img in entry.get("images") or [])
                            if c]
                pages.append(Page(
                    id=f"{country.name}/{path.name.removesuffix('.html.gz')}",
                    url=(info.get(path.name) or {}).get("url"), data=data, html=_decode(data),
                    gold_body=body, gold_title=entry.get("title"),
                    gold_authors=_as_list(entry.get("authors")),
                    gold_date=entry.get("publishing_date"), gold_captions=captions,
                    lang=_lang(body),
                ))
    return pages[:limit]


def load_dates(root: Path, limit: int | None) -> list[Page]:
    base = root / "dates" / "htmldate-mediacloud2020"
    gold = json.loads((base / "gold.json").read_text(encoding="utf-8"))
    pages = []
    for url, item in list(gold.items())[:limit]:
        data = (base / "pages" / item["file"]).read_bytes()
        # Five pages have no gold date (NaN): as in htmldate's own evaluation, answering
        # "no date" there is correct and any date is wrong.
        gold_date = item["date"] if isinstance(item["date"], str) else None
        pages.append(Page(id=item["file"], url=url, data=data, html=_decode(data),
                          gold_date=gold_date))
    return pages


def load_demo(manifest: Path, limit: int | None) -> list[Page]:
    pages = []
    for line in manifest.read_text(encoding="utf-8").splitlines()[:limit]:
        if not line.strip():
            continue
        item = json.loads(line)
        path = manifest.parent / item["path"]
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        body = "\n".join(_as_list(item.get("paragraphs")))
        pages.append(Page(
            id=item["path"], url=item.get("url"), data=data, html=_decode(data), gold_body=body,
            gold_title=item.get("title"), gold_authors=_as_list(item.get("authors")),
            gold_date=item.get("published"), gold_captions=_as_list(item.get("caption")),
            lang=_lang(body),
        ))
    return pages


# --- systems --------------------------------------------------------------------


def run_newsdesk(page: Page) -> Output:
    try:
        result = extract_html(page.data, url=page.url, where=page.id)
    except InputError as exc:
        return Output(note=f"{type(exc).__name__}: {exc.reason}")
    published = result.published
    return Output(
        body="\n".join(result.paragraphs), title=result.title, authors=list(result.authors),
        day=published.value.date() if published else None,
        when=published.value if published else None,
        date_source=published.source if published else None,
        tz_assumed=published.tz_assumed if published else None,
        captions=list(result.captions), language=result.language,
    )


def run_trafilatura(page: Page) -> Output:
    text = trafilatura.extract(page.html, url=page.url, include_comments=False,
                               include_tables=False)
    return Output(body=text or None)


def run_trafilatura_meta(page: Page) -> Output:
    doc = trafilatura.extract_metadata(page.html, default_url=page.url)
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    return Output(title=doc.title, authors=authors, day=sc.parse_day(doc.date))


def run_htmldate(page: Page) -> Output:
    found = find_date(page.html, extensive_search=True, original_date=True, url=page.url)
    return Output(day=sc.parse_day(found))


def htmldate_with_time(page: Page) -> datetime | None:
    """A second, untimed htmldate call asking for the time and offset too."""
    try:
        found = find_date(page.html, extensive_search=True, original_date=True, url=page.url,
                          outputformat="%Y-%m-%dT%H:%M:%S%z")
    except Exception:
        return None
    return sc.parse_loose_datetime(found)


SYSTEMS: dict[str, Callable[[Page], Output]] = {
    ND: run_newsdesk, TF: run_trafilatura, TFM: run_trafilatura_meta, HD: run_htmldate,
}
SET_SYSTEMS = {
    "scrapinghub": (ND, TF),
    "fundus": (ND, TF, TFM, HD),
    "dates": (ND, HD, TFM),
    "demo": (ND, TF, TFM),
}


@dataclass
class RunResult:
    outputs: dict[str, dict[str, Output]]  # system -> page id -> output
    seconds: dict[str, float]
    exceptions: list[dict[str, str]]


def run_systems(set_name: str, pages: list[Page], systems: tuple[str, ...]) -> RunResult:
    outputs: dict[str, dict[str, Output]] = {s: {} for s in systems}
    seconds = dict.fromkeys(systems, 0.0)
    exceptions: list[dict[str, str]] = []
    for name in systems:  # warm-up: imports, model loads, regex compiles
        with contextlib.suppress(Exception):  # reported when the page is run for real
            SYSTEMS[name](pages[0])
    start = time.perf_counter()
    for i, page in enumerate(pages, 1):
        for name in systems:
            t0 = time.perf_counter()
            try:
                out = SYSTEMS[name](page)
            except Exception as exc:
                out = Output(error=f"{type(exc).__name__}: {exc}"[:300])
                exceptions.append({"set": set_name, "system": name, "page": page.id,
                                   "error": out.error})
            seconds[name] += time.perf_counter() - t0
            outputs[name][page.id] = out
        if set_name == "fundus" and page.gold_date:
            outputs[HD][page.id].when = htmldate_with_time(page)
        if i % 25 == 0 or i == len(pages):
            print(f"  {set_name}: {i}/{len(pages)} pages ({time.perf_counter() - start:.0f} s)",
                  file=sys.stderr)
    return RunResult(outputs, seconds, exceptions)


# --- scoring --------------------------------------------------------------------


def _agg_json(scores: list[sc.PageScore], outs: list[Output]) -> dict[str, Any]:
    agg, strict = sc.aggregate(scores), sc.aggregate_strict(scores)
    return {
        "precision": agg.precision, "recall": agg.recall, "f1": agg.f1, "pages": agg.pages,
        "empty": sum(1 for o in outs if not (o.body or "").strip()),
        "errors": sum(1 for o in outs if o.error),
        "strict_f1": strict.f1, "strict_precision": strict.precision,
    }


def score_bodies(pages: list[Page], run: RunResult, systems: tuple[str, ...]) -> dict[str, Any]:
    per_page: list[dict[str, Any]] = []
    scores: dict[str, list[sc.PageScore]] = {s: [] for s in systems}
    by_lang: dict[str, dict[str, list[tuple[sc.PageScore, Output]]]] = defaultdict(
        lambda: defaultdict(list))
    for page in pages:
        row: dict[str, Any] = {"id": page.id, "lang": page.lang, "url": page.url}
        for s in systems:
            out = run.outputs[s][page.id]
            score = sc.score_page(page.gold_body, out.body)
            scores[s].append(score)
            by_lang[page.lang][s].append((score, out))
            row[s] = {"precision": score.precision, "recall": score.recall, "f1": score.f1,
                      "empty": not (out.body or "").strip(), "note": out.note,
                      "error": out.error}
        per_page.append(row)
    overall = {}
    for s in systems:
        outs = [run.outputs[s][p.id] for p in pages]
        overall[s] = _agg_json(scores[s], outs)
        overall[s]["pages_per_s"] = len(pages) / run.seconds[s] if run.seconds[s] else None
    languages = {
        lang: {s: _agg_json([x[0] for x in pairs], [x[1] for x in pairs])
               for s, pairs in per_sys.items()}
        for lang, per_sys in sorted(by_lang.items(), key=lambda kv: (-len(kv[1][ND]), kv[0]))
    }
    worst = sorted(per_page, key=lambda r: (r[ND]["f1"] - r[TF]["f1"], r[ND]["f1"]))[:WORST_N]
    return {
        "overall": overall, "by_language": languages, "per_page": per_page,
        "worst": [{"id": r["id"], "lang": r["lang"], "newsdesk_f1": r[ND]["f1"],
                   "trafilatura_f1": r[TF]["f1"], "newsdesk_note": r[ND]["note"],
                   "newsdesk_error": r[ND]["error"]} for r in worst],
    }


def _count(text: str, needle: str) -> int:
    if needle.isascii():  # whole words only: "Share" must not hit "shared"
        return len(re.findall(rf"(?<!\w){re.escape(needle)}(?!\w)", text))
    return text.count(needle)


def score_leaks(pages: list[Page], run: RunResult, systems: tuple[str, ...],
                strings: tuple[str, ...]) -> dict[str, Any]:
    """Pages where a gold caption or a boilerplate string shows up in the body.

    A string leaks when it occurs more often in the extracted body than in the gold
    body (so an article that really says "Share" is not counted); a caption leaks
    when its normalised text is in the extracted body but not in the gold body.
    """
    result: dict[str, Any] = {}
    for s in systems:
        pages_any, pages_caption, pages_string = [], [], []
        by_string: Counter[str] = Counter()
        for page in pages:
            body = run.outputs[s][page.id].body or ""
            gold = page.gold_body or ""
            leaked = [x for x in strings if _count(body, x) > _count(gold, x)]
            body_key, gold_key = sc.norm_text(body), sc.norm_text(gold)
            caption_leak = any(
                len(key) >= MIN_CAPTION_CHARS and key in body_key and key not in gold_key
                for key in (sc.norm_text(c) for c in page.gold_captions)
            )
            by_string.update(leaked)
            if leaked:
                pages_string.append(page.id)
            if caption_leak:
                pages_caption.append(page.id)
            if leaked or caption_leak:
                pages_any.append(page.id)
        result[s] = {"pages_with_leak": len(pages_any), "caption_leak_pages": len(pages_caption),
                     "string_leak_pages": len(pages_string), "by_string": dict(by_string),
                     "caption_leak_ids": pages_caption, "string_leak_ids": pages_string,
                     "pages": len(pages)}
    return result


def _rate(hits: int, n: int) -> dict[str, Any]:
    return {"accuracy": hits / n if n else None, "correct": hits, "pages": n}


def score_metadata(pages: list[Page], run: RunResult, title_systems: tuple[str, ...],
                   date_systems: tuple[str, ...]) -> dict[str, Any]:
    titles, authors, dates = {}, {}, {}
    with_title = [p for p in pages if sc.norm_text(p.gold_title)]
    with_authors = [p for p in pages if sc.author_set(p.gold_authors)]
    for s in title_systems:
        outs = run.outputs[s]
        titles[s] = _rate(sum(sc.title_match(p.gold_title, outs[p.id].title)
                              for p in with_title), len(with_title))
        exact = sum(sc.author_set(p.gold_authors) == sc.author_set(outs[p.id].authors)
                    for p in pages)
        overlap = sum(bool(sc.author_set(p.gold_authors) & sc.author_set(outs[p.id].authors))
                      for p in with_authors)
        authors[s] = {"exact_set": _rate(exact, len(pages)),
                      "any_overlap": _rate(overlap, len(with_authors))}
    gold_dt = {p.id: sc.parse_gold_datetime(p.gold_date) for p in pages}
    with_day = [p for p in pages if sc.parse_day(p.gold_date)]
    with_time = [p for p in pages if sc.gold_has_time(gold_dt[p.id])]
    for s in date_systems:
        outs = run.outputs[s]
        day_hits = sum(outs[p.id].day == sc.parse_day(p.gold_date) for p in with_day)
        entry: dict[str, Any] = {
            "same_day": _rate(day_hits, len(with_day)),
            "found": sum(outs[p.id].day is not None for p in with_day),
        }
        if s == TFM:  # trafilatura's metadata gives the day only
            entry["minute_and_offset"] = entry["same_instant"] = None
        else:
            entry["minute_and_offset"] = _rate(sum(
                sc.minute_exact(gold_dt[p.id], outs[p.id].when) for p in with_time),  # type: ignore[arg-type]
                len(with_time))
            entry["same_instant"] = _rate(sum(
                sc.same_instant_minute(gold_dt[p.id], outs[p.id].when)  # type: ignore[arg-type]
                for p in with_time), len(with_time))
        dates[s] = entry
    return {"title": titles, "authors": authors, "date": dates}


def score_dates(pages: list[Page], run: RunResult, systems: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for s in systems:
        outs = run.outputs[s]
        hits = sum(outs[p.id].day == sc.parse_day(p.gold_date) for p in pages)
        out[s] = {**_rate(hits, len(pages)),
                  "found": sum(outs[p.id].day is not None for p in pages),
                  "pages_per_s": len(pages) / run.seconds[s] if run.seconds[s] else None}
    sources: dict[str, dict[str, int]] = defaultdict(lambda: {"pages": 0, "correct": 0})
    for p in pages:
        o = run.outputs[ND][p.id]
        key = o.date_source or "none"
        sources[key]["pages"] += 1
        sources[key]["correct"] += o.day == sc.parse_day(p.gold_date)
    out["newsdesk_no_article"] = sum(1 for p in pages if run.outputs[ND][p.id].note)
    out["newsdesk_by_source"] = dict(sorted(sources.items(), key=lambda kv: -kv[1]["pages"]))
    out["newsdesk_wrong"] = [
        {"id": p.id, "url": p.url, "gold": p.gold_date,
         "newsdesk": run.outputs[ND][p.id].day.isoformat() if run.outputs[ND][p.id].day else None,
         "source": run.outputs[ND][p.id].date_source,
         "htmldate": run.outputs[HD][p.id].day.isoformat() if run.outputs[HD][p.id].day else None}
        for p in pages if run.outputs[ND][p.id].day != sc.parse_day(p.gold_date)
    ]
    return out


def score_captions(pages: list[Page], run: RunResult) -> dict[str, Any]:
    """Share of gold captions newsdesk lists as captions (either text inside the other)."""
    total = found = 0
    for p in pages:
        mine = [sc.norm_text(c) for c in run.outputs[ND][p.id].captions]
        for cap in p.gold_captions:
            key = sc.norm_text(cap)
            if len(key) < MIN_CAPTION_CHARS:
                continue
            total += 1
            found += any(key in m or (m and m in key) for m in mine)
    return _rate(found, total)


# --- report ---------------------------------------------------------------------


def _f(x: float | None, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def body_table(set_name: str, body: dict[str, Any]) -> list[str]:
    lines = []
    for s, m in body["overall"].items():
        lines.append(f"{set_name:<12} {'all':<6} {s:<12} {_f(m['precision'])} {_f(m['recall'])} "
                     f"{_f(m['f1'])} {m['pages']:>5} {m['empty']:>5} {m['errors']:>4} "
                     f"{_f(m['pages_per_s'], 1):>7}")
    for lang, per_sys in body["by_language"].items():
        for s, m in per_sys.items():
            lines.append(f"{set_name:<12} {lang:<6} {s:<12} {_f(m['precision'])} "
                         f"{_f(m['recall'])} {_f(m['f1'])} {m['pages']:>5} {m['empty']:>5} "
                         f"{m['errors']:>4}")
    return lines


BODY_HEADER = (f"{'set':<12} {'lang':<6} {'system':<12} {'P':<5} {'R':<5} {'F1':<5} "
               f"{'pages':>5} {'empty':>5} {'err':>4} {'pages/s':>7}")


def _acc(entry: dict[str, Any] | None) -> str:
    if not entry or entry["accuracy"] is None:
        return "-"
    return f"{entry['accuracy']:.3f} ({entry['correct']}/{entry['pages']})"


def print_report(results: dict[str, Any]) -> None:
    sets = results["sets"]
    body_sets = [s for s in ("scrapinghub", "fundus", "demo") if s in sets and "body" in sets[s]]
    if body_sets:
        print("\nBody extraction: shingle P/R/F1 (macro over pages; "
              "empty = pages with no body output)")
        print(BODY_HEADER)
        print("-" * len(BODY_HEADER))
        for s in body_sets:
            print("\n".join(body_table(s, sets[s]["body"])))
    meta_sets = [s for s in ("fundus", "demo") if s in sets and "metadata" in sets[s]]
    for s in meta_sets:
        meta = sets[s]["metadata"]
        print(f"\nTitles and authors ({s}): normalised exact match")
        print(f"{'system':<18} {'title':<22} {'authors (set equal)':<22} "
              "authors (any overlap)")
        for system, t in meta["title"].items():
            a = meta["authors"][system]
            print(f"{system:<18} {_acc(t):<22} {_acc(a['exact_set']):<22} "
                  f"{_acc(a['any_overlap'])}")
        print(f"\nPublish dates ({s})")
        print(f"{'system':<18} {'same day':<22} {'minute+offset':<22} {'same instant':<22} "
              f"{'found':>5}")
        for system, d in meta["date"].items():
            print(f"{system:<18} {_acc(d['same_day']):<22} {_acc(d['minute_and_offset']):<22} "
                  f"{_acc(d['same_instant']):<22} {d['found']:>5}")
    if "dates" in sets:
        d = sets["dates"]["date"]
        print("\nPublish dates (htmldate MediaCloud 2020): share of pages with the gold day")
        print(f"{'system':<18} {'accuracy':<22} {'found':>5} {'pages/s':>8}")
        for system in SET_SYSTEMS["dates"]:
            m = d[system]
            print(f"{system:<18} {_acc(m):<22} {m['found']:>5} {_f(m['pages_per_s'], 1):>8}")
        print(f"newsdesk raised InputError (no article, so no date either) on "
              f"{d['newsdesk_no_article']} pages")
        print("newsdesk by date source (correct/pages): " + ", ".join(
            f"{k} {v['correct']}/{v['pages']}" for k, v in d["newsdesk_by_source"].items()))
    for s in ("fundus", "demo"):
        if s in sets and "leaks" in sets[s]:
            print(f"\nLeaks into the body ({s}): pages with a gold caption or a boilerplate "
                  "string in the body that the gold body does not have")
            for system, m in sets[s]["leaks"].items():
                strings = ", ".join(f"{k} {v}" for k, v in sorted(m["by_string"].items()))
                print(f"{system:<12} any {m['pages_with_leak']:>3}/{m['pages']}  caption "
                      f"{m['caption_leak_pages']:>3}  strings {m['string_leak_pages']:>3}"
                      f"{'  (' + strings + ')' if strings else ''}")
    if "fundus" in sets and "captions" in sets["fundus"]:
        print(f"\nnewsdesk caption recall (fundus, gold captions of {MIN_CAPTION_CHARS}+ chars "
              f"found among page.captions): {_acc(sets['fundus']['captions'])}")
    for s in ("scrapinghub", "fundus", "demo"):
        if s in sets and "body" in sets[s]:
            print(f"\n{WORST_N} pages where newsdesk F1 is lowest relative to trafilatura ({s})")
            print(f"{'id':<68} {'lang':<5} {'nd F1':>6} {'tf F1':>6}  note")
            for w in sets[s]["body"]["worst"]:
                note = w["newsdesk_error"] or w["newsdesk_note"] or ""
                print(f"{w['id']:<68} {w['lang']:<5} {w['newsdesk_f1']:>6.3f} "
                      f"{w['trafilatura_f1']:>6.3f}  {note[:80]}")
    if results["exceptions"]:
        print(f"\nUnexpected exceptions ({len(results['exceptions'])}):")
        for e in results["exceptions"]:
            print(f"  {e['set']} {e['system']} {e['page']}: {e['error'][:160]}")
    for s, msg in results["skipped"].items():
        print(f"\nskipped {s}: {msg}")


def _version(dist: str) -> str | None:
    try:
        return importlib_metadata.version(dist)
    except importlib_metadata.PackageNotFoundError:
        return None


def _source_digest() -> str:
    """A short hash of newsdesk's extraction sources, to tie figures to a code state."""
    digest = hashlib.sha256()
    for path in sorted(Path(extract_pkg.__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, (date, datetime)):
        return obj.isoformat()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default=",".join(ALL_SETS),
                        help=f"comma-separated subset of {','.join(ALL_SETS)}")
    parser.add_argument("--limit", type=int, default=None, help="pages per set (quick runs)")
    parser.add_argument("--json", type=Path, default=None, help="write all figures here")
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in ALL_SETS]
    if unknown:
        parser.error(f"unknown set(s) {', '.join(unknown)}; choose from {', '.join(ALL_SETS)}")
    corpus = CORPUS.resolve()
    if not corpus.is_dir():
        print(f"The shared corpus is not at {corpus} (expected ../shared/corpus next to the "
              "repository); nothing to benchmark.", file=sys.stderr)
        return 2

    results: dict[str, Any] = {
        "meta": {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
            "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                        "python": platform.python_version()},
            "versions": {d: _version(d) for d in ("newsdesk", "trafilatura", "htmldate", "lxml")},
            "newsdesk_extractor_version": EXTRACTOR_VERSION,
            "newsdesk_extract_sha256": _source_digest(),
            "limit": args.limit,
        },
        "sets": {}, "exceptions": [], "skipped": {},
    }
    loaders: dict[str, Callable[[], list[Page]]] = {
        "scrapinghub": lambda: load_scrapinghub(corpus, args.limit),
        "fundus": lambda: load_fundus(corpus, args.limit),
        "dates": lambda: load_dates(corpus, args.limit),
        "demo": lambda: load_demo(DEMO_MANIFEST, args.limit),
    }
    for set_name in chosen:
        if set_name == "demo" and not DEMO_MANIFEST.is_file():
            msg = f"{DEMO_MANIFEST.relative_to(REPO)} is missing (not built yet)"
            print(f"skipping demo: {msg}", file=sys.stderr)
            results["skipped"]["demo"] = msg
            continue
        print(f"loading {set_name}…", file=sys.stderr)
        pages = loaders[set_name]()
        if not pages:
            results["skipped"][set_name] = "no pages"
            continue
        systems = SET_SYSTEMS[set_name]
        run = run_systems(set_name, pages, systems)
        results["exceptions"] += run.exceptions
        entry: dict[str, Any] = {
            "pages": len(pages),
            "seconds": run.seconds,
            "pages_per_s": {s: len(pages) / t if t else None for s, t in run.seconds.items()},
        }
        if set_name in ("scrapinghub", "fundus", "demo"):
            entry["body"] = score_bodies(pages, run, (ND, TF))
        if set_name in ("fundus", "demo"):
            date_systems = (ND, TFM, HD) if set_name == "fundus" else (ND, TFM)
            entry["metadata"] = score_metadata(pages, run, (ND, TFM), date_systems)
            strings = BOILERPLATE_STRINGS if set_name == "demo" else ()
            entry["leaks"] = score_leaks(pages, run, (ND, TF), strings)
        if set_name == "fundus":
            entry["captions"] = score_captions(pages, run)
            entry["newsdesk_dates"] = [
                {"id": p.id, "gold": p.gold_date,
                 "newsdesk": run.outputs[ND][p.id].when,
                 "source": run.outputs[ND][p.id].date_source,
                 "tz_assumed": run.outputs[ND][p.id].tz_assumed,
                 "htmldate": run.outputs[HD][p.id].when}
                for p in pages
            ]
            entry["newsdesk_meta"] = [
                {"id": p.id, "gold_title": p.gold_title, "title": run.outputs[ND][p.id].title,
                 "gold_authors": p.gold_authors, "authors": run.outputs[ND][p.id].authors}
                for p in pages
            ]
        if set_name == "dates":
            entry["date"] = score_dates(pages, run, systems)
        results["sets"][set_name] = entry

    meta = results["meta"]
    print(f"newsdesk {meta['versions']['newsdesk']} (extractor {EXTRACTOR_VERSION}, sources "
          f"{meta['newsdesk_extract_sha256']}), trafilatura {meta['versions']['trafilatura']}, "
          f"htmldate {meta['versions']['htmldate']}; {meta['machine']['cpus']} CPUs; "
          f"{meta['date']}")
    print_report(results)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1,
                                        default=_jsonable), encoding="utf-8")
        print(f"\nwrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
