"""The query language users expect from a search box, parsed into `ParsedQuery`.

    đường sắt "Trung Quốc" -Thái +Lào railway OR 铁路 source:tinmekong.example lang:vi
    after:2025-09-01 before:2025-12-01

- plain words are optional: BM25 ranks documents that match more of them higher
  (Lucene's default OR); consecutive plain words stay together as one run, because
  word boundaries are the analyser's business (Vietnamese "đường sắt" is one word of
  two syllables, Chinese has no spaces at all);
- `"a phrase"` (also “…”, „…“, 「…」, 『…』, ＂…＂) and `+word` are required;
  `-word` and `-"phrase"` exclude;
- `a OR b` joins its neighbours into one clause of alternatives; the clause is
  required when one of its alternatives is (`"x y" OR "z"`), optional otherwise;
- `source:`, `lang:`, `after:`, `before:` (also with a full-width colon `：`) are
  filters; values may be quoted (`source:"Asia Wire Service"`), and `lang:` and
  `source:` take comma-separated lists. `after:` is inclusive, `before:` exclusive;
  both take YYYY-MM-DD (a UTC day) or ISO 8601, through the same parser as
  `newsdesk list` (`newsdesk.store.sqlite.day_bound`). Any other `word:` is text.

Bad values (an unparsable date, a malformed language code) raise `QueryError`,
whose message the CLI and the web show as is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from newsdesk.errors import NewsdeskError
from newsdesk.search.types import Clause, Occur, ParsedQuery, SearchFilters, Term

QUOTES = {'"': '"', "“": "”", "„": "“", "「": "」", "『": "』", "＂": "＂", "«": "»"}
FIELDS = ("source", "lang", "after", "before")
LANGUAGE_NAMES = {
    "chinese": "zh", "中文": "zh", "english": "en", "vietnamese": "vi", "tiếng việt": "vi",
    "thai": "th", "ไทย": "th", "lao": "lo", "ລາວ": "lo",
}
_CODE = re.compile(r"^[a-z]{2,3}$")
_FIELD = re.compile(r"(source|lang|after|before)[:：]", re.IGNORECASE)


class QueryError(NewsdeskError):
    """The query (or a filter value) cannot be understood; the message says why."""


@dataclass
class _Item:
    kind: str  # "word", "phrase", "or", "field"
    text: str
    sign: str = ""  # "", "+", "-"
    name: str = ""  # field name


def parse_language(value: str) -> str:
    """"zh-Hant" → "zh", "Lao" → "lo"; anything not like a language code is an error."""
    v = value.strip().casefold()
    v = LANGUAGE_NAMES.get(v, v)
    base = re.split(r"[-_]", v, maxsplit=1)[0]
    if not _CODE.match(base):
        raise QueryError(f"{value!r} is not a language code (use zh, vi, en, th or lo)")
    return base


def parse_bound(value: str, name: str) -> datetime:
    """A date filter bound, by the parser `newsdesk list` and the web use."""
    from newsdesk.store.sqlite import day_bound

    try:
        parsed = day_bound(value.strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise QueryError(f"{name}:{value} is not a date (use YYYY-MM-DD or ISO 8601)")
    return parsed


def _read_quoted(text: str, i: int) -> tuple[str, int]:
    """Text inside the quote opening at text[i] and the index after the closing quote.

    An unclosed quote runs to the end of the query (what the user most likely meant).
    """
    close = QUOTES[text[i]]
    j = text.find(close, i + 1)
    if j < 0:
        return text[i + 1:], len(text)
    return text[i + 1:j], j + 1


def _read_word(text: str, i: int) -> tuple[str, int]:
    j = i
    while j < len(text) and not text[j].isspace():
        j += 1
    return text[i:j], j


def _lex(text: str) -> list[_Item]:
    items: list[_Item] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        sign = ""
        if ch in "+-" and i + 1 < n and not text[i + 1].isspace():
            sign, i = ch, i + 1
            ch = text[i]
        if ch in QUOTES:
            inner, i = _read_quoted(text, i)
            if inner.strip():
                items.append(_Item("phrase", inner.strip(), sign))
            continue
        m = _FIELD.match(text, i)
        if m and not sign:
            name = m.group(1).lower()
            j = m.end()
            if j < n and text[j] in QUOTES:
                value, i = _read_quoted(text, j)
            else:
                value, i = _read_word(text, j)
            if value.strip():
                items.append(_Item("field", value.strip(), name=name))
                continue
            raise QueryError(f"{name}: needs a value, e.g. {name}:{_EXAMPLE[name]}")
        word, i = _read_word(text, i)
        if word == "OR" and not sign:
            items.append(_Item("or", word))
        elif word:
            items.append(_Item("word", word, sign))
    return items


_EXAMPLE = {"source": "asiawire.example", "lang": "vi", "after": "2025-09-01",
            "before": "2025-12-01"}


def _occur(item: _Item) -> Occur:
    if item.sign == "-":
        return "must_not"
    if item.sign == "+" or item.kind == "phrase":
        return "must"
    return "should"


def parse_query(text: str) -> ParsedQuery:
    """Parse a user's query; raises `QueryError` on a bad filter value."""
    items = _lex(text)
    languages: list[str] = []
    sources: list[str] = []
    after: datetime | None = None
    before: datetime | None = None
    terms: list[_Item] = []
    for item in items:
        if item.kind != "field":
            terms.append(item)
            continue
        values = [v.strip() for v in item.text.split(",") if v.strip()]
        if item.name == "lang":
            languages += [parse_language(v) for v in values]
        elif item.name == "source":
            sources += values
        elif item.name == "after":
            bound = parse_bound(item.text, "after")
            after = bound if after is None else max(after, bound)
        else:
            bound = parse_bound(item.text, "before")
            before = bound if before is None else min(before, bound)

    clauses: list[Clause] = []
    run: list[str] = []  # consecutive plain optional words

    def flush() -> None:
        if run:
            clauses.append(Clause((Term(" ".join(run)),), "should"))
            run.clear()

    i = 0
    while i < len(terms):
        item = terms[i]
        if item.kind == "or":  # a stray OR (start, end, doubled): ignore it
            i += 1
            continue
        group = [item]
        j = i + 1
        while j + 1 < len(terms) and terms[j].kind == "or" and terms[j + 1].kind != "or":
            group.append(terms[j + 1])
            j += 2
        i = j
        if len(group) == 1 and item.kind == "word" and not item.sign:
            run.append(item.text)
            continue
        flush()
        if len(group) == 1:
            clauses.append(Clause((Term(item.text, item.kind == "phrase"),), _occur(item)))
            continue
        occurs = {_occur(g) for g in group}
        alternatives = tuple(Term(g.text, g.kind == "phrase") for g in group
                             if _occur(g) != "must_not")
        for g in group:  # "-a OR b": an exclusion inside OR still excludes
            if _occur(g) == "must_not":
                clauses.append(Clause((Term(g.text, g.kind == "phrase"),), "must_not"))
        if alternatives:
            clauses.append(Clause(alternatives, "must" if "must" in occurs else "should"))
    flush()
    filters = SearchFilters(tuple(dict.fromkeys(languages)), tuple(dict.fromkeys(sources)),
                            after, before)
    return ParsedQuery(text, tuple(clauses), filters)
