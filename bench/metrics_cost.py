"""What the metrics cost the hot path, per event, beside the writer's own cost per event.

Times the exact calls the writer makes (edge.runtime: a message's outcome count, scan→light
for a scan that lights a module, the batch's three histograms and clock readings, the job's
arrival stamp) and, in the same run, the writer's whole cost per event: device messages
(dead letters: one row and an error reply each, among the cheapest events) queued for the
writer on a real SQLite file (WAL, synchronous=FULL), group-committed; A/B against the same
calls doing nothing, alternating which runs first. Also times one scrape.

    .venv/bin/python -m bench.metrics_cost [--events 20000] [--calls 200000]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
import timeit
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client import generate_latest

from edge.app import create_app
from edge.messages import DeadLetter, Effect, LightOn, LoadWarehouse, ScanRead
from edge.metrics import Metrics
from edge.runtime import Runtime, _Job
from edge.warehouse import parse_description
from tests.support.harness import make_harness, small_warehouse

NOW = datetime(2026, 12, 6, tzinfo=UTC)


def per_call_us(fn: object, calls: int) -> float:
    timer = timeit.Timer(fn)  # type: ignore[arg-type]
    return min(timer.repeat(repeat=5, number=calls)) / calls * 1e6


def hot_path(calls: int) -> dict[str, float]:
    """µs per call of what the writer adds for one message and for one batch."""
    m = Metrics()
    scan = ScanRead("scan-1", "m1", NOW, "A-01-1-A")
    light: list[Effect] = [LightOn("ptl-A", "A-01-1-A", 1, "#00ff00", "c1")]
    job = _Job(scan, None)
    plain = _Job(DeadLetter("t", b"", "r", "d", "", NOW), None)
    clock = time.perf_counter

    def batch() -> None:
        began = clock()
        applied = clock()
        m.batch(16, applied - began, clock() - applied)

    return {
        "arrival stamp (perf_counter)": per_call_us(clock, calls),
        "outcome of a message (no light)": per_call_us(
            lambda: Runtime._count(m, plain, [], None, None), calls
        ),
        "outcome of a scan that lights (+ scan→light)": per_call_us(
            lambda: Runtime._count(m, job, light, None, None), calls
        ),
        "per batch (3 histograms, 3 clock reads)": per_call_us(batch, calls),
    }


class NoMetrics(Metrics):
    """The same calls doing nothing: the writer's cost without metrics, for comparison."""

    def applied(self, kind: str, duplicate: bool) -> None:
        return None

    def dead_letter(self, code: str) -> None:
        return None

    def batch(self, size: int, apply_s: float, commit_s: float) -> None:
        return None


def writer_cost(events: int, metrics: bool = True) -> tuple[float, float]:
    """µs of the writer's time per event, and the mean batch size. The messages are queued
    before the writer starts, so what is timed is the writer alone (with the submitting
    thread running beside it, the GIL hand-offs swamp a difference of a microsecond)."""
    with tempfile.TemporaryDirectory() as tmp:
        h = make_harness(Path(tmp))
        runtime = h.service.runtime
        if not metrics:
            runtime.metrics = NoMetrics()
        runtime.sinks.remove(h.effects.extend)  # keep no effects in memory
        done = threading.Event()
        left = [events]

        def acked() -> None:  # on the writer thread, one at a time
            left[0] -= 1
            if left[0] == 0:
                done.set()

        for n in range(events):
            msg = DeadLetter("wh/t1/scanner/scan-1/evt", b"{", "bench", "scan-1", f"b{n}", NOW)
            runtime.submit(msg, acked)
        batches = runtime.batches
        started = time.perf_counter()
        runtime.start()
        done.wait(300)
        elapsed = time.perf_counter() - started
        mean_batch = events / max(1, runtime.batches - batches)
        runtime.stop()
        h.service.db.close()
    return elapsed / events * 1e6, mean_batch


def scrape_ms(devices: int) -> float:
    """One scrape of the test warehouse with this many more scanners described."""
    with tempfile.TemporaryDirectory() as tmp:
        h = make_harness(Path(tmp))
        desc = small_warehouse()
        desc["devices"] += [{"id": f"hh-{n:04d}", "kind": "scanner"} for n in range(devices)]
        h.handle(LoadWarehouse(h.origin("bench"), parse_description(desc)))
        create_app(h.service)  # wires the live readings
        registry = h.service.metrics.registry
        best = min(timeit.repeat(lambda: generate_latest(registry), number=20, repeat=3)) / 20
        h.service.db.close()
    return best * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--calls", type=int, default=200_000)
    args = parser.parse_args()
    costs = hot_path(args.calls)
    # Alternating which goes first: on a shared 2-core box the order alone moves the result.
    orders = [(True, False), (False, True)] * 3
    runs = [(on, *writer_cost(args.events, on)) for pair in orders for on in pair]
    per_event, mean_batch = min((us, b) for on, us, b in runs if on)
    without = min(us for on, us, _ in runs if not on)
    print("| hot-path call | µs per call |\n| --- | ---: |")
    for name, us in costs.items():
        print(f"| {name} | {us:.3f} |")
    stamp = costs["arrival stamp (perf_counter)"]
    per_batch = costs["per batch (3 histograms, 3 clock reads)"]
    lit = stamp + costs["outcome of a scan that lights (+ scan→light)"] + per_batch
    print(f"\nworst case added to one event (a lit scan alone in its batch): {lit:.2f} µs")
    run = stamp + costs["outcome of a message (no light)"] + per_batch / mean_batch
    print(
        f"writer's cost per event ({args.events} dead letters, WAL, synchronous=FULL,"
        f" mean batch {mean_batch:.1f}): {per_event:.1f} µs, of which metrics {run:.2f} µs"
        f" ({run / per_event:.1%})"
    )
    print(
        f"A/B, best of 6 each: {per_event:.1f} µs per event with metrics, {without:.1f} µs"
        f" with their calls doing nothing ({per_event - without:+.1f} µs)"
    )
    for devices in (0, 2000):
        print(f"one scrape, test warehouse + {devices} scanners: {scrape_ms(devices):.2f} ms")


if __name__ == "__main__":
    main()
