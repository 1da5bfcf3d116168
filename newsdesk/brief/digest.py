"""A digest: a multi-article brief over a search's top results.

Three parts, each bullet a sentence quoted from an article and citing
`[article:paragraph]` (shown as `[A1:2]` with a legend of articles):

- what happened: sentences the articles agree on — each sentence scored by how
  closely the *other* articles say the same (best cross-lingual match per other
  article, averaged), its closeness to the query and its position; picked
  non-redundantly (the same fact in three languages is one bullet) and
  corroborated by the matching paragraphs of other articles when the verifier
  accepts them;
- how sources differ: per outlet and language, the relevant sentences least
  matched anywhere else (what only that source reports);
- timeline: each article's central sentence, ordered by its publish date.

Retrieval uses `newsdesk.search` when it is installed and returns hits; else a
dense scan of the newest articles with the same multilingual embeddings.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from newsdesk.brief import embedding, labels
from newsdesk.brief.extractive import rank_sentences
from newsdesk.brief.sentences import Sentence, article_sentences
from newsdesk.brief.types import (
    LANGUAGES,
    BriefError,
    Digest,
    DigestCitation,
    DigestGroup,
    DigestPoint,
    DigestSource,
    Verification,
    base_language,
)
from newsdesk.brief.verify import Claim, Verdict, names, numbers, verify_claims
from newsdesk.records import Article
from newsdesk.store import ArticleFilter

log = logging.getLogger(__name__)
ENGINE = "extractive"
DENSE_SCAN_MAX = 3000  # newest articles the fallback retrieval compares with the query
DENSE_KEEP_MARGIN = 0.04  # fallback keeps hits within this of the best match
CORROBORATE_MIN = 0.86  # cross-article sentence similarity worth checking as the same fact
DUPLICATE = 0.90  # two sentences this close state the same thing (same or other language)


@dataclass
class _Item:
    sentence: Sentence
    article: Article
    ref: str
    vec: np.ndarray
    relevance: float
    agreement: float  # how well other articles match it
    uniqueness: float  # 1 - best match in another source
    central: float  # its article-internal rank score


MIN_SCORE_SHARE = 0.25
"""A search hit joins a digest when its score is at least this share of the top hit's."""


def find_articles(store: Any, query: str, *, data: str | Path | None = None,
                  since: datetime | None = None, limit: int = 8) -> tuple[list[Article], str]:
    """Top articles for the query and how they were found.

    The top hit is then joined by its *story mates*: articles published within
    three days that share a distinctive number (above 31, so not a day or a small
    count, and not a year) in their title or lead — the same event told in other
    languages, which a short query in one language rarely retrieves by itself.
    When mates exist the digest is about that story only.
    """
    hits: list[Article] = []
    how = "dense-scan"
    try:
        from newsdesk import search as search_pkg

        search_fn = getattr(search_pkg, "search", None)
    except ImportError:
        search_fn = None
    if callable(search_fn):
        try:
            kwargs: dict[str, Any] = {"limit": limit}
            if data is not None:
                kwargs["data"] = data
            if since is not None:
                kwargs["after"] = since
            results = search_fn(query, **kwargs)
            top = max((h.score for h in results.hits), default=0.0)
            # The relevant set of a search may end with each language's closest article
            # (kept for recall); a digest only takes what scores near the top.
            hits = [store.get(h.id) for h in results.hits
                    if top <= 0 or h.score >= MIN_SCORE_SHARE * top]
            how = "search"
        except Exception as exc:  # the index may be missing or stale: fall back, say so
            log.warning("search failed, using a dense scan: %s", exc)
    if not hits:
        how = "dense-scan"
        candidates = store.list(ArticleFilter(since=since), limit=DENSE_SCAN_MAX)
        if not candidates:
            return [], how
        sims = embedding.embed([a.title for a in candidates], "passage") @ embedding.embed(
            [query], "query")[0]
        order = np.argsort(-sims)
        best = float(sims[order[0]])
        hits = [candidates[i] for i in order[:limit] if sims[i] >= best - DENSE_KEEP_MARGIN]
    mates = story_mates(store, hits[0])
    if mates:  # a story: the digest stays on it rather than mixing in other events
        return [hits[0], *mates][:limit], how + "+story"
    return hits[:limit], how


