"""Over real Mosquitto, a scanner speaking only docs/mqtt.md receives (a GS1 code split in
two), closes, puts away, tops up a pick face and counts a bin; a bad `mode` is dead-lettered."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from edge.app import Running, start, warehouse_from_settings
from edge.config import load_settings
from edge.messages import DeliveryLineIn, IntakeDelivery, IntakeOrder, OrderLineIn, Origin
from tests.integration.conftest import SERVICE_USER
from tests.support.broker import Mosquitto
from tests.support.device import TestDevice

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

DELIVERY = "DLV-MQTT-1"
SPLIT_SKU, CASE_SKU = "SKU-0004", "SKU-0001"  # 3 units with lot+expiry; a case of 12


def start_service(mosquitto: Mosquitto, data_dir: Path) -> Running:
    """The service in this process (its runtime reachable, as the demo's actors use it),
    with the demo warehouse, against the private broker."""
    settings = load_settings(
        None,
        data_dir=data_dir,
        database="edge.db",
        mqtt={
            "host": mosquitto.host,
            "port": mosquitto.port,
            "password": mosquitto.password_for(SERVICE_USER),
        },
        http={"host": "127.0.0.1", "port": 0},
    )
    return start(settings, warehouse_from_settings(settings))


@pytest.fixture
def live(mosquitto: Mosquitto, tmp_path: Path) -> Iterator[Running]:
    running = start_service(mosquitto, tmp_path / "svc")
    try:
        yield running
    finally:
        running.stop()


def origin() -> Origin:
    return Origin("erp", datetime.now(UTC), "test")


def on_hand(live: Running, bin_label: str, sku: str) -> int:
    rows = live.service.queries.stock(sku, bin_label, 1)
    return int(rows[0]["on_hand"]) if rows else 0


def ean(live: Running, sku: str) -> str:
    return live.service.catalog().skus[sku].gtins[0][1:]  # stored as GTIN-14


def screen(dev: TestDevice, name: str) -> dict[str, Any]:
    view = dev.view()
    assert view["screen"] == name, view
    return view


def test_receive_put_away_top_up_and_count_over_mqtt(mosquitto: Mosquitto, live: Running) -> None:
    lines = (DeliveryLineIn(SPLIT_SKU, 3), DeliveryLineIn(CASE_SKU, 12))
    live.service.runtime.handle(IntakeDelivery(origin(), DELIVERY, "Acme", lines))
    dev = TestDevice(mosquitto, "scanner", "scanner-04")
    try:
        assert dev.view()["screen"] == "login"
        dev.send("scan", code="P-1004")
        assert dev.view()["screen"] == "idle"

        # Receiving: the delivery note, a GS1 code split over two barcodes, then a case.
        dev.send("mode", mode="receive")
        select = screen(dev, "receive_select")
        assert select["mode"] == "receive" and "receive" in select["modes"]
        assert DELIVERY in [d["delivery_id"] for d in select["deliveries"]]
        dev.send("scan", code=DELIVERY)
        assert screen(dev, "receive")["expect"] == "item"
        gtin14 = live.service.catalog().skus[SPLIT_SKU].gtins[0]
        dev.send("scan", code=f"]C101{gtin14}")
        first = screen(dev, "receive")
        assert first["expect"] == "qty" and first["awaiting_lot"] is True
        dev.send("scan", code="]C11727063010LOT7")  # the second barcode: expiry and lot
        completed = screen(dev, "receive")
        assert completed["awaiting_lot"] is False
        assert (completed["last"]["lot"], completed["last"]["expiry"]) == ("LOT7", "2027-06-30")
        dev.send("confirm", qty=3)
        line = screen(dev, "receive")["delivery"]["lines"][0]
        assert (line["sku"], line["received"], line["lot"]) == (SPLIT_SKU, 3, "LOT7")
        dev.send("scan", code=ean(live, CASE_SKU))
        assert screen(dev, "receive")["expect"] == "qty"
        dev.send("confirm", qty=12)
        screen(dev, "receive")
        dev.send("close")
        done = screen(dev, "receive_done")
        assert done["differences"] == [] and done["putaway_tasks"] == 2

        # Put-away: every task to its suggested bin; the stock lands there.
        dev.send("mode", mode="putaway")
        assert len(screen(dev, "putaway_select")["tasks"]) == 2
        put: dict[str, int] = {}
        for _ in range(6):
            dev.send("next")
            task = screen(dev, "putaway")["task"]
            before = on_hand(live, task["suggested_bin"], task["sku"])
            dev.send("scan", code=task["suggested_bin"])
            after = dev.view()
            moved = on_hand(live, task["suggested_bin"], task["sku"]) - before
            assert moved > 0
            put[task["sku"]] = put.get(task["sku"], 0) + moved
            while after["screen"] == "putaway":  # the bin was full: the rest goes elsewhere
                rest = after["task"]
                before = on_hand(live, rest["suggested_bin"], rest["sku"])
                dev.send("scan", code=rest["suggested_bin"])
                after = dev.view()
                put[rest["sku"]] += on_hand(live, rest["suggested_bin"], rest["sku"]) - before
            assert after["screen"] == "putaway_select"
            if not after["tasks"]:
                break
        assert put == {SPLIT_SKU: 3, CASE_SKU: 12}

        # Top-up: an order wants more of SKU-0002 than its pick face has; reserve holds it.
        stock = live.service.queries.stock("SKU-0002", None, 10)
        kinds = {b.label: b.kind for b in live.service.catalog().description.bins}
        face = next(r for r in stock if kinds[r["bin"]] == "pick")
        live.service.runtime.handle(
            IntakeOrder(
                origin(),
                "SHOP-MQTT-1",
                (OrderLineIn("SKU-0002", face["free"] + 1),),
                datetime.now(UTC),
            )
        )
        dev.send("mode", mode="replenish")
        tasks = screen(dev, "replenish_select")["tasks"]
        assert [t["to_bin"] for t in tasks if t["sku"] == "SKU-0002"] == [face["bin"]]
        dev.send("next")
        step = screen(dev, "replenish")
        assert step["step"] == "from" and step["task"]["to_bin"] == face["bin"]
        qty, from_bin = step["task"]["qty"], step["task"]["from_bin"]
        dev.send("scan", code=from_bin)
        assert screen(dev, "replenish")["step"] == "item"
        dev.send("scan", code=ean(live, "SKU-0002"))
        assert screen(dev, "replenish")["step"] == "to"
        dev.send("scan", code=face["bin"])
        assert screen(dev, "replenish_select")["mode"] == "replenish"
        assert on_hand(live, face["bin"], "SKU-0002") == face["on_hand"] + qty

        # A blind count: no expected quantity on the wire; the true total matches.
        dev.send("mode", mode="count")
        screen(dev, "count_select")
        dev.send("next")
        count = screen(dev, "count")["count"]
        assert set(count) == {"count_id", "bin", "sku", "name", "gtins", "recount", "counted"}
        dev.send("scan", code=count["bin"])
        assert screen(dev, "count")["expect"] == "qty"
        dev.send("confirm", qty=on_hand(live, count["bin"], count["sku"]))
        assert screen(dev, "count_done")["outcome"] == "ok"
    finally:
        dev.close()


def test_a_malformed_mode_event_is_dead_lettered_and_answered(
    mosquitto: Mosquitto, live: Running
) -> None:
    dev = TestDevice(mosquitto, "scanner", "scanner-05")
    try:
        assert dev.view()["screen"] == "login"
        dev.send("scan", code="P-1005")
        dev.view()
        dev.publish(dev.evt_topic, b'{"msg_id": "bad-mode-1", "type": "mode", "mode": "dance"}')
        err = dev.next("err")
        assert (err["ref_msg_id"], err["code"]) == ("bad-mode-1", "malformed")
        assert "mode" in err["reason"]
        letters = live.service.queries.dead_letters(10)
        assert letters and letters[0]["device"] == "scanner-05"
        assert "mode" in letters[0]["reason"]
        # The scanner goes on working: a good mode event switches.
        dev.send("mode", mode="count")
        assert screen(dev, "count_select")["mode"] == "count"
    finally:
        dev.close()
