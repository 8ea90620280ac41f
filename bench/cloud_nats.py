"""10 gateways feeding one NATS hub into PostgreSQL: records/s end to end and the lag.

    python -m bench.cloud_nats [--gateways 10] [--backlog 2000] [--rate 20] [--seconds 20]

Real servers on loopback: a nats-server hub and one leaf node per gateway (the shipped
deploy configs, sync_interval always), a private PostgreSQL cluster (fsync on). Each
gateway is a real SQLite database with the service's schema and a NatsPublisher (all in
this process, one thread each); the hub consumer (edge-cloud-nats) is a child process.

Phase 1, backlog: every gateway holds `--backlog` records when the publishers start; the
time until all are in PostgreSQL gives records/s end to end. Phase 2, steady: every gateway
commits `--rate` records/s for `--seconds`; the lag of a record is PostgreSQL's stored_at
(its transaction's start) minus the gateway's commit time (created_at).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from cloud_sync.nats_publisher import NatsPublisher, Target
from edge.core.feed import canonical, text_hash
from edge.store import Database
from tests.support.nats import EDGE_USER, Fleet, private_fleet
from tests.support.postgres import private_cluster

REPO = Path(__file__).resolve().parents[1]


def append(db: Database, site: str, n: int) -> None:
    """n shipment-like records committed to a gateway's feed, each naming the one before."""
    conn = db.writer
    conn.execute("BEGIN IMMEDIATE")
    last = conn.execute("SELECT max(seq) FROM feed").fetchone()[0] or 0
    at = datetime.now(UTC).isoformat()
    for _ in range(n):
        record = {"site": site, "order_id": last + 1, "lines": [{"sku": "MUG", "qty": 1}] * 3}
        text = canonical(record)
        last = conn.execute(
            "INSERT INTO feed(order_id, shop_order_id, created_at, record, prev_seq, hash)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (last + 1, f"S-{last + 1}", at, text, last, text_hash(text)),
        ).lastrowid
    conn.execute("COMMIT")


def count(dsn: str) -> int:
    try:
        with psycopg.connect(dsn) as conn:
            row = conn.execute("SELECT count(*) FROM cloud_records").fetchone()
            return int(row[0]) if row else 0
    except psycopg.errors.UndefinedTable:
        return 0


def wait_count(dsn: str, n: int, timeout: float) -> float:
    start = time.monotonic()
    while count(dsn) < n:
        if time.monotonic() - start > timeout:
            raise RuntimeError(f"only {count(dsn)} of {n} stored after {timeout:.0f} s")
        time.sleep(0.05)
    return time.monotonic() - start


def lags(dsn: str, since: str) -> list[float]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT extract(epoch FROM stored_at - created_at::timestamptz) FROM cloud_records"
            " WHERE created_at >= %s",
            (since,),
        ).fetchall()
    return sorted(float(r[0]) for r in rows)


def percentile(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


def start_consumer(
    fleet: Fleet, dsn: str, sites: list[str], workdir: Path
) -> subprocess.Popen[bytes]:
    args = ["--nats-url", fleet.hub.url, "--dsn", dsn, *[f"--site={s}" for s in sites]]
    code = "import sys; from cloud_sync.pull.nats_source import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env={**os.environ, "EDGE_CLOUD_NATS_PASSWORD": fleet.cloud_password},
        cwd=str(REPO),
        stdout=subprocess.DEVNULL,
        stderr=open(workdir / "consumer.log", "ab"),
    )


def run(gateways: int, backlog: int, rate: int, seconds: float) -> dict[str, float]:
    root = Path(tempfile.mkdtemp(prefix="bench-nats-"))
    cluster = private_cluster(fsync=True)
    fleet = private_fleet(root / "nats")
    if cluster is None or fleet is None:
        raise SystemExit("needs PostgreSQL (apt-get install postgresql) and nats-server")
    sites = [f"gw-{i:02d}" for i in range(gateways)]
    dbs: dict[str, Database] = {}
    pubs: dict[str, NatsPublisher] = {}
    consumer: subprocess.Popen[bytes] | None = None
    try:
        dsn = cluster.create_database("bench")
        for site in sites:
            fleet.add_site(site)
        fleet.start_hub()
        for site in sites:
            fleet.leaves[site].start()
        fleet.wait_connected(gateways, timeout=30)
        for site in sites:
            dbs[site] = Database(root / site / "edge.db")
            append(dbs[site], site, backlog)
            target = Target(
                fleet.leaves[site].url, f"FEED_{site}", f"feed.{site}", EDGE_USER,
                fleet.edge_password,
            )  # fmt: skip
            pubs[site] = NatsPublisher(target, site, dbs[site].read, root / site / "mark.json")
        consumer = start_consumer(fleet, dsn, sites, root)
        total = gateways * backlog
        for pub in pubs.values():
            pub.start()
        drain_s = wait_count(dsn, total, timeout=600)
        drain_rate = total / drain_s

        # Steady: each gateway commits one record every 1/rate s and wakes its publisher,
        # as the writer's sink would after a commit.
        since = datetime.now(UTC).isoformat()
        stop = threading.Event()

        def feed(site: str) -> None:
            period = 1.0 / rate
            next_at = time.monotonic()
            while not stop.is_set():
                append(dbs[site], site, 1)
                pubs[site].wake()
                next_at += period
                time.sleep(max(0.0, next_at - time.monotonic()))

        threads = [threading.Thread(target=feed, args=(s,), daemon=True) for s in sites]
        writers_start = time.monotonic()
        for t in threads:
            t.start()
        time.sleep(seconds)
        stop.set()
        for t in threads:
            t.join()
        written = sum(int(db.writer.execute("SELECT count(*) FROM feed").fetchone()[0])
                      for db in dbs.values())  # fmt: skip
        wait_count(dsn, written, timeout=300)
        steady = lags(dsn, since)
        steady_s = time.monotonic() - writers_start
        return {
            "gateways": gateways,
            "backlog_records": total,
            "drain_s": drain_s,
            "drain_records_per_s": drain_rate,
            "steady_records": len(steady),
            "steady_offered_per_s": gateways * rate,
            "steady_achieved_per_s": len(steady) / seconds,
            "steady_wall_s": steady_s,
            "lag_p50_ms": percentile(steady, 0.50) * 1000,
            "lag_p99_ms": percentile(steady, 0.99) * 1000,
            "lag_max_ms": (steady[-1] if steady else float("nan")) * 1000,
            "stored_total": count(dsn),
        }
    finally:
        if consumer is not None:
            consumer.terminate()
            consumer.wait(timeout=10)
        for pub in pubs.values():
            pub.stop()
        for db in dbs.values():
            db.close()
        fleet.stop()
        cluster.stop()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.cloud_nats", description=__doc__)
    p.add_argument("--gateways", type=int, default=10)
    p.add_argument("--backlog", type=int, default=2000, help="records per gateway at start")
    p.add_argument("--rate", type=int, default=20, help="records/s per gateway, steady phase")
    p.add_argument("--seconds", type=float, default=20.0)
    args = p.parse_args(argv)
    result = run(args.gateways, args.backlog, args.rate, args.seconds)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