def _distinctive_numbers(a: Article) -> set[float]:
    text = f"{a.title}\n{a.paragraphs[0] if a.paragraphs else ''}"
    return {v for f in numbers(text) for v in f.values
            if v > 31 and not (1900 <= v <= 2100 and float(v).is_integer())}


def story_mates(store: Any, seed: Article, days: int = 3) -> list[Article]:
    """Articles about the same event as `seed` (any language): see `find_articles`."""
    if seed.published is None:
        return []
    window = ArticleFilter(since=seed.published - timedelta(days=days),
                           until=seed.published + timedelta(days=days))
    mine = _distinctive_numbers(seed)
    if not mine:
        return []
    return [a for a in store.list(window, limit=500)
            if a.id != seed.id and _distinctive_numbers(a) & mine]


def digest(query: str, *, store: Any, data: str | Path | None = None,
           since: datetime | None = None, lang: str | None = None, limit: int = 8,
           articles: list[Article] | None = None) -> Digest:
    """The verified digest of the top `limit` articles for `query`."""
    if not query.strip():
        raise BriefError("the digest needs a query")
    if lang is not None and lang not in LANGUAGES:
        raise BriefError(f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}")
    label_lang = lang or "en"
    found, how = (articles, "given") if articles is not None else find_articles(
        store, query, data=data, since=since, limit=limit)
    found = [a for a in found if a.paragraphs][:limit]
    refs = {a.id: f"A{i}" for i, a in enumerate(found, start=1)}
    sources = [DigestSource(ref=refs[a.id], article_id=a.id, title=a.title, source=a.source_name,
                            language=a.language,
                            published=a.published.isoformat() if a.published else None)
               for a in found]
    notes: list[str] = []
    if how.startswith("dense-scan"):
        notes.append("Articles found by a multilingual embedding scan (the search index was "
                     "not available).")
    if not found:
        notes.append(f"No articles match {query!r}.")
        return Digest(query=query, language=lang, engine=ENGINE, articles=[], what_happened=[],
                      differences=[], timeline=[], verification=Verification(score=0.0),
                      notes=notes, labels=labels.section_labels(label_lang))
    items = _items(found, refs, query)
    what = _what_happened(items)
    differences = _differences(items, {id(i.sentence) for i, _ in what}, label_lang)
    timeline = _timeline(items, label_lang)
    what_points = _corroborate(what)
    digest_obj = Digest(query=query, language=lang, engine=ENGINE, articles=sources,
                        what_happened=what_points, differences=differences, timeline=timeline,
                        verification=Verification(score=0.0), notes=notes,
                        labels=labels.section_labels(label_lang))
    verify_digest(digest_obj, found)
    languages = {base_language(a.language) for a in found}
    if lang and languages - {lang}:
        notes.append(labels.text("digest_languages", label_lang))
    return digest_obj


def _items(found: list[Article], refs: dict[str, str], query: str) -> list[_Item]:
    per_article: list[tuple[Article, list[Sentence], np.ndarray]] = []
    all_texts: list[str] = []
    for a in found:
        sents = article_sentences(a)
        per_article.append((a, sents, np.zeros(0)))
        all_texts += [s.text for s in sents]
    vecs = embedding.embed(all_texts, "passage")
    qvec = embedding.embed([query], "query")[0]
    items: list[_Item] = []
    offset = 0
    spans: list[tuple[int, int, str]] = []
    for a, sents, _ in per_article:
        ranked = rank_sentences(sents, a.title, base_language(a.language))
        source_key = f"{a.source_name}|{base_language(a.language)}"
        spans.append((offset, offset + len(sents), source_key))
        for j, s in enumerate(sents):
            items.append(_Item(s, a, refs[a.id], vecs[offset + j], float(vecs[offset + j] @ qvec),
                               0.0, 0.0, float(ranked.scores[j])))
        offset += len(sents)
    sims = vecs @ vecs.T if len(items) else np.zeros((0, 0))
    for k, (start, end, key) in enumerate(spans):
        others = [(s, e) for m, (s, e, _) in enumerate(spans) if m != k]
        other_source = [(s, e) for (s, e, kk) in spans if kk != key]
        for i in range(start, end):
            best_each = [float(sims[i, s:e].max()) for s, e in others if e > s]
            items[i].agreement = float(np.mean(best_each)) if best_each else 0.0
            best_other = max((float(sims[i, s:e].max()) for s, e in other_source if e > s),
                             default=0.0)
            items[i].uniqueness = 1.0 - best_other
    return items


