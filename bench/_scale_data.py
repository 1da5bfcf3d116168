"""Documents for bench/search_scale.py: the real news corpora and generated articles.

Real documents are read in place from ../shared/corpus/news (never copied):

* cctv      one Markdown file a day, `### title` stories, `[查看原文](url)` links;
            the date is the file name (Asia/Shanghai).
* vietnews  `NNNNNN.txt.seg`: title, abstract, body; multi-syllable words joined
            by `_` (replaced by spaces here). No dates or URLs: a date is drawn
            deterministically from the id, source "vietnews".
* thaigov   title (prefixed `รัฐบาลไทย-<section>-`), a Thai date line (Buddhist
            era, parsed by newsdesk's own `date_in_text`), body, `ที่มา : url`.

Generated documents recombine real paragraphs of one language (a title built
from fragments of real sentences, 3–8 real paragraphs, dates spread over
2021–2026, a source from a pool of ~200 names), so term statistics, document
lengths and per-language mixes stay close to the real ones. They are produced
lazily and deterministically from an integer index, so 1M of them never sit in
memory at once and a rerun yields the same documents.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
NEWS = (REPO / ".." / "shared" / "corpus" / "news").resolve()
DEMO_MANIFEST = REPO / "demo" / "manifest.jsonl"

SHANGHAI = timezone(timedelta(hours=8))
HANOI = timezone(timedelta(hours=7))
BANGKOK = ZoneInfo("Asia/Bangkok")
GEN_START = datetime(2021, 1, 1, tzinfo=UTC)
GEN_SPAN_S = int((datetime(2026, 11, 1, tzinfo=UTC) - GEN_START).total_seconds())


@dataclass
class Doc:
    """One document to index: the fields an `Article` needs, nothing more.

    `para_ids` name the entries of `Corpus.paragraphs` the body was built from,
    so analysis can be memoised per paragraph for generated documents.
    """

    id: str
    language: str
    title: str
    paragraphs: list[str]
    published: datetime | None
    source: str
    url: str | None
    origin: str  # "cctv" | "vietnews" | "thaigov" | "generated"
    para_ids: tuple[int, ...] = ()
    title_parts: tuple[str, ...] = ()  # generated titles: the real fragments joined
    title_sep: str = ""

    @property
    def lead(self) -> str:
        return self.paragraphs[0] if self.paragraphs else ""


def _doc_id(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


# --- real corpora ---------------------------------------------------------------------------

_CCTV_LINK = re.compile(r"^\[查看原文\]\((?P<url>[^)]+)\)\s*$")
_CCTV_LEAD = re.compile(r"^\*\*央视网消息\*\*（新闻联播）：")


def load_cctv() -> list[Doc]:
    """One Doc per `### ` story of every daily CCTV file."""
    docs: list[Doc] = []
    for path in sorted((NEWS / "cctv").glob("*.md")):
        day = datetime.strptime(path.stem, "%Y%m%d").replace(hour=19, tzinfo=SHANGHAI)
        stories: list[tuple[str, list[str], str | None]] = []  # (title, paragraphs, url)
        for raw in path.read_text("utf-8").splitlines():
            line = raw.strip()
            if line.startswith("### "):
                stories.append((line[4:].strip(), [], None))
            elif not stories or not line or line.startswith("#"):
                continue
            elif m := _CCTV_LINK.match(line):
                stories[-1] = (stories[-1][0], stories[-1][1], m.group("url"))
            else:
                stories[-1][1].append(_CCTV_LEAD.sub("", line).replace("**", "").strip())
        for title, paras, url in stories:
            if title and paras:
                key = url or f"cctv:{path.stem}:{title}"
                docs.append(Doc(_doc_id(key), "zh", title, paras, day, "央视网", url, "cctv"))
    return [d for d in docs if any(d.paragraphs)]


def load_vietnews() -> list[Doc]:
    """Title, abstract (the lead) and body; `_` joins become spaces."""
    docs: list[Doc] = []
    for path in sorted((NEWS / "vietnews").glob("*.txt.seg")):
        lines = [ln.replace("_", " ").strip() for ln in path.read_text("utf-8").splitlines()]
        lines = [ln for ln in lines if ln]
        if len(lines) < 2:
            continue
        rng = random.Random(path.name)
        published = (GEN_START + timedelta(seconds=rng.randrange(GEN_SPAN_S))).astimezone(HANOI)
        docs.append(Doc(_doc_id(f"vietnews:{path.name}"), "vi", lines[0], lines[1:], published,
                        "vietnews", None, "vietnews"))
    return docs


_THAI_SECTION = re.compile(r"^รัฐบาลไทย-[^-]*-")


def load_thaigov() -> list[Doc]:
    """Title without its section prefix, the Thai date line, body, `ที่มา :` url."""
    from newsdesk.extract.dates import date_in_text

    docs: list[Doc] = []
    for path in sorted((NEWS / "thaigov").glob("*.txt")):
        lines = [ln.strip() for ln in path.read_text("utf-8").splitlines()]
        lines = [ln for ln in lines if ln]
        if len(lines) < 3:
            continue
        title = _THAI_SECTION.sub("", lines[0]).strip()
        found = date_in_text(lines[1], BANGKOK)
        body = lines[2:]
        url = None
        if body and body[-1].startswith("ที่มา"):
            url = body[-1].split(":", 1)[-1].strip() or None
            body = body[:-1]
        if body and body[0] == title:  # the page repeats its headline above the body
            body = body[1:]
        body = [ln for ln in body if not set(ln) <= {"*", " "}]
        if not body:
            continue
        docs.append(Doc(_doc_id(url or f"thaigov:{path.name}"), "th", title, body,
                        found.value if found else None, "thaigov.go.th", url, "thaigov"))
    return docs


def load_real() -> list[Doc]:
    """All real documents, interleaved by corpus so any prefix mixes the three languages.

    Titles and paragraphs are normalised as ingest stores them (NFC, no zero-width
    characters, one line each): some vietnews files carry combining tone marks and some
    thaigov ones zero-width spaces, which no article in a newsdesk store ever has.
    """
    sets = [[normalised(d) for d in docs] for docs in (load_cctv(), load_vietnews(),
                                                       load_thaigov())]
    out: list[Doc] = []
    seen: set[str] = set()
    for i in range(max(len(s) for s in sets)):
        for s in sets:
            if i < len(s) and s[i].id not in seen:
                seen.add(s[i].id)
                out.append(s[i])
    return out


def normalised(doc: Doc) -> Doc:
    from newsdesk.text.normalize import normalize_paragraph

    paragraphs = [p for p in map(normalize_paragraph, doc.paragraphs) if p]
    return replace(doc, title=normalize_paragraph(doc.title), paragraphs=paragraphs)


def english_queries(limit: int) -> list[str]:
    """English headlines of the demo corpus (newsdesk's own content; the corpora have none)."""
    import json

    out = []
    if DEMO_MANIFEST.exists():
        for line in DEMO_MANIFEST.read_text("utf-8").splitlines():
            row = json.loads(line)
            if row.get("lang") == "en" and row.get("title"):
                out.append(row["title"])
    return out[:limit]


# --- generated documents --------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[。！？.!?])\s*")
_FRAGMENT_CUT = re.compile(r"[，,、；;：:]")


def _source_pool(n: int = 200) -> list[str]:
    stems = ["Tribune", "Herald", "Daily", "Times", "Post", "Gazette", "Observer", "Courier",
             "日报", "晚报", "Tin tức", "Báo", "ข่าว", "Dispatch"]
    places = ["Mekong", "Delta", "Harbour", "Capital", "Northern", "Southern", "Coastal",
              "Highland", "River", "Metro", "East", "West", "Central", "Valley", "Border"]
    rng = random.Random(7)
    names: set[str] = set()
    while len(names) < n:
        names.add(f"{rng.choice(places)} {rng.choice(stems)} {rng.randrange(1, 40)}")
    return sorted(names)


SOURCES = _source_pool()


class Corpus:
    """Real documents (held-out ones removed) and the paragraph pool generation draws from."""

    def __init__(self, real: list[Doc]) -> None:
        self.real = real
        self.paragraphs: list[str] = []
        self.by_lang: dict[str, list[int]] = {}  # language -> ids of real docs' paragraphs
        self.fragments: dict[str, list[str]] = {}  # language -> title fragments
        self.real_index: dict[str, list[int]] = {}  # language -> positions in `real`
        for pos, doc in enumerate(real):
            ids = []
            for para in doc.paragraphs:
                ids.append(len(self.paragraphs))
                self.paragraphs.append(para)
            doc.para_ids = tuple(ids)
            self.by_lang.setdefault(doc.language, []).extend(ids)
            self.real_index.setdefault(doc.language, []).append(pos)
            frags = self.fragments.setdefault(doc.language, [])
            for piece in _FRAGMENT_CUT.split(doc.title):
                piece = piece.strip()
                if 2 <= len(piece) <= 60:
                    frags.append(piece)
        self.languages = sorted(self.by_lang)
        # Generated docs keep the real corpora's language mix.
        total = sum(len(v) for v in self.real_index.values())
        self.lang_weights = [len(self.real_index[lang]) / total for lang in self.languages]

    def generated(self, index: int) -> tuple[Doc, tuple[int, ...]]:
        """Generated document number `index` and the real docs whose vectors it mixes.

        Deterministic in `index`. Paragraphs come from 2–3 real "parent" documents
        of one language (so the text is about what the synthetic vector says it
        is about) plus one or two paragraphs from anywhere in that language.
        """
        rng = random.Random(index * 1_000_003 + 17)
        lang = rng.choices(self.languages, self.lang_weights)[0]
        pool = self.real_index[lang]
        parents = tuple(pool[rng.randrange(len(pool))] for _ in range(rng.choice((2, 2, 3))))
        para_ids: list[int] = []
        for parent in parents:
            pids = self.real[parent].para_ids
            start = rng.randrange(len(pids))
            para_ids.extend(pids[start : start + rng.randint(1, 3)])
        lang_paras = self.by_lang[lang]
        para_ids.extend(lang_paras[rng.randrange(len(lang_paras))]
                        for _ in range(rng.randint(1, 2)))
        frags = self.fragments[lang]
        sep = "" if lang == "zh" else " " if lang == "th" else ", "
        parts = tuple(frags[rng.randrange(len(frags))] for _ in range(rng.randint(2, 3)))
        published = GEN_START + timedelta(seconds=rng.randrange(GEN_SPAN_S))
        source = SOURCES[rng.randrange(len(SOURCES))]
        doc = Doc(f"g{index:015d}", lang, sep.join(parts), [self.paragraphs[i] for i in para_ids],
                  published, source, f"https://gen.example/{index}", "generated",
                  tuple(para_ids), parts, sep)
        return doc, parents

    def iter_generated(self, start: int, stop: int) -> Iterator[tuple[Doc, tuple[int, ...]]]:
        for i in range(start, stop):
            yield self.generated(i)


def split_held_out(docs: list[Doc], per_lang: int, seed: int = 5) -> tuple[list[Doc], list[Doc]]:
    """(indexed, held out): `per_lang` documents of each language kept out of the index.

    Queries come from the held-out documents' titles, so a query never retrieves
    its own source text verbatim.
    """
    rng = random.Random(seed)
    by_lang: dict[str, list[int]] = {}
    for i, d in enumerate(docs):
        by_lang.setdefault(d.language, []).append(i)
    held: set[int] = set()
    for idx in by_lang.values():
        held.update(rng.sample(idx, min(per_lang, len(idx))))
    return ([d for i, d in enumerate(docs) if i not in held],
            [d for i, d in enumerate(docs) if i in held])
