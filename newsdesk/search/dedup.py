"""Near-duplicate collapse among search hits ("N similar").

Wire copy is republished with small changes: a column prefix on the headline
("时政镜距离|…", "快讯|…"), a credit line, a trimmed last paragraph. Among the
candidate hits of one search, two articles in the same language are near-duplicates
when their normalised titles or their leading body text have a Jaccard similarity
of character shingles ≥ the threshold (0.8). Character shingles work for every
script without a segmenter; the candidate list is short (~100), so exact pairwise
Jaccard is cheap and needs no MinHash approximation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from newsdesk.text.analysis import base_language
from newsdesk.text.normalize import fold_key

LEAD_CHARS = 300
SHINGLE = 3
_PREFIX = re.compile(r"^[^|｜]{1,12}[|｜]")
"""A short column label before a bar: "时政镜距离|", "快讯｜", "Exclusive |"."""


@dataclass(frozen=True)
class DupKey:
    """What is compared: language, title shingles, leading-text shingles."""

    language: str
    title: frozenset[str]
    lead: frozenset[str]


def normalise_title(title: str) -> str:
    return fold_key(_PREFIX.sub("", title.strip()))


def shingles(text: str, size: int = SHINGLE) -> frozenset[str]:
    if len(text) <= size:
        return frozenset([text]) if text else frozenset()
    return frozenset(text[i:i + size] for i in range(len(text) - size + 1))


def dup_key(title: str, paragraphs: Sequence[str], language: str) -> DupKey:
    lead = fold_key(" ".join(paragraphs)[: LEAD_CHARS * 2])[:LEAD_CHARS]
    return DupKey(base_language(language), shingles(normalise_title(title)), shingles(lead))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def similar(a: frozenset[str], b: frozenset[str], threshold: float) -> bool:
    """jaccard(a, b) >= threshold, without intersecting sets whose sizes already rule
    it out (|a ∩ b| / |a ∪ b| <= min / max): most candidate pairs of a page are."""
    small, big = (len(a), len(b)) if len(a) <= len(b) else (len(b), len(a))
    if small < threshold * big:
        return False
    return jaccard(a, b) >= threshold


def near_duplicate(a: DupKey, b: DupKey, threshold: float) -> bool:
    if a.language != b.language:
        return False
    return similar(a.title, b.title, threshold) or (
        len(a.lead) >= 20 and len(b.lead) >= 20 and similar(a.lead, b.lead, threshold))


def collapse(keys: Sequence[DupKey], threshold: float) -> list[tuple[int, list[int]]]:
    """Group indices in order: [(kept index, [collapsed indices])], best (first) kept.

    Each later item joins the first kept item it duplicates, so a chain of small
    edits does not snowball into one group of unrelated articles.
    """
    groups: list[tuple[int, list[int]]] = []
    for i, key in enumerate(keys):
        for kept, members in groups:
            if near_duplicate(keys[kept], key, threshold):
                members.append(i)
                break
        else:
            groups.append((i, []))
    return groups
