"""One site-scale setup (broker, service, orders, generators) and its measured phases."""

from __future__ import annotations

import argparse
import calendar
import dataclasses
import json
import math
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bench._bench_broker import Broker, Service
from bench.event_path.measures import iso, log
from bench.event_path.phases import count_seen, missing_events
from bench.event_path.profile import finish_profile, start_profile
from bench.event_path.warehouse import SITE, create_orders
from bench.site_scale.fleet import Fleet
from bench.site_scale.observe import (
    CpuWatch,
    Scrape,
    batch_mean,
    counter_delta,
    open_fds,
    pair_lights,
    planner_pid,
    rss_mb,
    scrape,
    stage_figures,
)
from bench.site_scale.results import PhaseResult, Second
from bench.site_scale.site import SiteShape, site_warehouse

WARMUP_S = 3.0
DRAIN_S = 30.0
EVENTS_PER_ORDER = 9.0  # scans, confirms, controller acks, `next` per 1-3 line order
ORDERS_PER_PICKER = 6
ORDERED_RATE_CAP = 6000.0  # events/s that orders are made for, whatever is offered
TOP_UP_AHEAD_S = 120.0  # a longer phase (soak) gets its orders while it runs, this far ahead


class SiteRun:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        shape = SiteShape.quick() if args.quick else SiteShape()
        self.shape = dataclasses.replace(shape, aisles=args.aisles) if args.aisles else shape
        self.pickers = min(args.pickers or self.shape.scanners, self.shape.scanners)
        self.desc = site_warehouse(self.shape)
        self.skus = [s["sku"] for s in self.desc["skus"]]
        wh = workdir / "warehouse.json"
        wh.write_text(json.dumps(self.desc), encoding="utf-8")
        users = ["edge-service", *(d["id"] for d in self.desc["devices"])]
        self.broker = Broker(workdir / "broker", users)
        self.service = Service(self.broker, workdir / "service", wh, SITE)
        self.fleet: Fleet | None = None
        self.orders_created = 0
        self.intake_rate = 0.0
        self.results: list[PhaseResult] = []
        self.sent_ids: list[tuple[str, str]] = []
        self.connect_s = 0.0
        self.profile_summary: list[str] = []

    # --- setup ---------------------------------------------------------------------------

    def start(self, first_rate: float) -> None:
        self.broker.start()
        log(f"mosquitto on port {self.broker.port}; starting the service")
        self.service.start(timeout=180)
        log(f"service up: {len(self.desc['bins'])} bins, {self.shape.devices} devices")
        self.ensure_orders(first_rate * (WARMUP_S + 10))
        self.fleet = Fleet(
            self.broker,
            self.desc,
            self.pickers,
            self.args.processes,
            self.args.seed,
            self.args.status_every,
            self.args.weight_every,
            self.args.status_all,
        )
        t0 = time.monotonic()
        ready = self.fleet.start()
        self.connect_s = time.monotonic() - t0
        log(
            f"{sum(r['connected'] for r in ready)} devices connected in {self.connect_s:.1f} s"
            f" by {self.args.processes} generator processes"
        )
        # Pickers log in and ask for work at the first rate until most have a stop.
        self.fleet.rate(first_rate)
        deadline = time.monotonic() + 300
        next_note = time.monotonic() + 30
        while time.monotonic() < deadline:
            status = self.fleet.status()
            if status["with_stop"] >= 0.95 * self.pickers:
                break
            if time.monotonic() > next_note:
                next_note += 30
                log(f"  {status['with_stop']} of {self.pickers} pickers have a stop so far")
            time.sleep(1.0)
        log(f"{status['with_stop']} of {self.pickers} pickers have a stop")
        self.fleet.rate(0)
        self.drain()
        self.keep(self.fleet.collect())

    def stop(self) -> None:
        if self.fleet is not None:
            self.fleet.stop()
        self.service.stop()
        self.broker.stop()

    def pids(self) -> dict[str, int]:
        assert self.fleet is not None
        pids = {"service": self.service.pid, "broker": self.broker.pid}
        planner = planner_pid(self.service.pid)
        if planner is not None:
            pids["planner"] = planner
        pids.update({f"gen{i}": pid for i, pid in enumerate(self.fleet.pids)})
        pids["parent"] = os.getpid()
        return pids

    def ensure_orders(self, events: float) -> None:
        """Enough received orders for about `events` more device events."""
        waiting = self.service.order_counts().get("received", 0)
        # A picker's `next` holds BATCH_LOOKAHEAD waiting orders while its cart is planned
        # and keeps the ones it takes: with 1,500 pickers that is thousands in hand at once.
        in_hand = ORDERS_PER_PICKER * self.pickers
        need = int(events / EVENTS_PER_ORDER * 1.3) + in_hand - waiting
        need = min(need, self.args.max_orders - self.orders_created)
        if need <= 0:
            return
        log(f"creating {need} orders over HTTP ({waiting} waiting)")
        # The numbers are taken before the POSTs: a batch cut short by a service restart
        # (soak) must not be sent again under the same shop order ids (another paid_at: 409).
        start = self.orders_created
        self.orders_created += need
        self.intake_rate = create_orders(self.service, need, self.skus, start, self.args.seed)

    def drain(self) -> bool:
        """Wait until no picker waits for an answer and every event has its PUBACK."""
        assert self.fleet is not None
        deadline = time.monotonic() + DRAIN_S
        while time.monotonic() < deadline:
            status = self.fleet.status()
            if status["outstanding"] == 0 and status["acked"]:
                return True
            time.sleep(0.2)
        return False

    def keep(self, logs: dict[str, Any]) -> None:
        self.sent_ids.extend(tuple(x) for x in logs["sent_ids"])

    def restart_service(self) -> None:
        self.service.stop()
        self.service.start(timeout=180)
        self.service.http = httpx.Client(
            base_url=self.service.url, headers={"X-API-Key": self.service.api_key}, timeout=30
        )

    def scrape(self) -> Scrape | None:
        try:
            return scrape(self.service)
        except httpx.HTTPError:
            return None  # the service is restarting (soak)

    # --- one phase -------------------------------------------------------------------------

    def measure(
        self,
        name: str,
        schedule: list[tuple[float, float]],
        seconds: float,
        every_s: float = 0.0,
        events_at: dict[float, Any] | None = None,
    ) -> PhaseResult:
        """Run `schedule` ((seconds from start, events/s), the first at 0) for `seconds`
        after a warm-up at its first rate; every_s > 0 samples a timeline; events_at runs a
        callable (a restart) at a given second."""
        assert self.fleet is not None
        fleet = self.fleet
        # Saturation offers far more than any service applies: order for what it can take
        # (a picker waiting for each answer sends a few events a second at most).
        cap = min(ORDERED_RATE_CAP, 4.0 * self.pickers)
        peak = min(max(r for _, r in schedule), cap)
        mean = min(mean_rate(schedule, seconds), cap)
        self.ensure_orders(mean * min(seconds, TOP_UP_AHEAD_S) + peak * WARMUP_S)
        top_up = OrderTopUp(self, mean) if seconds > TOP_UP_AHEAD_S else None
        fleet.rate(schedule[0][1])
        time.sleep(WARMUP_S)
        fleet.call("reset_lag")
        self.keep(fleet.collect())
        pids = self.pids()
        cpu = CpuWatch(pids)
        s0 = self.scrape()
        st0 = fleet.status()
        w0, p0 = time.time(), time.monotonic()
        cpu.start(p0)
        profile = Path(self.args.profile) if self.args.profile else None
        profiler = None
        if profile is not None and not self.profile_summary:  # the first phase only
            profiler = start_profile(self.service.pid, seconds, profile)
        rss = {k: rss_mb(p) for k, p in pids.items()}
        timeline: list[Second] = []
        changes = sorted(schedule[1:])
        pending = dict(events_at or {})
        offered = schedule[0][1]
        next_sample = p0
        while (now := time.monotonic()) < p0 + seconds:
            while changes and now - p0 >= changes[0][0]:
                offered = changes.pop(0)[1]
                fleet.rate(offered)
            for at in [a for a in pending if now - p0 >= a]:
                pending.pop(at)()
            for k, p in self.pids().items():
                rss[k] = max(rss.get(k, 0.0), rss_mb(p))
            if every_s and now >= next_sample:
                timeline.append(self.second(now - p0, offered))
                while next_sample <= time.monotonic():  # a restart blocked this loop
                    next_sample += every_s
            time.sleep(min(0.25, max(0.0, p0 + seconds - time.monotonic())))
        p1, w1 = time.monotonic(), time.time()
        if top_up is not None:
            top_up.stop()
        usage = cpu.stop(p1, self.pids())
        st1 = fleet.status()
        s1 = self.scrape()
        if self.service.pid != pids["service"]:
            # Restarted (soak): its counters began again at zero; the figures are its own.
            s0 = Scrape({}, {}, {}, {})
        fleet.rate(0)
        if profiler is not None and profile is not None:
            self.profile_summary = finish_profile(profiler, profile) or ["(no samples)"]
        drained = self.drain()
        logs = fleet.collect()
        self.keep(logs)
        # The service's commits trail the last sends by a few ms: count once drained.
        applied, refused = count_seen(self.service.db_path, w0, w1)
        light = [(t, d) for t, d in pair_lights(logs["ledger"], logs["lights"]) if p0 <= t < p1]
        phase_ids = [tuple(x) for x in logs["sent_ids"]]
        lost = self.missing(phase_ids)
        both = s0 is not None and s1 is not None
        result = PhaseResult(
            name=name,
            offered=mean_rate(schedule, seconds),
            seconds=p1 - p0,
            sent=st1["sent"] - st0["sent"],
            applied=applied,
            refused=refused,
            light=light,
            origin=p0,
            origin_wall=w0,
            unfilled=st1["unfilled"],
            max_lag_s=st1["max_lag_s"],
            late=st1.get("late", 0),
            batch_mean=batch_mean(s0, s1) if both else math.nan,  # type: ignore[arg-type]
            stages=stage_figures(s0, s1) if both else [],  # type: ignore[arg-type]
            cpu=usage,
            rss_mb=rss,
            lost=lost,
            duplicates=counter_delta(s0, s1, "edge_events_duplicate") if both else math.nan,  # type: ignore[arg-type]
            errors=st1["errors"] - st0["errors"],
            stuck=st1["stuck"],
            timeline=timeline,
            applied_by_second=self.applied_by_second(w0, w1) if every_s else {},
        )
        if not drained:
            log(f"  warning: not drained within {DRAIN_S:.0f} s")
        self.results.append(result)
        log(
            f"  {name}: sent {result.sent / result.seconds:.0f}/s, applied"
            f" {result.applied_s:.0f}/s, scan→light p50 {result.p(50):.1f} p99"
            f" {result.p(99):.1f} p99.9 {result.p(99.9):.1f} ms (n={len(light)}),"
            f" batch {result.batch_mean:.1f}, lost {lost}, unfilled {result.unfilled},"
            f" lag {result.max_lag_s * 1000:.0f} ms, {result.late} slots > 20 ms late, CPU "
            + ", ".join(f"{k} {v:.0f}%" for k, v in usage.items())
        )
        return result

    def second(self, t: float, offered: float) -> Second:
        s = self.scrape()
        wal = self.service.db_path.with_name("edge.db-wal")
        return Second(
            t=t,
            offered=offered,
            service_rss_mb=rss_mb(self.service.pid),
            broker_rss_mb=rss_mb(self.broker.pid),
            queue_depth=s.gauges.get("edge_writer_queue_depth", math.nan) if s else math.nan,
            pending_acks=s.gauges.get("edge_mqtt_pending_acks", math.nan) if s else math.nan,
            fds=open_fds(self.service.pid),
            wal_mb=wal.stat().st_size / 1e6 if wal.exists() else 0.0,
        )

    def missing(self, ids: list[tuple[str, str]], wait_s: float = 10.0) -> int:
        deadline = time.monotonic() + wait_s
        while True:
            lost = missing_events(self.service.db_path, ids)
            if lost == 0 or time.monotonic() > deadline:
                return lost
            time.sleep(0.5)

    def applied_by_second(self, w0: float, w1: float) -> dict[int, int]:
        conn = sqlite3.connect(f"file:{self.service.db_path}?mode=ro", uri=True, timeout=30)
        try:
            rows = conn.execute(
                "SELECT substr(at, 1, 19), count(*) FROM inbound_seen"
                " WHERE at >= ? AND at < ? GROUP BY 1",
                (iso(w0), iso(w1)),
            ).fetchall()
        finally:
            conn.close()
        base = int(w0)
        out: dict[int, int] = {}
        for second, n in rows:
            out[calendar.timegm(time.strptime(second, "%Y-%m-%dT%H:%M:%S")) - base] = n
        return out


def mean_rate(schedule: list[tuple[float, float]], seconds: float) -> float:
    """The offered events/s averaged over the window of a (start second, rate) schedule."""
    steps = sorted(schedule)
    ends = [s for s, _ in steps[1:]] + [seconds]
    total = sum(
        r * max(0.0, min(seconds, end) - start) for (start, r), end in zip(steps, ends, strict=True)
    )
    return total / seconds


class OrderTopUp:
    """Orders keep arriving during a long phase, as a shop's do (the intake is part of the
    load then): every 30 s, enough for the next TOP_UP_AHEAD_S seconds at `rate`."""

    def __init__(self, run: SiteRun, rate: float) -> None:
        self.run, self.rate = run, rate
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="order-top-up", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(TOP_UP_AHEAD_S / 4):
            try:
                self.run.ensure_orders(self.rate * TOP_UP_AHEAD_S)
            except (httpx.HTTPError, RuntimeError) as exc:  # the service is restarting
                log(f"  order top-up skipped: {exc}")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=120)
