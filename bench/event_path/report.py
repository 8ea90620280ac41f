"""The event-path report: the printed tables and the `## Event path` section of the docs."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bench._bench_docs import replace_section
from bench.event_path.machine import machine_note
from bench.event_path.measures import pctl
from bench.event_path.phases import PhaseResult
from edge.core.trips import BATCH_LOOKAHEAD

if TYPE_CHECKING:
    from bench.event_path.run import EventPathRun

SECTION = "## Event path"
FINDINGS = "### Findings"
TARGET_EVENTS_S = 1000
TARGET_P99_MS = 20.0


def verdict(results: list[PhaseResult]) -> tuple[bool, str]:
    ok = [
        r
        for r in results
        if r.offered is not None and r.kept_up and pctl(r.light_ms, 99) <= TARGET_P99_MS
    ]
    best = max((r.offered or 0.0 for r in ok), default=0.0)
    closed = next((r for r in results if r.offered is None), None)
    met = best >= TARGET_EVENTS_S
    parts = [
        f"Target ≥ {TARGET_EVENTS_S:,} events/s sustained (durable) with p99 scan-to-light"
        f" ≤ {TARGET_P99_MS:.0f} ms: **{'met' if met else 'missed'}**"
    ]
    if best:
        parts.append(f"highest paced rate held with p99 ≤ {TARGET_P99_MS:.0f} ms: {best:.0f}/s")
    else:
        parts.append(f"no paced rate was held with p99 ≤ {TARGET_P99_MS:.0f} ms")
    if closed is not None:
        parts.append(
            f"closed-loop maximum {closed.applied_s:.0f} events/s"
            f" ({closed.applied_s / TARGET_EVENTS_S * 100:.0f}% of the target) at p99"
            f" {pctl(closed.light_ms, 99):.0f} ms"
        )
    return met, "; ".join(parts) + "."


def _ms(values: list[float]) -> str:
    if not values:
        return "–"
    return f"{pctl(values, 50):.1f} / {pctl(values, 99):.1f}"


def _cpu(cpu: dict[str, float] | None) -> str:
    if not cpu:
        return "–"
    return f"{cpu['sink']:.0f} / {cpu['broker']:.0f} / {cpu['load']:.0f}"


def report_lines(bench: EventPathRun) -> list[str]:
    args = bench.args
    rows = [
        "| load | offered events/s | applied events/s (durable) | scan→light p50 / p99 ms"
        " (samples) | event→view p50 / p99 ms | writer batch (mean) | CPU % service / broker"
        " / load | held |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in bench.results:
        held = "–" if r.offered is None else ("yes" if r.kept_up else "no")
        if r.refused:
            held += f" ({r.refused} refused)"
        if r.idle:
            held += f" ({r.idle} idle views: orders ran out)"
        rows.append(
            f"| {r.name} | {'max' if r.offered is None else f'{r.offered:.0f}'} |"
            f" {r.applied_s:.0f} | {_ms(r.light_ms)} ({len(r.light_ms)}) | {_ms(r.view_ms)} |"
            f" {r.batch_mean:.1f} | {r.cpu['service']:.0f} / {r.cpu['broker']:.0f} /"
            f" {r.cpu['load']:.0f} | {held} |"
        )
    publishers = len(bench.scanner_ids) + len(bench.shelf_ids)
    raw = bench.raw
    disk = {"n": 0.0, "p50": math.nan, "p99": math.nan, "p999": math.nan, "max": math.nan}
    disk.update(bench.disk)
    closed = next((r for r in bench.results if r.offered is None), None)
    service_best = closed.applied_s if closed else max(r.applied_s for r in bench.results)
    rows += [
        "",
        f"Raw broker, same run, no service ({publishers} paho publishers → Mosquitto → one paho"
        " subscriber in its own process, QoS 1, the payload sizes the devices sent):",
        "",
        "| raw path | messages/s | round trip p50 / p99 ms | CPU % sink / broker / load |",
        "| --- | ---: | ---: | ---: |",
        f"| stream (20 in flight per publisher) | {raw.get('stream', math.nan):.0f} | – |"
        f" {_cpu(bench.raw_cpu.get('stream'))} |",
        f"| echo (one outstanding per client, a view-sized reply) | {raw.get('echo', math.nan):.0f}"
        f" | {raw.get('echo_p50', math.nan):.2f} / {raw.get('echo_p99', math.nan):.2f} |"
        f" {_cpu(bench.raw_cpu.get('echo'))} |",
        "",
        f"Ratio service / raw: {service_best / raw.get('stream', math.nan):.3f} of the stream,"
        f" {service_best / raw.get('echo', math.nan):.3f} of the echo"
        f" ({'closed-loop maximum' if closed else 'best paced rate'} {service_best:.0f} events/s).",
        "",
        verdict(bench.results)[1],
        "",
        "The disk alone, before the service started: a small SQLite commit (WAL,"
        " synchronous=FULL, the writer's settings) on the service's filesystem takes p50"
        f" {disk['p50']:.2f} ms, p99 {disk['p99']:.2f} ms, p99.9 {disk['p999']:.1f} ms, max"
        f" {disk['max']:.1f} ms ({disk['n']:.0f} commits in {args.disk_seconds:g} s): every"
        " light command waits for one such commit.",
        "",
        f"Load: {args.pickers} pickers with a scanner each, {len(bench.shelf_ids)} shelf"
        f" controllers (one per aisle, a light module on all {len(bench.desc['bins'])} bins;"
        f" every command acked), {bench.orders_created:,} orders of 1–3 lines created over HTTP"
        f" ({bench.intake_rate:.0f} orders/s with 8 clients). One SKU per bin, order lines"
        " spread evenly over all 12 aisles, and every order has the same cut-off (today's):"
        f" each `next` makes the batcher weigh {BATCH_LOOKAHEAD} equally urgent orders, its"
        " hardest case."
        " A picker confirms a lit stop with"
        f" the module's button with probability {args.button_prob:.1f}, otherwise scans bin and"
        " item and confirms the quantity; events = scans, confirms, buttons, `next`, controller"
        f" acks. {bench.total_events:,} events in the run; missing from the service's"
        f" inbound_seen after the run: {bench.missing}; pickers stuck: {bench.stuck}."
        " Applied events/s counts the service's inbound_seen rows by apply time (committed"
        " with synchronous=FULL before the light command or view leaves); scan→light is from"
        " the device publishing the confirm or button press to the controller receiving the"
        " LightOn of the picker's next stop; event→view is any event to the scanner's next"
        " view. Open-loop rows pace all device events at the offered rate (a backlog is sent"
        " as soon as pickers can: 'held' = applied ≥ 97% of offered and the pacer never more"
        " than 0.5 s behind). Writer batch = messages per transaction (the service's own"
        " counters, warm-up included).",
    ]
    return rows


def docs_section(bench: EventPathRun, findings: list[str]) -> list[str]:
    args = bench.args
    command = ["python -m bench.event_path"]
    if args.rate:
        command += [f"--rate {r}" for r in args.rate]
    if args.seconds != 20:
        command.append(f"--seconds {args.seconds:g}")
    if args.pickers != 40:
        command.append(f"--pickers {args.pickers}")
    if not args.rate and args.rates != [250, 500, 1000]:
        command.append("--rates " + ",".join(str(r) for r in args.rates))
    command.append("--write")
    return [
        SECTION,
        "",
        "A device event over MQTT (QoS 1) → Mosquitto → the service (`python -m edge serve`:"
        " decode, the one writer thread, SQLite WAL with `synchronous=FULL`, commit) → the light"
        " command back to the shelf controller, everything on one box over loopback. Reproduce"
        " from the repository root (the project's virtualenv active; needs `mosquitto` and"
        " `mosquitto_passwd`):",
        "",
        "```",
        " ".join(command),
        "```",
        "",
        f"Run: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, {bench.elapsed:.0f} s in all,"
        f" service code at commit {bench.code}."
        f" Machine: {machine_note(bench.broker.binary)}. The broker, the service and the load"
        " generator (one process, one thread for all device clients) share the cores, as they"
        " would on the gateway, so CPU % adds up to at most 100 per core.",
        "",
        *report_lines(bench),
        "",
        *findings,
    ]


def existing_findings(path: Path) -> list[str]:
    """The hand-written findings under the section, kept across runs."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    if SECTION not in lines:
        return []
    start = lines.index(SECTION)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    body = lines[start:end]
    if FINDINGS not in body:
        return []
    kept = body[body.index(FINDINGS) :]
    while kept and not kept[-1].strip():
        kept.pop()
    return kept


def write_section(path: Path, body: list[str]) -> None:
    """Replace (or append) only the `## Event path` section; other sections stay as they are."""
    replace_section(path, SECTION, body)
