"""Vietnamese chain: syllables from a regex, words from a segmenter, folded variants.

Vietnamese writes a space between syllables, also inside words ("Trung Quốc",
"đường sắt"). Syllables are always cut by `word_pattern` over our own text, so
offsets never depend on a segmenter; the segmenter (pyvi or underthesea) only
says which neighbouring syllables form one word. Its output is located in the
text with `align_pieces`; a word it changed or could not place is simply not
joined, never mis-placed.

Terms for "Đường sắt Trung Quốc":

    position 0  đường_sắt (word)  đường (part)  ~duong_sat  ~duong
    position 1                    sắt (part)    ~sat
    position 2  trung_quốc (word) trung (part)  ~trung_quoc ~trung
    position 3                    quốc (part)   ~quoc

Syllables are kept as `part` terms because queries and documents are segmented
independently and a segmenter error on either side would otherwise lose the
match; the word term rewards the right grouping. Folded terms start with "~"
(`analysis.FOLDED_PREFIX`), so a query typed without tone marks still matches,
while a query with them matches both the exact and the folded term and ranks the
exact spelling higher.

Measured (docs/benchmarks.md, "Vietnamese segmentation (issue 5)"): pyvi and
underthesea segment vietnews equally well (word F1 0.949 / 0.951) and pyvi is
twice as fast with lighter dependencies, so pyvi is the default. On the XQuAD vi
dev questions, syllables + folded terms keep questions typed without marks
finding their paragraph (Recall@10 0.95 against 0.52 without folded terms) at no
measurable cost to questions with marks. Words did not beat plain syllables there
(R@1 0.857 words + syllables vs 0.862 syllables alone): the word terms are kept
for now and the search issue should decide on its own retrieval set
(`chain(segmenter="syllable")` is the alternative).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import pairwise

from newsdesk.text.analysis import (
    BASE_CHAR_FILTERS,
    FOLDED_PREFIX,
    Analyzer,
    Token,
    align_pieces,
    lowercase,
    word_pattern,
)

SEGMENTERS = ("syllable", "pyvi", "underthesea")
DEFAULT_SEGMENTER = "pyvi"

# pyvi's CRF tagger and underthesea's model objects are not documented as
# thread-safe; a web server may analyse in several threads.
_SEGMENT_LOCK = threading.Lock()
_INNER_GAP = re.compile(r"[ \t\u00a0]+")


def pyvi_words(text: str) -> list[list[str]]:
    """pyvi's words as lists of syllables ("Trung_Quốc" → ["Trung", "Quốc"])."""
    from pyvi import ViTokenizer

    with _SEGMENT_LOCK:
        joined = ViTokenizer.tokenize(text)
    return [word.split("_") for word in joined.split()]


def underthesea_words(text: str) -> list[list[str]]:
    """underthesea's words as lists of syllables.

    `use_token_normalize=False`: its normaliser rewrites tone placement ("toà"
    → "tòa") and then tags against the rewritten text, which both breaks
    alignment and, as observed, merges words across the change ("COVID-19 phiên").
    """
    from underthesea import word_tokenize

    with _SEGMENT_LOCK:
        words = word_tokenize(text, use_token_normalize=False)
    return [word.split() for word in words]


_WORD_SEGMENTERS: dict[str, Callable[[str], list[list[str]]]] = {
    "pyvi": pyvi_words,
    "underthesea": underthesea_words,
}


def join_spans(text: str, words: list[list[str]]) -> list[tuple[int, int]]:
    """Spans of multi-syllable words, located in `text`, separated by spaces only."""
    spans = align_pieces(text, [piece for word in words for piece in word])
    joins: list[tuple[int, int]] = []
    k = 0
    for word in words:
        located = spans[k : k + len(word)]
        k += len(word)
        if len(word) < 2 or any(span is None for span in located):
            continue
        placed = [span for span in located if span is not None]
        if all(_INNER_GAP.fullmatch(text[a[1] : b[0]]) for a, b in pairwise(placed)):
            joins.append((placed[0][0], placed[-1][1]))
    return joins


