"""Text normalisation applied to everything we store.

NFC matters most for Vietnamese: Windows-1258 pages and some CMSs write tone marks
as combining characters ("a" + U+0301), which must compare equal to the
precomposed "á" users type. We also fold the odd spaces CMSs emit (NBSP, ideographic
space between Latin words, zero-width characters) without touching CJK punctuation.
"""

from __future__ import annotations

import re
import unicodedata

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_LINE_BREAKS = re.compile(r"\s*\n\s*")


def normalize_text(text: str) -> str:
    """NFC, drop zero-width characters, collapse horizontal whitespace, trim."""
    text = unicodedata.normalize("NFC", text)
    text = _ZERO_WIDTH.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", text)
    return text.strip()


def normalize_paragraph(text: str) -> str:
    """A paragraph is one line: inner line breaks become spaces."""
    return _LINE_BREAKS.sub(" ", normalize_text(text)).strip()


def fold_key(text: str) -> str:
    """A comparison key: NFKC, casefolded, punctuation and spaces removed.

    Used to spot repeated titles and boilerplate lines, never for display.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if ch.isalnum())
