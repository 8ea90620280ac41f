"""Readings: /proc (CPU, RSS, fds), the service's /api/v1/metrics, and scan→light pairing."""

from __future__ import annotations

import math
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from bench._bench_broker import Service, cpu_seconds

STAGES = ("decode", "queue", "apply", "commit", "publish")


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return math.nan


def open_fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


def planner_pid(service_pid: int) -> int | None:
    """The service's trip-planner worker: its child process running multiprocessing's
    spawn entry point (not the resource tracker); None when it has none."""
    for children in Path(f"/proc/{service_pid}/task").glob("*/children"):
        try:
            pids = children.read_text().split()
        except OSError:
            continue
        for pid in pids:
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"--multiprocessing-fork" in cmd and not any(b"resource_tracker" in c for c in cmd):
                return int(pid)
    return None


@dataclass
class CpuWatch:
    """CPU % of named processes between start() and stop(), 100 = one core."""

    pids: dict[str, int]
    t0: float = 0.0
    cpu0: dict[str, float] = field(default_factory=dict)

    def start(self, now: float) -> None:
        self.t0 = now
        self.cpu0 = {k: cpu_seconds(p) for k, p in self.pids.items()}

    def stop(self, now: float, pids: dict[str, int]) -> dict[str, float]:
        """CPU % per name; NaN for a process restarted in between (its pid changed)."""
        span = max(now - self.t0, 1e-9)
        return {
            k: (cpu_seconds(p) - self.cpu0[k]) / span * 100 if pids.get(k) == p else math.nan
            for k, p in self.pids.items()
        }


# --- the service's metrics ----------------------------------------------------------------


Histogram = dict[float, float]  # upper bound -> cumulative count (+Inf included)


@dataclass
class Scrape:
    """The numbers this benchmark reads from one /api/v1/metrics answer."""

    counters: dict[str, float]  # name{label} -> value
    gauges: dict[str, float]
    histograms: dict[str, Histogram]  # name{label} -> buckets
    sums: dict[str, float]


def scrape(service: Service) -> Scrape:
    response = service.http.get("/api/v1/metrics")
    response.raise_for_status()
    counters: dict[str, float] = {}
    gauges: dict[str, float] = {}
    histograms: dict[str, Histogram] = defaultdict(dict)
    sums: dict[str, float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            labels = {k: v for k, v in sample.labels.items() if k != "le"}
            key = family.name + "".join(f"{{{v}}}" for v in labels.values())
            if family.type == "histogram":
                if sample.name.endswith("_bucket"):
                    histograms[key][float(sample.labels["le"])] = sample.value
                elif sample.name.endswith("_sum"):
                    sums[key] = sample.value
            elif family.type == "counter" and sample.name.endswith("_total"):
                counters[key] = counters.get(key, 0.0) + sample.value
            elif family.type == "gauge":
                gauges[key] = sample.value
    return Scrape(counters, gauges, dict(histograms), sums)


def counter_delta(a: Scrape, b: Scrape, prefix: str) -> float:
    """The growth of every counter whose key starts with prefix (all label values)."""
    return sum(v - a.counters.get(k, 0.0) for k, v in b.counters.items() if k.startswith(prefix))


def histogram_delta(a: Scrape, b: Scrape, key: str) -> tuple[Histogram, float]:
    """The buckets and the sum added between two scrapes."""
    before = a.histograms.get(key, {})
    after = b.histograms.get(key, {})
    return (
        {le: n - before.get(le, 0.0) for le, n in after.items()},
        b.sums.get(key, 0.0) - a.sums.get(key, 0.0),
    )


def bucket_quantile(buckets: Histogram, q: float) -> float:
    """The upper bound of the bucket holding the q-quantile (an upper estimate)."""
    if not buckets:
        return math.nan
    total = buckets.get(math.inf, max(buckets.values()))
    if total <= 0:
        return math.nan
    for le in sorted(buckets):
        if buckets[le] >= q * total:
            return le
    return math.inf


@dataclass(frozen=True)
class StageFigures:
    stage: str
    count: float
    mean_ms: float
    p50_ms: float  # bucket upper bounds
    p99_ms: float
    p999_ms: float
    over_20ms: float  # observations above 20 ms


def stage_figures(a: Scrape, b: Scrape) -> list[StageFigures]:
    """The five stages, then `batch`: a whole transaction from BEGIN IMMEDIATE to just
    before COMMIT (edge_writer_apply_seconds; a BEGIN that waits for a lock shows here),
    and `scan→light` inside the service: from the hand-over to the writer to the LightOn
    handed to paho (edge_scan_to_light_seconds), the service's share of the end-to-end."""
    out = []
    keys = [(s, f"edge_event_stage_seconds{{{s}}}") for s in STAGES]
    for stage, key in [
        *keys,
        ("batch", "edge_writer_apply_seconds"),
        ("scan→light", "edge_scan_to_light_seconds"),
    ]:
        buckets, total = histogram_delta(a, b, key)
        count = buckets.get(math.inf, 0.0)
        over = count - buckets.get(0.02, count)
        out.append(
            StageFigures(
                stage,
                count,
                total / count * 1000 if count else math.nan,
                bucket_quantile(buckets, 0.5) * 1000,
                bucket_quantile(buckets, 0.99) * 1000,
                bucket_quantile(buckets, 0.999) * 1000,
                over,
            )
        )
    return out


def batch_mean(a: Scrape, b: Scrape) -> float:
    buckets, total = histogram_delta(a, b, "edge_writer_batch_size")
    count = buckets.get(math.inf, 0.0)
    return total / count if count else math.nan


# --- scan → light, across processes -------------------------------------------------------


def pair_lights(
    ledger: list[tuple[float, str, float | None]], lights: list[tuple[float, str]]
) -> list[tuple[float, float]]:
    """(scheduled time, seconds to the LightOn) for every completed lit stop whose next
    LightOn (matched by the picker's colour) arrived. The completion is logged by the
    scanner's process, the LightOn by the controller's, both on CLOCK_MONOTONIC (one clock
    for every process on the machine); a called-off pairing (the view showed no lit stop
    follows, the event was refused, `next`) drops the start."""
    events: list[tuple[float, int, str, float]] = [
        (t, 1 if start is None else 0, color, t if start is None else start)
        for t, color, start in ledger
    ]
    events += [(t, 2, color, t) for t, color in lights]
    events.sort()
    pending: dict[str, float] = {}
    samples = []
    for t, kind, color, start in events:
        if kind == 0:
            pending[color] = start
        elif kind == 1:
            pending.pop(color, None)
        else:
            started = pending.pop(color, None)
            if started is not None:
                samples.append((started, t - started))
    return samples


def per_second(samples: list[tuple[float, float]], origin: float) -> dict[int, list[float]]:
    """Latency samples (ms) by the whole second of their scheduled time since origin."""
    out: dict[int, list[float]] = defaultdict(list)
    for t, d in samples:
        out[int(t - origin)].append(d * 1000)
    return out


def describe(values: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in values.items())
