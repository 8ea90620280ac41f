"""Cloud drain benchmark: a 50,000-record backlog pulled into PostgreSQL by edge-cloud-pull,
the gateway's RSS meanwhile, and ten simulated gateways feeding one consumer (records/s, lag).

    python -m bench.cloud_drain [--records 50000] [--gateways 10] [--seconds 20]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
from pydantic import SecretStr

from bench._bench_broker import Broker, Service
from bench.cloud_backlog import SITE, feed_backlog
from cloud_sync.pull.config import Gateway, PullConfig
from cloud_sync.pull.main import run
from tests.support.postgres import private_cluster

REPO = Path(__file__).resolve().parents[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class RssSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.02):
            self.peak = max(self.peak, rss_mb(self.pid))


def drain(template: Path, page: int, gzip: bool, work: Path, dsn: str) -> dict[str, Any]:
    """One gateway (the real service) on a copy of the backlog's data dir, drained by the
    consumer into PostgreSQL with this page size."""
    data = work / f"gw-{page}-{gzip}"
    shutil.copytree(template, data)
    desc = data / "warehouse.json"
    broker = Broker(work / f"mq-{page}-{gzip}", ["edge-service"])
    broker.start()
    svc = Service(broker, data, desc, SITE)
    svc.start()
    try:
        before = rss_mb(svc.pid)
        gateway = Gateway(
            name=f"bench-{page}-{gzip}",
            url=svc.url,
            key=SecretStr(svc.role_keys["feed"]),
            gzip=gzip,
        )
        cfg = PullConfig(dsn=SecretStr(dsn), gateways=[gateway], page_limit=page, wait_s=0)
        sampler = RssSampler(svc.pid)
        sampler.start()
        t0 = time.monotonic()
        pullers = run(cfg, threading.Event(), once=True)
        elapsed = time.monotonic() - t0
        sampler.stop.set()
        sampler.join()
        stored = pullers[0].lag.stored
    finally:
        svc.stop()
        broker.stop()
    return {
        "records": stored,
        "page": page,
        "gzip": gzip,
        "seconds": elapsed,
        "rate": stored / elapsed,
        "rss_before": before,
        "rss_peak": sampler.peak,
    }


FAKES = """
import sys, threading, time
from tests.unit.cloud.fake_gateway import FakeGateway
n, rate, seconds = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
gws = [FakeGateway().start() for _ in range(n)]
print(" ".join(g.url for g in gws), flush=True)
sys.stdin.readline()
t0 = time.monotonic(); k = 0
while time.monotonic() - t0 < seconds:
    k += 1
    for g in gws:
        g.ship(1)
    time.sleep(max(0.0, t0 + k / rate - time.monotonic()))
print(sum(len(g.records) for g in gws), flush=True)
sys.stdin.readline()
"""


def fleet(n: int, rate: float, seconds: float, dsn: str) -> dict[str, Any]:
    """n simulated gateways (one process, each shipping `rate` records/s, the feed contract of
    tests/unit/cloud/fake_gateway.py) and one consumer with one loop each, long-polling."""
    fakes = subprocess.Popen(
        [sys.executable, "-c", FAKES, str(n), str(rate), str(seconds)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert fakes.stdin is not None and fakes.stdout is not None
    urls = fakes.stdout.readline().split()
    cfg = PullConfig(
        dsn=SecretStr(dsn),
        gateways=[
            Gateway(name=f"sim-{i:02d}", url=u, key=SecretStr("fake-feed-key"))
            for i, u in enumerate(urls)
        ],
        page_limit=5000,
        wait_s=2,
        report_every_s=5,
    )
    stop = threading.Event()
    consumer = threading.Thread(target=run, args=(cfg, stop))
    consumer.start()
    time.sleep(1.0)
    fakes.stdin.write("go\n")
    fakes.stdin.flush()
    t0 = time.monotonic()
    shipped = int(fakes.stdout.readline())
    # Let the consumer take the last records, then stop it.
    with psycopg.connect(dsn, autocommit=True) as conn:
        while True:
            stored = conn.execute(
                "SELECT count(*) FROM cloud_records WHERE gateway LIKE 'sim-%'"
            ).fetchone()
            caught_up = stored is not None and stored[0] >= shipped
            if caught_up or time.monotonic() - t0 > seconds + 30:
                break
            time.sleep(0.05)
        elapsed = time.monotonic() - t0
        stop.set()
        consumer.join()
        row = conn.execute(
            "SELECT count(*), count(DISTINCT (gateway, seq)),"
            " percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM"
            " stored_at - created_at::timestamptz)), max(extract(epoch FROM"
            " stored_at - created_at::timestamptz))"
            " FROM cloud_records WHERE gateway LIKE 'sim-%'"
        ).fetchone()
    fakes.stdin.write("done\n")
    fakes.stdin.flush()
    fakes.wait(timeout=10)
    assert row is not None
    count, distinct, (p50, p99), worst = row
    return {
        "gateways": n,
        "offered": n * rate,
        "shipped": shipped,
        "stored": count,
        "distinct": distinct,
        "rate": count / elapsed,
        "lag_p50_ms": p50 * 1000,
        "lag_p99_ms": p99 * 1000,
        "lag_max_ms": worst * 1000,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cloud_drain", description=__doc__)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--gateways", type=int, default=10)
    parser.add_argument("--rate", type=float, default=200.0, help="records/s per gateway")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--pages", default="500,5000", help="page sizes to drain with")
    args = parser.parse_args(argv)
    cluster = private_cluster(fsync=True)
    if cluster is None:
        print("PostgreSQL is not installed (deploy/system-packages.sh)", file=sys.stderr)
        return 1
    try:
        with tempfile.TemporaryDirectory(prefix="cloud-drain-") as tmp:
            work = Path(tmp)
            os.chmod(work, 0o755)
            dsn = cluster.create_database("bench")
            template = work / "backlog"
            template.mkdir()
            t0 = time.monotonic()
            feed_backlog(template, args.records)
            print(f"backlog: {args.records} records made in {time.monotonic() - t0:.1f} s")
            for page in [int(p) for p in args.pages.split(",")]:
                for gz in (False, True):
                    # A database each: every copy of the backlog is the same stream.
                    db = cluster.create_database(f"drain_{page}_{int(gz)}")
                    r = drain(template, page, gz, work, db)
                    print(
                        f"drain: {r['records']} records, page {page}, gzip {gz}:"
                        f" {r['seconds']:.2f} s = {r['rate']:.0f} records/s;"
                        f" gateway RSS {r['rss_before']:.0f} -> peak {r['rss_peak']:.0f} MB",
                        flush=True,
                    )
            f = fleet(args.gateways, args.rate, args.seconds, dsn)
            print(
                f"fleet: {f['gateways']} simulated gateways x {args.rate:.0f} records/s for"
                f" {args.seconds:.0f} s: shipped {f['shipped']}, stored {f['stored']}"
                f" (distinct {f['distinct']}), {f['rate']:.0f} records/s end to end;"
                f" lag p50 {f['lag_p50_ms']:.0f} ms, p99 {f['lag_p99_ms']:.0f} ms,"
                f" max {f['lag_max_ms']:.0f} ms",
                flush=True,
            )
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
