"""Near-duplicate collapse among search hits ("N similar").

Wire copy is republished with small changes: a column prefix on the headline
("时政镜距离|…", "快讯|…"), a credit line, a trimmed last paragraph. Among the
candidate hits of one search, two articles in the same language are near-duplicates
when their normalised titles or their leading body text have a Jaccard similarity
of character shingles ≥ the threshold (0.8) — unless the titles alone agree and both
leads are long and share less than `LEAD_DISTINCT` of their shingles: a recurring
headline ("国内联播快讯", a weekly column) over a different story each day is not a
copy. Character shingles work for every script without a segmenter; the candidate
list is short (20–40 hits a page), so the exact Jaccard of every pair is cheap and
needs no MinHash approximation.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from newsdesk.text.analysis import base_language

LEAD_CHARS = 300
SHINGLE = 3
LEAD_MIN_SHINGLES = 20
"""A lead this short (a caption, a one-line brief) says too little to call two
articles the same, or different; only their titles can."""
LEAD_DISTINCT = 0.5
"""Two long leads sharing less than this share of their shingles tell different stories,
whatever their titles say. In CCTV's evening news of 2024–2025, 2,780 pairs of
same-titled stories from different days (daily bulletins, recurring columns) have
lead Jaccards of median 0.11, 99 % under 0.49: the bulletins' common opening
("央视网消息（新闻联播）：") is what they share. A republished copy keeps its lead."""
_PREFIX = re.compile(r"^[^|｜]{1,12}[|｜]")
"""A short column label before a bar: "时政镜距离|", "快讯｜", "Exclusive |"."""
_BITS = 21
"""Bits of one code point (U+10FFFF): a shingle of three is one 63-bit integer."""
BLOCK = 64
"""Candidates placed together (`Collapse.add`): a default page needs 20–40, and a deep
page (thousands) goes block by block, so each `Collapse.duplicates` matrix stays
small (its incidence matrix grows with texts × distinct shingles)."""
_SEPARATOR = "\x00"
"""Between the texts folded in one call: not a letter or digit (so it is dropped like
punctuation), never produced by NFKC, and it neither composes nor case-folds with
its neighbours, so folding the joined texts folds each one on its own."""


class Candidate(NamedTuple):
    """What collapse compares of one hit."""

    title: str
    paragraphs: Sequence[str]
    language: str


@lru_cache(maxsize=1)
def _alnum() -> np.ndarray:
    """`str.isalnum` of every code point, as one lookup table (built once, ~70 ms)."""
    return np.fromiter((chr(c).isalnum() for c in range(0x110000)), dtype=bool,
                       count=0x110000)


_WIDEST = 4
"""Characters folding to more (ﷺ: 18 letters) take the whole-text normalisation."""


@lru_cache(maxsize=1)
def _fold_table() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per BMP code point: (its fold on its own: NFKC, casefolded, letters and digits,
    as up to `_WIDEST` code points; how many, 255 for more; the canonical combining
    class of the first and of the last character of its NFKD; whether it may compose
    with what precedes it). Built once, ~0.15 s.

    A text of characters that cannot compose with what precedes them, and whose
    combining marks already stand in canonical order across characters, normalises
    character by character: its fold is the concatenation of theirs.
    """
    from unicodedata import combining, decomposition, normalize

    seconds = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))  # Hangul V, T
    for c in range(0x110000):
        parts = decomposition(chr(c)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(int(parts[1], 16))  # composes with the character before it
    image = np.zeros((0x10000, _WIDEST), dtype=np.uint32)
    width = np.zeros(0x10000, dtype=np.uint8)
    first = np.zeros(0x10000, dtype=np.uint8)
    last = np.zeros(0x10000, dtype=np.uint8)
    backward = np.zeros(0x10000, dtype=bool)
    for c in range(0x10000):
        if 0xD800 <= c < 0xE000:
            continue  # a lone surrogate: no letter, a starter
        ch = chr(c)
        kept = [ord(x) for x in normalize("NFKC", ch).casefold() if x.isalnum()]
        width[c] = len(kept) if len(kept) <= _WIDEST else 255
        image[c, :len(kept[:_WIDEST])] = kept[:_WIDEST]
        decomposed = normalize("NFKD", ch)
        first[c], last[c] = combining(decomposed[0]), combining(decomposed[-1])
        for x in decomposed:  # up to its first starter, which would block the rest
            if ord(x) in seconds:
                backward[c] = True
                break
            if not combining(x):
                break
    return image, width, first, last, backward


def _fold_by_character(cps: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(`_fold_table`'s per-character fold of these code points, the position each
    folded one comes from), or None when the text needs the whole-text normalisation
    (a character beyond the BMP or folding to many, one that may compose, marks out
    of canonical order across characters)."""
    if not len(cps):
        return cps, np.zeros(0, dtype=np.int64)
    if int(cps.max()) > 0xFFFF:
        return None
    image, width, first, last, backward = _fold_table()
    widths = width[cps].astype(np.int64)
    if (widths > _WIDEST).any() or backward[cps].any():
        return None
    after = first[cps[1:]]
    if ((last[cps[:-1]] > after) & (after > 0)).any():
        return None  # canonical reordering would move a mark across characters
    if not (widths > 1).any():
        kept = np.flatnonzero(widths)
        return image[cps[kept], 0], kept
    source = np.repeat(np.arange(len(cps)), widths)
    nth = np.arange(len(source)) - np.repeat(np.cumsum(widths) - widths, widths)
    return image[cps[source], nth], source


def folded_codepoints(texts: Sequence[str], limit: int | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """(code points, which text each is from) of `normalize.fold_key(text)` (NFKC,
    casefolded, letters and digits only) of every text, at most `limit` per text.

    The texts are folded together and in numpy, not one by one nor character by
    character in Python: a page compares 20–40 articles per search. Most news text
    folds character by character through a table (`_fold_by_character`), which
    spares NFKC's slow path: CJK full-width punctuation and Thai ำ take it for the
    whole text (~0.5 ms for 20 Chinese leads).
    """
    # A NUL of a text's own becomes another starter that is no letter: dropped, it
    # would let the marks around it compose ("I\0\u0b4d\u0301" folds to "i", not "í").
    joined = _SEPARATOR.join(t.replace(_SEPARATOR, "\x01") for t in texts)
    raw = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    by_character = _fold_by_character(raw)
    if by_character is not None:
        cps, source = by_character
        owner = np.cumsum(raw == 0)[source]
    else:
        folded = unicodedata.normalize("NFKC", joined).casefold()
        everything = np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), dtype="<u4")
        kept = _alnum()[everything]
        cps, owner = everything[kept], np.cumsum(everything == 0)[kept]
    if limit is not None:
        counts = np.bincount(owner, minlength=len(texts))
        if (counts > limit).any():
            starts = np.cumsum(counts) - counts
            first = np.arange(len(owner)) - starts[owner] < limit
            cps, owner = cps[first], owner[first]
    return cps, owner


def shingles(cps: np.ndarray, owner: np.ndarray, n: int, size: int = SHINGLE
             ) -> tuple[np.ndarray, np.ndarray]:
    """(shingle, which text it is from) for `folded_codepoints`' output: the character
    `size`-grams of each text, each packed into one integer (repeats kept).

    Packing is one-to-one, so the sets compare (Jaccard) exactly as sets of the
    substrings would; a text shorter than `size` is its own one shingle (no code point
    is 0, so it cannot equal a packed `size`-gram).
    """
    wide = cps.astype(np.int64)
    m = len(wide) - size + 1
    packed, who = np.zeros(0, np.int64), np.zeros(0, np.int64)
    if m > 0:
        packed = wide[:m].copy()
        for j in range(1, size):
            packed <<= _BITS
            packed |= wide[j:m + j]
        within = owner[:m] == owner[size - 1:]  # no shingle spans two texts
        packed, who = packed[within], owner[:m][within]
    counts = np.bincount(owner, minlength=n)
    short = np.flatnonzero((counts > 0) & (counts < size))
    if len(short):
        starts = np.cumsum(counts) - counts
        whole = [sum(int(c) << (_BITS * j) for j, c in enumerate(
            wide[starts[i]:starts[i] + counts[i]][::-1])) for i in short]
        packed = np.concatenate([packed, np.array(whole, dtype=np.int64)])
        who = np.concatenate([who, short])
    return packed, who


def shingle_sets(texts: Sequence[str], limit: int | None = None) -> list[np.ndarray]:
    """Each text's shingles (`shingles` of `folded_codepoints`), repeats kept."""
    if not texts:
        return []
    packed, who = shingles(*folded_codepoints(texts, limit), len(texts))
    order = np.argsort(who, kind="stable")
    bounds = np.cumsum(np.bincount(who, minlength=len(texts)))[:-1]
    return np.split(packed[order], bounds)


def jaccard_matrix(sets: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(Jaccard of every pair of these shingle sets, each set's size); 0.0 when either
    set is empty.

    One sort of all the shingles numbers the distinct ones; a set × shingle incidence
    matrix, narrowed to the shingles two sets share, gives every intersection in one
    product. Exact: the counts are small integers, and the division is the one a
    pair-by-pair Jaccard would make.
    """
    n = len(sets)
    if not n or not sum(len(x) for x in sets):
        return np.zeros((n, n)), np.zeros(n, dtype=np.int64)
    packed = np.concatenate(sets)
    who = np.repeat(np.arange(n), [len(x) for x in sets])
    order = np.argsort(packed)
    packed, who = packed[order], who[order]
    new = np.empty(len(packed), dtype=bool)
    new[0] = True
    np.not_equal(packed[1:], packed[:-1], out=new[1:])
    distinct = np.cumsum(new) - 1
    incidence = np.zeros((n, int(distinct[-1]) + 1), dtype=np.float32)
    incidence[who, distinct] = 1.0  # a repeat within a set sets the same cell
    sizes = incidence.sum(axis=1).astype(np.int64)
    shared = incidence[:, incidence.sum(axis=0) >= 2]
    inter = (shared @ shared.T).astype(np.int64)
    np.fill_diagonal(inter, sizes)
    union = sizes[:, None] + sizes[None, :] - inter
    both = (sizes[:, None] > 0) & (sizes[None, :] > 0)
    return (np.divide(inter.astype(np.float64), union.astype(np.float64),
                      out=np.zeros((n, n)), where=both), sizes)


Groups = list[tuple[int, list[int]]]
"""[(kept index, [collapsed indices])] in order; the kept item is its group's first."""


class Collapse:
    """Near-duplicate groups of hits that arrive in order, a batch at a time.

    Each item joins the first group whose kept item it duplicates, else starts a
    group of its own. Joining only a kept item, not any member, means a chain of
    small edits does not snowball into one group of unrelated articles.

    Every candidate is folded and shingled once, with its batch; items are compared
    a block at a time (within the block, and with the kept items of earlier blocks,
    a block of those at a time), never pair by pair.
    """

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.groups: Groups = []
        self._titles: list[np.ndarray] = []
        self._leads: list[np.ndarray] = []
        self._languages: list[str] = []

    def __len__(self) -> int:
        return len(self._titles)

    def add(self, candidates: Sequence[Candidate],
            stop: Callable[[int, int], bool] | None = None) -> bool:
        """Group `candidates` after those added before; True when `stop(index, number
        of groups)` ended it before an item (the items from there on are not placed)."""
        first = len(self)
        self._titles += shingle_sets([_PREFIX.sub("", c.title.strip()) for c in candidates])
        self._leads += shingle_sets([" ".join(c.paragraphs)[: LEAD_CHARS * 2]
                                     for c in candidates], LEAD_CHARS)
        self._languages += [base_language(c.language) for c in candidates]
        for start in range(first, len(self), BLOCK):
            block = list(range(start, min(start + BLOCK, len(self))))
            earlier = [kept for kept, _ in self.groups]
            chunks = [earlier[c:c + BLOCK] for c in range(0, len(earlier), BLOCK)] or [[]]
            # Each chunk of earlier kept items beside the block: the first matrix also
            # holds the block against itself.
            matrices = [self.duplicates(chunk + block) for chunk in chunks]
            within = matrices[0][len(chunks[0]):, len(chunks[0]):]
            across = np.vstack([m[:len(chunk), len(chunk):]
                                for chunk, m in zip(chunks, matrices, strict=True)])
            for j, item in enumerate(block):
                if stop is not None and stop(item, len(self.groups)):
                    del self._titles[item:], self._leads[item:], self._languages[item:]
                    return True
                for g, (kept, members) in enumerate(self.groups):
                    if across[g, j] if g < len(earlier) else within[kept - start, j]:
                        members.append(item)
                        break
                else:
                    self.groups.append((item, []))
        return False

    def duplicates(self, items: Sequence[int]) -> np.ndarray:
        """len(items)²: whether each pair of these items are near-duplicates (the module
        doc: titles or leads alike, but not titles alike over distinct long leads)."""
        languages = np.array([self._languages[i] for i in items])
        same = languages[:, None] == languages[None, :]
        titles, _ = jaccard_matrix([self._titles[i] for i in items])
        leads, sizes = jaccard_matrix([self._leads[i] for i in items])
        long = sizes >= LEAD_MIN_SHINGLES
        both_long = long[:, None] & long[None, :]
        out = same & (((titles >= self.threshold) & ~(both_long & (leads < LEAD_DISTINCT)))
                      | (both_long & (leads >= self.threshold)))
        np.fill_diagonal(out, True)
        return out
