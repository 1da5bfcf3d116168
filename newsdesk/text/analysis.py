"""Text analysis for search: char filters → tokenizer → token filters, one chain per language.

The shape is Lucene's and tantivy's. Each stage is a plain callable that can be
tested alone, and a language is a tuple of stages, so adding Khmer later means one
new chain in `_CHAIN_FACTORIES`, not edits everywhere.

Offsets are the point of the design: a `Token`'s `start`/`end` index the text the
caller passed in, not the filtered text, so a snippet can highlight the display
text. Char filters that keep the length (full-width folding, OpenCC t2s) need no
map. Those that change it (NFC composing "a" + U+0301, dropping zero-width
characters) return, for every output character, the span of input it came from,
and `Analyzer.analyze` composes those spans and maps each token back once.

Tokens carry a `kind`: "word" is the normal term; "part" is a piece of a longer
word (the syllables of a Vietnamese word, each at its own position; jieba's
search-mode sub-words when enabled, at the word's position); "char" is a single
Han character of a longer word, at the word's position. Terms
starting with "~" are accent-folded variants (Vietnamese "~duong" for "đường"),
always alongside the exact term at the same position, so a ranking stage can
score exact matches above folded ones by prefix or route them to their own field.

Per-language segmenters (jieba, pyvi, pythainlp, laonlp, snowballstemmer) load
dictionaries or models, so each chain lives in its own `segment_*.py` module,
imported only when the chain is first built: importing this module costs nothing.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TypeAlias

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Token:
    """One term to index: `text` is normalised; `start`/`end` index the original text."""

    text: str
    start: int
    end: int
    position: int
    kind: str = "word"  # "word", "part" (sub-word, same position) or "char" (one Han char)

    @property
    def folded(self) -> bool:
        """True for an accent-folded variant ("~duong"), emitted beside the exact term."""
        return self.text.startswith(FOLDED_PREFIX)


FOLDED_PREFIX = "~"


@dataclass(frozen=True, slots=True)
class Mapped:
    """A char filter's output: the new text and where each of its characters came from.

    `starts[i]`/`ends[i]` is the span of the filter's input that produced output
    character i. `None` means the filter kept the length and every character in
    place, which is the common case and costs nothing.
    """

    text: str
    starts: list[int] | None = None
    ends: list[int] | None = None


CharFilter: TypeAlias = Callable[[str], Mapped]
Tokenizer: TypeAlias = Callable[[str], list[Token]]
TokenFilter: TypeAlias = Callable[[list[Token]], list[Token]]


# --- char filters -------------------------------------------------------------------------

_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")


def drop_invisible(text: str) -> Mapped:
    """Drop zero-width characters and soft hyphens, which split words in every segmenter."""
    if not any(ch in _INVISIBLE for ch in text):
        return Mapped(text)
    kept = [i for i, ch in enumerate(text) if ch not in _INVISIBLE]
    return Mapped("".join(text[i] for i in kept), kept, [i + 1 for i in kept])


def nfc(text: str) -> Mapped:
    """Unicode NFC with a span per output character.

    Vietnamese pages often carry tone marks as combining characters. The text is
    cut into clusters that NFC can only change as a whole (a starter, its
    combining marks, and any following starter that composes with it, such as
    Hangul jamo); each cluster is normalised alone and its output characters all
    point at the whole cluster.
    """
    if unicodedata.is_normalized("NFC", text):
        return Mapped(text)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and (unicodedata.combining(text[j]) or _composes(text, i, j)):
            j += 1
        piece = unicodedata.normalize("NFC", text[i:j])
        out.append(piece)
        starts.extend([i] * len(piece))
        ends.extend([j] * len(piece))
        i = j
    result = "".join(out)
    if result != unicodedata.normalize("NFC", text):  # never seen; keep offsets honest anyway
        log.warning("NFC by clusters differed from NFC of the whole text; leaving text as is")
        return Mapped(text)
    return Mapped(result, starts, ends)


def _composes(text: str, i: int, j: int) -> bool:
    """Does starter text[j] compose with the cluster text[i:j]? (never true for ASCII)"""
    if ord(text[j]) < 0x300:
        return False
    before = unicodedata.normalize("NFC", text[i:j])
    return len(unicodedata.normalize("NFC", text[i : j + 1])) <= len(before)


# U+FF01–U+FF5E are exactly ASCII 0x21–0x7E shifted (their NFKC); U+3000 is the
# full-width space. Nothing else is touched: NFKC on CJK punctuation would turn
# "。" semantics and half-width katakana into something else.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def fullwidth_to_ascii(text: str) -> Mapped:
    """Ｃｈｉｎａ２０２５ → China2025. One character for one, so no offset map."""
    return Mapped(text.translate(_FULLWIDTH))


def compose_char_filters(filters: Sequence[CharFilter], text: str) -> Mapped:
    """Run char filters in order; the result's spans point into the original `text`."""
    current = Mapped(text)
    for char_filter in filters:
        step = char_filter(current.text)
        if step.starts is None or step.ends is None:
            current = Mapped(step.text, current.starts, current.ends)
        elif current.starts is None or current.ends is None:
            current = step
        else:
            starts = [current.starts[s] for s in step.starts]
            ends = [current.ends[e - 1] for e in step.ends]
            current = Mapped(step.text, starts, ends)
    return current


