"""From what the user typed to the terms the index holds: language choice and analysis.

The engine turns these into tantivy queries and `snippets` uses the same objects to
find the words to highlight, so what ranks a document and what is bold in its
snippet cannot disagree.

Language of the query
---------------------
A query is cut into script runs (Han, Thai, Lao, other). Han, Thai and Lao runs are
analysed as zh, th and lo: the script settles it. A Latin run with Vietnamese
letters or tone marks is Vietnamese. A Latin run without them is the hard case:
`newsdesk.text.langid.detect_language` is only trusted on a run of 20+ letters
(short queries are guessed wrongly, and "duong sat" is Vietnamese typed without
marks); otherwise the run is analysed both as English (stemmed) and as Vietnamese
(folded syllables), and the two analyses are alternatives. A language filter
narrows this: `--lang en` analyses Latin text as English only.

Vietnamese marks
----------------
Typed with marks, a word matches its exact form in the exact fields and its folded
form in the fold fields, which weigh half (`lexical.BOOSTS`): "đường" ranks đường
above dương. Typed without marks, only the fold fields are searched, so every
spelling counts the same.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from newsdesk.index.lexical import split_terms
from newsdesk.search.types import Term
from newsdesk.text.analysis import Token, analyze_query, base_language

LATIN_DETECT_MIN_LETTERS = 20
"""Below this many letters a Latin run's language guess is not trusted (en+vi instead)."""
LATIN_DETECT_MIN_CONFIDENCE = 0.9

_SCRIPT_LANGUAGE = {"han": "zh", "thai": "th", "lao": "lo"}


@dataclass(frozen=True)
class TermMatch:
    """One analysed query word (or a whole phrase): the terms that find it.

    `words`/`words_fold` are whole-word terms; `sub`/`sub_fold` the finest units in
    order (Han characters, Vietnamese syllables, else the word itself). A word
    matches a document holding one of its word terms or its units as a phrase; a
    phrase matches its units in sequence. `fold_only` (Vietnamese typed without
    marks) means only the folded terms count.
    """

    language: str
    text: str  # the query text it came from (for explanations and tests)
    words: tuple[str, ...]
    words_fold: tuple[str, ...]
    sub: tuple[str, ...]
    sub_fold: tuple[str, ...]
    fold_only: bool = False
    phrase: bool = False


@dataclass(frozen=True)
class TermAnalysis:
    """A `Term` analysed: runs (by script) of alternatives (by language) of matches.

    The term matches a document when every run does; a run when one alternative
    does; an alternative when all its `TermMatch`es do (a required word) — except
    for optional plain words, which the engine adds one by one as optional clauses.
    """

    term: Term
    runs: tuple[tuple[tuple[TermMatch, ...], ...], ...]

    def matches(self) -> list[TermMatch]:
        return [m for run in self.runs for alt in run for m in alt]


def script_of(ch: str) -> str | None:
    """"han", "thai", "lao", "latin"/"other" for a letter; None for digits, spaces, marks."""
    cp = ord(ch)
    if 0x0E80 <= cp <= 0x0EFF:
        return "lao"
    if 0x0E00 <= cp <= 0x0E7F:
        return "thai"
    if (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0xF900 <= cp <= 0xFAFF
            or 0x20000 <= cp <= 0x3134F or cp == 0x3007):
        return "han"
    if ch.isalpha():
        return "other"
    return None


def script_runs(text: str) -> list[tuple[str, str]]:
    """[(script, substring)]: digits, spaces and punctuation stay with their neighbours."""
    runs: list[tuple[str, str]] = []
    current: str | None = None
    start = 0
    for i, ch in enumerate(text):
        script = script_of(ch)
        if script is None or script == current:
            continue
        if current is None:
            current = script
            continue
        runs.append((current, text[start:i]))
        current, start = script, i
    if text.strip():
        runs.append((current or "other", text[start:]))
    return [(s, t) for s, t in runs if t.strip()]


