"""Thai chain: pythainlp's default dictionary segmenter (newmm) on runs of Thai script.

Thai has no spaces between words. newmm ships its dictionary inside the wheel
and downloads nothing. Whitespace and punctuation pieces are dropped; Latin
words and numbers between Thai runs go to the generic regex tokenizer.
"""

from __future__ import annotations

import re

from newsdesk.text.analysis import (
    BASE_CHAR_FILTERS,
    Analyzer,
    ScriptSplit,
    lowercase,
    pieces_tokenizer,
)

THAI_RUN = re.compile("[\u0e00-\u0e7f]+")


def newmm_words(text: str) -> list[str]:
    from pythainlp.tokenize import word_tokenize

    return list(word_tokenize(text, engine="newmm", keep_whitespace=False))


def chain() -> Analyzer:
    return Analyzer("th", BASE_CHAR_FILTERS, ScriptSplit(THAI_RUN, pieces_tokenizer(newmm_words)),
                    (lowercase,))
