"""Over real Mosquitto, the returns desk is a scanner speaking only docs/mqtt.md: it opens an
announced return by the parcel's tracking number, grades one unit resellable and one damaged
(every event sent twice, as QoS 1 may), closes, and the resellable unit is put away."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from edge.app import Running
from edge.messages import IntakeReturn, Origin, ReturnLineIn
from tests.integration.test_stockflows_mqtt import ean, on_hand, screen, start_service
from tests.support.broker import Mosquitto
from tests.support.device import TestDevice
from tests.support.returns import ship_on_live

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

SKU = "SKU-0003"


@pytest.fixture
def live(mosquitto: Mosquitto, tmp_path: Path) -> Iterator[Running]:
    running = start_service(mosquitto, tmp_path / "svc")
    try:
        yield running
    finally:
        running.stop()


def twice(dev: TestDevice, type_: str, **fields: str) -> dict[str, Any]:
    """An event and its redelivery (same msg_id): the second changes nothing and is
    answered with the same screen again."""
    msg_id = dev.send(type_, **fields)
    first = dev.view()
    dev.send(type_, msg_id=msg_id, **fields)
    again = dev.view()
    assert {k: v for k, v in again.items() if k != "v"} == {
        k: v for k, v in first.items() if k != "v"
    }
    return again


def test_the_returns_desk_inspects_a_parcel_over_mqtt(mosquitto: Mosquitto, live: Running) -> None:
    service = live.service
    oid = ship_on_live(service, "SHOP-RET-1", ((SKU, 2), ("SKU-0010", 1)), "TRK-MQTT")
    service.runtime.handle(
        IntakeReturn(
            Origin("shop", datetime.now(UTC), "test"),
            "RMA-MQTT-1",
            "SHOP-RET-1",
            (ReturnLineIn(SKU, 2, "changed my mind"),),
        )
    )
    face = service.queries.return_detail("RMA-MQTT-1")
    assert face["status"] == "announced"
    dev = TestDevice(mosquitto, "scanner", "returns-desk-1")
    try:
        assert dev.view()["screen"] == "login"
        dev.send("scan", code="P-1009")
        dev.view()
        dev.send("scan", code="MODE-RETURN")
        select = screen(dev, "return_select")
        assert [r["rma_id"] for r in select["returns"]] == ["RMA-MQTT-1"]
        # The parcel's label: its SSCC as a GS1-128 reads it, or its tracking number.
        with service.read() as tx:
            parcel = tx.one("SELECT * FROM parcels WHERE order_id = ?", (oid,))
        assert parcel is not None
        label = f"]C100{parcel['sscc']}" if parcel.get("sscc") else parcel["tracking"]
        dev.send("scan", code=label)
        opened = screen(dev, "return")
        assert (opened["expect"], opened["return"]["rma_id"]) == ("item", "RMA-MQTT-1")
        assert twice(dev, "scan", code=ean(live, SKU))["expect"] == "grade"
        twice(dev, "scan", code="GRADE-RESELLABLE")
        twice(dev, "scan", code=ean(live, SKU))
        line = twice(dev, "scan", code="GRADE-DAMAGED")["return"]["lines"][0]
        assert (line["scanned"], line["resellable"], line["damaged"]) == (2, 1, 1)
        # A third unit: only two were shipped. The err topic says refused, the view why.
        dev.send("scan", code=ean(live, SKU))
        err = dev.next("err")
        assert err["code"] == "refused" and "can come back" in err["reason"]
        assert screen(dev, "return")["error_code"] == "over_return"
        done = twice(dev, "close")
        assert done["screen"] == "return_done"
        assert done["return"]["status"] == "closed"
        assert done["return"]["order_status"] == "partly_returned"
    finally:
        dev.close()
    detail = service.queries.return_detail("RMA-MQTT-1")
    assert detail["scanned"] == label and detail["opened_device"] == "returns-desk-1"
    assert [(u["grade"], u["device"], u["graded_device"]) for u in detail["units"]] == [
        ("resellable", "returns-desk-1", "returns-desk-1"),
        ("damaged", "returns-desk-1", "returns-desk-1"),
    ]
    with service.read() as tx:
        records = tx.all("SELECT order_id FROM feed WHERE kind = 'return'")
    assert records == [{"order_id": oid}]
    (task,) = detail["putaway_tasks"]
    before = on_hand(live, task["suggested_bin"], SKU)
    putter = TestDevice(mosquitto, "scanner", "scanner-04")
    try:
        putter.view()
        putter.send("scan", code="P-1004")
        putter.view()
        putter.send("mode", mode="putaway")
        screen(putter, "putaway_select")
        putter.send("scan", code=ean(live, SKU))
        assert screen(putter, "putaway")["task"]["suggested_bin"] == task["suggested_bin"]
        putter.send("scan", code=task["suggested_bin"])
        screen(putter, "putaway_select")
    finally:
        putter.close()
    assert on_hand(live, task["suggested_bin"], SKU) == before + 1