_VI_LETTERS = set("ăâđêôơưĂÂĐÊÔƠƯ")


def has_vietnamese_marks(text: str) -> bool:
    """Vietnamese-only letters or tone/vowel marks on Latin letters."""
    for ch in unicodedata.normalize("NFC", text):
        if ch in _VI_LETTERS:
            return True
        if ch.isalpha() and ord(ch) < 0x2000 and not ch.isascii():
            decomposed = unicodedata.normalize("NFD", ch)
            if len(decomposed) > 1 and decomposed[0].isascii():
                return True
    return False


def latin_languages(text: str, hint: Sequence[str] = ()) -> list[str]:
    """Languages to analyse a Latin-script run as (see the module doc)."""
    marked = has_vietnamese_marks(text)
    if hint:
        out = [base_language(h) for h in hint]
        if marked and "vi" not in out:
            out.append("vi")
        return list(dict.fromkeys(out))
    if marked:
        return ["vi"]
    letters = sum(ch.isalpha() for ch in text)
    if letters >= LATIN_DETECT_MIN_LETTERS:
        from newsdesk.text.langid import detect_language

        guess = detect_language(text)
        if guess.method == "model" and guess.confidence >= LATIN_DETECT_MIN_CONFIDENCE:
            if guess.base == "en":
                return ["en"]
            if guess.base not in ("vi", "zh", "th", "lo", "und"):
                return [guess.base, "en", "vi"]
    return ["en", "vi"]


def _match(tokens: list[Token], language: str, text: str, fold_only: bool,
           phrase: bool) -> TermMatch | None:
    terms = split_terms(tokens)
    if not (terms.words or terms.sub or terms.words_fold or terms.sub_fold):
        return None
    return TermMatch(
        language=language, text=text,
        words=tuple(t for _, t in terms.words), words_fold=tuple(t for _, t in terms.words_fold),
        sub=tuple(t for _, t in sorted(terms.sub)),
        sub_fold=tuple(t for _, t in sorted(terms.sub_fold)),
        fold_only=fold_only and bool(terms.words_fold or terms.sub_fold), phrase=phrase)


def analyse_run(text: str, language: str, phrase: bool) -> tuple[TermMatch, ...]:
    """One run in one language: a match per analysed word, or one for the whole phrase."""
    tokens = analyze_query(text, language)
    fold_only = base_language(language) == "vi" and not has_vietnamese_marks(text)
    if phrase:
        m = _match(tokens, language, text, fold_only, phrase=True)
        return (m,) if m else ()
    by_position: dict[int, list[Token]] = defaultdict(list)
    for t in tokens:
        by_position[t.position].append(t)
    out: list[TermMatch] = []
    # A Vietnamese word spans several positions (its syllables); group by the word token.
    words = sorted((t for t in tokens if t.kind == "word" and not t.folded),
                   key=lambda t: (t.start, t.position))
    if not words:
        m = _match(tokens, language, text, fold_only, phrase=False)
        return (m,) if m else ()
    for w in words:
        group = [t for t in tokens if t.start >= w.start and t.end <= w.end
                 and (t.position == w.position or t.kind != "word")]
        m = _match(group, language, text[w.start:w.end], fold_only, phrase=False)
        if m and m not in out:
            out.append(m)
    return tuple(out)


def analyse_term(term: Term, hint: Sequence[str] = ()) -> TermAnalysis:
    """Analyse one `Term`; `hint` is the language filter (base codes), if any."""
    runs: list[tuple[tuple[TermMatch, ...], ...]] = []
    for script, text in script_runs(term.text):
        if script in _SCRIPT_LANGUAGE:
            languages = [_SCRIPT_LANGUAGE[script]]
        else:
            languages = latin_languages(text, hint)
        alternatives = []
        for language in languages:
            matches = analyse_run(text, language, term.phrase)
            if matches and matches not in alternatives:
                alternatives.append(matches)
        if alternatives:
            runs.append(tuple(alternatives))
    return TermAnalysis(term, tuple(runs))
