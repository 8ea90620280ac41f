"""A warehouse with shipping labels: carriers, a GS1 prefix and printers at the test printer."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from edge.devices.label_printer import SimulatedLabelPrinter
from edge.messages import LoadWarehouse, Origin
from edge.warehouse import demo_description_path, load_description, parse_description
from tests.support.harness import Harness, small_warehouse
from tests.support.service_process import ServiceProcess

DEMO = load_description(demo_description_path())

# GS1's own example SSCC is 1 0614141 123456789 7 (General Specifications, 2.2.1).
COMPANY_PREFIX = "0614141"


def carriers(last: int = 12345699) -> list[dict[str, Any]]:
    return [
        {
            "id": "postnl",
            "name": "PostNL",
            "tracking": "range",
            # UPU S10: EE123456785NL is the standard's own worked example.
            "range": {
                "prefix": "EE",
                "first": 12345678,
                "last": last,
                "digits": 8,
                "check": "s10",
                "suffix": "NL",
            },
        },
        {
            "id": "dhl",
            "name": "DHL Express",
            "tracking": "range",
            "range": {"prefix": "12", "first": 1, "last": 99, "digits": 8, "check": "mod7"},
        },
        {"id": "courier", "name": "City courier", "tracking": "manual"},
    ]


def label_warehouse(
    port: int, host: str = "127.0.0.1", timeout_ms: int = 500, last: int = 12345699
) -> dict[str, Any]:
    desc = small_warehouse()
    printer = {"host": host, "port": port, "timeout_ms": timeout_ms}
    desc["pack_stations"] = [
        {"id": "PS-1", "printer": printer},
        {"id": "PS-2", "printer": printer},
    ]
    desc["carriers"] = carriers(last)
    desc["labels"] = {
        "gs1_company_prefix": COMPANY_PREFIX,
        "sscc_extension": 1,
        "default_carrier": "postnl",
    }
    return desc


def load_labels(h: Harness, port: int, **kw: Any) -> None:
    desc = parse_description(label_warehouse(port, **kw))
    h.handle(LoadWarehouse(Origin("test", h.clock.now, "test"), desc))


def print_to_test_printer(service: ServiceProcess) -> SimulatedLabelPrinter:
    """A running service's pack stations print to a new simulated printer on a free port
    (the demo warehouse's own printer ports may be taken by a demo or another test)."""
    printer = SimulatedLabelPrinter().start()
    started_with = service.warehouse_file
    desc = (DEMO if started_with == "demo" else load_description(Path(started_with))).model_dump(
        mode="json"
    )
    for station in desc["pack_stations"]:
        station["printer"] = {"host": "127.0.0.1", "port": printer.port, "timeout_ms": 1000}
    r = httpx.put(
        f"{service.url}/api/v1/warehouse",
        json=desc,
        headers={"X-API-Key": service.api_key},
        timeout=60,
    )
    assert r.status_code == 200, r.text
    return printer


def picked_order(service: ServiceProcess, *lines: tuple[str, int]) -> int:
    """An order through the shop API, picked on the HTTP handheld `handheld-2` by P-1008:
    now waiting for packing."""
    now = datetime.now(UTC)
    body = {
        "shop_order_id": f"LBL-{uuid.uuid4().hex[:8]}",
        "lines": [{"sku": sku, "qty": qty} for sku, qty in lines],
        "paid_at": now.isoformat(),
        "cutoff_at": (now + timedelta(hours=3)).isoformat(),
        "customer": {"name": "Ann Lee", "postcode": "3511 AB", "city": "Utrecht"},
    }
    r = service.post("/api/v1/orders", body)
    assert r.status_code == 201, r.text
    oid = int(r.json()["id"])
    url = f"{service.url}/ui/handheld"
    auth = httpx.post(f"{url}/login", json={"device": "handheld-2", "badge": "P-1008"}).json()
    headers = {"Authorization": f"Bearer {auth['token']}"}
    view = auth["view"]
    ean = {s.sku: s.gtins[0][1:] for s in DEMO.skus}
    for _ in range(100):
        if view["screen"] == "planning":
            time.sleep(0.1)
            event = {"id": uuid.uuid4().hex, "type": "next"}
        elif view["screen"] == "stop":
            stop = view["stop"]
            code = stop["bin"] if view["expect"] == "bin" else ean[stop["sku"]]
            event = {"id": uuid.uuid4().hex, "type": "scan", "code": code}
        else:
            break
        view = httpx.post(f"{url}/events", json=event, headers=headers).json()["view"]
    assert service.get(f"/api/v1/orders/{oid}")["status"] == "packing"
    return oid
