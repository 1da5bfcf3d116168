"""Highlighted snippets on the display text, from the analyser's token offsets.

The stored paragraphs are analysed again with the article's own chain
(`newsdesk.text.analysis.analyze`), whose tokens carry offsets into the text we
display — not into segmented, folded or simplified text. A query word is found the
way the index finds it: its word term, or its finest units (Han characters,
Vietnamese syllables) in sequence, exact or folded (`terms.TermMatch`). So a
simplified query highlights traditional characters, "duong sat" highlights
"đường sắt", and "railways" highlights "railway" (same stem) — at the right offsets
in every script.

The snippet is the ~`SNIPPET_CHARS` window of one paragraph holding the most
distinct query words (then the most matches), cut at spaces where the script has
them, with "…" where text was cut; highlight offsets index `Snippet.text` itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from newsdesk.search.terms import TermMatch
from newsdesk.search.types import Highlight, Snippet
from newsdesk.text.analysis import Token, analyze

SNIPPET_CHARS = 200
CONTEXT_BEFORE = 40
MAX_ANALYSED_CHARS = 6000
"""Paragraphs are analysed in order until this much text: matches past it are rare in
news (the lead says what the story is) and analysis costs ~0.1 ms per character."""
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


def _stream(tokens: Sequence[Token]) -> _Stream:
    words: dict[str, list[tuple[int, int]]] = defaultdict(list)
    by_pos: dict[int, list[Token]] = defaultdict(list)
    for t in tokens:
        if t.kind == "word":
            words[t.text].append((t.start, t.end))
        by_pos[t.position].append(t)
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
    return _Stream(dict(words), units)


def _find_sequence(units: list[_Unit], seq: Sequence[str], folded: bool) -> list[tuple[int, int]]:
    if not seq:
        return []
    out = []
    n = len(seq)
    for i in range(len(units) - n + 1):
        if all((units[i + j].fold if folded else units[i + j].text) == seq[j] for j in range(n)):
            out.append((units[i].start, units[i + n - 1].end))
    return out


def find_matches(text: str, language: str, matches: Sequence[TermMatch],
                 tokens: Sequence[Token] | None = None) -> list[tuple[int, int, int]]:
    """[(start, end, match index)] in `text`, sorted, overlaps merged per match."""
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
            spans += _find_sequence(stream.units, m.sub, folded=False)
        if not m.phrase:
            for w in m.words_fold:
                spans += stream.words.get(w, [])
        spans += _find_sequence(stream.units, m.sub_fold, folded=True)
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


def highlights(text: str, language: str, matches: Sequence[TermMatch]) -> tuple[Highlight, ...]:
    """Every query-word match in `text` (a title), as offsets into `text`."""
    return tuple(Highlight(s, e) for s, e, _ in find_matches(text, language, matches))


def _spaced(text: str) -> bool:
    return text.count(" ") * 12 > len(text)


def _window(text: str, spans: list[tuple[int, int, int]]) -> tuple[int, int, float]:
    """(start, end, score) of the best `SNIPPET_CHARS` window of one paragraph."""
    if len(text) <= SNIPPET_CHARS:
        return 0, len(text), _score(spans)
    best = (0, SNIPPET_CHARS, -1.0)
    for anchor, _, _ in spans or [(0, 0, 0)]:
        start = max(0, min(anchor - CONTEXT_BEFORE, len(text) - SNIPPET_CHARS))
        end = start + SNIPPET_CHARS
        inside = [sp for sp in spans if sp[0] >= start and sp[1] <= end]
        score = _score(inside)
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
    return len({k for _, _, k in spans}) * 10 + min(len(spans), 9)


def make_snippet(paragraphs: Sequence[str], language: str,
                 matches: Sequence[TermMatch]) -> Snippet | None:
    """The best window of the body, or the lead's start when no query word is in it."""
    best: tuple[float, str, int, int, list[tuple[int, int, int]]] | None = None
    analysed = 0
    wanted = len(matches)
    for text in paragraphs:
        if not text.strip():
            continue
        if analysed > MAX_ANALYSED_CHARS:
            break
        analysed += len(text)
        spans = find_matches(text, language, matches) if matches else []
        if not spans:
            continue
        start, end, score = _window(text, spans)
        if best is None or score > best[0]:
            best = (score, text, start, end, spans)
        if len({k for _, _, k in spans}) >= wanted and score >= wanted * 10 + 3:
            break
    if best is None:
        first = next((p for p in paragraphs if p.strip()), "")
        if not first:
            return None
        start, end, _ = _window(first, [])
        return _cut(first, start, end, [], "body")
    _, text, start, end, spans = best
    return _cut(text, start, end, spans, "body")


def _cut(text: str, start: int, end: int, spans: list[tuple[int, int, int]],
         field: str) -> Snippet:
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if end < len(text) else ""
    shift = len(prefix) - start
    marks = tuple(Highlight(s + shift, e + shift) for s, e, _ in spans
                  if s >= start and e <= end)
    return Snippet(prefix + text[start:end] + suffix, marks, field)
