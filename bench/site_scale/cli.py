"""The site-scale benchmark's command line: the mode, its flags, the printout and --write."""

# python -m bench.site_scale MODE [--quick] [--seconds S] [--rates 500,1000,...] [--write]
#
#   rates       open loop at each rate for --seconds, stopping after the first not held
#   runs        --runs consecutive phases at --rate (1,000/s), all reported
#   burst       --rate for --burst-before s, +5,000/s for --burst-seconds, --rate for --seconds
#   saturation  --saturation-rate offered for --seconds, then the raw broker stream
#   soak        --seconds at --rate, broker restart at 1/3, service restart at 2/3 (not CI)
#
# Starts a private Mosquitto (deploy/mosquitto.conf) and the real service (WAL,
# synchronous=FULL) on a generated site, then --processes load-generator processes that hold
# the site's 2,000 connections (bench/site_scale/generator.py). Every loop has a time limit.

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench._bench_broker import REPO
from bench.event_path.measures import log
from bench.site_scale.modes import BASE_RATE, BURST_EXTRA, Outcome, first_rate, run_mode
from bench.site_scale.report import report_lines, write_docs
from bench.site_scale.run import SiteRun

MODES = ("rates", "runs", "burst", "saturation", "soak")


def _rates(text: str) -> list[int]:
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: comma-separated integers") from None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.site_scale",
        description="Site-scale benchmark: 2,000 MQTT devices against the real service.",
    )
    p.add_argument("mode", choices=MODES)
    p.add_argument("--quick", action="store_true", help="200 devices, 20 s: a smoke run")
    p.add_argument("--seconds", type=float, help="measured seconds per phase (soak: in all)")
    p.add_argument("--rates", type=_rates, default=[500, 1000, 2000, 3000, 5000])
    p.add_argument("--rate", type=float, default=BASE_RATE, help="runs, burst, soak: events/s")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--burst-before", type=float, default=10.0)
    p.add_argument("--burst-seconds", type=float, default=10.0)
    p.add_argument("--burst-extra", type=float, default=BURST_EXTRA, help="events/s on top")
    p.add_argument("--saturation-rate", type=float, default=20000.0)
    p.add_argument("--raw-seconds", type=float, default=5.0)
    p.add_argument("--sample-every", type=float, default=10.0, help="soak: timeline step, s")
    p.add_argument("--pickers", type=int, help="scanners that pick (default: all of them)")
    p.add_argument("--processes", type=int, default=2, help="load-generator processes")
    p.add_argument("--aisles", type=int, help="x 300 bins (default 50: 15,000; --quick 5)")
    p.add_argument(
        "--status-every", type=float, default=30.0, help="status-only devices: status every S s"
    )
    p.add_argument(
        "--status-all",
        action="store_true",
        help="working scanners and controllers re-publish their status too (each makes the"
        " service re-send a view or re-light a controller's slots)",
    )
    p.add_argument("--weight-every", type=float, default=2.0, help="scale readings, s")
    p.add_argument("--max-orders", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    p.add_argument("--write", action="store_true", help="update '### Mode <mode>' in --out")
    p.add_argument("--label", default="", help="a line written above the table (--write)")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory")
    p.add_argument("--profile", help="py-spy the service in the first phase into this file")
    args = p.parse_args(argv)
    if args.seconds is None:
        args.seconds = 20.0 if args.quick else {"soak": 3600.0, "burst": 30.0}.get(args.mode, 30.0)
    if args.quick:
        args.rates = [r for r in args.rates if r <= 500] or [200]
        if args.mode in ("runs", "burst", "soak") and args.rate == BASE_RATE:
            args.rate = 200.0
        args.runs = min(args.runs, 2)
        args.burst_before = min(args.burst_before, 5.0)
        args.burst_seconds = min(args.burst_seconds, 5.0)
        args.burst_extra = min(args.burst_extra, 4 * args.rate)  # 150 pickers, not 1,500
        args.sample_every = min(args.sample_every, 2.0)
    if not 1 <= args.processes <= 16:
        p.error("--processes: 1 to 16")
    if args.seconds <= 0 or (args.seconds > 600 and args.mode != "soak"):
        p.error("--seconds: more than 0, at most 600 (soak: any)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="edge-site-"))
    run = SiteRun(args, workdir)
    t0 = time.monotonic()
    outcome = Outcome(args.mode)
    try:
        run.start(first_rate(args))
        outcome = run_mode(run, args)
    except (RuntimeError, OSError, httpx.HTTPError) as exc:
        print(f"site_scale: {exc}", file=sys.stderr)
        print(run.service.log_tail(), file=sys.stderr)
        return 1
    finally:
        run.stop()
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    elapsed = time.monotonic() - t0
    print()
    print("\n".join(report_lines(run, outcome, elapsed)))
    if args.write:
        write_docs(args.out, run, outcome, elapsed, args.label)
        log(f"updated '### Mode {args.mode}' in {args.out}")
    return 0 if outcome.total_lost == 0 else 2
