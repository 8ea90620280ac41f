"""Deliveries over HTTP on the real store: announced once, refused when changed, read back
with the dock's scans and the put-away work they made."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from edge.messages import CloseRequested, ModeRequested
from tests.support.harness import GTIN, Harness
from tests.support.web import login

INTAKE = {"X-API-Key": "intake-key"}
DELIVERY: dict[str, Any] = {
    "delivery_id": "DLV-100",
    "supplier": "Acme Mugs",
    "expected_at": "2026-11-21T07:00:00+00:00",
    "lines": [
        {"sku": "MUG", "qty": 12},
        {"sku": "BOOK", "qty": 4, "lot": "L7", "expiry": "2027-06-30"},
    ],
}


def test_a_delivery_is_created_once_and_a_changed_one_is_refused(client: TestClient) -> None:
    first = client.post("/api/v1/deliveries", json=DELIVERY, headers=INTAKE)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["status"] == "expected" and body["announced_by"] == "intake"
    assert [(ln["sku"], ln["expected"], ln["received"]) for ln in body["lines"]] == [
        ("MUG", 12, 0),
        ("BOOK", 4, 0),
    ]
    assert body["lines"][1]["lot"] == "L7" and body["lines"][1]["expiry"] == "2027-06-30"
    again = client.post("/api/v1/deliveries", json=DELIVERY, headers=INTAKE)
    assert again.status_code == 200 and again.json() == body
    changed = {**DELIVERY, "lines": [{"sku": "MUG", "qty": 13}]}
    refused = client.post("/api/v1/deliveries", json=changed, headers=INTAKE)
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith("delivery_id: DLV-100")
    listed = client.get("/api/v1/deliveries?status=expected", headers=INTAKE).json()
    assert [(d["delivery_id"], d["expected_units"]) for d in listed["deliveries"]] == [
        ("DLV-100", 16)
    ]
    assert client.get("/api/v1/deliveries?status=closed", headers=INTAKE).json() == {
        "deliveries": []
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lines": []}, "lines"),
        ({"lines": [{"sku": "MUG", "qty": 0}]}, "lines.0.qty"),
        ({"lines": [{"sku": "MUG", "qty": 1_000_001}]}, "lines.0.qty"),
        ({"lines": [{"sku": "MUG", "qty": "3"}]}, "lines.0.qty"),  # strict: not a string
        ({"lines": [{"sku": "MUG", "qty": 1, "expiry": "30.06.2027"}]}, "lines.0.expiry"),
        ({"lines": [{"sku": "MUG", "qty": 1, "expiry": 20270630}]}, "lines.0.expiry"),
        ({"lines": [{"sku": "MUG", "qty": 1, "colour": "red"}]}, "lines.0.colour"),
        ({"delivery_id": ""}, "delivery_id"),
        ({"delivery_id": "D" * 65}, "delivery_id"),
        ({"supplier": "S" * 201}, "supplier"),
        ({"expected_at": "2026-11-21T07:00:00"}, "expected_at"),  # no offset: ambiguous
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_deliveries_name_the_field(
    client: TestClient, change: dict[str, Any], field: str
) -> None:
    r = client.post("/api/v1/deliveries", json={**DELIVERY, **change}, headers=INTAKE)
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith(f"{field}:"), r.json()


def test_an_unknown_sku_is_named_by_its_line(client: TestClient) -> None:
    bad = {**DELIVERY, "lines": [{"sku": "MUG", "qty": 1}, {"sku": "GHOST", "qty": 2}]}
    r = client.post("/api/v1/deliveries", json=bad, headers=INTAKE)
    assert r.status_code == 422 and r.json()["detail"] == "lines[1].sku: unknown SKU 'GHOST'"


def test_who_may_announce_and_read(client: TestClient) -> None:
    assert client.post("/api/v1/deliveries", json=DELIVERY).status_code == 401
    for key in ("feed-key", "carrier-key", "metrics-key"):
        r = client.post("/api/v1/deliveries", json=DELIVERY, headers={"X-API-Key": key})
        assert r.status_code == 403, (key, r.text)
    picker = login(client, "hh-1", "P-1").headers
    assert client.post("/api/v1/deliveries", json=DELIVERY, headers=picker).status_code == 401
    admin = {"X-API-Key": "test-key"}
    assert client.post("/api/v1/deliveries", json=DELIVERY, headers=admin).status_code == 201
    assert client.get("/api/v1/deliveries").status_code == 401
    assert client.get("/api/v1/deliveries", headers={"X-API-Key": "metrics-key"}).status_code == 403
    assert client.get("/api/v1/deliveries/DLV-100", headers=picker).status_code == 200
    missing = client.get("/api/v1/deliveries/NOPE", headers=picker)
    assert missing.status_code == 404 and missing.json()["detail"].startswith("delivery_id:")


def test_a_received_delivery_shows_scans_differences_and_put_away(
    client: TestClient, harness: Harness
) -> None:
    assert client.post("/api/v1/deliveries", json=DELIVERY, headers=INTAKE).status_code == 201
    harness.scan("scan-1", "P-1")
    harness.handle(ModeRequested("scan-1", harness.msg_id(), harness.clock.now, "receive"))
    harness.scan("scan-1", "DLV-100")
    harness.scan("scan-1", GTIN["MUG"])
    harness.confirm("scan-1", 10)  # two mugs short
    harness.scan("scan-1", GTIN["CABLE"])  # not announced
    harness.handle(CloseRequested("scan-1", harness.msg_id(), harness.clock.now))
    body = client.get("/api/v1/deliveries/DLV-100", headers=INTAKE).json()
    assert body["status"] == "closed" and body["closed_by"] == "P-1"
    assert body["closed_device"] == "scan-1"
    diffs = {d["sku"]: d["diff"] for d in body["differences"]}
    assert diffs == {"MUG": -2, "BOOK": -4, "CABLE": 1}
    assert [(s["sku"], s["qty"], s["actor"], s["device"]) for s in body["scans"]] == [
        ("MUG", 10, "P-1", "scan-1"),
        ("CABLE", 1, "P-1", "scan-1"),
    ]
    tasks = {t["sku"]: t for t in body["putaway_tasks"]}
    assert set(tasks) == {"MUG", "CABLE"} and tasks["MUG"]["qty"] == 10
    assert all(t["status"] == "open" and t["suggested_bin"] for t in tasks.values())
    queue = client.get("/api/v1/putaway?status=open", headers=INTAKE).json()["tasks"]
    assert [(t["delivery_id"], t["sku"], t["qty"]) for t in queue] == [
        ("DLV-100", "MUG", 10),
        ("DLV-100", "CABLE", 1),
    ]
    assert client.get("/api/v1/putaway?status=done", headers=INTAKE).json() == {"tasks": []}
    assert client.get("/api/v1/putaway?status=lost", headers=INTAKE).status_code == 422
    listed = client.get("/api/v1/deliveries?status=closed", headers=INTAKE).json()["deliveries"]
    assert [(d["delivery_id"], d["received_units"]) for d in listed] == [("DLV-100", 11)]