@dataclass(frozen=True)
class VietnameseTokenizer:
    """Words (syllables joined by "_") at the position of their first syllable.

    `segmenter` is "syllable" (no joining: the baseline), "pyvi" or
    "underthesea". With `syllables`, each syllable of a multi-syllable word is
    also emitted as a `part` token at its own position.
    """

    segmenter: str = DEFAULT_SEGMENTER
    syllables: bool = True

    def __post_init__(self) -> None:
        if self.segmenter not in SEGMENTERS:
            raise ValueError(f"unknown Vietnamese segmenter {self.segmenter!r}: {SEGMENTERS}")

    def __call__(self, text: str) -> list[Token]:
        found = list(word_pattern().finditer(text))
        if self.segmenter == "syllable" or len(found) < 2:
            joins: list[tuple[int, int]] = []
        else:
            joins = join_spans(text, _WORD_SEGMENTERS[self.segmenter](text))
        tokens: list[Token] = []
        pos = i = j = 0
        while i < len(found):
            first = found[i]
            while j < len(joins) and joins[j][1] <= first.start():
                j += 1
            k = i + 1
            if j < len(joins) and joins[j][0] <= first.start():
                while k < len(found) and found[k].end() <= joins[j][1]:
                    k += 1
            group = found[i:k]
            if len(group) == 1:
                tokens.append(Token(first.group(), first.start(), first.end(), pos))
            else:
                word = "_".join(m.group() for m in group)
                tokens.append(Token(word, first.start(), group[-1].end(), pos))
                if self.syllables:
                    tokens.extend(Token(m.group(), m.start(), m.end(), pos + n, "part")
                                  for n, m in enumerate(group))
            pos += len(group)
            i = k
        return tokens


def _tone_placement_table() -> dict[str, str]:
    """"oà" → "òa", "oé" → "óe", "uý" → "úy": both placements are in use for open syllables."""
    table = {}
    for tone in "\u0300\u0301\u0309\u0303\u0323":
        for first, second in (("o", "a"), ("o", "e"), ("u", "y")):
            marked_second = unicodedata.normalize("NFC", second + tone)
            marked_first = unicodedata.normalize("NFC", first + tone)
            table[first + marked_second] = marked_first + second
    return table


_TONE_TABLE = _tone_placement_table()
# Only at the end of a syllable ("hoàn" keeps its mark on a everywhere), and "uy"
# not after q ("quý": u belongs to qu, the mark stays on y).
_TONE_PLACEMENT = re.compile(
    "(?:(?<!q)u[ỳýỷỹỵ]|o[àáảãạèéẻẽẹ])(?![^\\W\\d_])"
)


def canonical_tone_placement(tokens: list[Token]) -> list[Token]:
    """"hoà" and "hòa" are one word written two ways: index both as "hòa".

    Mark on the first vowel, as underthesea's normaliser writes it. Apply after
    lowercasing.
    """
    out = []
    for t in tokens:
        text = _TONE_PLACEMENT.sub(_retone, t.text) if ("o" in t.text or "u" in t.text) else t.text
        out.append(t if text == t.text else replace(t, text=text))
    return out


def _retone(match: re.Match[str]) -> str:
    return _TONE_TABLE[match.group()]


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {ord("đ"): "d", ord("Đ"): "D"}
    for cp in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        decomposed = unicodedata.normalize("NFD", chr(cp))
        if len(decomposed) > 1 and decomposed[0].isascii():
            table[cp] = decomposed[0]
    for cp in range(0x300, 0x370):  # stray combining marks
        table[cp] = ""
    return table


def fold(text: str) -> str:
    """Strip tone and vowel marks: "đường" → "duong", "Quốc" → "Quoc"."""
    return text.translate(_fold_table())


def folded_variants(tokens: list[Token]) -> list[Token]:
    """Add "~" + folded text beside every token with letters, at the same position.

    Emitted even when folding changes nothing ("ban" → "~ban"), so that a document
    written without marks matches a query written with them, and vice versa.
    """
    out: list[Token] = []
    for t in tokens:
        out.append(t)
        if any(ch.isalpha() for ch in t.text):
            out.append(Token(FOLDED_PREFIX + fold(t.text), t.start, t.end, t.position, t.kind))
    return out


def chain(segmenter: str = DEFAULT_SEGMENTER, syllables: bool = True,
          folded: bool = True) -> Analyzer:
    """Invisible/NFC/full-width → words → lowercase, tone placement, folded variants."""
    filters = (lowercase, canonical_tone_placement)
    if folded:
        filters += (folded_variants,)
    return Analyzer("vi", BASE_CHAR_FILTERS, VietnameseTokenizer(segmenter, syllables), filters)
