"""Highlighted snippets on the display text, from the analyser's token offsets.

A query word is found the way the index finds it: its word term, or its finest units
(Han characters, Vietnamese syllables) in sequence, exact or folded (`terms.TermMatch`).
So a simplified query highlights traditional characters, "duong sat" highlights
"đường sắt", and "railways" highlights "railway" (same stem) — at the right offsets
in every script, because the offsets come from the article's own analysis chain
(`newsdesk.text.analysis.analyze`), whose tokens index the text we display.

Running that chain (jieba, pyvi, pythainlp: 50–130k chars/s) over every hit's body
made snippets ~85 % of a lexical query's time, so the work is split in two:

1. Locate (cheap, no analysis). Each `TermMatch` becomes a few needles: its word and
   unit forms, folded the way the scan folds the text (lowercase, Latin marks
   stripped, đ → d, full-width → ASCII, and for Chinese the chain's own OpenCC t2s).
   The body's paragraphs are folded one character for one (`_fold`: an offset in
   the folded copy is an offset in the text; text where that cannot hold goes
   through the analyser's own char filters, which carry an offset map) and scanned
   with one compiled regex per match. Stemmed languages (English…) look for the
   stem as a word prefix ("railway" in "railways"). The best ~`SNIPPET_CHARS`
   window (most distinct query words, then most hits) is chosen from these
   candidate hits, exactly as it used to be chosen from analysed matches. Only the
   steering words are scanned for it; `minor` ones (the engine's very common words
   and a long query's shorter ones) are looked for in the chosen window alone.
2. Confirm (exact, small). Only a short context around each candidate hit of that
   window is analysed, all contexts in one call (`_context`, `_confirm`): the hit
   completed to whole words for spaced scripts, ± a few characters for Chinese
   (matches there are character sequences, whatever jieba grouped), ±
   `CONTEXT_CHARS` widened to a space for Lao (whose units are words). The tokens
   give the highlight offsets, as before. A Thai one-word hit needs no tokens: newmm
   cuts its whole run of Thai script, as the index did (`_thai_words`), and the hit
   is a word when the cut falls at its ends only. Windows are confirmed best first
   until no remaining window's scan score can beat the best confirmed one
   (`CONFIRM_TRIES` at most); if none confirms, the lead is shown.

A body with no needle at all (a dense hit in another language) gets its lead,
without any analysis. The snippet is cut at spaces where the script has them, with
"…" where text was cut; highlight offsets index `Snippet.text` itself.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from newsdesk.search.terms import TermMatch, script_of
from newsdesk.search.types import Highlight, Snippet
from newsdesk.text.analysis import (
    BASE_CHAR_FILTERS,
    FOLDED_PREFIX,
    Mapped,
    Token,
    analyze,
    base_language,
    category_class,
    compose_char_filters,
)
from newsdesk.text.segment_latin import SNOWBALL

SNIPPET_CHARS = 200
CONTEXT_BEFORE = 40
MAX_SCANNED_CHARS = 12_000
"""Paragraphs are scanned in order until this much text (the old limit was 6000
analysed characters). Scanning costs ~0.05–0.1 µs a character (fold + regex),
analysis ~10–20 µs, so this reaches well past the lead of a long article while a
hit without any match (scanned to the end) still costs ~1 ms at most."""
CONTEXT_CHARS = 12
"""Characters analysed on each side of a Thai or Lao candidate hit (`_context`): newmm's
and laonlp's cuts are local, so the hit's neighbourhood is cut as in the whole text."""
HAN_CONTEXT_CHARS = 6
HAN_CONTEXT_REACH = 12
"""Chinese contexts: ± 6 characters, widened to punctuation within 12 more. Matches are
character sequences, so only a long jieba word cut at the edge can differ (a word
holding a character twice loses the second one to `dedupe`: 清华大学经济管理学院
then holds no 学院 in the index, and must not in the snippet either)."""
CONTEXT_REACH = 24
"""How much further a context may grow to reach a space or punctuation mark."""
CONFIRM_TRIES = 4
"""Candidate windows tried, best first, before giving up and showing the lead."""
ELLIPSIS = "…"

_KINDS = ("char", "part", "word")


@dataclass(frozen=True)
class _Unit:
    text: str
    fold: str | None
    start: int
    end: int


@dataclass
class _Stream:
    words: dict[str, list[tuple[int, int]]]
    units: list[_Unit]
    at: dict[str, list[int]]  # unit text -> indices into `units`
    fold_at: dict[str, list[int]]  # folded unit text -> indices


def _stream(tokens: Sequence[Token]) -> _Stream:
    words: dict[str, list[tuple[int, int]]] = defaultdict(list)
    by_pos: dict[int, list[Token]] = defaultdict(list)
    for t in tokens:
        if t.kind == "word":
            words[t.text].append((t.start, t.end))
        by_pos[t.position].append(t)
    if len(by_pos) == len(tokens) and not any(t.folded for t in tokens):
        # One unfolded token per position (Thai, Lao, most contexts): each is its unit.
        units = [_Unit(t.text, None, t.start, t.end)
                 for t in sorted(tokens, key=lambda t: t.position)]
    else:
        units = _units(by_pos)
    at: dict[str, list[int]] = defaultdict(list)
    fold_at: dict[str, list[int]] = defaultdict(list)
    for i, u in enumerate(units):
        at[u.text].append(i)
        if u.fold is not None:
            fold_at[u.fold].append(i)
    return _Stream(dict(words), units, at, fold_at)


def _units(by_pos: dict[int, list[Token]]) -> list[_Unit]:
    """Per position, the finest exact tokens (char, then part, then word) with their
    folded twins."""
    units: list[_Unit] = []
    for pos in sorted(by_pos):
        group = by_pos[pos]
        for kind in _KINDS:
            exact = sorted((t for t in group if t.kind == kind and not t.folded),
                           key=lambda t: (t.start, t.end))
            if exact:
                folds = {(t.start, t.end): t.text for t in group if t.kind == kind and t.folded}
                units += [_Unit(t.text, folds.get((t.start, t.end)), t.start, t.end)
                          for t in exact]
                break
    return units


def _find_sequence(stream: _Stream, seq: Sequence[str], folded: bool) -> list[tuple[int, int]]:
    """Spans where the units `seq` follow one another (looked up by their first unit)."""
    if not seq:
        return []
    units = stream.units
    out = []
    n = len(seq)
    for i in (stream.fold_at if folded else stream.at).get(seq[0], ()):
        if i + n <= len(units) and all(
                (units[i + j].fold if folded else units[i + j].text) == seq[j]
                for j in range(1, n)):
            out.append((units[i].start, units[i + n - 1].end))
    return out


def find_matches(text: str, language: str, matches: Sequence[TermMatch],
                 tokens: Sequence[Token] | None = None) -> list[tuple[int, int, int]]:
    """[(start, end, match index)] in `text` from its full analysis, sorted, overlaps merged.

    The exact matcher: `make_snippet` and `highlights` call it on small contexts only.
    """
    if not text or not matches:
        return []
    stream = _stream(tokens if tokens is not None else analyze(text, language))
    found: list[tuple[int, int, int]] = []
    for k, m in enumerate(matches):
        spans: list[tuple[int, int]] = []
        if not m.fold_only:
            if not m.phrase:
                for w in m.words:
                    spans += stream.words.get(w, [])
            spans += _find_sequence(stream, m.sub, folded=False)
        if not m.phrase:
            for w in m.words_fold:
                spans += stream.words.get(w, [])
        spans += _find_sequence(stream, m.sub_fold, folded=True)
        found += [(s, e, k) for s, e in set(spans)]
    return _merge(found)


def _merge(found: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Sort and drop spans inside an earlier, longer one (a word and its own units)."""
    out: list[tuple[int, int, int]] = []
    for s, e, k in sorted(found, key=lambda x: (x[0], -x[1])):
        if out and s < out[-1][1]:
            if e > out[-1][1]:
                ps, _, pk = out[-1]
                out[-1] = (ps, e, pk)
            continue
        out.append((s, e, k))
    return out