# --- the generic word tokenizer -------------------------------------------------------------

HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"


@lru_cache(maxsize=8)
def category_class(major: str, start: int = 0, stop: int = 0x110000) -> str:
    """Every code point in [start, stop) whose Unicode category starts with `major`
    ("M" marks, "P" punctuation), as a regex class body of ranges: regexes then test
    a character's category at C speed. Walks the code points once (~0.1 s for all)."""
    ranges: list[tuple[int, int]] = []
    for cp in range(start, stop):
        if unicodedata.category(chr(cp)).startswith(major):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    return "".join(f"\\U{a:08x}-\\U{b:08x}" if a != b else f"\\U{a:08x}" for a, b in ranges)


def _marks_class() -> str:
    """Every combining mark in the BMP as a regex class body.

    Python's `\\w` does not match marks, so without them "Thái" in NFD, Thai
    vowel signs and Devanagari matras would split words. Built once (~10 ms).
    """
    return category_class("M", 0x300, 0x10000)


@lru_cache(maxsize=1)
def word_pattern() -> re.Pattern[str]:
    """Numbers with inner separators ("3,2", "1.000"), single Han characters, words.

    A word is letters, digits and marks, with inner apostrophes ("don't",
    "O’Brien"). Underscores and other punctuation separate words.
    """
    letter = f"(?:[^\\W_{HAN}]|[{_marks_class()}])"
    return re.compile(rf"\d+(?:[.,]\d+)+|[{HAN}]|{letter}+(?:['’]{letter}+)*")


def regex_words(text: str) -> list[Token]:
    """The generic tokenizer: every `word_pattern` match is a token, one position each."""
    return [
        Token(m.group(), m.start(), m.end(), pos)
        for pos, m in enumerate(word_pattern().finditer(text))
    ]


