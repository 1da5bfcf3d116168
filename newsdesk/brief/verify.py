"""Citation verification, the same for every engine.

Every bullet names the paragraphs it rests on. A bullet stands as cited when

1. every cited paragraph exists (a brief never cites a paragraph that does not);
2. the numbers in the bullet (digits, with scale words: 2000万 = 20 million =
   20 triệu) and, when bullet and paragraph share a script, its names (capitalised
   words; Chinese person/place/organisation names; quoted terms) appear in the
   cited paragraphs; and
3. the text is in a cited paragraph verbatim, or nearly (token overlap), or the
   cited paragraph is among the most similar paragraphs of the article by
   cross-lingual embedding (multilingual-e5: its scores sit in a narrow band, so
   we *rank* paragraphs — the cited one must be within `MARGIN` of the best —
   and only use an absolute `FLOOR` against bullets nothing supports).

A bullet that fails is re-cited to the best-supporting paragraph (or pair of
paragraphs) that passes the same tests, or dropped with a reason. The brief's
`verification.score` is the share of bullets that stand; `citation_precision` the
share whose citations were right as given. Cross-script names (an English bullet
about a Chinese paragraph) cannot be checked by string and rest on the embedding.
"""

from __future__ import annotations

import copy
import itertools
import re
import unicodedata
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np

from newsdesk.brief import embedding
from newsdesk.brief.sentences import script_of
from newsdesk.brief.types import Brief, BriefPoint, Verification
from newsdesk.records import Article

VERSION = "1"  # part of the brief cache key: bump when verdicts can change
MARGIN = 0.03  # cited paragraph's similarity may trail the best by this much
FLOOR = 0.80  # below this nothing in the article supports the bullet (e5 query↔passage)
OVERLAP_OK = 0.85  # share of the bullet's tokens found in the paragraph: a near-quote

_SCALES: dict[str, float] = {
    "thousand": 1e3, "k": 1e3, "million": 1e6, "mln": 1e6, "m": 1e6, "mn": 1e6,
    "billion": 1e9, "bln": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12,
    "nghìn": 1e3, "ngàn": 1e3, "triệu": 1e6, "tỷ": 1e9, "tỉ": 1e9,
    "千": 1e3, "万": 1e4, "萬": 1e4, "亿": 1e8, "億": 1e8, "万亿": 1e12, "萬億": 1e12,
    "พัน": 1e3, "หมื่น": 1e4, "แสน": 1e5, "ล้าน": 1e6,
    "ພັນ": 1e3, "ໝື່ນ": 1e4, "ແສນ": 1e5, "ລ້ານ": 1e6, "ຕື້": 1e9,
}
_NUMBER = re.compile(
    r"(?<![0-9A-Za-z.,])(\d+(?:[.,]\d+)*)(?:\s?(" + "|".join(
        sorted((re.escape(k) for k in _SCALES), key=len, reverse=True)) + r"))?",
    re.IGNORECASE)
_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙໐໑໒໓໔໕໖໗໘໙", "01234567890123456789")
_QUOTED = re.compile(r"[“「『\"]([^”」』\"]{2,30})[”」』\"]")
_NAME_STOP = {
    "The", "A", "An", "In", "On", "At", "Of", "And", "But", "For", "With", "By", "From",
    "It", "Its", "This", "That", "These", "Those", "He", "She", "They", "We", "I", "As",
    "Mr", "Mrs", "Ms", "Dr", "Group", "Core", "Theo", "Ông", "Bà", "Anh", "Chị", "Các",
    "Những", "Trong", "Tại", "Sau", "Khi", "Đây", "Đó", "Người", "Ngày", "Tháng", "Năm",
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
}


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_DIGITS)


def _canon(value: float) -> float:
    return float(f"{value:.6g}")


def _readings(digits: str) -> set[float]:
    """What a written number can mean: 1.100 is 1100 (vi/de) or 1.1 (en)."""
    plain = re.sub(r"[.,]", "", digits)
    out = {float(plain)} if plain else set()
    seps = re.findall(r"[.,]", digits)
    if len(seps) == 1:
        out.add(float(digits.replace(",", ".")))
    elif len(seps) > 1 and len(set(seps)) == 2:  # 1,234.5 or 1.234,5
        last = digits.rfind(seps[-1])
        out.add(float(re.sub(r"[.,]", "", digits[:last]) + "." + digits[last + 1:]))
    return {_canon(v) for v in out}


@dataclass(frozen=True)
class NumberFact:
    surface: str
    values: frozenset[float]  # what the bullet states (scaled when a scale word follows)


