"""Scoring helpers for the extraction benchmark.

Body scoring follows scrapinghub/article-extraction-benchmark `evaluate.py`
exactly, so our figures compare with the published ones:

* tokens are `\\w+` matches (re.UNICODE), each text becomes a multiset of
  4-token shingles (a text of fewer than 4 tokens is one shorter shingle);
* per page, TP/FP/FN are counted over the shingle multisets and normalised to
  sum to 1, so long pages weigh no more than short ones;
* precision is averaged only over pages with TP + FP > 0 and recall only over
  pages with TP + FN > 0; F1 is computed from the two means.

The consequence worth knowing: an **empty prediction** (TP = FP = 0) is left
out of the precision mean and scores 0 in the recall mean, and an empty truth is
left out of the recall mean. We keep that upstream convention because it is the
one that reproduces the published figure: trafilatura 2.3.1 called as upstream's
`run_trafilatura.py` does (`extract(html, include_comments=False)`) scores F1
0.960 on the 181 pages (published for 2.0: 0.958); called as this benchmark
does (with `url=`, `include_tables=False`) it scores 0.957. trafilatura is never
empty on this set, so the stricter alternative (an empty prediction counts as
precision 0, `aggregate_strict`) gives it the same figure; for a system that
abstains on some pages it is lower, so we report it in the JSON and print how
many outputs were empty.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

NGRAM_N = 4
_TOKEN_RE = re.compile(r"\w+", re.UNICODE | re.MULTILINE | re.IGNORECASE | re.DOTALL)


def tokenize(text: str | None) -> list[str]:
    return _TOKEN_RE.findall(text or "")


def shingles(text: str | None, n: int = NGRAM_N) -> Counter[tuple[str, ...]]:
    tokens = tokenize(text)
    out: Counter[tuple[str, ...]] = Counter()
    for i in range(max(1, len(tokens) - n + 1)):
        shingle = tuple(tokens[i : i + n])
        if shingle:
            out[shingle] += 1
    return out


@dataclass(frozen=True)
class PageScore:
    """Normalised TP/FP/FN of one page (they sum to 1 unless both texts are empty)."""

    tp: float
    fp: float
    fn: float

    @property
    def precision(self) -> float | None:
        """None when the prediction is empty (left out of the precision mean)."""
        if self.tp + self.fp <= 0:
            return None
        if self.fp == self.fn == 0:
            return 1.0
        return self.tp / (self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        """None when the truth is empty (left out of the recall mean)."""
        if self.tp + self.fn <= 0:
            return None
        if self.fp == self.fn == 0:
            return 1.0
        return self.tp / (self.tp + self.fn)

    @property
    def f1(self) -> float:
        """Per-page F1 for ranking pages; an empty prediction scores 0."""
        p, r = self.precision, self.recall
        if p is None and r is None:
            return 1.0  # both empty: nothing to find, nothing found
        p, r = p or 0.0, r or 0.0
        return 2 * p * r / (p + r) if p + r else 0.0


def score_page(truth: str | None, pred: str | None) -> PageScore:
    true_sh, pred_sh = shingles(truth), shingles(pred)
    tp = fp = fn = 0.0
    for key in true_sh.keys() | pred_sh.keys():
        t, p = true_sh.get(key, 0), pred_sh.get(key, 0)
        tp += min(t, p)
        fp += max(0, p - t)
        fn += max(0, t - p)
    total = tp + fp + fn
    if total > 0:
        tp, fp, fn = tp / total, fp / total, fn / total
    return PageScore(tp, fp, fn)


@dataclass(frozen=True)
class Aggregate:
    precision: float
    recall: float
    f1: float
    pages: int


def aggregate(scores: list[PageScore]) -> Aggregate:
    """Macro precision and recall over pages (upstream convention), F1 from the means."""
    ps = [s.precision for s in scores if s.precision is not None]
    rs = [s.recall for s in scores if s.recall is not None]
    p = statistics.fmean(ps) if ps else 0.0
    r = statistics.fmean(rs) if rs else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return Aggregate(p, r, f1, len(scores))


def aggregate_strict(scores: list[PageScore]) -> Aggregate:
    """Alternative convention: an empty prediction counts as precision 0."""
    ps = [0.0 if s.precision is None else s.precision for s in scores if s.recall is not None]
    rs = [s.recall for s in scores if s.recall is not None]
    p = statistics.fmean(ps) if ps else 0.0
    r = statistics.fmean(rs) if rs else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return Aggregate(p, r, f1, len(scores))


# --- metadata -----------------------------------------------------------------


def norm_text(text: str | None) -> str:
    """NFKC, casefold, whitespace collapsed: the key for title and author matches.

    Invisible format characters (soft hyphen U+00AD, zero-width space and joiners:
    Unicode category Cf) are dropped too, so "Helikopter\u00adlandeplatz" in a gold
    title equals "Helikopterlandeplatz" as the reader sees it.
    """
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return " ".join(text.casefold().split())


def title_match(gold: str | None, pred: str | None) -> bool:
    return bool(norm_text(gold)) and norm_text(gold) == norm_text(pred)


# Role words before a name ("记者 陈静", "环球快讯网驻吉隆坡记者 黄伟强", "Phóng viên …")
# are not part of it; both systems' answers and the gold are compared without them.
_ROLE_PREFIX = re.compile(r"^.*?(记者|記者|通讯员|通訊員|实习生|實習生|phóng viên)\s*", re.I)


def author_set(names: list[str] | None) -> frozenset[str]:
    return frozenset(k for k in (norm_text(_ROLE_PREFIX.sub("", n)) for n in names or []) if k)


def parse_gold_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        return None


def gold_has_time(value: datetime | None) -> bool:
    """A time worth checking to the minute: an offset is stated and it is not 00:00:00."""
    if value is None or value.tzinfo is None:
        return False
    return (value.hour, value.minute, value.second) != (0, 0, 0)


def parse_day(value: str | None) -> date | None:
    """The calendar day of an ISO date or datetime string, in its own offset."""
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def parse_loose_datetime(value: str | None) -> datetime | None:
    """Parse htmldate output made with `%Y-%m-%dT%H:%M:%S%z` (offset may be absent)."""
    if not value:
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(value.strip(), fmt)
        except ValueError:
            continue
    return None


def minute_exact(gold: datetime, pred: datetime | None) -> bool:
    """Same wall-clock minute and the same stated UTC offset."""
    if pred is None or pred.tzinfo is None or gold.tzinfo is None:
        return False
    if pred.utcoffset() != gold.utcoffset():
        return False
    return pred.replace(second=0, microsecond=0, tzinfo=None) == gold.replace(
        second=0, microsecond=0, tzinfo=None
    )


def same_instant_minute(gold: datetime, pred: datetime | None) -> bool:
    """The same moment to the minute, whatever offset each side states."""
    if pred is None or pred.tzinfo is None or gold.tzinfo is None:
        return False
    return pred.replace(second=0, microsecond=0) == gold.replace(second=0, microsecond=0)
