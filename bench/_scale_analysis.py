"""Memoised per-paragraph analysis for bench/search_scale.py.

newsdesk's analysis chains (jieba, pyvi, pythainlp) run at ~35–80k chars/s, so
analysing 1M generated documents would take hours. Generated documents are made
of real paragraphs, so each real paragraph (and each title fragment) is analysed
once with newsdesk's own `newsdesk.text.analysis.analyze`, and a generated
document's tokens are the concatenation of its pieces' tokens, with offsets and
positions shifted as if the pieces had been analysed as one text joined by the
separator. The memo is kept on disk under /tmp/newsdesk-bench so reruns skip it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench._scale_vectors import CACHE
from newsdesk.text.analysis import Token, analyze

Packed = tuple[tuple[str, int, int, int, str], ...]  # (text, start, end, position, kind)


def pack(tokens: Sequence[Token]) -> Packed:
    return tuple((t.text, t.start, t.end, t.position, t.kind) for t in tokens)


def join_tokens(pieces: Sequence[tuple[str, Packed]], sep: str) -> list[Token]:
    """Tokens of `sep.join(texts)` from each piece's own tokens (offsets/positions shifted)."""
    out: list[Token] = []
    offset = 0
    base = 0
    for k, (text, packed) in enumerate(pieces):
        if k:
            offset += len(sep)
        top = -1
        for t, s, e, p, kind in packed:
            out.append(Token(t, s + offset, e + offset, p + base, kind))
            top = max(top, p)
        base += top + 1
        offset += len(text)
    return out


class AnalysisMemo:
    """(language, text) -> packed tokens, filled with newsdesk's `analyze`."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or CACHE / f"analysis-{fingerprint()}.pkl"
        self.memo: dict[tuple[str, str], Packed] = {}
        self.chars = 0
        self.seconds = 0.0
        if self.path.exists():
            try:
                with self.path.open("rb") as fh:
                    self.memo = pickle.load(fh)
            except (OSError, EOFError, pickle.UnpicklingError):
                self.memo = {}

    def get(self, text: str, language: str) -> Packed:
        key = (language, text)
        hit = self.memo.get(key)
        if hit is None:
            t0 = time.perf_counter()
            hit = pack(analyze(text, language))
            self.seconds += time.perf_counter() - t0
            self.chars += len(text)
            self.memo[key] = hit
        return hit

    def fill(self, items: Sequence[tuple[str, str]],
             log: Callable[[str], None] = lambda s: print(s, file=sys.stderr, flush=True)
             ) -> None:
        """Analyse every (text, language) not yet memoised, saving to disk now and then."""
        todo = [(t, lang) for t, lang in items if (lang, t) not in self.memo]
        for k, (text, lang) in enumerate(todo, 1):
            self.get(text, lang)
            if k % 20000 == 0 or k == len(todo):
                log(f"analysed {k}/{len(todo)} pieces "
                    f"({self.chars / max(self.seconds, 1e-9):,.0f} chars/s)")
                self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(self.memo, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.rename(self.path)


def fingerprint() -> str:
    """Hash of newsdesk's analysis source, so a memo from other analysis code is not reused."""
    root = Path(__file__).resolve().parents[1] / "newsdesk" / "text"
    h = hashlib.sha256()
    for path in sorted(root.glob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()[:12]