def numbers(text: str, with_bare: bool = False) -> list[NumberFact]:
    """Numbers in a text; `with_bare` adds unscaled readings (for paragraphs)."""
    facts: list[NumberFact] = []
    for m in _NUMBER.finditer(_norm(text)):
        readings = _readings(m.group(1))
        if not readings:
            continue
        word = (m.group(2) or "").lower()
        after = m.string[m.end():m.end() + 1]
        if word.isascii() and after.isalpha():  # "20 members" is not "20 m"
            word = ""
        scale = _SCALES.get(word, 1.0)
        values = {_canon(v * scale) for v in readings}
        if with_bare or scale == 1.0:
            values |= readings
        surface = m.group(0).strip() if word else m.group(1)
        facts.append(NumberFact(surface, frozenset(values)))
    return facts


def number_values(text: str) -> set[float]:
    return {v for f in numbers(text, with_bare=True) for v in f.values}


def names(text: str) -> list[str]:
    """Names to find verbatim in the cited paragraph (same script only).

    Latin scripts: capitalised words that do not open a sentence; Chinese: person,
    place and organisation names by jieba's tagger; any script: short quoted terms.
    """
    text = _norm(text)
    found: list[str] = [q.strip() for q in _QUOTED.findall(text)]
    script = script_of(text)
    if script == "latin":
        for sentence in re.split(r"(?<=[.!?:;])\s+", text):
            words = re.findall(r"[\w'’-]+", sentence)
            for w in words[1:]:
                if w[:1].isupper() and w not in _NAME_STOP and not w.isdigit():
                    found.append(w)
    elif script == "cjk":
        import jieba.posseg as pseg

        from newsdesk.text.segment_zh import jieba_tokenizer

        jieba_tokenizer()  # initialised once, quietly (jieba logs its cache building)
        found += [w.word for w in pseg.cut(text)
                  if w.flag in ("nr", "ns", "nt", "nrt") and len(w.word) >= 2]
        found += re.findall(r"[A-Za-z][A-Za-z0-9-]{1,}", text)
    return list(dict.fromkeys(found))


def _tokens(text: str) -> list[str]:
    text = _norm(text).lower()
    if script_of(text) in ("cjk", "thai", "lao"):
        chars = [c for c in text if c.isalnum()]
        return ["".join(p) for p in itertools.pairwise(chars)]
    return re.findall(r"\w+", text)


def overlap(bullet: str, paragraph: str) -> float:
    """Share of the bullet's tokens (words; character bigrams for zh/th/lo) in the paragraph."""
    bt = _tokens(bullet)
    if not bt:
        return 0.0
    pt = set(_tokens(paragraph))
    return sum(t in pt for t in bt) / len(bt)


@dataclass
class Claim:
    """A bullet to check: its text and the keys (paragraph ids) it cites."""

    text: str
    cited: list[Hashable]


@dataclass
class Verdict:
    status: str  # "ok" | "recited" | "dropped"
    citations: list[Hashable]
    support: float
    reason: str = ""
    precise: bool = True  # citations were right as given
    missing: list[str] = field(default_factory=list)


def _missing_facts(text: str, para_texts: list[str], same_script: bool) -> list[str]:
    joined = "\n".join(para_texts)
    have = number_values(joined)
    missing = [f.surface for f in numbers(text) if not (f.values & have)]
    if same_script:
        norm_joined = _norm(joined)
        missing += [n for n in names(text) if n not in norm_joined]
    return missing


def verify_claims(claims: Sequence[Claim], paragraphs: dict[Hashable, str]) -> list[Verdict]:
    """Check each claim against the paragraphs it cites; re-cite or drop the failures."""
    keys = list(paragraphs)
    verdicts: list[Verdict | None] = [None] * len(claims)
    need_vectors: list[int] = []
    for i, c in enumerate(claims):
        cited = [k for k in dict.fromkeys(c.cited) if k in paragraphs]
        if cited and len(cited) == len(c.cited) and any(
                _norm(c.text) in _norm(paragraphs[k]) for k in cited):
            # verbatim quote of a cited paragraph: supported by construction
            verdicts[i] = Verdict("ok", cited, 1.0)
        else:
            need_vectors.append(i)
    if not need_vectors:
        return [v for v in verdicts if v is not None]
    para_vecs = embedding.embed([paragraphs[k] for k in keys], "passage")
    claim_vecs = embedding.embed([claims[i].text for i in need_vectors], "query")
    for row, i in enumerate(need_vectors):
        verdicts[i] = _judge(claims[i], paragraphs, keys, para_vecs @ claim_vecs[row])
    return [v for v in verdicts if v is not None]