# --- locating: folded text, needles, scan ---------------------------------------------------

_LATIN_MARKS = re.compile("[\u0300-\u036f]+")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_FULLWIDTH_ALNUM = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def _fold_fast(text: str, chinese: bool) -> str:
    """Lowercase, strip Latin marks (NFD, then drop U+0300–U+036F), đ → d, full-width → ASCII,
    t2s for Chinese. All C-speed string operations; the caller checks the length held."""
    out = text.lower()
    if out.isascii():
        return out
    out = _LATIN_MARKS.sub("", unicodedata.normalize("NFD", out)).replace("đ", "d")
    if _FULLWIDTH_ALNUM.search(out):
        out = out.translate(_FULLWIDTH)
    if chinese:
        out = _t2s()(out).text
    return out


@lru_cache(maxsize=1)
def _t2s() -> Callable[[str], Mapped]:
    """The Chinese chain's own t2s char filter (imported late: it loads OpenCC)."""
    from newsdesk.text.segment_zh import traditional_to_simplified

    return traditional_to_simplified


@dataclass(frozen=True)
class _Folded:
    """A paragraph folded for scanning; `starts`/`ends` map folded offsets back (None: 1:1)."""

    text: str
    starts: list[int] | None = None
    ends: list[int] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]


def _fold(text: str, chinese: bool) -> _Folded:
    """`text` folded one character for one, so scan offsets are paragraph offsets.

    For NFC text without zero-width characters (nearly all stored text: the
    extractor normalises) lowercasing, stripping marks after NFD and t2s each map a
    character to one character; the length is checked anyway. Otherwise the
    analyser's own char filters (drop invisible, NFC, full-width) run first and
    their offset map is kept, and any character that still folds to more or fewer
    than one is kept as it is.
    """
    if unicodedata.is_normalized("NFC", text) and not _INVISIBLE.search(text):
        out = _fold_fast(text, chinese)
        if len(out) == len(text):
            return _Folded(out)
    mapped = compose_char_filters(BASE_CHAR_FILTERS, text)
    out = _fold_fast(mapped.text, chinese)
    if len(out) != len(mapped.text):
        out = "".join(f if len(f := _fold_fast(ch, chinese)) == 1 else ch for ch in mapped.text)
    return _Folded(out, mapped.starts, mapped.ends)