def is_wordlike(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


@dataclass(frozen=True)
class ScriptSplit:
    """Send runs of one script to a dictionary segmenter and the rest to `regex_words`.

    Chinese, Thai and Lao segmenters are built for their own script; Latin names,
    numbers and URLs in between are better cut by the generic tokenizer, the
    same way the English chain cuts them, so "COVID-19" meets "COVID-19".
    """

    run: re.Pattern[str]
    segment: Tokenizer
    other: Tokenizer = regex_words

    def __call__(self, text: str) -> list[Token]:
        tokens: list[Token] = []
        base = 0  # next free position
        last = 0
        for m in self.run.finditer(text):
            base = self._add(tokens, self.other, text[last : m.start()], last, base)
            base = self._add(tokens, self.segment, m.group(), m.start(), base)
            last = m.end()
        self._add(tokens, self.other, text[last:], last, base)
        return tokens

    @staticmethod
    def _add(out: list[Token], tokenizer: Tokenizer, chunk: str, offset: int, base: int) -> int:
        if not chunk or not is_wordlike(chunk):
            return base
        top = -1
        for t in tokenizer(chunk):
            out.append(Token(t.text, t.start + offset, t.end + offset, t.position + base, t.kind))
            top = max(top, t.position)
        return base + top + 1


def align_pieces(text: str, pieces: Iterable[str]) -> list[tuple[int, int] | None]:
    """Locate a segmenter's output pieces in `text`, in order.

    Segmenters are not trusted to return the text unchanged: laonlp drops "/",
    some rewrite characters. A piece is placed at its next occurrence only if the
    text skipped to reach it holds no more letters than the pieces that could not
    be placed since the last one (twice over, for slack); otherwise it is None.
    So an altered piece costs itself only, and a short piece never jumps ahead
    over text that other pieces should have covered.
    """
    spans: list[tuple[int, int] | None] = []
    cursor = 0
    unplaced = 0  # letters in pieces not placed since the cursor last moved
    for piece in pieces:
        idx = text.find(piece, cursor) if piece else -1
        if idx < 0 or _letters(text[cursor:idx]) > 2 * unplaced:
            spans.append(None)
            unplaced += _letters(piece)
            continue
        spans.append((idx, idx + len(piece)))
        cursor = idx + len(piece)
        unplaced = 0
    return spans


def _letters(text: str) -> int:
    return sum(ch.isalnum() for ch in text)


def pieces_tokenizer(segment: Callable[[str], list[str]]) -> Tokenizer:
    """Wrap a segmenter returning strings (pythainlp, laonlp) into a `Tokenizer`.

    Whitespace and punctuation pieces are dropped. Text that no piece could be
    placed on (the segmenter altered it) is cut by `regex_words` instead of lost.
    """

    def tokenize(text: str) -> list[Token]:
        pieces = segment(text)
        spans: list[tuple[int, int, str]] = []
        last = 0
        for piece, span in zip(pieces, align_pieces(text, pieces), strict=True):
            if span is None:
                continue
            spans += [(t.start + last, t.end + last, t.text) for t in regex_words(
                text[last : span[0]])]
            if is_wordlike(piece):
                spans.append((span[0], span[1], piece))
            last = span[1]
        spans += [(t.start + last, t.end + last, t.text) for t in regex_words(text[last:])]
        return [Token(piece, start, end, pos) for pos, (start, end, piece) in enumerate(spans)]

    return tokenize


# --- token filters ------------------------------------------------------------------------


def lowercase(tokens: list[Token]) -> list[Token]:
    """Casefold ("Straße" → "strasse"); offsets are untouched."""
    out = []
    for t in tokens:
        folded = t.text.casefold()
        out.append(t if folded == t.text else replace(t, text=folded))
    return out


def dedupe(tokens: list[Token]) -> list[Token]:
    """Drop a repeated (text, position): a sub-word can equal a single character."""
    seen: set[tuple[str, int]] = set()
    out = []
    for t in tokens:
        key = (t.text, t.position)
        if key not in seen:
            seen.add(key)
            out.append(t)
    return out


# --- chains -------------------------------------------------------------------------------

BASE_CHAR_FILTERS: tuple[CharFilter, ...] = (drop_invisible, nfc, fullwidth_to_ascii)


@dataclass(frozen=True)
class Analyzer:
    """One language's chain. `analyze` returns tokens with offsets into `text` itself."""

    name: str
    char_filters: tuple[CharFilter, ...]
    tokenizer: Tokenizer
    token_filters: tuple[TokenFilter, ...] = ()

    def analyze(self, text: str) -> list[Token]:
        mapped = compose_char_filters(self.char_filters, text)
        tokens = self.tokenizer(mapped.text)
        if mapped.starts is not None and mapped.ends is not None:
            starts, ends = mapped.starts, mapped.ends
            tokens = [Token(t.text, starts[t.start], ends[t.end - 1], t.position, t.kind)
                      for t in tokens]
        for token_filter in self.token_filters:
            tokens = token_filter(tokens)
        return dedupe(tokens)


def _latin(language: str) -> Analyzer:
    from newsdesk.text import segment_latin

    return segment_latin.chain(language)


def _chinese() -> Analyzer:
    from newsdesk.text import segment_zh

    return segment_zh.chain()


def _vietnamese() -> Analyzer:
    from newsdesk.text import segment_vi

    return segment_vi.chain()


def _thai() -> Analyzer:
    from newsdesk.text import segment_th

    return segment_th.chain()


def _lao() -> Analyzer:
    from newsdesk.text import segment_lo

    return segment_lo.chain()


_CHAIN_FACTORIES: dict[str, Callable[[], Analyzer]] = {
    "zh": _chinese,
    "vi": _vietnamese,
    "th": _thai,
    "lo": _lao,
}


def base_language(language: str) -> str:
    """"zh-Hant" → "zh", "en_US" → "en", "" → "und"."""
    return re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0] or "und"


def analyzer_for(language: str) -> Analyzer:
    """The chain for a language tag; unknown languages get the generic Latin chain."""
    return _chain(base_language(language))


@lru_cache(maxsize=64)
def _chain(base: str) -> Analyzer:
    factory = _CHAIN_FACTORIES.get(base)
    return factory() if factory else _latin(base)


def analyze(text: str, language: str) -> list[Token]:
    """Index-side analysis of `text` written in `language` (a tag such as "zh-Hant")."""
    return analyzer_for(language).analyze(text)


def analyze_query(text: str, language: str) -> list[Token]:
    """Query-side analysis: the same chain, so query terms meet indexed terms.

    A separate entry point so the query side can later gain what only queries
    need (synonyms, operators) without touching callers.
    """
    return analyzer_for(language).analyze(text)


def warm_up(languages: Iterable[str] = ("zh", "vi", "th", "lo", "en")) -> None:
    """Load every segmenter now (jieba ~1 s, pyvi ~1 s, pythainlp ~0.7 s on 2 idle cores).

    Otherwise the first text of each language pays it; a server calls this at start.
    """
    for language in languages:
        analyze("warm up 中文 tiếng Việt ภาษาไทย ພາສາລາວ", language)
