"""The offline engine: an extractive, structured brief with true paragraph numbers.

Sentences are scored by four signals, each scaled to 0..1 within the article:
centrality (mean cosine to the article's other sentences over multilingual-e5
embeddings: what the article keeps returning to), closeness to the title,
position (news puts the point first), and density of numbers and names (facts a
reader wants). Maximal-marginal-relevance picking keeps them non-redundant.
Each picked sentence is quoted verbatim and cites the paragraph it came from, so
its citation is true by construction (the verifier still checks it).

Groups ("Group 1: Numbers and figures", …) come from what a sentence *is* —
a figure, a quote, background, a next step, a development — found by
per-language cue words, so titles are honest and exist in all five reader
languages. Bullets stay in the article's language: no offline translation model
ships (../shared/MODELS.md); the brief says so in `notes`.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

import numpy as np

from newsdesk.brief import embedding, labels
from newsdesk.brief.sentences import Sentence, article_sentences
from newsdesk.brief.types import (
    LANGUAGES,
    Brief,
    BriefGroup,
    BriefPoint,
    Verification,
    base_language,
)
from newsdesk.brief.verify import names, numbers
from newsdesk.records import Article

ENGINE = "extractive"
VERSION = "2"  # part of the cache key: bump when the engine's output changes
CATEGORY_ORDER = ("facts", "figures", "quotes", "background", "next")

_CUES: dict[str, dict[str, str]] = {
    "quotes": {
        "zh": r"说|表示|介绍|指出|称|认为|强调|坦言|透露|“|「",
        "vi": r"cho biết|nói|phát biểu|khẳng định|nhấn mạnh|chia sẻ|\btheo (ông|bà|anh|chị)|“",
        "en": r"\b(said|says|told|according to|stated|noted|added|warned)\b|“",
        "th": r"กล่าว|เปิดเผย|ระบุ|ชี้แจง|“",
        "lo": r"ກ່າວ|ໃຫ້ຮູ້|ເປີດເຜີຍ|ຖະແຫຼງ|ຊີ້ແຈງ|“",
    },
    "next": {
        "zh": r"将|计划|预计|下一步|明年|未来|拟|有望|争取",
        "vi": r"\bsẽ\b|dự kiến|kế hoạch|tới đây|\bsắp\b|năm tới|hướng tới",
        "en": r"\b(will|plans?|planned|expected|next|aims?|due to open|by 20\d\d)\b",
        "th": r"จะ|คาดว่า|แผน|ต่อไป|เตรียม",
        "lo": r"ຈະ|ຄາດວ່າ|ແຜນ|ຕໍ່ໄປ|ກະກຽມ",
    },
    "background": {
        "zh": r"此前|以来|去年|曾经|早在|近年来|历史|自\d",
        "vi": r"trước đó|trước đây|từ năm|năm ngoái|kể từ|đã từng|năm trước",
        "en": r"\b(since|last year|previously|earlier|began|history|first opened|ago)\b",
        "th": r"ที่ผ่านมา|ก่อนหน้านี้|ตั้งแต่|ปีที่แล้ว|เมื่อปี",
        "lo": r"ທີ່ຜ່ານມາ|ກ່ອນໜ້ານີ້|ນັບແຕ່|ປີກາຍ",
    },
    "insight": {
        "zh": r"因为|由于|因此|所以|意味着|得益于|导致|带动|为了|表明|关键",
        "vi": r"\b(do|vì|nhờ|nên|khiến|giúp|nhằm|cho thấy|nguyên nhân)\b",
        "en": r"\b(because|due to|as a result|thanks to|means|shows|so that|driven by|amid|"
              r"reflects|key)\b",
        "th": r"เนื่องจาก|เพราะ|ทำให้|ส่งผลให้|สะท้อน",
        "lo": r"ເນື່ອງຈາກ|ຍ້ອນ|ເຮັດໃຫ້|ສົ່ງຜົນ|ສະທ້ອນ",
    },
}
_CUE_RE = {cat: {lang: re.compile(rx, re.IGNORECASE) for lang, rx in table.items()}
           for cat, table in _CUES.items()}
_UNIT = re.compile(r"%|％|\$|USD|VND|đồng|元|吨|公里|ล้าน|บาท|ກີບ|ລ້ານ|triệu|tỷ|万|亿|million|"
                   r"billion|tonnes?|km|MW", re.IGNORECASE)


def _cue(category: str, text: str, lang: str) -> bool:
    table = _CUE_RE[category]
    rx = table.get(lang)
    if rx is not None:
        return bool(rx.search(text))
    return any(r.search(text) for r in table.values())


def categorize(text: str, lang: str) -> str:
    """What kind of sentence this is: quotes, next, figures, background or facts."""
    if _cue("quotes", text, lang):
        return "quotes"
    if _cue("next", text, lang):
        return "next"
    nums = numbers(text)
    if len(nums) >= 2 or (nums and (_UNIT.search(text) or max(nums[0].values) >= 10)):
        return "figures"
    if _cue("background", text, lang):
        return "background"
    return "facts"


def _minmax(x: np.ndarray) -> np.ndarray:
    if x.size == 0:
        return x
    lo, hi = float(x.min()), float(x.max())
    return (x - lo) / (hi - lo) if hi - lo > 1e-9 else np.full_like(x, 0.5)


@dataclass
class Ranked:
    sentences: list[Sentence]
    scores: np.ndarray  # combined 0..~2.7
    vectors: np.ndarray  # L2-normalised embeddings, one row per sentence


def rank_sentences(sentences: list[Sentence], title: str | None, lang: str,
                   insight: bool = False) -> Ranked:
    """Score every sentence (centrality, title closeness, position, fact density)."""
    if not sentences:
        return Ranked([], np.zeros(0), np.zeros((0, embedding.DIM), dtype=np.float32))
    texts = [s.text for s in sentences]
    vectors = embedding.embed(texts + ([title] if title else []), "passage")
    sent_vecs = vectors[: len(texts)]
    n = len(texts)
    sims = sent_vecs @ sent_vecs.T
    centrality = (sims.sum(axis=1) - 1.0) / max(n - 1, 1)
    title_sim = sent_vecs @ vectors[-1] if title else np.zeros(n)
    position = np.array([1.0 / (1.0 + 0.6 * (s.paragraph - 1) + 0.4 * s.position)
                         for s in sentences])
    density = np.array([
        (len(numbers(t)) + 0.5 * len(names(t))) / np.sqrt(max(len(t) / 20.0, 1.0))
        for t in texts])
    length = np.array([len(t) for t in texts], dtype=float)
    too_short = (length < 25).astype(float)  # headline fragments, datelines, "Yes."
    score = (1.0 * _minmax(centrality) + 0.7 * _minmax(title_sim) + 0.7 * position
             + 0.3 * _minmax(density) - 0.8 * too_short)
    if insight:
        score = score + np.array([0.6 * (_cue("insight", t, lang) or _cue("next", t, lang)
                                         or _cue("quotes", t, lang)) for t in texts])
    return Ranked(list(sentences), score, sent_vecs)


def mmr(ranked: Ranked, k: int, exclude: set[int] | None = None,
        candidates: list[int] | None = None, lam: float = 0.7,
        duplicate: float = 0.95) -> list[int]:
    """Indices of up to k high-scoring, mutually non-redundant sentences."""
    pool = [i for i in (candidates if candidates is not None else range(len(ranked.sentences)))
            if i not in (exclude or set())]
    chosen: list[int] = []
    taken = list(exclude or ())
    while pool and len(chosen) < k:
        def value(i: int) -> float:
            red = max((float(ranked.vectors[i] @ ranked.vectors[j]) for j in taken), default=0.0)
            return lam * float(ranked.scores[i]) - (1 - lam) * red

        best = max(pool, key=value)
        pool.remove(best)
        if any(float(ranked.vectors[best] @ ranked.vectors[j]) > duplicate for j in taken):
            continue
        chosen.append(best)
        taken.append(best)
    return chosen


def target_points(n_sentences: int) -> int:
    """3–6 points, more for longer articles (never more than there are sentences)."""
    return max(3, min(6, round(n_sentences / 4)))


def _point(s: Sentence, lang: str) -> BriefPoint:
    return BriefPoint(text=s.text, citations=[s.paragraph], kind=categorize(s.text, lang))


def generate_brief(article: Article, *, lang: str | None = None, style: str = "points",
                   use_title: bool = True) -> Brief:
    """An unverified extractive brief (the service verifies and caches it).

    `use_title=False` ranks without the headline (the benchmark uses that where
    the reference summary *is* the headline).
    """
    source = base_language(article.language)
    label_lang = source if source in LANGUAGES else "en"
    sentences = article_sentences(article)
    ranked = rank_sentences(sentences, article.title if use_title else None, source,
                            insight=style == "insights")
    notes: list[str] = []
    if not sentences:
        viewpoint = BriefPoint(text="", citations=[])
        points: list[BriefPoint] = []
        groups: list[BriefGroup] = []
        notes.append("The article has no body text to brief.")
    else:
        order = mmr(ranked, 1 + target_points(len(sentences)))
        viewpoint = _point(sentences[order[0]], source)
        n_points = 3 if style == "categories" else target_points(len(sentences))
        picked = order[1:1 + n_points]
        if style != "insights":
            picked = sorted(picked)  # reading order reads naturally and cites ascending
        points = [_point(sentences[i], source) for i in picked]
        if len(sentences) < 4:
            notes.append(f"The article has only {len(sentences)} sentence(s); "
                         "the brief has fewer points.")
        groups = (_groups(ranked, set(order[:1 + n_points]), source, label_lang)
                  if style == "categories" else [])
    base = Brief(
        article_id=article.id, language=source, source_language=source,
        requested_language=None, engine=ENGINE, style=style, viewpoint=viewpoint,
        points=points, groups=groups, verification=Verification(score=0.0),
        notes=notes, article_version=article.content_hash, title=article.title,
        labels=labels.section_labels(label_lang))
    return for_reader(base, lang)


def for_reader(brief: Brief, lang: str | None) -> Brief:
    """The source-language brief as a reader of `lang` gets it (a copy).

    Bullets, citations and verification are the reader-independent part, so the
    service verifies and caches one brief per article and style and calls this
    per request: section headings and group titles ("Group 1: …", "第1组：…") in
    the reader's language, and — when the reader's language is not the
    article's — a note that the bullets stay in the source language.
    """
    out = copy.deepcopy(brief)
    source = brief.source_language
    reader = lang or source
    label_lang = reader if reader in LANGUAGES else "en"
    out.requested_language = lang
    out.labels = labels.section_labels(label_lang)
    for n, g in enumerate(out.groups, start=1):
        if g.kind in CATEGORY_ORDER:
            g.title = labels.text("group", label_lang, n=n,
                                  title=labels.text(g.kind, label_lang))
    if reader != source:
        out.notes = [labels.text("source_language", label_lang,
                                 source=labels.language_name(source, label_lang),
                                 reader=labels.language_name(reader, label_lang)),
                     *out.notes]
    return out


def _groups(ranked: Ranked, used: set[int], lang: str, label_lang: str) -> list[BriefGroup]:
    by_kind: dict[str, list[int]] = {k: [] for k in CATEGORY_ORDER}
    for i, s in enumerate(ranked.sentences):
        by_kind[categorize(s.text, lang)].append(i)
    groups: list[BriefGroup] = []
    for kind in CATEGORY_ORDER:
        picked = sorted(mmr(ranked, 3, exclude=used, candidates=by_kind[kind]))
        if not picked:
            continue
        used |= set(picked)
        title = labels.text("group", label_lang, n=len(groups) + 1,
                            title=labels.text(kind, label_lang))
        groups.append(BriefGroup(title=title, kind=kind,
                                 points=[_point(ranked.sentences[i], lang) for i in picked]))
    return groups