def _z(values: list[float]) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    lo, hi = (float(x.min()), float(x.max())) if x.size else (0.0, 0.0)
    return (x - lo) / (hi - lo) if hi - lo > 1e-9 else np.full_like(x, 0.5)


def _pick(items: list[_Item], scores: np.ndarray, k: int, taken: list[np.ndarray],
          per_article: int, used: set[int] | None = None) -> list[int]:
    chosen: list[int] = []
    counts: dict[str, int] = {}
    for i in np.argsort(-scores):
        if not np.isfinite(scores[i]):
            break  # masked out by the caller (another group's sentences)
        it = items[int(i)]
        if used and id(it.sentence) in used:
            continue
        if counts.get(it.article.id, 0) >= per_article:
            continue
        if any(float(it.vec @ t) > DUPLICATE for t in taken):
            continue
        chosen.append(int(i))
        taken.append(it.vec)
        counts[it.article.id] = counts.get(it.article.id, 0) + 1
        if len(chosen) >= k:
            break
    return chosen


def _what_happened(items: list[_Item]) -> list[tuple[_Item, list[_Item]]]:
    n_articles = len({i.article.id for i in items})
    scores = (1.0 * _z([i.agreement for i in items]) + 0.5 * _z([i.relevance for i in items])
              + 0.4 * _z([i.central for i in items]))
    k = max(3, min(5, n_articles + 1))
    picked = _pick(items, scores, k, [], per_article=2)
    out = []
    for i in picked:
        it = items[i]
        # the best matching sentence of each other article, if close: possible corroboration
        support: list[_Item] = []
        for other_id in {x.article.id for x in items} - {it.article.id}:
            cands = [x for x in items if x.article.id == other_id]
            best = max(cands, key=lambda x: float(x.vec @ it.vec))
            if float(best.vec @ it.vec) >= CORROBORATE_MIN:
                support.append(best)
        out.append((it, support))
    return out


def _corroborate(what: list[tuple[_Item, list[_Item]]]) -> list[DigestPoint]:
    """Each bullet cites its own paragraph, then the closest paragraph of each other
    article that may say the same; `verify_digest` keeps only those the verifier accepts."""
    points = []
    for it, support in what:
        extra = sorted((DigestCitation(s.article.id, s.sentence.paragraph, s.ref)
                        for s in support), key=lambda c: c.ref)
        points.append(DigestPoint(text=it.sentence.text, language=it.article.language,
                                  citations=[DigestCitation(it.article.id, it.sentence.paragraph,
                                                            it.ref), *extra]))
    return points


def _differences(items: list[_Item], used: set[int], label_lang: str) -> list[DigestGroup]:
    groups: dict[tuple[str, str], list[int]] = {}
    for n, it in enumerate(items):
        key = (it.article.source_name or it.article.source_domain or "?",
               base_language(it.article.language))
        groups.setdefault(key, []).append(n)
    if len(groups) < 2:
        return []
    density = [(len(numbers(i.sentence.text)) + 0.5 * len(names(i.sentence.text)))
               for i in items]
    scores = (1.0 * _z([i.uniqueness for i in items]) + 0.6 * _z([i.relevance for i in items])
              + 0.3 * _z(density) + 0.3 * _z([i.central for i in items]))
    out: list[DigestGroup] = []
    for (source, lang), idx in groups.items():
        mask = np.full(len(items), -np.inf)
        mask[idx] = scores[idx]
        picked = _pick(items, mask, 2, [], per_article=2, used=used)
        if not picked:
            continue
        title = f"{source} ({labels.language_name(lang, label_lang)})"
        out.append(DigestGroup(title=title, kind="source", points=[
            DigestPoint(text=items[i].sentence.text, language=items[i].article.language,
                        citations=[DigestCitation(items[i].article.id,
                                                  items[i].sentence.paragraph, items[i].ref)])
            for i in sorted(picked)]))
    return out


