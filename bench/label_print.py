"""Labels: from the last weigh to the label's last byte at the printer, p50/p99.

`python -m bench.label_print [N]`: N one-mug orders (default 300) are picked and opened at a
pack station through the core; then, with the writer thread and the printer senders running
as in production (SQLite WAL, synchronous=FULL), each parcel's stable weight is handed to the
writer and the clock stops when the simulated printer (a TCP 9100 listener on loopback) has
the label's last byte. The start is the core message (WeightMeasured submitted to the writer),
not the scale's MQTT publish: the broker hop adds about a millisecond (see Event path)."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from edge.devices.label_printer import SimulatedLabelPrinter
from edge.messages import LoadWarehouse, NextRequested, Origin, WeightMeasured
from edge.warehouse import parse_description
from tests.support.harness import Harness, make_harness
from tests.support.labels import label_warehouse


def _pick_all(h: Harness, n: int) -> list[int]:
    ids = [h.intake(f"LBL-{i}", ("MUG", 1)) for i in range(n)]
    h.scan("scan-1", "P-1")
    while any(h.order(oid)["status"] != "packing" for oid in ids):
        if h.view("scan-1")["screen"] == "trip_done":
            h.handle(NextRequested("scan-1", h.msg_id(), h.clock.now))
        while h.view("scan-1")["screen"] == "stop":
            h.pick_current_stop("scan-1")
    return ids


def measure(n: int, data_dir: Path) -> list[float]:
    printer = SimulatedLabelPrinter().start()
    h = make_harness(data_dir)
    desc = label_warehouse(printer.port, timeout_ms=2000, last=99_999_999)
    desc["stock"] = [*desc["stock"], {"bin": "A-01-1-A", "sku": "MUG", "qty": n + 10}]
    h.handle(LoadWarehouse(Origin("bench", h.clock.now, "bench"), parse_description(desc)))
    ids = _pick_all(h, n)
    h.scan("pack-1", "K-1")
    runtime, printers = h.service.runtime, h.service.printers
    assert printers is not None
    runtime.start()
    printers.start()
    times: list[float] = []
    try:
        for i, oid in enumerate(ids):
            h.scan("pack-1", f"ORD-{oid}")
            grams = h.view("pack-1")["parcels"][0]["expected_g"]
            started = time.monotonic()
            runtime.submit(WeightMeasured("scale-1", h.msg_id(), h.clock.now, grams))
            job = printer.wait_for_jobs(i + 1)[i]
            times.append(job.received_mono - started)
    finally:
        printers.stop()
        runtime.stop()
        h.service.db.close()
        printer.stop()
    return times


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    with tempfile.TemporaryDirectory() as tmp:
        times = sorted(measure(n, Path(tmp)))
    ms = [t * 1000 for t in times]
    q = statistics.quantiles(ms, n=100)
    print(f"{n} labels: last weigh → last byte at the printer")
    print(f"p50 {q[49]:.1f} ms   p95 {q[94]:.1f} ms   p99 {q[98]:.1f} ms   max {ms[-1]:.1f} ms")


if __name__ == "__main__":
    main()
