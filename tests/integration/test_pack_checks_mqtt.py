"""An MQTT pack-station scanner over real Mosquitto: the items the scale cannot see are
scanned in, a weight before them is refused on the scanner's err topic, a redelivery counts once."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
import pytest

from edge.warehouse import demo_description_path, load_description
from tests.support.broker import Mosquitto
from tests.support.device import TestDevice
from tests.support.service_process import ServiceProcess

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

DESC = load_description(demo_description_path())
EAN = {s.sku: s.gtins[0][1:] for s in DESC.skus}


@pytest.fixture(autouse=True)
def device_users(mosquitto: Mosquitto) -> None:
    mosquitto.add_users(*[d.id for d in DESC.devices])


def picked(service: ServiceProcess, *lines: tuple[str, int], verify: bool = False) -> int:
    """An order picked on an HTTP handheld, waiting for packing."""
    body = {
        "shop_order_id": f"PC-{uuid.uuid4().hex[:8]}",
        "paid_at": "2026-11-20T08:00:00+00:00",
        "lines": [{"sku": sku, "qty": qty} for sku, qty in lines],
        "verify_contents": verify,
    }
    r = service.post("/api/v1/orders", body)
    assert r.status_code == 201, r.text
    oid = int(r.json()["id"])
    url = f"{service.url}/ui/handheld"
    auth = httpx.post(f"{url}/login", json={"device": "handheld-2", "badge": "P-1008"}).json()
    headers = {"Authorization": f"Bearer {auth['token']}"}
    view: dict[str, Any] = auth["view"]
    for _ in range(60):
        if view["screen"] not in ("stop", "planning"):
            break
        if view["screen"] == "planning":
            time.sleep(0.1)
            event = {"id": uuid.uuid4().hex, "type": "next"}
        else:
            stop = view["stop"]
            code = stop["bin"] if view["expect"] == "bin" else EAN[stop["sku"]]
            event = {"id": uuid.uuid4().hex, "type": "scan", "code": code}
        view = httpx.post(f"{url}/events", json=event, headers=headers).json()["view"]
    assert service.get(f"/api/v1/orders/{oid}")["status"] == "packing"
    return oid


def until_screen(dev: TestDevice, screen: str) -> dict[str, Any]:
    for _ in range(10):
        view: dict[str, Any] = dev.view()
        if view["screen"] == screen:
            return view
    raise AssertionError(f"no {screen} view")


def test_a_pack_scanner_scans_the_blind_items_before_the_scale(
    mosquitto: Mosquitto, service: ServiceProcess
) -> None:
    oid = picked(service, ("SKU-0011", 1), ("SKU-0002", 1))
    scanner = TestDevice(mosquitto, "scanner", "pack-scanner-1")
    scale = TestDevice(mosquitto, "scale", "scale-1")
    try:
        scanner.view()
        scanner.send("scan", code="K-2001")
        until_screen(scanner, "pack_order")
        scanner.send("scan", code=f"ORD-{oid}")
        view = until_screen(scanner, "pack_contents")
        assert view["missing"] == [{"sku": "SKU-0002", "name": "USB-C cable 1 m, black", "qty": 1}]
        expected = view["parcels"][0]["expected_g"]

        # A weight before the cable's scan: the scale and the packer's scanner hear why.
        scale.send("weight", grams=expected - 38, stable=True)
        err = scanner.next("err")
        assert err["code"] == "contents_first" and "USB-C cable" in err["reason"]
        refused = scanner.view()
        assert refused["error_code"] == "contents_first" and refused["screen"] == "pack_contents"
        assert scale.next("err")["code"] == "contents_first"

        # A wrong item: refused, nothing counted.
        scanner.send("scan", code=EAN["SKU-0006"])
        assert scanner.next("err")["code"] == "wrong_item"
        # The cable, its scan delivered twice (a QoS 1 redelivery): counted once.
        payload = json.dumps({"msg_id": "cable-1", "type": "scan", "code": EAN["SKU-0002"]})
        for _ in range(2):
            scanner.publish(scanner.evt_topic, payload.encode())
        until_screen(scanner, "pack_weigh")
        scale.send("weight", grams=expected, stable=True)
        until_screen(scanner, "pack_order")
        order = service.get(f"/api/v1/orders/{oid}")
        assert order["status"] == "ready_to_ship"
        scans = order["pack_scans"]
        assert [(s["sku"], s["device"], s["packer"]) for s in scans] == [
            ("SKU-0002", "pack-scanner-1", "K-2001")
        ]
    finally:
        scanner.close()
        scale.close()
