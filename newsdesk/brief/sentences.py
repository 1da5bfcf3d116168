"""Sentence splitting per language, each sentence tagged with its paragraph number.

Briefs are built from sentences but cite paragraphs, so every sentence keeps the
1-based number of the paragraph it came from (`Article.paragraphs[n-1]`). Rules:

- zh/ja: split after 。！？ (and !? ) with any closing quotes/brackets kept on the
  left; `；` is a clause mark, not a sentence end.
- vi/en and other Latin scripts: split after . ! ? … when followed by space and an
  upper-case letter, digit or opening quote; not after abbreviations (`TP.`,
  `U.S.`, `Mr.`) or single initials, so `TP. Đà Nẵng` and `Nguyễn T. Lan` stay whole.
- th/lo: no sentence punctuation; spaces separate phrases, so split at spaces and
  merge short phrases until a piece is long enough to stand alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsdesk.records import Article

_CJK_END = re.compile(r"[^。！？!?]*(?:[。！？!?]+[”」』）)\"'’]*|$)")
_LATIN_BOUNDARY = re.compile(
    r"(?<=[.!?…])([\"'”’)\]]*)\s+(?=[\"“‘(\[]?[A-ZÀ-ÝĂĐƠƯẠ-Ỹ0-9])")
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "st", "jr", "sr", "co", "inc", "ltd", "corp", "no", "vs", "gov",
    "gen", "sen", "rep", "prof", "col", "lt", "capt", "mt", "ft", "jan", "feb", "mar", "apr",
    "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "tp", "tx", "th", "ths", "ts",
    "pgs", "gs", "bs", "ks", "u.s", "u.k", "u.n", "e.g", "i.e", "etc", "approx", "est",
}
_MIN_SEA_CHARS = 60  # a Thai/Lao piece shorter than this is merged with the next


@dataclass(frozen=True)
class Sentence:
    text: str
    paragraph: int  # 1-based paragraph number, as `newsdesk show` prints it
    index: int  # position among all sentences of the article
    position: int  # position inside its paragraph (0 = first)


def script_of(text: str) -> str:
    """The dominant script family of a text: cjk, thai, lao or latin."""
    counts = {"cjk": 0, "thai": 0, "lao": 0, "latin": 0}
    for ch in text:
        o = ord(ch)
        if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x3040 <= o <= 0x30FF:
            counts["cjk"] += 1
        elif 0x0E00 <= o <= 0x0E7F:
            counts["thai"] += 1
        elif 0x0E80 <= o <= 0x0EFF:
            counts["lao"] += 1
        elif ch.isalpha():
            counts["latin"] += 1
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] else "latin"


def split_sentences(text: str, lang: str | None = None) -> list[str]:
    """Split one paragraph into sentences (never drops text other than whitespace)."""
    text = text.strip()
    if not text:
        return []
    script = script_of(text)
    if script == "cjk":
        parts = [m.group(0).strip() for m in _CJK_END.finditer(text)]
        return _merge_tiny([p for p in parts if p], 6)
    if script in ("thai", "lao"):
        return _split_sea(text)
    return _split_latin(text)


def _split_latin(text: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for m in _LATIN_BOUNDARY.finditer(text):
        left = text[start:m.start()]
        last_word = re.split(r"\s+", left)[-1].rstrip(".!?…").lower() if left else ""
        if last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
            continue
        pieces.append(text[start:m.start() + len(m.group(1))].strip())
        start = m.end()
    pieces.append(text[start:].strip())
    return _merge_tiny([p for p in pieces if p], 3)


def _split_sea(text: str) -> list[str]:
    out: list[str] = []
    buf = ""
    for phrase in re.split(r"\s+", text):
        buf = f"{buf} {phrase}" if buf else phrase
        if len(buf) >= _MIN_SEA_CHARS:
            out.append(buf)
            buf = ""
    if buf:
        if out and len(buf) < _MIN_SEA_CHARS // 2:
            out[-1] = f"{out[-1]} {buf}"
        else:
            out.append(buf)
    return out


def _merge_tiny(parts: list[str], min_chars: int) -> list[str]:
    """Fold fragments too short to be sentences (`“好！”`, `Yes.`) into their neighbour."""
    out: list[str] = []
    for p in parts:
        if out and len(p) < min_chars:
            sep = "" if script_of(p) == "cjk" else " "
            out[-1] = out[-1] + sep + p
        else:
            out.append(p)
    return out


_SOURCE_MARKS = re.compile(r"\s*(?:\[\d{1,3}\])+(?=[\s.,;:!?。，；：！？)]|$)")
"""Citation marks the source itself printed ("… per train [3]"): they point into
another document's numbering, and next to our own [n] they read as ours."""
_TERMINAL = re.compile(r"[.!?…。！？；;:：\"'”’)]\s*$")


def strip_source_marks(text: str) -> str:
    return _SOURCE_MARKS.sub("", text).strip()


def _heading_like(text: str) -> bool:
    """A short line without closing punctuation ("Summary by Categories", "Tin liên
    quan"): a label in the page, not a statement a brief can quote."""
    if _TERMINAL.search(text) or script_of(text) != "latin":
        return False
    return len(text.split()) <= 4


def article_sentences(article: Article) -> list[Sentence]:
    """Every statement of the article body with its true paragraph number.

    Sentences keep their words; only the source's own citation marks are removed,
    and heading-like lines are skipped (paragraph numbers are unaffected).
    """
    out: list[Sentence] = []
    for n, paragraph in enumerate(article.paragraphs, start=1):
        kept = [t for s in split_sentences(paragraph, article.language)
                if (t := strip_source_marks(s)) and not _heading_like(t)]
        for pos, text in enumerate(kept):
            out.append(Sentence(text=text, paragraph=n, index=len(out), position=pos))
    return out
