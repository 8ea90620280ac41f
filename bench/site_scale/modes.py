"""The benchmark's modes: rates, runs, burst, saturation and soak, each on one SiteRun."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from bench.event_path.measures import log, pctl
from bench.event_path.raw_broker import raw_pass_through
from bench.site_scale.results import PhaseResult
from bench.site_scale.run import SiteRun
from bench.site_scale.site import device_ids

TARGET_P99_MS = 20.0
BASE_RATE = 1000.0
BURST_EXTRA = 5000.0
RAW_PUBLISHERS = 200  # the raw stream's publishers: as many as the site's controllers


@dataclass
class Outcome:
    """What a mode measured beyond its phases."""

    mode: str
    notes: list[str] = field(default_factory=list)
    raw: dict[str, float] = field(default_factory=dict)
    raw_cpu: dict[str, dict[str, float]] = field(default_factory=dict)
    recovery_s: float = math.nan
    burst_window: tuple[float, float] = (0.0, 0.0)
    soak_events: list[tuple[float, str]] = field(default_factory=list)
    total_lost: int = -1


def first_rate(args: Any) -> float:
    if args.mode == "rates":
        return float(args.rates[0])
    if args.mode == "saturation":
        return BASE_RATE
    return float(args.rate)


def run_mode(run: SiteRun, args: Any) -> Outcome:
    out = Outcome(args.mode)
    if args.mode == "rates":
        for rate in args.rates:
            log(f"open loop at {rate} events/s for {args.seconds:.0f} s")
            r = run.measure(f"{rate}/s", [(0.0, float(rate))], args.seconds)
            if not r.kept_up:
                out.notes.append(f"knee: {rate}/s was not held; higher rates not run")
                break
    elif args.mode == "runs":
        for n in range(1, args.runs + 1):
            log(f"run {n} of {args.runs}: {args.rate:.0f} events/s for {args.seconds:.0f} s")
            run.measure(f"run {n}", [(0.0, args.rate)], args.seconds)
    elif args.mode == "burst":
        burst(run, args, out)
    elif args.mode == "saturation":
        saturation(run, args, out)
    elif args.mode == "soak":
        soak(run, args, out)
    out.total_lost = run.missing(run.sent_ids)
    return out


def burst(run: SiteRun, args: Any, out: Outcome) -> None:
    before, length = args.burst_before, args.burst_seconds
    after = args.seconds
    peak = args.rate + args.burst_extra
    schedule = [(0.0, args.rate), (before, peak), (before + length, args.rate)]
    total = before + length + after
    log(
        f"burst: {args.rate:.0f}/s for {before:.0f} s, {peak:.0f}/s for"
        f" {length:.0f} s, {args.rate:.0f}/s for {after:.0f} s"
    )
    r = run.measure("burst", schedule, total, every_s=1.0)
    out.burst_window = (before, before + length)
    out.recovery_s = recovery(r, before + length)


def recovery(r: PhaseResult, burst_end: float) -> float:
    """Seconds after the burst until every later whole second has p99 ≤ the target."""
    seconds = per_second_p99(r)
    late = sorted(s for s in seconds if s >= burst_end)
    bad = [s for s in late if seconds[s] > TARGET_P99_MS]
    if not late:
        return math.nan
    return 0.0 if not bad else bad[-1] + 1 - burst_end


def per_second_p99(r: PhaseResult) -> dict[int, float]:
    by: dict[int, list[float]] = {}
    for t, d in r.light:
        by.setdefault(int(t - r.origin), []).append(d * 1000)
    return {s: pctl(v, 99) for s, v in sorted(by.items())}


def saturation(run: SiteRun, args: Any, out: Outcome) -> None:
    """Offer far more than the service can apply; what it applies is its durable maximum.
    Then the raw broker with the same broker, after the service and generators stopped."""
    log(f"saturation: offering {args.saturation_rate:.0f} events/s for {args.seconds:.0f} s")
    r = run.measure("saturation", [(0.0, args.saturation_rate)], args.seconds)
    event_sizes = [150]
    assert run.fleet is not None
    run.fleet.stop()
    run.fleet = None
    run.service.stop()
    devices = [*device_ids(run.desc, "shelf"), *device_ids(run.desc, "scanner", station=False)]
    log("raw broker pass-through (service and generators stopped, same broker)")
    out.raw, out.raw_cpu = raw_pass_through(
        run.broker,
        run.workdir,
        devices[:RAW_PUBLISHERS],
        event_sizes,
        [400],
        args.raw_seconds,
    )
    ratio = r.applied_s / out.raw["stream"] if out.raw.get("stream") else math.nan
    out.notes.append(
        f"saturation {r.applied_s:.0f} durable events/s; raw stream"
        f" {out.raw.get('stream', math.nan):.0f} msg/s; ratio {ratio:.3f}"
    )


def soak(run: SiteRun, args: Any, out: Outcome) -> None:
    """args.seconds at the base rate; the broker restarts at a third, the service at two
    thirds; a timeline sample every args.sample_every seconds."""
    total = args.seconds
    restarts: dict[float, Any] = {}

    def broker_restart() -> None:
        log("soak: restarting the broker")
        out.soak_events.append((total / 3, "broker restart"))
        run.broker.restart()

    def service_restart() -> None:
        log("soak: restarting the service")
        out.soak_events.append((2 * total / 3, "service restart"))
        run.restart_service()

    restarts[total / 3] = broker_restart
    restarts[2 * total / 3] = service_restart
    run.measure("soak", [(0.0, args.rate)], total, every_s=args.sample_every, events_at=restarts)