@dataclass(frozen=True)
class _Needles:
    """One `TermMatch`'s scan: a regex of its folded forms and how to check a hit's edges."""

    pattern: re.Pattern[str]
    whole_word: bool  # False for stems: "railway" may continue as "railways"
    latin_edges: bool = True  # can a form start or end with a Latin letter or digit?


def _is_latin_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _unit(term: str, chinese: bool) -> str:
    return _fold_fast(term.removeprefix(FOLDED_PREFIX).replace("_", " "), chinese)


@lru_cache(maxsize=256)
def _needles(match: TermMatch, chinese: bool) -> _Needles | None:
    """Regex of every folded form of `match`: words, and units in sequence.

    Units follow one another with any non-word characters between them (none in
    Chinese or Thai, a space in Vietnamese, "-" in "high-speed"); a stemmed unit may
    continue as a longer word first. A Snowball stem ending in "i" (happy → happi)
    is searched without it, and the query's own spelling is a needle too ("dying"
    stems to "die").
    """
    stemmed = base_language(match.language) in SNOWBALL
    forms: set[str] = set()
    edges: set[str] = set()  # the characters a hit can start or end with
    if not match.phrase:
        for w in (*match.words, *match.words_fold):
            if u := _stem_prefix(_unit(w, chinese), stemmed):
                forms.add(re.escape(u))
                edges |= {u[0], u[-1]}
    if stemmed and not match.phrase and (spelt := _fold_fast(match.text.strip(), chinese)):
        forms.add(re.escape(spelt))
        edges |= {spelt[0], spelt[-1]}
    between = r"\w*[\W_]+" if stemmed else r"[\W_]*"
    for seq in (match.sub, match.sub_fold):
        units = [u for t in seq if (u := _stem_prefix(_unit(t, chinese), stemmed))]
        if units:
            forms.add(between.join(re.escape(u) for u in units))
            edges |= {units[0][0], units[-1][-1]}
    if not forms:
        return None
    ordered = sorted(forms, key=lambda f: (-len(f), f))  # longest first: the fuller match wins
    return _Needles(re.compile("|".join(ordered)), whole_word=not stemmed,
                    latin_edges=any(_is_latin_alnum(ch) for ch in edges))


