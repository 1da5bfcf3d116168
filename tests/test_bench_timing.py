"""bench/search_scale.py's timing protocol: a pass the machine disturbed is timed again.

The search is a stand-in here (a function that sleeps when told the minute is slow):
what is checked is the bench's bookkeeping, which passes count and which are kept
aside, not newsdesk's speed. The machine's slowness is scripted too, because a real
slow minute cannot be summoned in a test.
"""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest

from bench import search_scale as bench
from bench.search_scale import Query


class _Minute:
    """Scripted calibrations: the `slow`-th pass timed (from 0) runs in a slow minute."""

    def __init__(self, slow: set[int]) -> None:
        self.slow = slow
        self.passes = 0
        self.now_slow = False

    def window(self) -> Any:
        minute = self

        class Window:
            @classmethod
            def start(cls) -> Window:
                minute.now_slow = minute.passes in minute.slow
                minute.passes += 1
                return cls()

            def stop(self) -> dict[str, float]:
                ms = 13.0 if minute.now_slow else 8.0
                return {"steal_pct": 0.0, "calibration_ms": ms, "calibration_best_ms": ms}

        return Window


@pytest.fixture
def queries() -> list[Query]:
    return [Query(f"q{i}", "en", "title") for i in range(4)]


def _search(minute: _Minute, calls: list[str]) -> Any:
    def search(text: str, **_: Any) -> SimpleNamespace:
        calls.append(text)
        if minute.now_slow:
            time.sleep(0.02)
        return SimpleNamespace(hits=[text])
    return search


def test_a_disturbed_pass_is_timed_again_and_reported_beside(monkeypatch, queries) -> None:
    minute = _Minute(slow={2})  # the third pass timed: (lexical, no filter) is first
    monkeypatch.setattr(bench, "MachineWindow", minute.window())
    monkeypatch.setattr(bench, "calibration_ms", lambda rounds=3: 8.0)
    calls: list[str] = []
    out = bench.measure_latency(_search(minute, calls), queries, ["en"], warmup=0,
                                warm_pass=False, repeat=1, retries=2)
    cells = len(bench.MODES) * 2
    assert minute.passes == cells + 1  # one pass timed twice
    slow_cell = [k for k, v in out.items() if v["disturbed_runs"]]
    assert len(slow_cell) == 1
    cell = out[slow_cell[0]]
    assert cell["disturbed_runs"][0]["p95"] >= 20.0  # kept aside, not in the figures
    assert cell["p95"] < 20.0 and len(cell["all_runs"]) == 1
    assert not cell["machine"][0]["disturbed"]
    assert cell["with_disturbed"]["p95"] >= 10.0  # median of a slow and a fast run
    assert all(not v["disturbed_runs"] for k, v in out.items() if k != slow_cell[0])
    assert len(calls) == (cells + 1) * len(queries) + len(queries)  # + the embedding pass


def test_a_pass_still_disturbed_after_its_retries_is_kept_and_flagged(monkeypatch,
                                                                      queries) -> None:
    minute = _Minute(slow={0, 1, 2})  # the first cell's pass and both its retries
    monkeypatch.setattr(bench, "MachineWindow", minute.window())
    monkeypatch.setattr(bench, "calibration_ms", lambda rounds=3: 8.0)
    out = bench.measure_latency(_search(minute, []), queries, ["en"], warmup=0,
                                warm_pass=False, repeat=1, retries=2)
    first = out["lexical/none"]
    assert len(first["disturbed_runs"]) == 2
    assert first["machine"][0]["disturbed"] and first["p95"] >= 20.0
    without = bench.measure_latency(_search(_Minute(set()), []), queries, ["en"], warmup=0,
                                    warm_pass=False, repeat=2, retries=0)
    assert all(len(v["all_runs"]) == 2 and not v["disturbed_runs"] for v in without.values())
