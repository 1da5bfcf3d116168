"""Lao chain: laonlp's dictionary segmenter on runs of Lao script.

laonlp returns spaces as tokens and silently drops some characters ("/"), so
its pieces are located in the text (`align_pieces`) rather than counted, and
only runs of Lao script are sent to it; the rest goes to the generic tokenizer.
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

LAO_RUN = re.compile("[\u0e80-\u0eff]+")


def laonlp_words(text: str) -> list[str]:
    from laonlp.tokenize import word_tokenize

    return list(word_tokenize(text))


def chain() -> Analyzer:
    return Analyzer("lo", BASE_CHAR_FILTERS, ScriptSplit(LAO_RUN, pieces_tokenizer(laonlp_words)),
                    (lowercase,))
