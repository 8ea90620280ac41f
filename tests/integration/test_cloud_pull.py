"""The reference consumer against the real service into a real PostgreSQL: exactly once under
kill -9 of either side (also between the commit and the ack), and a tampered record refused."""

from __future__ import annotations

import itertools
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from pydantic import SecretStr

from bench.cloud_backlog import SITE, ready_orders
from cloud_sync.pull import pg
from cloud_sync.pull.config import Gateway, PullConfig
from cloud_sync.pull.loop import FAULT_ENV, Puller
from cloud_sync.pull.verify import canonical, content_hash
from edge.messages import LoadWarehouse, Origin
from edge.warehouse import load_description
from tests.support.broker import Mosquitto
from tests.support.harness import make_harness
from tests.support.postgres import PrivateCluster, cluster_or_skip
from tests.support.service_process import ServiceProcess
from tests.unit.cloud.test_feed_kinds import floor_work
from tests.unit.core.test_stock_flows import stocked_warehouse

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cluster() -> Iterator[PrivateCluster]:
    with cluster_or_skip() as cluster:
        yield cluster


def _gateway(
    mosquitto: Mosquitto, workdir: Path, orders: int
) -> tuple[ServiceProcess, list[tuple[int, int]]]:
    workdir.mkdir(parents=True)
    desc, ready = ready_orders(workdir, orders)
    svc = ServiceProcess(mosquitto, workdir, site=SITE, warehouse_file=desc)
    svc.start()
    return svc, ready


def _ship(svc: ServiceProcess, order: tuple[int, int]) -> bool:
    """POST /ship once; True when the order is shipped (now or by an earlier attempt whose
    answer a kill swallowed)."""
    oid, parcel = order
    body = {"carrier": "DHL", "parcels": [{"parcel_id": parcel, "tracking": f"T{oid}"}]}
    try:
        r = httpx.post(
            f"{svc.url}/api/v1/orders/{oid}/ship",
            json=body,
            headers={"X-API-Key": svc.role_keys["carrier"]},
            timeout=5,
        )
    except httpx.HTTPError:
        return False
    return r.status_code == 200 or (r.status_code == 409 and "shipped" in r.text)


class Shipper(threading.Thread):
    """Ships the ready orders one after another while the test kills things."""

    def __init__(self, svc: ServiceProcess, orders: list[tuple[int, int]], pace: float) -> None:
        super().__init__(daemon=True)
        self.svc, self.orders, self.pace = svc, orders, pace
        self.shipped: list[int] = []
        self.shipped_during_chaos = 0
        self.stop = threading.Event()

    def run(self) -> None:
        for order in self.orders:
            while not self.stop.is_set() and not _ship(self.svc, order):
                self.stop.wait(0.05)
            if self.stop.is_set():
                return
            self.shipped.append(order[0])
            self.stop.wait(self.pace)


def _config(tmp_path: Path, dsn: str, svc_url: str, *, limit: int, wait: int) -> Path:
    path = tmp_path / "pull.toml"
    path.write_text(
        f"dsn = {json.dumps(dsn)}\npage_limit = {limit}\nwait_s = {wait}\n"
        "report_every_s = 1\nmax_backoff_s = 0.3\ntimeout_s = 5\n"
        f'[[gateways]]\nname = "north"\nurl = "{svc_url}"\nkey = "env:NORTH_FEED_KEY"\n'
    )
    return path


def _consumer(config: Path, key: str, fault: float, *once: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "NORTH_FEED_KEY": key}
    if fault:
        env[FAULT_ENV] = f"after_commit:{fault}"
    return subprocess.Popen(
        [sys.executable, "-m", "cloud_sync.pull", "--config", str(config), *once],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=open(config.with_suffix(".log"), "ab"),  # kept by the child
    )


def _check_end_to_end(conn: psycopg.Connection[Any], db: Path, shipped: list[int]) -> None:
    """PostgreSQL holds exactly the gateway's feed: every record once, the same hash, the
    content matching its hash, and an unbroken prev_seq chain."""
    gw = sqlite3.connect(db)
    feed = gw.execute("SELECT seq, prev_seq, hash, order_id FROM feed ORDER BY seq").fetchall()
    gw.close()
    rows = conn.execute(
        "SELECT seq, prev_seq, hash, order_id, record::text FROM cloud_records"
        " WHERE gateway = 'north' ORDER BY seq"
    ).fetchall()
    assert sorted(r[3] for r in rows) == sorted(shipped), "lost or duplicated orders"
    assert [r[:4] for r in rows] == feed
    for before, row in itertools.pairwise(rows):
        assert row[1] == before[0], f"chain broken at seq {row[0]}"
    for row in rows:
        assert content_hash(json.loads(row[4])) == row[2]
        assert canonical(json.loads(row[4])) != ""


