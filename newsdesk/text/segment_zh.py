"""Chinese chain: OpenCC t2s so zh-Hant and zh-Hans index alike, then jieba.

jieba builds its prefix dictionary on first use and writes `jieba.cache` to the
temp directory; later processes load that cache. Both take about 1 s on an idle
2-core machine here (0.9 s to build, 0.6–1.0 s to load; ../shared/MODELS.md saw
6 s on a loaded one). `jieba_tokenizer()` does it once, lazily, under jieba's own
lock. Nothing is downloaded: the dictionary ships inside the wheel. A server
calls `newsdesk.text.analysis.warm_up()` at start so no query pays it.

Defaults: precise-mode words plus every character of a multi-character word,
no search-mode sub-words. On the XQuAD zh dev questions (BM25 over 240
paragraphs + 2,000 CCTV paragraphs) characters gave the best nDCG@10 (0.946 vs
0.941 words alone) and search-mode sub-words the worst (0.938); the margins are
small, but characters also keep short queries matching when jieba cuts a name
differently in a query than in an article. Re-check on the search issue's
retrieval set (docs/benchmarks.md, "Vietnamese segmentation (issue 5)").
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import opencc

from newsdesk.text.analysis import (
    BASE_CHAR_FILTERS,
    HAN,
    Analyzer,
    Mapped,
    ScriptSplit,
    Token,
    lowercase,
)
from newsdesk.text.loaded import opencc_converter

log = logging.getLogger(__name__)

HAN_RUN = re.compile(f"[{HAN}]+")


def _t2s() -> opencc.OpenCC:
    return opencc_converter("t2s")


def traditional_to_simplified(text: str) -> Mapped:
    """臺灣鐵路 → 台湾铁路, one character for one.

    OpenCC's default t2s maps every entry to a string of the same length
    (checked on all 5,520 entries of TSPhrases, TSCharacters and
    TSCharactersExt in opencc 1.4.2, and on 2 M characters of CCTV text sent
    through s2t and back), so offsets need no map. Should a later dictionary
    break that, the run that changed length is converted character by character
    instead, and a character whose conversion is not one character is kept.
    """
    converted = _t2s().convert(text)
    if len(converted) == len(text):
        return Mapped(converted)
    log.warning("OpenCC t2s changed the text length; converting per character")
    parts: list[str] = []
    last = 0
    for m in HAN_RUN.finditer(text):
        parts.append(text[last : m.start()])
        run = _t2s().convert(m.group())
        if len(run) != len(m.group()):
            run = "".join(_one_char(ch) for ch in m.group())
        parts.append(run)
        last = m.end()
    parts.append(text[last:])
    return Mapped("".join(parts))


def _one_char(ch: str) -> str:
    out = _t2s().convert(ch)
    return out if len(out) == 1 else ch


@lru_cache(maxsize=1)
def jieba_tokenizer() -> Any:
    """jieba's default tokenizer, initialised (the slow part happens here, once)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)  # it logs cache building at INFO on stderr
    jieba.dt.initialize()
    return jieba.dt


@dataclass(frozen=True)
class JiebaTokenizer:
    """jieba precise mode, one position per word, plus optional extra terms per word.

    `search` adds jieba's search-mode sub-words (dictionary 2- and 3-grams inside
    longer words: 中华人民共和国 → 中华, 人民, 共和国 …) as `part` tokens at the
    word's position. `chars` adds every character of a multi-character word as a
    `char` token. Precise mode is run and search mode rebuilt from it (the same
    rule as `jieba.Tokenizer.cut_for_search`) so that sub-words get the position
    of the word they sit in, which keeps phrase queries aligned.
    """

    search: bool = False
    chars: bool = True

    def __call__(self, text: str) -> list[Token]:
        dt = jieba_tokenizer()
        freq = dt.FREQ
        tokens: list[Token] = []
        for pos, (word, start, end) in enumerate(dt.tokenize(text, mode="default", HMM=True)):
            tokens.append(Token(word, start, end, pos))
            if self.search:
                for n in (2, 3):
                    for i in range(len(word) - n + 1 if len(word) > n else 0):
                        gram = word[i : i + n]
                        if freq.get(gram):
                            tokens.append(Token(gram, start + i, start + i + n, pos, "part"))
            if self.chars and len(word) > 1:
                tokens.extend(Token(ch, start + i, start + i + 1, pos, "char")
                              for i, ch in enumerate(word))
        return tokens


def chain(search: bool = False, chars: bool = True) -> Analyzer:
    """Invisible/NFC/full-width, t2s → jieba on Han runs, regex words elsewhere → lowercase."""
    return Analyzer(
        "zh",
        (*BASE_CHAR_FILTERS, traditional_to_simplified),
        ScriptSplit(HAN_RUN, JiebaTokenizer(search=search, chars=chars)),
        (lowercase,),
    )