def _timeline(items: list[_Item], label_lang: str) -> list[DigestPoint]:
    best: dict[str, _Item] = {}
    for it in items:
        if it.article.id not in best or it.central > best[it.article.id].central:
            best[it.article.id] = it
    ordered = sorted(best.values(), key=lambda it: (
        it.article.published is None, it.article.published.isoformat()
        if it.article.published else "", it.ref))
    return [DigestPoint(
        text=it.sentence.text, language=it.article.language,
        date=(it.article.published.date().isoformat() if it.article.published
              else labels.text("undated", label_lang)),
        citations=[DigestCitation(it.article.id, it.sentence.paragraph, it.ref)])
        for it in ordered]


def verify_digest(d: Digest, articles: list[Article]) -> None:
    """Check every `[article:paragraph]` citation of every bullet on its own, in place.

    Each citation is judged as `verify_brief` judges a brief's: the bullet against
    the cited paragraph, among that article's paragraphs (numbers and names must
    appear in it; the paragraph must be among the article's closest to the bullet).
    A bullet's first citation is its own source: if it fails it is re-cited within
    that article or the bullet is dropped. Further citations are corroborations
    ("other sources say the same"): each is kept only if it passes by itself — a
    failing one is removed (or re-cited within its article) and listed in
    `verification.corrections`, so no corroboration rests on another paragraph's
    support.
    """
    by_article: dict[str, dict[Any, str]] = {
        a.id: {(a.id, n): p for n, p in enumerate(a.paragraphs, start=1) if p.strip()}
        for a in articles}
    refs = {src.article_id: src.ref for src in d.articles}
    bullets = d.bullets()
    jobs: dict[str, list[tuple[int, int, Claim]]] = {}
    for bi, b in enumerate(bullets):
        for ci, c in enumerate(b.citations):
            jobs.setdefault(c.article_id, []).append(
                (bi, ci, Claim(b.text, [(c.article_id, c.paragraph)])))
    verdict: dict[tuple[int, int], Verdict] = {}
    for aid, items in jobs.items():
        paragraphs = by_article.get(aid, {})
        if not paragraphs:
            for bi, ci, _ in items:
                verdict[(bi, ci)] = Verdict("dropped", [], 0.0, f"article {aid} is not in the "
                                            "digest", precise=False)
            continue
        for (bi, ci, _), v in zip(items, verify_claims([c for _, _, c in items], paragraphs),
                                  strict=True):
            verdict[(bi, ci)] = v
    dropped: list[dict[str, Any]] = []
    corrections: list[dict[str, Any]] = []
    bad: set[int] = set()
    recited = precise = 0
    for bi, b in enumerate(bullets):
        given = list(b.citations)
        first = verdict.get((bi, 0))
        if first is None or first.status == "dropped":
            dropped.append({"text": b.text, "citations": [c.to_json() for c in given],
                            "reason": first.reason if first else "no citation"})
            bad.add(id(b))
            continue
        kept: list[DigestCitation] = []
        changed = False
        for ci, c in enumerate(given):
            v = verdict[(bi, ci)]
            if v.status == "dropped":
                changed = True
                corrections.append({"text": b.text, "from": c.to_json(), "to": None,
                                    "reason": v.reason})
                continue
            new = [DigestCitation(aid, para, refs.get(aid, ""))
                   for aid, para in v.citations]  # type: ignore[misc]
            if v.status == "recited":
                changed = True
                corrections.append({"text": b.text, "from": c.to_json(),
                                    "to": [x.to_json() for x in new], "reason": v.reason})
            kept += [x for x in new if (x.article_id, x.paragraph) not in
                     {(k.article_id, k.paragraph) for k in kept}]
        b.citations = kept
        b.support = first.support
        recited += changed
        precise += not changed
    d.what_happened = [p for p in d.what_happened if id(p) not in bad]
    d.timeline = [p for p in d.timeline if id(p) not in bad]
    for g in d.differences:
        g.points = [p for p in g.points if id(p) not in bad]
    d.differences = [g for g in d.differences if g.points]
    checked = len(bullets)
    d.verification = Verification(
        score=(checked - len(dropped)) / checked if checked else 0.0, dropped=dropped,
        recited=recited, checked=checked,
        citation_precision=precise / checked if checked else 0.0, corrections=corrections)