@pytest.mark.slow
def test_exactly_once_under_kill_9_of_the_gateway_and_of_the_consumer(
    mosquitto: Mosquitto, cluster: PrivateCluster, tmp_path: Path
) -> None:
    rng = random.Random(10)
    dsn = cluster.create_database("chaos")
    svc, ready = _gateway(mosquitto, tmp_path / "gw", 160)
    config = _config(tmp_path, dsn, svc.url, limit=7, wait=1)
    key = svc.role_keys["feed"]
    shipper = Shipper(svc, ready, pace=0.05)
    shipper.start()
    consumer = _consumer(config, key, 0.08)
    kills = {"gateway": 0, "consumer": 0, "after_commit": 0}

    def restart_consumer_if_it_exited() -> None:
        nonlocal consumer
        code = consumer.poll()
        if code is not None:
            assert code == 70, config.with_suffix(".log").read_text()[-3000:]
            kills["after_commit"] += 1
            consumer = _consumer(config, key, 0.08)

    try:
        while kills["gateway"] < 10 or kills["consumer"] < 10 or kills["after_commit"] < 3:
            end = time.monotonic() + rng.uniform(0.2, 0.7)
            while time.monotonic() < end:
                restart_consumer_if_it_exited()
                time.sleep(0.02)
            if kills["gateway"] < 10 and (rng.random() < 0.5 or kills["consumer"] >= 10):
                svc.kill9()
                kills["gateway"] += 1
                time.sleep(rng.uniform(0.0, 0.3))
                svc.start()
            else:
                consumer.send_signal(signal.SIGKILL)
                consumer.wait()
                kills["consumer"] += 1
                consumer = _consumer(config, key, 0.08)
        shipper.shipped_during_chaos = len(shipper.shipped)
        shipper.join(timeout=60)
        assert not shipper.is_alive()
        consumer.send_signal(signal.SIGKILL)
        consumer.wait()
        done = _consumer(config, key, 0.0, "--once")
        assert done.wait(timeout=60) == 0
        with psycopg.connect(dsn, autocommit=True) as conn:
            _check_end_to_end(conn, svc.db_path, shipper.shipped)
            assert pg.cursor(conn, "north")[1] == len(ready)
        backlog = httpx.get(
            f"{svc.url}/api/v1/feed/backlog", headers={"X-API-Key": key}, timeout=10
        ).json()
        assert backlog["consumers"][0]["unacked"] == 0
    finally:
        shipper.stop.set()
        if consumer.poll() is None:
            consumer.kill()
        svc.stop()
    print(f"chaos: {kills}, {len(shipper.shipped)} records, 0 lost, 0 duplicated")
    assert shipper.shipped_during_chaos >= 40  # orders kept shipping while things died


