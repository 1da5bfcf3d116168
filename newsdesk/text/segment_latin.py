"""English and other Latin-script languages: regex words, lowercase, Snowball stemming.

Snowball (the `snowballstemmer` wheel, pure Python, offline) rather than a
hand-written Porter: Porter2 for English, and the same package stems French,
Indonesian and a dozen more if newsdesk meets them. Languages it lacks, and
"und", are lowercased only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

from newsdesk.text.analysis import (
    BASE_CHAR_FILTERS,
    Analyzer,
    Token,
    TokenFilter,
    lowercase,
    regex_words,
)

# Snowball algorithms by language code; other languages are not stemmed.
SNOWBALL = {
    "en": "english", "fr": "french", "de": "german", "es": "spanish", "pt": "portuguese",
    "it": "italian", "nl": "dutch", "id": "indonesian", "ro": "romanian", "ru": "russian",
    "sv": "swedish", "da": "danish", "no": "norwegian", "fi": "finnish", "tr": "turkish",
}


_STEMMERS = threading.local()


def _stem_function(algorithm: str) -> Callable[[str], str]:
    """A snowball stemmer for this thread: its objects keep state while they run."""
    by_algorithm: dict[str, Callable[[str], str]] = _STEMMERS.__dict__.setdefault("by", {})
    if algorithm not in by_algorithm:
        import snowballstemmer

        by_algorithm[algorithm] = snowballstemmer.stemmer(algorithm).stemWord
    return by_algorithm[algorithm]


@dataclass(frozen=True)
class SnowballStem:
    """Snowball stemming ("elections" → "elect") of `word` tokens; numbers are kept."""

    algorithm: str

    def __call__(self, tokens: list[Token]) -> list[Token]:
        stem = _stem_function(self.algorithm)
        return [
            replace(t, text=stem(t.text.replace("’", "'")))
            if t.kind == "word" and not t.text[:1].isdigit()
            else t
            for t in tokens
        ]


def chain(language: str) -> Analyzer:
    """Invisible/NFC/full-width → regex words → lowercase → Snowball when it has the language."""
    filters: tuple[TokenFilter, ...] = (lowercase,)
    algorithm = SNOWBALL.get(language)
    if algorithm:
        filters += (SnowballStem(algorithm),)
    return Analyzer(language, BASE_CHAR_FILTERS, regex_words, filters)