def _stem_prefix(unit: str, stemmed: bool) -> str:
    if stemmed and len(unit) > 3 and unit.endswith("i"):
        return unit[:-1]
    return unit


_LEADING_VOWELS = frozenset("เแโใไເແໂໃໄ")
"""Thai and Lao vowels written before their consonant: no word starts right after one."""
_FOLLOWING_VOWELS = frozenset("ะาำๅະາຳ")
"""Thai and Lao vowels that close their consonant's cluster: no word ends right before one."""


def _splits_cluster(text: str, s: int, e: int) -> bool:
    """Would a word at text[s:e] cut a character cluster no segmenter cuts?

    A combining mark after the end, a leading vowel before the start, a following
    vowel after the end (Thai character-cluster rules, which newmm obeys): "ก" is
    no word in "กา", "ตั้ง" none in "ตั้ง" + a mark.
    """
    if e < len(text):
        nxt = text[e]
        if nxt in _FOLLOWING_VOWELS or (not nxt.isascii() and unicodedata.category(nxt)[0] == "M"):
            return True
    return s > 0 and text[s - 1] in _LEADING_VOWELS


def _scan(folded: _Folded, needles: Sequence[_Needles | None]) -> list[tuple[int, int, int]]:
    """Candidate hits [(start, end, match index)] in the paragraph, sorted.

    A hit starting with a Latin letter or digit must start a word (so "an" is not
    found in "toàn"); one ending with one must end a word unless it is a stem; no
    hit may split a character cluster (`_splits_cluster`).
    """
    text = folded.text
    n = len(text)
    hits: list[tuple[int, int, int]] = []
    for k, needle in enumerate(needles):
        if needle is None:
            continue
        for m in needle.pattern.finditer(text):
            s, e = m.span()
            if s == e:
                continue
            if needle.latin_edges:  # else a hit cannot start or end with one
                if s > 0 and _is_latin_alnum(text[s]) and _is_latin_alnum(text[s - 1]):
                    continue
                if (needle.whole_word and e < n and _is_latin_alnum(text[e - 1])
                        and _is_latin_alnum(text[e])):
                    continue
            if _splits_cluster(text, s, e):
                continue
            hits.append((*folded.span(s, e), k))
    hits.sort()
    return hits


def _prepare(matches: Sequence[TermMatch], language: str) -> list[_Needles | None]:
    chinese = base_language(language) == "zh"
    return [_needles(m, chinese) for m in matches]


def _locate(text: str, language: str,
            matches: Sequence[TermMatch]) -> list[tuple[int, int, int]]:
    """Candidate hits of `matches` in `text` (`_scan` of the folded text), sorted."""
    return _scan(_fold(text, base_language(language) == "zh"), _prepare(matches, language))


# --- confirming: analyse small contexts ---------------------------------------------------


@lru_cache(maxsize=1)
def _separators() -> re.Pattern[str]:
    """Whitespace or punctuation, where every chain ends a word (a safe place to cut),
    as one regex class (built once, ~0.1 s): contexts look for the nearest stop with
    a C-speed search instead of testing characters one by one."""
    return re.compile(f"[\\s{category_class('P')}]")


_SPACE = re.compile(r"\s")


def _stop_after(pattern: re.Pattern[str], text: str, lo: int, hi: int) -> int | None:
    """The first j in [lo, hi] with j == len(text) or text[j] a stop; None if none."""
    m = pattern.search(text, lo, hi + 1)
    if m is not None:
        return m.start()
    return len(text) if hi >= len(text) else None


def _stop_before(pattern: re.Pattern[str], text: str, lo: int, hi: int) -> int | None:
    """The last j in [lo, hi] with j == 0 or text[j - 1] a stop; None if none."""
    last = None
    for m in pattern.finditer(text, max(0, lo - 1), hi):
        last = m.start()
    if last is not None:
        return last + 1
    return 0 if lo == 0 else None


