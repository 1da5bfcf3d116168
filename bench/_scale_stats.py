"""Small measurement helpers for bench/search_scale.py: percentiles, memory, disk size."""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    """p50/p95/p99/mean/max in milliseconds (numpy's linear interpolation)."""
    if not samples_ms:
        return {"n": 0, "p50": float("nan"), "p95": float("nan"), "p99": float("nan"),
                "mean": float("nan"), "max": float("nan")}
    a = np.asarray(samples_ms, dtype=np.float64)
    return {"n": len(a), "p50": float(np.percentile(a, 50)), "p95": float(np.percentile(a, 95)),
            "p99": float(np.percentile(a, 99)), "mean": float(a.mean()), "max": float(a.max())}


def rss_mib() -> float:
    """Current resident set size of this process (from /proc, no psutil needed)."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return float("nan")


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def disk_mib(path: Path) -> float:
    """Bytes on disk under `path` (file or directory), in MiB."""
    if not path.exists():
        return 0.0
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def _cpu_jiffies() -> tuple[int, int] | None:
    """(all CPU time, time stolen by the hypervisor) since boot, from /proc/stat."""
    try:
        with open("/proc/stat") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal (guest time is inside user)
    return sum(fields[:8]), fields[7] if len(fields) > 7 else 0


def calibration_ms(rounds: int = 3) -> float:
    """Best of `rounds` timings of one fixed CPU-bound Python workload (~10 ms).

    Why: on this shared 2-core machine the same code's latency moves by half between
    minutes. A workload that never changes, timed beside each cell, says whether a
    slow figure came from the code or from the minute it ran in.
    """
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        total = 0
        for i in range(200_000):
            total += i * i % 7
        best = min(best, (time.perf_counter() - t0) * 1000)
    return best


@dataclass
class MachineWindow:
    """CPU steal and calibration over one timed stretch (`start`, then `stop`)."""

    calibration_before: float = float("nan")
    jiffies: tuple[int, int] | None = None

    @classmethod
    def start(cls) -> MachineWindow:
        return cls(calibration_ms(), _cpu_jiffies())

    def stop(self) -> dict[str, float]:
        """{"steal_pct": share of CPU time stolen meanwhile, "calibration_ms": the slower
        of the calibrations before and after, "calibration_best_ms": the faster}."""
        after = calibration_ms()
        now = _cpu_jiffies()
        steal = float("nan")
        if self.jiffies is not None and now is not None and now[0] > self.jiffies[0]:
            steal = 100.0 * (now[1] - self.jiffies[1]) / (now[0] - self.jiffies[0])
        return {"steal_pct": steal, "calibration_ms": max(self.calibration_before, after),
                "calibration_best_ms": min(self.calibration_before, after)}
