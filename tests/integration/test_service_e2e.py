"""The whole service over real Mosquitto: an order end to end, dedupe, ACL, kill -9."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from typing import Any

import httpx
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from edge.demo import devices_from_description
from edge.devices.simulator import SimOptions, Simulator
from edge.warehouse import demo_description_path, load_description
from tests.support.broker import Mosquitto
from tests.support.device import TestDevice
from tests.support.service_process import SITE, ServiceProcess

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

DESC = load_description(demo_description_path())
DEVICE_IDS = [d.id for d in DESC.devices]


@pytest.fixture(autouse=True)
def device_users(mosquitto: Mosquitto) -> None:
    mosquitto.add_users(*DEVICE_IDS)


def scanner(broker: Mosquitto, device_id: str) -> TestDevice:
    """A scanner that came online, past the screen the service sends it for that (login)."""
    dev = TestDevice(broker, "scanner", device_id)
    dev.view()
    return dev


def wait_for(predicate: Any, timeout: float = 60.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_an_order_from_intake_to_the_cloud_feed(mosquitto: Mosquitto, service: ServiceProcess):
    r = service.post(
        "/api/v1/orders",
        {
            "shop_order_id": "E2E-1",
            "paid_at": "2026-11-20T08:00:00+00:00",
            "lines": [{"sku": "SKU-0001", "qty": 2}, {"sku": "SKU-0150", "qty": 1}],
        },
    )
    assert r.status_code == 201, r.text
    order_id = r.json()["id"]
    wanted = {"scanner-01", "pack-scanner-1", "scale-1", "ptl-A", "ptl-B"}
    devices = [d for d in devices_from_description(DESC) if d.id in wanted]
    sim = Simulator(
        mosquitto.host,
        mosquitto.port,
        "wh",
        SITE,
        devices,
        mosquitto.password_for,
        SimOptions.instant(seed=5, short_prob=0.0, wrong_weight_prob=0.0),
    )
    sim.start()
    try:
        wait_for(
            lambda: service.get(f"/api/v1/orders/{order_id}")["status"] == "ready_to_ship",
            what="the order to be picked, packed and weighed",
        )
    finally:
        sim.stop()
    detail = service.get(f"/api/v1/orders/{order_id}")
    assert {p["picker"] for p in detail["picks"]} == {"P-1001"}
    assert sum(p["qty"] for p in detail["picks"]) == 3
    parcels = [
        # The label's number where the parcel has one (the demo site prints labels).
        {"parcel_id": p["parcel_id"], "tracking": p["tracking"] or f"T{p['parcel_id']}"}
        for p in detail["parcels"]
    ]
    # A consumer long-polls the empty feed; the hand-over's commit answers it at once.
    stream = service.feed(after=0).json()["stream_id"]
    polled: list[tuple[float, httpx.Response]] = []
    poller = threading.Thread(
        target=lambda: polled.append(
            (time.monotonic(), service.feed(after=0, stream=stream, wait=20))
        )
    )
    poller.start()
    time.sleep(0.3)
    r = service.post(f"/api/v1/orders/{order_id}/ship", {"carrier": "DHL", "parcels": parcels})
    shipped = time.monotonic()
    assert r.status_code == 200, r.text
    poller.join(10)
    assert polled and polled[0][0] - shipped < 1.0, polled
    assert [rec["order_id"] for rec in polled[0][1].json()["records"]] == [order_id]
    page = service.feed(after=0).json()
    assert [rec["order_id"] for rec in page["records"]] == [order_id]
    record = page["records"][0]["record"]
    assert record["shop_order_id"] == "E2E-1"
    assert record["parcels"][0]["tracking"] == parcels[0]["tracking"]
    assert [h["to_status"] for h in record["history"]][-1] == "shipped"
    ack = service.feed_ack(page["stream_id"], page["next"])
    assert ack.status_code == 200 and ack.json()["acked_seq"] == page["next"]
    assert service.feed_ack(page["stream_id"], 1).status_code == 200  # never backwards
    assert service.feed_ack(page["stream_id"], 1).json()["acked_seq"] == page["next"]
    # Without the key, nothing.
    assert httpx.get(f"{service.url}/api/v1/feed").status_code == 401


def test_duplicate_scan_changes_nothing_and_malformed_is_dead_lettered(
    mosquitto: Mosquitto, service: ServiceProcess
) -> None:
    service.post(
        "/api/v1/orders",
        {
            "shop_order_id": "E2E-2",
            "paid_at": "2026-11-20T08:00:00+00:00",
            "lines": [{"sku": "SKU-0002", "qty": 2}],
        },
    )
    dev = scanner(mosquitto, "scanner-02")
    try:
        dev.send("scan", code="P-1002")
        view = dev.view()
        assert view["screen"] == "stop", view
        stop = view["stop"]
        dev.send("scan", code=stop["bin"])
        assert dev.next("cmd")["expect"] == "item"
        payload = json.dumps({"msg_id": "dup-1", "type": "scan", "code": stop["gtins"][0]})
        for _ in range(2):  # the same message twice, as a QoS 1 redelivery would
            dev.publish(dev.evt_topic, payload.encode())
        first = dev.next("cmd")
        assert first["expect"] == "qty" and first["stop"]["picked"] == 1  # one unit taken
        again = dev.next("cmd")  # the duplicate re-sends the view only: no second unit
        assert again["expect"] == "qty" and again["stop"]["picked"] == 1
        time.sleep(0.3)
        assert [t for t, _ in dev.drain() if t.endswith("/err")] == []
        # Malformed: dead-lettered with the reason, answered on err, service keeps going.
        dev.publish(dev.evt_topic, b'{"msg_id": "bad-1", "type": "scan", "code": ')
        err = dev.next("err")
        assert err["code"] == "malformed" and "JSON" in err["reason"]
        letters = service.get("/api/v1/dead-letters")["dead_letters"]
        assert letters[0]["device"] == "scanner-02" and "JSON" in letters[0]["reason"]
        dev.send("confirm", qty=1)  # the second unit, confirmed
        assert dev.view()["screen"] in ("stop", "trip_done")
        picks = service.get("/api/v1/orders", status="packing")["orders"]
        assert [o["shop_order_id"] for o in picks] == ["E2E-2"]
    finally:
        dev.close()


def test_acl_refuses_a_device_publishing_as_another(
    mosquitto: Mosquitto, service: ServiceProcess
) -> None:
    intruder = scanner(mosquitto, "scanner-03")
    victim = scanner(mosquitto, "scanner-04")
    try:
        forged = {"msg_id": uuid.uuid4().hex, "type": "scan", "code": "P-1004"}
        intruder.publish(f"wh/{SITE}/scanner/scanner-04/evt", forged)
        intruder.send("scan", code="P-1003")  # its own topic works
        assert intruder.view()["screen"] in ("stop", "idle")
        time.sleep(0.5)
        assert victim.drain() == []  # the service never saw the forged login
        with sqlite3.connect(service.db_path) as conn:
            rows = conn.execute("SELECT count(*) FROM sessions WHERE device = 'scanner-04'")
            assert rows.fetchone()[0] == 0
    finally:
        intruder.close()
        victim.close()


def test_kill_9_mid_stream_applies_every_acknowledged_event_once(
    mosquitto: Mosquitto, service: ServiceProcess
) -> None:
    """Scans the broker acknowledged survive a kill -9 of the service and apply exactly once."""
    acked: set[str] = set()
    ids: dict[int, str] = {}
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="scanner-05")
    client.username_pw_set("scanner-05", mosquitto.password_for("scanner-05"))
    client.on_publish = lambda c, u, mid, rc, props: acked.add(ids[mid]) if mid in ids else None
    client.connect(mosquitto.host, mosquitto.port)
    client.loop_start()
    total = 1500
    try:
        for n in range(total):
            msg_id = f"k{n:05d}"
            info = client.publish(
                f"wh/{SITE}/scanner/scanner-05/evt",
                json.dumps({"msg_id": msg_id, "type": "scan", "code": f"NOT-A-BADGE-{n}"}),
                qos=1,
            )
            ids[info.mid] = msg_id
            if n == total // 3:
                service.kill9()
        wait_for(lambda: len(acked) == total, 30, "the broker to acknowledge every publish")
    finally:
        client.loop_stop()
        client.disconnect()
    service.start()

    def applied() -> int:
        with sqlite3.connect(service.db_path) as conn:
            return int(
                conn.execute(
                    "SELECT count(*) FROM inbound_seen WHERE device = 'scanner-05'"
                ).fetchone()[0]
            )

    wait_for(lambda: applied() == total, 60, "every acknowledged scan to be applied")
    with sqlite3.connect(service.db_path) as conn:
        seen = {
            r[0]
            for r in conn.execute("SELECT msg_id FROM inbound_seen WHERE device = 'scanner-05'")
        }
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert seen == acked
