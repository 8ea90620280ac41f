"""The site-scale report: one table per mode, the per-stage histograms, the docs subsection."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bench.event_path.machine import code_version, machine_note
from bench.site_scale.modes import TARGET_P99_MS, Outcome, per_second_p99
from bench.site_scale.results import PhaseResult

if TYPE_CHECKING:
    from bench.site_scale.run import SiteRun

SECTION = "## Site scale"


def _f(value: float, digits: int = 1) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _gens(values: dict[str, float], how: str = "sum") -> float:
    gens = [v for k, v in values.items() if k.startswith("gen") and not math.isnan(v)]
    if not gens:
        return math.nan
    return sum(gens) if how == "sum" else max(gens)


def phase_table(results: list[PhaseResult]) -> list[str]:
    rows = [
        "| phase | offered events/s | sent /s | applied events/s (durable) | scan→light p50 /"
        " p99 / p99.9 ms (samples) | writer batch (mean) | CPU % service / planner / broker /"
        " generators (all) / parent | RSS MB service / broker / generator (largest) | lost /"
        " duplicates | unfilled slots / pacer lag max ms / slots > 20 ms late | held |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        held = "yes" if r.kept_up else "no"
        if r.kept_up and r.p(99) > TARGET_P99_MS:
            held += f" (p99 > {TARGET_P99_MS:.0f} ms)"
        if r.refused:
            held += f" ({r.refused} refused)"
        if r.stuck:
            held += f" ({r.stuck} pickers stuck)"
        c, m = r.cpu, r.rss_mb
        rows.append(
            f"| {r.name} | {r.offered:.0f} | {r.sent / r.seconds:.0f} | {r.applied_s:.0f} |"
            f" {_f(r.p(50))} / {_f(r.p(99))} / {_f(r.p(99.9))} ({len(r.light)}) |"
            f" {_f(r.batch_mean)} | {_f(c.get('service', math.nan), 0)} /"
            f" {_f(c.get('planner', math.nan), 0)} /"
            f" {_f(c.get('broker', math.nan), 0)} / {_f(_gens(c), 0)} /"
            f" {_f(c.get('parent', math.nan), 0)} | {_f(m.get('service', math.nan), 0)}"
            f" / {_f(m.get('broker', math.nan), 0)} / {_f(_gens(m, 'max'), 0)} |"
            f" {r.lost} / {_f(r.duplicates, 0)} | {r.unfilled} / {r.max_lag_s * 1000:.0f}"
            f" / {r.late} |"
            f" {held} |"
        )
    return rows


def stage_table(results: list[PhaseResult]) -> list[str]:
    """edge_event_stage_seconds over each phase: mean and p99 (a bucket's upper bound)."""
    stages = ("decode", "queue", "apply", "commit", "publish", "batch", "scan→light")
    rows = [
        "| phase | "
        + " | ".join(f"{s} mean / p99 ms (> 20 ms)" for s in stages)
        + " | events per commit |",
        "| --- |" + " ---: |" * (len(stages) + 1),
    ]
    for r in results:
        by = {s.stage: s for s in r.stages}
        cells = []
        for name in stages:
            s = by.get(name)
            cells.append(
                "–" if s is None else f"{_f(s.mean_ms, 2)} / {_f(s.p99_ms, 1)} ({s.over_20ms:.0f})"
            )
        commit = by.get("commit")
        queue = by.get("queue")
        per = queue.count / commit.count if commit and queue and commit.count else math.nan
        rows.append(f"| {r.name} | " + " | ".join(cells) + f" | {_f(per)} |")
    return rows


def burst_table(r: PhaseResult, out: Outcome) -> list[str]:
    p99 = per_second_p99(r)
    rows = [
        "| second | offered /s | applied /s | scan→light p99 ms | writer queue | unacknowledged"
        " | service RSS MB | broker RSS MB |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in r.timeline:
        second = int(s.t)
        rows.append(
            f"| {second} | {s.offered:.0f} | {r.applied_by_second.get(second, 0)} |"
            f" {_f(p99.get(second, math.nan))} | {_f(s.queue_depth, 0)} |"
            f" {_f(s.pending_acks, 0)} | {_f(s.service_rss_mb, 0)} | {_f(s.broker_rss_mb, 0)} |"
        )
    start, end = out.burst_window
    worst = max((s.service_rss_mb for s in r.timeline), default=math.nan)
    queue = max((s.queue_depth for s in r.timeline), default=math.nan)
    rows += [
        "",
        f"Burst from second {start:.0f} to {end:.0f}: lost {r.lost}, duplicates recognised"
        f" {_f(r.duplicates, 0)}; largest service RSS {_f(worst, 0)} MB, largest writer queue"
        f" {_f(queue, 0)}; p99 back under {TARGET_P99_MS:.0f} ms (and staying there)"
        f" {_f(out.recovery_s, 0)} s after the burst.",
    ]
    return rows


def soak_table(r: PhaseResult, out: Outcome, step: float) -> list[str]:
    rows = [
        "| t s | service RSS MB | service fds | WAL MB | writer queue | unacknowledged"
        " | broker RSS MB | event |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for s in r.timeline:
        mark = ", ".join(v for t, v in out.soak_events if s.t <= t < s.t + step)
        rows.append(
            f"| {s.t:.0f} | {_f(s.service_rss_mb, 0)} | {s.fds} | {_f(s.wal_mb, 1)} |"
            f" {_f(s.queue_depth, 0)} | {_f(s.pending_acks, 0)} | {_f(s.broker_rss_mb, 0)} |"
            f" {mark} |"
        )
    return rows


def report_lines(run: SiteRun, out: Outcome, elapsed: float) -> list[str]:
    args = run.args
    shape = run.shape
    reporting = "all devices" if args.status_all else "status-only devices and scales"
    lines = [
        f"Mode `{out.mode}`{' (--quick)' if args.quick else ''}:"
        f" {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {elapsed:.0f} s, service code at"
        f" {code_version()}. Machine: {machine_note(run.broker.binary)}.",
        "",
        f"Site: {shape.devices:,} MQTT connections ({shape.scanners:,} scanners of which"
        f" {run.pickers:,} pick, {shape.shelves} pick-to-light controllers over all"
        f" {len(run.desc['bins']):,} bins, {shape.scales} scales, {shape.status_only}"
        f" status-only handhelds) from {args.processes} generator processes, connected in"
        f" {run.connect_s:.0f} s; {reporting} re-publish their retained status every"
        f" {args.status_every:g} s, every scale sends a settling reading every"
        f" {args.weight_every:g} s; {run.orders_created:,} orders created over HTTP.",
        "",
        *phase_table(run.results),
        "",
        "Inside the service (edge_event_stage_seconds between the phase's first and last"
        " scrape; p99 is the upper bound of its bucket; in brackets: observations over 20 ms;"
        " `scan→light` here is the service's share, from the hand-over to the writer to the"
        " LightOn handed to the MQTT client):",
        "",
        *stage_table(run.results),
    ]
    if run.profile_summary:
        lines += [
            "",
            f"py-spy on the service during the first phase ({Path(run.args.profile).name}),"
            " share of"
            " samples per frame, inclusive:",
            "",
            "```",
            *run.profile_summary,
            "```",
        ]
    if out.mode == "burst" and run.results:
        lines += ["", *burst_table(run.results[-1], out)]
    if out.mode == "soak" and run.results:
        lines += [
            "",
            "Stage figures of a soak are the restarted service's own (its counters start at"
            " zero); its CPU is not given (two processes).",
            "",
            *soak_table(run.results[-1], out, args.sample_every),
        ]
    if out.raw:
        lines += [
            "",
            "| raw path (same broker, service stopped) | messages/s | CPU % sink / broker / load |",
            "| --- | ---: | ---: |",
        ]
        for key in ("stream", "echo"):
            cpu = out.raw_cpu.get(key, {})
            lines.append(
                f"| {key} | {out.raw.get(key, math.nan):.0f} | {cpu.get('sink', 0):.0f} /"
                f" {cpu.get('broker', 0):.0f} / {cpu.get('load', 0):.0f} |"
            )
    lines += [
        "",
        f"Events sent in the whole run and never recorded by the service: {out.total_lost}.",
    ]
    lines += [f"{n}." for n in out.notes]
    return lines


def write_docs(path: Path, run: SiteRun, out: Outcome, elapsed: float, label: str) -> None:
    """Put this mode's report under `### <mode>` in the Site scale section (the other
    modes' subsections stay)."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    if SECTION not in lines:
        raise RuntimeError(f"{path} has no '{SECTION}' section to fill")
    start = lines.index(SECTION)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    heading = f"### Mode {out.mode}"
    body = [heading, "", *([label, ""] if label else []), *report_lines(run, out, elapsed), ""]
    section = lines[start:end]
    if heading in section:
        a = section.index(heading)
        b = next(
            (i for i in range(a + 1, len(section)) if section[i].startswith(("### ", "## "))),
            len(section),
        )
        section[a:b] = body
    else:
        section += ["", *body] if section and section[-1].strip() else body
    lines[start:end] = section
    path.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")