def _context(text: str, start: int, end: int) -> tuple[int, int]:
    """The stretch of `text` to analyse for a candidate hit at [start, end).

    Only Thai and Lao matches depend on how the segmenter cuts around them (their
    units are whole words), so they get `CONTEXT_CHARS` each side, widened to a
    space or punctuation mark within `CONTEXT_REACH`. Chinese matches are
    character sequences and Vietnamese ones syllable sequences, found whatever
    jieba or pyvi grouped, and English words are cut by a regex: for those the hit
    itself is nearly enough: completed to whitespace (a stem hit "railway" grows to
    "railways", a "3" to "3.5"), and for Han `HAN_CONTEXT_CHARS` (see there).
    """
    script = script_of(text[start]) if start < len(text) else None
    if script in ("thai", "lao"):
        pad, reach, stop, fallback = CONTEXT_CHARS, CONTEXT_REACH, _separators(), 0
    elif script == "han":
        pad, reach, stop, fallback = HAN_CONTEXT_CHARS, HAN_CONTEXT_REACH, _separators(), 0
    else:  # words end at whitespace only: "3" must not be cut out of "3.5" or "3,2"
        pad, reach, stop, fallback = 0, CONTEXT_REACH, _SPACE, CONTEXT_REACH
    # Without a stop within `reach`, keep the pad (Thai, Chinese) or take the whole
    # reach (a number in Chinese text: "超7.5%的" has no space near the "7").
    n = len(text)
    lo = max(0, start - pad)
    found = _stop_before(stop, text, max(0, lo - reach), lo)
    lo = found if found is not None else max(0, lo - fallback)
    hi = min(n, end + pad)
    found = _stop_after(stop, text, hi, min(n, hi + reach))
    hi = found if found is not None else min(n, hi + fallback)
    return lo, hi


_CONTEXT_JOIN = "\n\n"
"""Between contexts analysed in one call: every chain ends a word at a line break, and
jieba, newmm and laonlp see separate runs (`ScriptSplit`), so one call over the
joined contexts gives each the tokens it would get alone (pyvi may group syllables
across it, which no match depends on: units are syllables)."""


_SYLLABLE_BREAK = re.compile(r"[\W_]+")
_WORD_JOINERS = frozenset("'’")
"""Inside a word for the analyser ("don't", "O’Brien"): never trusted next to a hit."""


def _whole_syllables(text: str, hit: tuple[int, int, int], match: TermMatch) -> bool:
    """Is text[start:end] the match's folded syllables in sequence, with nothing on either
    side that the analyser would join to them (a letter, digit, mark or apostrophe)?
    Digits are never trusted ("3" in "3,2" is no word of its own)."""
    start, end, _ = hit
    piece = text[start:end]
    if not match.sub_fold or any(ch.isdigit() or ch in _WORD_JOINERS for ch in piece):
        return False
    for j in (start - 1, end):
        if 0 <= j < len(text):
            ch = text[j]
            if ch.isalnum() or ch in _WORD_JOINERS or unicodedata.category(ch)[0] == "M":
                return False
    syllables = [x for x in _SYLLABLE_BREAK.split(_fold_fast(piece, False)) if x]
    return syllables == [_unit(u, False) for u in match.sub_fold]


def _contexts(text: str, hits: Sequence[tuple[int, int, int]]) -> list[list[int]]:
    """The hits' contexts (`_context`), sorted, overlapping ones merged into one."""
    contexts: list[list[int]] = []
    for s, e, _ in sorted(hits):
        lo, hi = _context(text, s, e)
        if contexts and lo <= contexts[-1][1]:
            contexts[-1][1] = max(contexts[-1][1], hi)
        else:
            contexts.append([lo, hi])
    return contexts


def _thai_words(text: str, hits: Sequence[tuple[int, int, int]],
                matches: Sequence[TermMatch]) -> tuple[list[tuple[int, int, int]],
                                                       list[tuple[int, int, int]]]:
    """(confirmed, undecided): Thai hits of one-word matches that newmm cuts as a word of
    their own, and the hits this cannot decide.

    The Thai chain runs newmm on each whole run of Thai script (Thai folds to itself),
    so cutting the hit's whole run gives exactly the index's words there; a one-word
    hit is real when that cut falls at its two ends and nowhere between. No tokens are
    built, and hits in one run share its cut (`_thai_cuts`): this was half a Thai
    snippet's time when each hit's ±12-character context was cut instead.
    """
    from newsdesk.text.segment_th import THAI_RUN

    undecided: list[tuple[int, int, int]] = []
    thai: list[tuple[int, int, int]] = []
    for hit in hits:
        s, e, k = hit
        if len(matches[k].sub) == 1 and not matches[k].fold_only and THAI_RUN.fullmatch(text, s, e):
            thai.append(hit)
        else:
            undecided.append(hit)
    if not thai:
        return [], undecided
    confirmed: list[tuple[int, int, int]] = []
    for hit in thai:
        s, e, _ = hit
        a, b = _thai_run_around(text, s)
        if any(0 <= j < len(text) and _INVISIBLE.match(text, j) for j in (a - 1, b)):
            undecided.append(hit)  # "นโย\u200bบาย" is one word for the analyser
            continue
        cuts = _thai_cuts(text[a:b])
        if s - a in cuts and e - a in cuts and not any(j - a in cuts for j in range(s + 1, e)):
            confirmed.append(hit)
    return confirmed, undecided


