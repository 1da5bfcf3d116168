"""Near-duplicate collapse among search hits ("N similar").

Wire copy is republished with small changes: a column prefix on the headline
("时政镜距离|…", "快讯|…"), a credit line, a trimmed last paragraph. Among the
candidate hits of one search, two articles in the same language are near-duplicates
when their normalised titles or their leading body text have a Jaccard similarity
of character shingles ≥ the threshold (0.8). Character shingles work for every
script without a segmenter; the candidate list is short (20–40 hits a page), so the
exact Jaccard of every pair is cheap and needs no MinHash approximation.
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
articles the same; only their titles can."""
_PREFIX = re.compile(r"^[^|｜]{1,12}[|｜]")
"""A short column label before a bar: "时政镜距离|", "快讯｜", "Exclusive |"."""
_BITS = 21
"""Bits of one code point (U+10FFFF): a shingle of three is one 63-bit integer."""
BLOCK = 64
"""Candidates compared in one `duplicate_matrix`: a default page needs 20–40, and a
deep page (thousands) goes block by block, so the matrices stay small (an incidence
matrix grows with texts × distinct shingles)."""
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


def folded_codepoints(texts: Sequence[str], limit: int | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """(code points, which text each is from) of `normalize.fold_key(text)` (NFKC,
    casefolded, letters and digits only) of every text, at most `limit` per text.

    The texts are folded in one call and filtered through a table in numpy, not
    character by character in Python: a page compares ~20 articles per search.
    """
    joined = _SEPARATOR.join(t.replace(_SEPARATOR, "") for t in texts)
    folded = unicodedata.normalize("NFKC", joined).casefold()
    cps = np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    owner = np.cumsum(cps == 0)
    kept = _alnum()[cps]
    cps, owner = cps[kept], owner[kept]
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


def jaccard_matrix(texts: Sequence[str], limit: int | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(Jaccard of the shingle sets of every pair of texts, each set's size); 0.0 when
    either set is empty.

    One sort of all the shingles numbers the distinct ones; a text × shingle incidence
    matrix, narrowed to the shingles two texts share, gives every intersection in one
    product. Exact: the counts are small integers, and the division is the one a
    pair-by-pair Jaccard would make.
    """
    n = len(texts)
    packed, who = shingles(*folded_codepoints(texts, limit), n)
    if not len(packed):
        return np.zeros((n, n)), np.zeros(n, dtype=np.int64)
    order = np.argsort(packed)
    packed, who = packed[order], who[order]
    new = np.empty(len(packed), dtype=bool)
    new[0] = True
    np.not_equal(packed[1:], packed[:-1], out=new[1:])
    distinct = np.cumsum(new) - 1
    incidence = np.zeros((n, int(distinct[-1]) + 1), dtype=np.float32)
    incidence[who, distinct] = 1.0  # a repeat within a text sets the same cell
    sizes = incidence.sum(axis=1).astype(np.int64)
    shared = incidence[:, incidence.sum(axis=0) >= 2]
    inter = (shared @ shared.T).astype(np.int64)
    np.fill_diagonal(inter, sizes)
    union = sizes[:, None] + sizes[None, :] - inter
    both = (sizes[:, None] > 0) & (sizes[None, :] > 0)
    return (np.divide(inter.astype(np.float64), union.astype(np.float64),
                      out=np.zeros((n, n)), where=both), sizes)


def duplicate_matrix(candidates: Sequence[Candidate], threshold: float) -> np.ndarray:
    """n × n: whether each pair of candidates are near-duplicates (see the module)."""
    titles, _ = jaccard_matrix(
        [_PREFIX.sub("", c.title.strip()) for c in candidates])
    leads, lead_sizes = jaccard_matrix(
        [" ".join(c.paragraphs)[: LEAD_CHARS * 2] for c in candidates], LEAD_CHARS)
    languages = np.array([base_language(c.language) for c in candidates])
    long = lead_sizes >= LEAD_MIN_SHINGLES
    return (languages[:, None] == languages[None, :]) & (
        (titles >= threshold) | (long[:, None] & long[None, :] & (leads >= threshold)))


Groups = list[tuple[int, list[int]]]
"""[(kept index, [collapsed indices])] in order; the kept item is its group's first."""


def collapse(candidates: Sequence[Candidate], threshold: float, groups: Groups,
             start: int = 0, stop: Callable[[int, int], bool] | None = None) -> bool:
    """Add `candidates[start:]` to `groups` in order, each to the first group whose kept
    item it duplicates, else to a new group of its own; True when `stop(index, number
    of groups)` ended it before an item.

    Joining only a kept item, not any member, means a chain of small edits does not
    snowball into one group of unrelated articles. Items are compared a block at a
    time: within the block, and with the kept items of earlier blocks (a block of
    those at a time), never pair by pair.
    """
    for first in range(start, len(candidates), BLOCK):
        block = list(range(first, min(first + BLOCK, len(candidates))))
        earlier = [kept for kept, _ in groups]
        within = duplicate_matrix([candidates[i] for i in block], threshold)
        across = np.zeros((len(earlier), len(block)), dtype=bool)
        for c in range(0, len(earlier), BLOCK):
            chunk = earlier[c:c + BLOCK]
            both = duplicate_matrix([candidates[k] for k in chunk]
                                    + [candidates[i] for i in block], threshold)
            across[c:c + len(chunk)] = both[:len(chunk), len(chunk):]
        for j, item in enumerate(block):
            if stop is not None and stop(item, len(groups)):
                return True
            for g, (kept, members) in enumerate(groups):
                if across[g, j] if g < len(earlier) else within[kept - first, j]:
                    members.append(item)
                    break
            else:
                groups.append((item, []))
    return False
