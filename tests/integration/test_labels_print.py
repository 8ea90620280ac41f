"""Labels in the running service: MQTT pack scanner and scale, a real listening printer,
HTTP reprint and preview, the feed's numbers."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

import httpx
import pytest

from edge.devices.label_printer import SimulatedLabelPrinter
from tests.support.broker import Mosquitto
from tests.support.device import TestDevice
from tests.support.labels import DEMO, picked_order, print_to_test_printer
from tests.support.service_process import ServiceProcess
from tests.support.zpl import parse

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


@pytest.fixture
def printer(service: ServiceProcess) -> Iterator[SimulatedLabelPrinter]:
    p = print_to_test_printer(service)
    yield p
    p.stop()


def _rows(service: ServiceProcess, sql: str) -> list[dict[str, object]]:
    conn = sqlite3.connect(f"file:{service.db_path}?mode=ro", uri=True, timeout=10)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql)]
    finally:
        conn.close()


def _token(service: ServiceProcess, badge: str) -> dict[str, str]:
    r = httpx.post(f"{service.url}/api/v1/login", json={"badge": badge}, timeout=10)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_refused_print_reaches_the_mqtt_scanner_and_a_reprint_is_audited(
    mosquitto: Mosquitto, service: ServiceProcess, printer: SimulatedLabelPrinter
) -> None:
    oid = picked_order(service, ("SKU-0003", 1), ("SKU-0002", 1))
    scanner = TestDevice(mosquitto, "scanner", "pack-scanner-1")
    scale = TestDevice(mosquitto, "scale", "scale-1")
    try:
        scanner.send("scan", code="K-2001")
        while (view := scanner.view())["screen"] == "login":  # the screen before the badge
            pass
        assert view["screen"] == "pack_order"
        scanner.send("scan", code=f"ORD-{oid}")
        view = scanner.view()
        ean = {s.sku: s.gtins[0][1:] for s in DEMO.skus}
        while view["screen"] == "pack_contents":
            scanner.send("scan", code=ean[view["missing"][0]["sku"]])
            view = scanner.view()
        parcel = view["parcels"][0]
        printer.set_mode("refuse")
        scale.send("weight", grams=parcel["expected_g"], stable=True)
        err = scanner.next("err")
        assert err["code"] == "label_failed" and "refused" in err["reason"]
        while "error_code" not in view:
            view = scanner.view()
        assert view["error_code"] == "label_failed"
        assert view["last"]["parcels"][0]["label"]["print"] == "refused"
    finally:
        scanner.close()
        scale.close()
    pid = parcel["parcel_id"]

    picker = _token(service, "P-1007")
    r = httpx.post(
        f"{service.url}/api/v1/parcels/{pid}/reprint", json={"reason": "x"}, headers=picker
    )
    assert r.status_code == 403
    printer.set_mode("ok")
    supervisor = _token(service, "S-3001")
    r = httpx.post(
        f"{service.url}/api/v1/parcels/{pid}/reprint",
        json={"reason": "ribbon replaced"},
        headers=supervisor,
    )
    assert r.status_code == 200, r.text
    job = printer.wait_for_jobs(1)[0]
    zpl = httpx.get(
        f"{service.url}/api/v1/parcels/{pid}/label.zpl", headers={"X-API-Key": service.api_key}
    )
    assert zpl.status_code == 200 and zpl.text == job.text
    svg = httpx.get(f"{service.url}/api/v1/parcels/{pid}/label.svg", headers=supervisor)
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert _rows(service, "SELECT result, reason, actor FROM label_prints ORDER BY id") == [
        {"result": "refused", "reason": "", "actor": "K-2001"},
        {"result": "printed", "reason": "ribbon replaced", "actor": "S-3001"},
    ]
    # Hand-over without typing: the feed carries what the label shows.
    r = httpx.post(
        f"{service.url}/api/v1/orders/{oid}/ship",
        json={},
        headers={"X-API-Key": service.role_keys["carrier"]},
    )
    assert r.status_code == 200, r.text
    record = json.loads(
        str(_rows(service, f"SELECT record FROM feed WHERE order_id = {oid}")[0]["record"])
    )
    shipped = record["parcels"][0]
    assert parse(job.text).barcodes() == [shipped["tracking"], "00" + shipped["sscc"]]