def clear_caches() -> None:
    """Forget what earlier snippets left cached (needles, Thai cuts): benches time each
    pass without the last one's work."""
    _needles.cache_clear()
    _thai_cuts.cache_clear()


def _thai_run_around(text: str, at: int) -> tuple[int, int]:
    """The run of Thai script holding text[at] (found from `at` outwards: the runs of a
    whole paragraph cost more to list than a few hits' neighbourhoods to walk)."""
    from newsdesk.text.segment_th import THAI_RUN

    start = at
    while start > 0 and "\u0e00" <= text[start - 1] <= "\u0e7f":
        start -= 1
    found = THAI_RUN.match(text, at)
    return start, found.end() if found is not None else at


@lru_cache(maxsize=4096)
def _thai_cuts(run: str) -> frozenset[int]:
    """Where newmm cuts a run of Thai script (offsets in the run, both ends included).

    Kept across calls: a snippet's window, its minor words and the next search's hit
    on the same article ask about the same runs (a quarter of the calls on the 1M
    bench's Thai pages)."""
    from newsdesk.text.segment_th import newmm_words

    at, cuts = 0, {0}
    for word in newmm_words(run):
        at += len(word)
        cuts.add(at)
    return frozenset(cuts)


def _confirm(text: str, language: str, matches: Sequence[TermMatch],
             hits: Sequence[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """The real matches at the candidate `hits`: analyse a short context around each.

    The contexts go through the analyser in one call (`_CONTEXT_JOIN`). Only spans
    inside one context and overlapping a candidate are kept: a Thai context may be
    cut mid-word, and a piece cut there must not pass for a query word.
    """
    # A run of Han characters is found by the index as its characters in sequence
    # (`*_sub` phrase), whatever jieba grouped around it, so a scan hit inside Han text
    # already is a real match: analysing it would only confirm it (and cost ~1 ms).
    # Likewise a Vietnamese hit that is exactly a match's syllables, cut off from its
    # neighbours: the analysis finds the syllables in sequence whatever pyvi grouped.
    vietnamese = base_language(language) == "vi"
    trusted = [h for h in hits if all(script_of(ch) == "han" for ch in text[h[0]:h[1]])
               or (vietnamese and _whole_syllables(text, h, matches[h[2]]))]
    hits = [h for h in hits if h not in trusted]
    if base_language(language) == "th":
        thai, hits = _thai_words(text, hits, matches)
        trusted += thai
    if not hits:
        return _merge(list(trusted))
    contexts = _contexts(text, hits)
    joined: list[str] = []
    shifts: list[tuple[int, int, int]] = []  # (start in joined, end in joined, lo in text)
    at = 0
    for lo, hi in contexts:
        if joined:
            joined.append(_CONTEXT_JOIN)
            at += len(_CONTEXT_JOIN)
        joined.append(text[lo:hi])
        shifts.append((at, at + hi - lo, lo))
        at += hi - lo
    found: list[tuple[int, int, int]] = []
    for s, e, k in find_matches("".join(joined), language, matches):
        for a, b, lo in shifts:
            if a <= s and e <= b:
                s2, e2 = s - a + lo, e - a + lo
                if any(s2 < he and hs < e2 for hs, he, _ in hits):
                    found.append((s2, e2, k))
                break
    return _merge([*found, *trusted])


# --- snippets -----------------------------------------------------------------------------


def highlights(text: str, language: str, matches: Sequence[TermMatch]) -> tuple[Highlight, ...]:
    """Every query-word match in `text` (a title), as offsets into `text`.

    Analyses only around the places the scan found; a title without any needle
    costs a fold and a regex pass.
    """
    if not text or not matches:
        return ()
    hits = _locate(text, language, matches)
    if not hits:
        return ()
    return tuple(Highlight(s, e) for s, e, _ in _confirm(text, language, matches, hits))


def _spaced(text: str) -> bool:
    return text.count(" ") * 12 > len(text)


def _window(text: str, spans: list[tuple[int, int, int]]) -> tuple[int, int, float]:
    """(start, end, score) of the best `SNIPPET_CHARS` window of one paragraph; `spans`
    sorted by start, as `_scan` and `_merge` give them."""
    if len(text) <= SNIPPET_CHARS:
        return 0, len(text), _score(spans)
    best = (0, SNIPPET_CHARS, -1.0)
    # One sweep: window starts only grow (the anchors are the sorted span starts), and
    # so do their ends, so a span enters a window once (when the end passes its end)
    # and leaves once (when the start passes its start). A common Thai word gives a
    # paragraph hundreds of spans; testing each against each window cost hits².
    n = len(spans)
    by_end = sorted(range(n), key=lambda i: spans[i][1])
    state = [0] * n  # 0 not in yet, 1 in the window, 2 left it
    counts: dict[int, int] = {}
    inside = added = dropped = 0
    last_start = -1
    for anchor, _, _ in spans or [(0, 0, 0)]:
        start = max(0, min(anchor - CONTEXT_BEFORE, len(text) - SNIPPET_CHARS))
        if start == last_start:
            continue  # the same window again: the same score
        last_start = start
        end = start + SNIPPET_CHARS
        while dropped < n and spans[dropped][0] < start:
            if state[dropped] == 1:
                k = spans[dropped][2]
                counts[k] -= 1
                if not counts[k]:
                    del counts[k]
                inside -= 1
            state[dropped] = 2
            dropped += 1
        while added < n and spans[by_end[added]][1] <= end:
            i = by_end[added]
            if state[i] == 0:  # not left yet, so it starts at or after `start`
                state[i] = 1
                counts[spans[i][2]] = counts.get(spans[i][2], 0) + 1
                inside += 1
            added += 1
        score = _score_of(len(counts), inside)
        if score > best[2]:
            best = (start, end, score)
    start, end, score = best
    if _spaced(text):  # move the cut to a space so no word is split
        if start > 0:
            space = text.find(" ", start, start + 20)
            first = min((s for s, _, _ in spans if s >= start), default=end)
            if 0 <= space < first:
                start = space + 1
        if end < len(text):
            space = text.rfind(" ", end - 20, end)
            last = max((e for _, e, _ in spans if e <= end), default=start)
            if space > last:
                end = space
    return start, end, score


def _score(spans: list[tuple[int, int, int]]) -> float:
    return _score_of(len({k for _, _, k in spans}), len(spans))


def _score_of(distinct: int, hits: int) -> float:
    """A window's worth: distinct query words first, then hits (up to 9)."""
    return distinct * 10 + min(hits, 9)


_PARAGRAPH_JOIN = "\n"


def _scan_paragraphs(paragraphs: Sequence[str], language: str, matches: Sequence[TermMatch]
                     ) -> list[tuple[int, str, list[tuple[int, int, int]]]]:
    """[(paragraph index, paragraph, its candidate hits)] for paragraphs with hits, in order.

    The paragraphs (up to `MAX_SCANNED_CHARS`) are folded and scanned as one text, so
    the per-call costs (OpenCC, regex setup) are paid once per article, not once per
    paragraph; a hit across a paragraph break is dropped.
    """
    kept: list[tuple[int, str, int]] = []  # (index, text, offset in the joined text)
    at = 0
    for i, text in enumerate(paragraphs):
        if at > MAX_SCANNED_CHARS:
            break
        if text.strip():
            kept.append((i, text, at))
            at += len(text) + len(_PARAGRAPH_JOIN)
    if not kept:
        return []
    joined = _PARAGRAPH_JOIN.join(text for _, text, _ in kept)
    hits = _locate(joined, language, matches)
    out: list[tuple[int, str, list[tuple[int, int, int]]]] = []
    h = 0
    for i, text, offset in kept:
        end = offset + len(text)
        mine: list[tuple[int, int, int]] = []
        while h < len(hits) and hits[h][0] < end:
            s, e, k = hits[h]
            if s >= offset and e <= end:
                mine.append((s - offset, e - offset, k))
            h += 1
        if mine:
            out.append((i, text, mine))
    return out


@dataclass(frozen=True)
class _Candidate:
    score: float
    order: int  # paragraph index: an earlier paragraph wins a tie, as before
    text: str
    start: int
    end: int
    hits: list[tuple[int, int, int]]


def make_snippet(paragraphs: Sequence[str], language: str, matches: Sequence[TermMatch],
                 minor: Sequence[TermMatch] = ()) -> Snippet | None:
    """The best window of the body, or the lead's start when no query word is in it.

    Paragraphs are scanned (no analysis) for candidate windows, best first by
    distinct query words then hits, as `_window` scores them; the analyser then
    confirms the hits of the best window only (see the module doc).

    `minor` words (the query's very common ones, which only add to the score, and a
    long query's shorter ones: `engine.Plan.highlights`) do not choose the window,
    they are only looked for, and highlighted, inside it. A Thai "การ" or a "của" is
    found hundreds of times in an article, and every word that steers is a scan of
    the whole body; a 31-word Thai headline's page took 8 ms.
    """
    if minor and not matches:
        matches, minor = minor, ()  # the common words are all the query has
    candidates: list[_Candidate] = []
    if matches:
        wanted = len(matches)
        for i, text, hits in _scan_paragraphs(paragraphs, language, matches):
            start, end, score = _window(text, hits)
            candidates.append(_Candidate(score, i, text, start, end, hits))
            if len({k for _, _, k in hits}) >= wanted and score >= wanted * 10 + 3:
                break  # as good as a window gets: later paragraphs need not be looked at
    candidates.sort(key=lambda c: (-c.score, c.order))
    best: tuple[float, _Candidate, int, int, list[tuple[int, int, int]]] | None = None
    for c in candidates[:CONFIRM_TRIES]:
        if best is not None and c.score <= best[0]:
            break  # a window's scan score bounds its confirmed score: none left can win
        inside = [h for h in c.hits if h[0] < c.end and h[1] > c.start]
        spans = _confirm(c.text, language, matches, inside)
        if spans:
            start, end, score = _window(c.text, spans)
            if best is None or score > best[0]:
                best = (score, c, start, end, spans)
    if best is not None:
        _, c, start, end, spans = best
        return _cut(c.text, start, end, _with_minor(c.text, start, end, spans, language, minor),
                    "body")
    first = next((p for p in paragraphs if p.strip()), "")
    if not first:
        return None
    start, end, _ = _window(first, [])
    return _cut(first, start, end, _with_minor(first, start, end, [], language, minor), "body")


MINOR_MARGIN = 32
"""Characters scanned beyond each side of the window for `minor` words: a hit inside
the window sees the same neighbours (the scan checks one character each side) and
the same folding (a character folds with its marks, a few at most) as in a scan of
the whole paragraph."""


def _with_minor(text: str, start: int, end: int, spans: list[tuple[int, int, int]],
                language: str, minor: Sequence[TermMatch]) -> list[tuple[int, int, int]]:
    """`spans` and the confirmed hits of the `minor` words inside text[start:end].

    Only the window (and `MINOR_MARGIN` around it) is folded and scanned: a "của" or
    "การ" is in nearly every paragraph, and a 2,000-character one cost ten windows."""
    if not minor:
        return spans
    lo, hi = max(0, start - MINOR_MARGIN), min(len(text), end + MINOR_MARGIN)
    hits = [(s + lo, e + lo, k) for s, e, k in _locate(text[lo:hi], language, minor)
            if start <= s + lo and e + lo <= end]
    if not hits:
        return spans
    return _merge([*spans, *_confirm(text, language, minor, hits)])


def _cut(text: str, start: int, end: int, spans: list[tuple[int, int, int]],
         field: str) -> Snippet:
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if end < len(text) else ""
    shift = len(prefix) - start
    marks = tuple(Highlight(s + shift, e + shift) for s, e, _ in spans
                  if s >= start and e <= end)
    return Snippet(prefix + text[start:end] + suffix, marks, field)
