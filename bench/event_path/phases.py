"""One measured phase (closed loop or a paced rate) and what the service's database recorded."""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from bench._bench_broker import Broker, Service, cpu_seconds
from bench.event_path.floor import Floor
from bench.event_path.measures import iso, log, pctl
from bench.event_path.profile import finish_profile, start_profile

WARMUP_S = 3.0
DRAIN_S = 20.0


@dataclass
class PhaseResult:
    name: str
    offered: float | None  # events/s; None = closed loop
    seconds: float
    sent: int
    applied: int
    refused: int
    light_ms: list[float]
    view_ms: list[float]
    idle: int
    max_lag_s: float
    batch_mean: float
    cpu: dict[str, float]
    orders_picked: int

    @property
    def applied_s(self) -> float:
        return self.applied / self.seconds

    @property
    def sent_s(self) -> float:
        return self.sent / self.seconds

    @property
    def kept_up(self) -> bool:
        if self.offered is None:
            return True
        return self.applied_s >= 0.97 * self.offered and self.max_lag_s < 0.5


def count_seen(db: Path, t0: float, t1: float) -> tuple[int, int]:
    """Device messages the service recorded (applied, refused) with apply time in [t0, t1)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        rows = conn.execute(
            "SELECT outcome LIKE 'refused%', count(*) FROM inbound_seen"
            " WHERE at >= ? AND at < ? AND device NOT LIKE 'probe%' GROUP BY 1",
            (iso(t0), iso(t1)),
        ).fetchall()
    finally:
        conn.close()
    counts = dict(rows)
    return int(counts.get(0, 0)), int(counts.get(1, 0))


def missing_events(db: Path, sent: list[tuple[str, str]]) -> int:
    """How many of the (device, msg_id) pairs sent the service never recorded."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        seen = set(conn.execute("SELECT device, msg_id FROM inbound_seen").fetchall())
    finally:
        conn.close()
    return sum(1 for key in sent if key not in seen)


def picked_orders(service: Service) -> int:
    counts = service.order_counts()
    return sum(v for k, v in counts.items() if k not in ("received", "picking"))


def drain(floor: Floor) -> bool:
    """Pause the pacer and wait until every picker has its answer and every PUBACK came."""
    floor.set_mode("paused")
    return floor.hub.run(floor.drained, DRAIN_S)


def measure_phase(
    floor: Floor,
    service: Service,
    broker: Broker,
    name: str,
    rate: float | None,
    seconds: float,
    profile: Path | None = None,
) -> tuple[PhaseResult, list[str]]:
    """Warm up, measure for `seconds`, drain; returns the result and the profile summary
    (py-spy on the service, closed loop only, when `profile` names the output file)."""
    hub = floor.hub
    writer0 = service.health()["writer"]
    picked0 = picked_orders(service)
    floor.set_mode("closed" if rate is None else "rate", rate or 0.0)
    hub.run_for(WARMUP_S)
    floor.max_lag = 0.0
    pids = {"service": service.pid, "broker": broker.pid, "load": os.getpid()}
    cpu0 = {k: cpu_seconds(p) for k, p in pids.items()}
    w0, p0, s0 = time.time(), time.monotonic(), floor.sent
    profiler = start_profile(service.pid, seconds, profile) if rate is None and profile else None
    hub.run_for(seconds)
    w1, p1, s1 = time.time(), time.monotonic(), floor.sent
    cpu = {k: (cpu_seconds(p) - cpu0[k]) / (p1 - p0) * 100 for k, p in pids.items()}
    lag = floor.max_lag
    drain(floor)
    hub.run_for(0.3)
    summary = finish_profile(profiler, profile) if profiler and profile else []
    applied, refused = count_seen(service.db_path, w0, w1)
    writer1 = service.health()["writer"]
    batches = writer1["batches"] - writer0["batches"]
    batch_mean = (writer1["applied"] - writer0["applied"]) / batches if batches else 0.0
    result = PhaseResult(
        name=name,
        offered=rate,
        seconds=p1 - p0,
        sent=s1 - s0,
        applied=applied,
        refused=refused,
        light_ms=[d * 1000 for t, d in floor.light_samples if p0 <= t < p1],
        view_ms=[d * 1000 for t, d in floor.view_samples if p0 <= t < p1],
        idle=sum(1 for t in floor.idle_views if p0 <= t < p1),
        max_lag_s=lag,
        batch_mean=batch_mean,
        cpu=cpu,
        orders_picked=picked_orders(service) - picked0,
    )
    log(
        f"  {name}: applied {result.applied_s:.0f} events/s (sent {result.sent_s:.0f}/s,"
        f" refused {refused}), scan→light p50 {pctl(result.light_ms, 50):.1f} ms"
        f" p99 {pctl(result.light_ms, 99):.1f} ms (n={len(result.light_ms)}),"
        f" batch {batch_mean:.1f}, CPU service {cpu['service']:.0f}%"
        f" broker {cpu['broker']:.0f}% load {cpu['load']:.0f}%"
    )
    return result, summary
