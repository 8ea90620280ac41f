"""`edge-cloud-pull`: one loop per gateway in its own thread, and the periodic lag report."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType

import psycopg

from cloud_sync.pull import pg
from cloud_sync.pull.config import ConfigError, PullConfig, load
from cloud_sync.pull.loop import Puller

log = logging.getLogger("cloud_sync.pull")


def lag_lines(pullers: list[Puller], now: float | None = None) -> list[str]:
    """One line per gateway: stream, cursor, newest, records behind, the oldest unstored
    record's age, totals and the last error."""
    now = time.time() if now is None else now
    lines = []
    for p in pullers:
        lag = p.lag
        age = lag.age_s(now)
        lines.append(
            f"lag {p.gateway.name}: stream={lag.stream_id or '-'} cursor={lag.cursor}"
            f" newest={lag.newest} behind={lag.behind}"
            f" oldest_unstored_age={'-' if age is None else f'{age:.1f}s'}"
            f" stored={lag.stored} refused={lag.refused}"
            + (f" error={lag.error}" if lag.error else "")
        )
    return lines


def run(cfg: PullConfig, stop: threading.Event, *, once: bool = False) -> list[Puller]:
    """Migrate, then pull every gateway concurrently until stop (or all caught up, once)."""
    with psycopg.connect(cfg.dsn.get_secret_value(), autocommit=True) as conn:
        pg.migrate(conn)
    pullers = [Puller(g, cfg) for g in cfg.gateways]
    threads = [
        threading.Thread(target=p.run, args=(stop,), kwargs={"once": once}, name=p.gateway.name)
        for p in pullers
    ]
    for t in threads:
        t.daemon = True
        t.start()
    next_report = time.monotonic() + cfg.report_every_s
    while any(t.is_alive() for t in threads) and not stop.is_set():
        stop.wait(min(0.2, max(0.0, next_report - time.monotonic())))
        if time.monotonic() >= next_report:
            for line in lag_lines(pullers):
                log.info("%s", line)
            next_report += cfg.report_every_s
    stop.set()
    for t in threads:
        t.join(timeout=cfg.wait_s + cfg.timeout_s)
    for line in lag_lines(pullers):
        log.info("%s", line)
    return pullers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="edge-cloud-pull",
        description="Pull every gateway's feed into PostgreSQL, exactly once (docs/cloud-sync.md).",
    )
    parser.add_argument("--config", type=Path, required=True, help="the TOML config file")
    parser.add_argument(
        "--once", action="store_true", help="drain every gateway, then exit (no long-poll)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr
    )
    try:
        cfg = load(args.config)
    except ConfigError as exc:
        print(f"edge-cloud-pull: config: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        run(cfg, stop, once=args.once)
    except psycopg.OperationalError as exc:
        print(f"edge-cloud-pull: PostgreSQL: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
