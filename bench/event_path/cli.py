"""The event-path benchmark's command line: flags, the run, the printout and --write."""

# python -m bench.event_path [--seconds 20] [--pickers 40] [--rates 250,500,1000]
#                            [--rate N ...] [--write] [--out docs/benchmarks.md] [--profile FILE]
#
# Starts a private Mosquitto (the system binary with deploy/mosquitto.conf + ACL, on a free
# loopback port, random passwords) and the real service (`python -m edge serve`, SQLite WAL with
# synchronous=FULL: the product's defaults) on a generated warehouse where every bin has a light
# module. Creates orders over HTTP, then simulated pickers (one scanner each) and shelf
# controllers work them as fast as the service answers: a closed loop for the maximum, then
# paced open-loop rates. Reports the events/s the service applied durably (its inbound_seen
# table), p50/p99 scan-to-light latency (the event that completes a lit stop → the controller
# receives the LightOn of the picker's next stop, matched by the picker's own light colour) and
# the raw broker pass-through in the same run (paho → Mosquitto → paho, QoS 1, same publishers
# and payload sizes, no service). `--rate N` (repeatable) runs only open-loop rates of N
# events/s for --seconds each. Every loop has a count and a time limit; the default run takes
# about two minutes.

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import httpx

from bench._bench_broker import REPO
from bench.event_path.report import (
    FINDINGS,
    SECTION,
    docs_section,
    existing_findings,
    report_lines,
    write_section,
)
from bench.event_path.run import EventPathRun

DESCRIPTION = (
    "Event-path benchmark: device event → Mosquitto → service commit → light command back."
)


def _rates(text: str) -> list[int]:
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: comma-separated integers") from None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.event_path",
        description=DESCRIPTION,
        epilog="Without --rate: a closed loop for --seconds, then each of --rates for"
        " --rate-seconds, then the raw broker. --write updates the '## Event path' section of"
        " --out (other sections stay as they are).",
    )
    p.add_argument("--seconds", type=float, default=20.0, help="closed-loop measured seconds")
    p.add_argument("--pickers", type=int, default=40, help="simulated pickers (scanners)")
    p.add_argument(
        "--rates",
        type=_rates,
        default=[250, 500, 1000],
        help="open-loop rates (events/s) after the closed loop",
    )
    p.add_argument("--rate-seconds", type=float, default=10.0, help="seconds per open-loop rate")
    p.add_argument(
        "--rate",
        type=int,
        action="append",
        help="only open-loop at this rate (repeatable), for --seconds each",
    )
    p.add_argument("--raw-seconds", type=float, default=5.0, help="seconds per raw broker test")
    p.add_argument("--disk-seconds", type=float, default=3.0, help="seconds of the disk probe")
    p.add_argument("--button-prob", type=float, default=0.5, help="lit stops confirmed by button")
    p.add_argument("--max-orders", type=int, default=30000, help="orders created at most")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    p.add_argument("--write", action="store_true", help="update the section in --out")
    p.add_argument("--profile", help="py-spy the service during the closed loop (raw stacks)")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory")
    p.add_argument(
        "--tmp-root",
        help="where the temporary directory (broker, database) goes, e.g. /dev/shm to see the"
        " service's own latency without the disk's fsync tail (not durable: a what-if only)",
    )
    args = p.parse_args(argv)
    if not 1 <= args.pickers <= 500:
        p.error("--pickers: 1 to 500")
    if args.seconds <= 0 or args.seconds > 600 or args.rate_seconds <= 0:
        p.error("--seconds and --rate-seconds: more than 0, at most 600")
    if any(r <= 0 or r > 20000 for r in (args.rate or []) + args.rates):
        p.error("rates: 1 to 20000 events/s")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="edge-bench-", dir=args.tmp_root))
    run = EventPathRun(args, workdir)
    try:
        run.run()
    except (RuntimeError, OSError, httpx.HTTPError) as exc:
        print(f"event_path: {exc}", file=sys.stderr)
        print(run.service.log_tail(), file=sys.stderr)
        return 1
    finally:
        run.service.stop()
        run.broker.stop()
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print()
    print("\n".join(report_lines(run)))
    if run.profile_summary:
        print("\nservice profile (closed loop, share of samples per frame, inclusive):")
        print("\n".join("  " + x for x in run.profile_summary))
    if args.write:
        findings = existing_findings(args.out) or [
            FINDINGS,
            "",
            "- (profile with `--profile stacks.txt` and note where the time goes)",
        ]
        write_section(args.out, docs_section(run, findings))
        print(f"\nupdated the {SECTION[3:]} section of {args.out}")
    print(f"\nrun time {run.elapsed:.0f} s")
    return 0
