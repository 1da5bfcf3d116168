"""Thai chain: the newmm dictionary segmenter on runs of Thai script.

Thai has no spaces between words. newmm runs in nlpo3, PyThaiNLP's Rust port of it,
over pythainlp's own bundled word list: the same algorithm and dictionary as
`pythainlp.tokenize.word_tokenize(engine="newmm")`, ~7× faster. Search snippets cut
Thai text around every candidate hit to confirm it is a whole word, and that was
most of a Thai query's time with the Python newmm (docs/benchmarks.md).

nlpo3 sometimes cuts a combining mark off its consonant ("เวียร์" → "เวียร" + "์",
the end of "favipiravir"); such a piece is joined back to the word before it, since
no word starts with a mark (the snippet scan relies on that too). Then the two agree
on all but 62 of thaigov's 203,728 Thai runs, all of them misspelled text (a doubled
tone mark, "ำ" typed as "ํ" + "า"), where pythainlp leaves a lone mark as a word.

Whitespace and punctuation pieces are dropped; Latin words and numbers between Thai
runs go to the generic regex tokenizer.
"""

from __future__ import annotations

import re
import unicodedata
from importlib.resources import files

from newsdesk.text.analysis import (
    BASE_CHAR_FILTERS,
    Analyzer,
    ScriptSplit,
    lowercase,
    pieces_tokenizer,
)
from newsdesk.text.loaded import load_once

THAI_RUN = re.compile("[\u0e00-\u0e7f]+")
DICTIONARY = "newsdesk-th-pythainlp"
"""The name nlpo3 keeps pythainlp's word list under (nlpo3's dictionaries are global)."""


def _load_dictionary() -> str:
    import nlpo3

    path = files("pythainlp.corpus").joinpath("words_th.txt")
    message, ok = nlpo3.load_dict(str(path), DICTIONARY)
    if not ok:
        raise RuntimeError(f"cannot load pythainlp's Thai word list: {message}")
    return DICTIONARY


def newmm_words(text: str) -> list[str]:
    import nlpo3

    words: list[str] = []
    for piece in nlpo3.segment(text, load_once("nlpo3:th", _load_dictionary)):
        if words and piece and unicodedata.category(piece[0]) == "Mn":
            words[-1] += piece
        else:
            words.append(piece)
    return words


def pythainlp_newmm_words(text: str) -> list[str]:
    """The reference implementation (tests and the segmentation bench compare with it)."""
    from pythainlp.tokenize import word_tokenize

    return list(word_tokenize(text, engine="newmm", keep_whitespace=False))


def chain() -> Analyzer:
    return Analyzer("th", BASE_CHAR_FILTERS, ScriptSplit(THAI_RUN, pieces_tokenizer(newmm_words)),
                    (lowercase,))