class TamperingProxy:
    """Forwards to the gateway; rewrites the shipment of one seq in every page it passes on."""

    def __init__(self, upstream: str, seq: int) -> None:
        self.upstream, self.seq, self.active = upstream, seq, True
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _forward(self, body: bytes | None) -> None:
                headers = {
                    "X-API-Key": self.headers.get("X-API-Key", ""),
                    "Content-Type": "application/json",
                }
                r = httpx.request(
                    self.command,
                    proxy.upstream + self.path,
                    content=body,
                    headers=headers,
                    timeout=40,
                )
                data = r.content
                if r.status_code == 200 and self.path.startswith("/api/v1/feed?"):
                    page = r.json()
                    for rec in page["records"]:
                        if proxy.active and rec["seq"] == proxy.seq:
                            rec["record"]["parcels"][0]["tracking"] = "FORGED"
                    data = json.dumps(page).encode()
                self.send_response(r.status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._forward(None)

            def do_POST(self) -> None:
                self._forward(self.rfile.read(int(self.headers.get("Content-Length", "0"))))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


def test_a_tampered_record_is_refused_and_not_acknowledged(
    mosquitto: Mosquitto, cluster: PrivateCluster, tmp_path: Path
) -> None:
    dsn = cluster.create_database("tamper")
    svc, ready = _gateway(mosquitto, tmp_path / "gw", 6)
    proxy = TamperingProxy(svc.url, seq=4)
    try:
        for order in ready:
            assert _ship(svc, order)
        gateway = Gateway(name="north", url=proxy.url, key=SecretStr(svc.role_keys["feed"]))
        cfg = PullConfig(dsn=dsn, gateways=[gateway], page_limit=100, wait_s=0)
        with psycopg.connect(dsn, autocommit=True) as conn:
            pg.migrate(conn)
            puller = Puller(gateway, cfg)
            with pytest.raises(Exception, match="seq 4: hash does not match"):
                puller.step(wait=False)
            stored = conn.execute("SELECT seq FROM cloud_records ORDER BY seq").fetchall()
            assert stored == [(1,), (2,), (3,)]
            page = svc.feed(after=0).json()  # the gateway heard an ack up to 3, not beyond
            assert page["acked_seq"] == 3 and page["newest"] == 6
            proxy.active = False  # the tampering stops: the genuine record is stored
            assert puller.step(wait=False)
            stored = conn.execute("SELECT seq FROM cloud_records ORDER BY seq").fetchall()
            assert stored == [(i,) for i in range(1, 7)]
            assert svc.feed(after=0).json()["acked_seq"] == 6
            puller.close()
    finally:
        proxy.server.shutdown()
        svc.stop()


def test_a_restored_gateway_database_is_followed_into_its_new_stream(
    mosquitto: Mosquitto, cluster: PrivateCluster, tmp_path: Path
) -> None:
    dsn = cluster.create_database("restore")
    svc, ready = _gateway(mosquitto, tmp_path / "gw", 8)
    gateway = Gateway(name="north", url=svc.url, key=SecretStr(svc.role_keys["feed"]))
    cfg = PullConfig(dsn=dsn, gateways=[gateway], page_limit=2, wait_s=0)
    backup = tmp_path / "backup"
    try:
        for order in ready[:3]:
            assert _ship(svc, order)
        svc.stop()
        backup.mkdir()
        for f in svc.workdir.glob("edge.db*"):
            shutil.copy2(f, backup / f.name)
        svc.start()
        for order in ready[3:6]:
            assert _ship(svc, order)
        with psycopg.connect(dsn, autocommit=True) as conn:
            pg.migrate(conn)
            puller = Puller(gateway, cfg)
            while not puller.step(wait=False):
                pass
            old_stream = pg.cursor(conn, "north")
            assert old_stream[1] == 6
            svc.stop()  # the older copy comes back: seqs 4-6 were let out, now unknown
            for f in svc.workdir.glob("edge.db*"):
                f.unlink()
            for f in backup.iterdir():
                shutil.copy2(f, svc.workdir / f.name)
            svc.start()
            for order in ready[6:]:
                assert _ship(svc, order)
            while not puller.step(wait=False):
                pass
            stream, seq = pg.cursor(conn, "north")
            assert stream != old_stream[0] and seq > 6  # a new epoch, above every seq let out
            rows = conn.execute(
                "SELECT stream_id, seq, prev_seq, order_id FROM cloud_records ORDER BY id"
            ).fetchall()
            # Seqs 1-3 are offered again in the new stream (same hash: skipped); the new
            # records continue the chain above the mark and every order is stored once.
            assert [r[3] for r in rows] == [o for o, _ in ready[:6]] + [o for o, _ in ready[6:]]
            new = [r for r in rows if r[0] == stream]
            assert [r[1] for r in new] == [7, 8] and new[0][2] == 3
            assert svc.feed(after=0, stream=stream).json()["acked_seq"] == seq
            puller.close()
    finally:
        svc.stop()


def test_receipts_put_aways_and_adjustments_reach_postgresql_by_kind(
    mosquitto: Mosquitto, cluster: PrivateCluster, tmp_path: Path
) -> None:
    """Not only shipments: the records of the stock flows (made on the gateway's store by
    the core, then served by the running service) are pulled, verified and stored with
    their kind, and acknowledged."""
    dsn = cluster.create_database("kinds")
    workdir = tmp_path / "gw"
    workdir.mkdir()
    desc_path = workdir / "warehouse.json"
    desc_path.write_text(json.dumps(stocked_warehouse()), encoding="utf-8")
    h = make_harness(workdir)
    h.handle(LoadWarehouse(Origin("test", h.clock.now, "test"), load_description(desc_path)))
    floor_work(h)
    h.service.db.close()
    svc = ServiceProcess(mosquitto, workdir, site="t1", warehouse_file=desc_path)
    svc.start()
    try:
        gateway = Gateway(name="north", url=svc.url, key=SecretStr(svc.role_keys["feed"]))
        cfg = PullConfig(dsn=dsn, gateways=[gateway], page_limit=100, wait_s=0)
        with psycopg.connect(dsn, autocommit=True) as conn:
            pg.migrate(conn)
            puller = Puller(gateway, cfg)
            while not puller.step(wait=False):
                pass
            puller.close()
            rows = conn.execute(
                "SELECT kind, order_id, shop_order_id FROM cloud_records ORDER BY seq"
            ).fetchall()
            assert rows == [
                ("receipt", 0, ""),
                ("putaway", 0, ""),
                ("putaway", 0, ""),
                ("stock_adjustment", 0, ""),
            ]
            assert conn.execute("SELECT delivery_id FROM cloud_receipts").fetchall() == [
                ("DLV-77",)
            ]
            assert conn.execute("SELECT sum(qty) FROM cloud_putaways").fetchone() == (13,)
        assert svc.feed(after=0).json()["acked_seq"] == 4
    finally:
        svc.stop()
