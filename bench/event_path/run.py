"""The whole event-path run: broker and service up, orders in, the phases, then the raw broker."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bench._bench_broker import Broker, Service
from bench._bench_mqtt import Hub
from bench.event_path.floor import Floor
from bench.event_path.machine import code_version, disk_probe
from bench.event_path.measures import log
from bench.event_path.phases import (
    WARMUP_S,
    PhaseResult,
    drain,
    measure_phase,
    missing_events,
)
from bench.event_path.raw_broker import raw_pass_through
from bench.event_path.warehouse import SITE, bench_warehouse, create_orders

EVENTS_PER_ORDER_GUESS = 9.0  # scans, confirms, buttons, controller acks, `next`


class EventPathRun:
    """One benchmark run in `workdir`; after run() its fields hold what the report shows."""

    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.desc = bench_warehouse(args.pickers)
        self.skus = [s["sku"] for s in self.desc["skus"]]
        self.shelf_ids = [d["id"] for d in self.desc["devices"] if d["kind"] == "shelf"]
        self.scanner_ids = [d["id"] for d in self.desc["devices"] if d["kind"] == "scanner"]
        wh = workdir / "warehouse.json"
        wh.write_text(json.dumps(self.desc), encoding="utf-8")
        self.broker = Broker(
            workdir / "broker", ["edge-service", *self.scanner_ids, *self.shelf_ids]
        )
        self.service = Service(self.broker, workdir / "service", wh, SITE)
        self.orders_created = 0
        self.intake_rate = 0.0
        self.results: list[PhaseResult] = []
        self.raw: dict[str, float] = {}
        self.raw_cpu: dict[str, dict[str, float]] = {}
        self.disk: dict[str, float] = {}
        self.code = code_version()
        self.missing = -1
        self.profile_summary: list[str] = []
        self.total_events = 0
        self.stuck = 0
        self.elapsed = 0.0
        self.event_sizes: list[int] = [150]
        self.view_sizes: list[int] = [400]

    def ensure_orders(self, events: float, events_per_order: float) -> None:
        """Enough received orders for about `events` more device events."""
        counts = self.service.order_counts()
        waiting = counts.get("received", 0)
        need = int(events / events_per_order * 1.3) + 4 * self.args.pickers - waiting
        if need <= 0:
            return
        need = min(need, self.args.max_orders - self.orders_created)
        if need <= 0:
            return
        log(f"creating {need} orders over HTTP ({waiting} waiting)")
        self.intake_rate = create_orders(
            self.service, need, self.skus, self.orders_created, self.args.seed
        )
        self.orders_created += need
        log(f"  {self.intake_rate:.0f} orders/s")

    def phase(self, floor: Floor, name: str, rate: float | None, seconds: float) -> PhaseResult:
        profile = Path(self.args.profile) if self.args.profile else None
        result, summary = measure_phase(
            floor, self.service, self.broker, name, rate, seconds, profile
        )
        self.results.append(result)
        if summary:
            self.profile_summary = summary
        return result

    def run(self) -> None:
        args = self.args
        t_start = time.monotonic()
        self.disk = disk_probe(self.service.workdir, args.disk_seconds)
        log(
            f"disk: SQLite commit (WAL, synchronous=FULL) p50 {self.disk['p50']:.2f} ms,"
            f" p99 {self.disk['p99']:.2f} ms, max {self.disk['max']:.1f} ms"
        )
        self.broker.start()
        log(f"mosquitto on port {self.broker.port}; starting the service")
        self.service.start()
        log(f"service up ({len(self.desc['bins'])} bins, all lit; {args.pickers} pickers)")
        closed_events = 0.0 if args.rate else 1500 * (WARMUP_S + args.seconds)
        first_rate = args.rate[0] if args.rate else 0
        self.ensure_orders(
            max(closed_events, first_rate * (WARMUP_S + args.seconds)), EVENTS_PER_ORDER_GUESS
        )
        hub = Hub()
        floor = Floor(hub, self.broker, args.pickers, self.shelf_ids, args.button_prob, args.seed)
        try:
            floor.connect()
            floor.set_mode("closed")
            if not hub.run(lambda: all(p.has_stop for p in floor.pickers), 60):
                log("warning: not every picker got a first stop")
            drain(floor)
            self.measure(floor)
            drain(floor)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                self.missing = missing_events(self.service.db_path, floor.sent_ids)
                if self.missing == 0:
                    break
                hub.run_for(0.5)
            self.total_events = floor.sent
            self.stuck = sum(1 for p in floor.pickers if p.stuck)
            self.event_sizes = floor.event_sizes or [150]
            self.view_sizes = floor.view_sizes or [400]
            # For a closer look with --keep: every latency sample against the run's clock.
            (self.workdir / "samples.json").write_text(
                json.dumps(
                    {
                        "wall_minus_monotonic": time.time() - time.monotonic(),
                        "light": floor.light_samples,
                        "view": floor.view_samples,
                    }
                ),
                encoding="utf-8",
            )
        finally:
            hub.close()
            self.service.stop()
        log("service stopped; raw broker pass-through with the same clients")
        self.raw, self.raw_cpu = raw_pass_through(
            self.broker,
            self.workdir,
            [*self.scanner_ids, *self.shelf_ids],
            self.event_sizes,
            self.view_sizes,
            args.raw_seconds,
        )
        self.broker.stop()
        self.elapsed = time.monotonic() - t_start

    def measure(self, floor: Floor) -> None:
        """The closed loop (unless --rate), then each paced rate."""
        args = self.args
        events_per_order = EVENTS_PER_ORDER_GUESS
        if not args.rate:
            log(f"closed loop for {args.seconds:.0f} s")
            r = self.phase(floor, "closed loop (max)", None, args.seconds)
            if r.orders_picked:
                events_per_order = max(3.0, r.applied / r.orders_picked)
        rates = args.rate or args.rates
        seconds = args.seconds if args.rate else args.rate_seconds
        for rate in rates:
            self.ensure_orders(rate * (WARMUP_S + seconds), events_per_order)
            log(f"open loop at {rate} events/s for {seconds:.0f} s")
            self.phase(floor, f"open loop {rate}/s", float(rate), seconds)