def _judge(claim: Claim, paragraphs: dict[Hashable, str], keys: list[Hashable],
           sims: np.ndarray) -> Verdict:
    text = claim.text
    sim = {k: float(s) for k, s in zip(keys, sims, strict=True)}
    ovl = {k: overlap(text, paragraphs[k]) for k in keys}
    bullet_script = script_of(text)
    best = max(sim.values()) if sim else 0.0

    def supports(ks: Sequence[Hashable]) -> tuple[bool, str, float]:
        same = all(script_of(paragraphs[k]) == bullet_script for k in ks)
        missing = _missing_facts(text, [paragraphs[k] for k in ks], same)
        top = max(ks, key=lambda k: (ovl[k], sim[k]))
        score = max(sim[top], 1.0 if ovl[top] >= OVERLAP_OK else 0.0)
        if missing:
            return False, "not in the cited paragraph: " + ", ".join(missing[:4]), score
        if ovl[top] >= OVERLAP_OK and same:
            return True, "", score
        s = max(sim[k] for k in ks)
        if s >= FLOOR and s >= best - MARGIN:
            return True, "", s
        if s < FLOOR:
            return False, f"no cited paragraph is similar enough ({s:.2f})", s
        return False, f"another paragraph fits better ({best:.2f} vs {s:.2f})", s

    given = list(claim.cited)
    existing = [k for k in dict.fromkeys(given) if k in paragraphs]
    nonexistent = [k for k in given if k not in paragraphs]
    reason = ""
    if existing:
        ok, reason, score = supports(existing)
        if ok:
            # prune cited paragraphs that add nothing and fit far worse than the best one
            keep = [k for k in existing
                    if sim[k] >= max(sim[j] for j in existing) - 2 * MARGIN or ovl[k] >= 0.5]
            if keep != existing and supports(keep)[0]:
                return Verdict("recited", keep, score, "dropped a citation that does not fit",
                               precise=False)
            if nonexistent:
                return Verdict("recited", existing, score,
                               f"cited nonexistent paragraph {nonexistent}", precise=False)
            return Verdict("ok", existing, score)
    else:
        reason = (f"cited nonexistent paragraph {nonexistent}" if nonexistent
                  else "no citation")
    # re-cite: best single paragraph, else the best pair among the closest five
    ranked = sorted(keys, key=lambda k: (max(sim[k], ovl[k]), sim[k]), reverse=True)
    for k in ranked:
        ok, _, score = supports([k])
        if ok:
            return Verdict("recited", [k], score, reason, precise=False)
    for a, b in itertools.combinations(ranked[:5], 2):
        ok, _, score = supports([a, b])
        if ok:
            return Verdict("recited", sorted([a, b], key=keys.index), score, reason,
                           precise=False)
    return Verdict("dropped", existing, 0.0, reason or "unsupported", precise=False)


def verify_brief(brief: Brief, article: Article) -> Brief:
    """A copy of `brief` whose every bullet is verified against `article.paragraphs`.

    Bullets that stand keep (or get corrected) citations and a `support` score;
    the others are listed in `verification.dropped`. If the viewpoint is dropped,
    the first surviving point takes its place (noted). Call this on every brief,
    whatever engine made it, before showing or caching it.
    """
    out = copy.deepcopy(brief)
    # what the engine already corrected (the LLM engine removes citations of paragraphs
    # that do not exist while parsing): kept, and those bullets count as imprecise
    prior = [dict(c) for c in brief.verification.corrections]
    corrected_by_engine = {str(c.get("text", "")) for c in prior}
    paragraphs: dict[Hashable, str] = {
        n: p for n, p in enumerate(article.paragraphs, start=1) if p.strip()}
    bullets = out.bullets()
    verdicts = verify_claims([Claim(b.text, list(b.citations)) for b in bullets], paragraphs)
    dropped: list[dict[str, object]] = []
    corrections: list[dict[str, object]] = list(prior)
    dropped_ids: set[int] = set()
    for b, v in zip(bullets, verdicts, strict=True):
        if v.status == "dropped":
            dropped.append({"text": b.text, "citations": list(b.citations), "reason": v.reason})
            dropped_ids.add(id(b))
            continue
        if v.status == "recited":
            corrections.append({"text": b.text, "from": list(b.citations),
                                "to": [int(c) for c in v.citations],  # type: ignore[call-overload]
                                "reason": v.reason})
        b.citations = [int(c) for c in v.citations]  # type: ignore[call-overload]
        b.support = v.support

    def keep(points: list[BriefPoint]) -> list[BriefPoint]:
        return [p for p in points if id(p) not in dropped_ids]

    out.points = keep(out.points)
    for g in out.groups:
        g.points = keep(g.points)
    out.groups = [g for g in out.groups if g.points]
    if id(out.viewpoint) in dropped_ids:
        if out.points:
            out.viewpoint = out.points.pop(0)
            out.notes.append("The viewpoint failed verification; the first point replaces it.")
        else:
            out.viewpoint = BriefPoint(text="", citations=[])
            out.notes.append("No bullet of this brief could be verified against the article.")
    checked = len(bullets)
    precise = sum(v.precise and b.text not in corrected_by_engine
                  for b, v in zip(bullets, verdicts, strict=True))
    recited = {str(c["text"]) for c in corrections} - {str(d["text"]) for d in dropped}
    out.verification = Verification(
        score=(checked - len(dropped)) / checked if checked else 0.0,
        dropped=dropped, recited=len(recited), checked=checked,
        citation_precision=precise / checked if checked else 0.0,
        corrections=corrections)
    return out
