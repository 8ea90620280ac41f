"""Returns over HTTP on the real store: an RMA announced once, refused when changed or when it
names a bad field, who may announce it, and what the desk's inspection shows afterwards."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from edge.messages import CloseRequested, ModeRequested
from tests.support.harness import GTIN, Harness
from tests.support.returns import shipped_order
from tests.support.web import login

INTAKE = {"X-API-Key": "intake-key"}
RMA: dict[str, Any] = {
    "rma_id": "RMA-100",
    "order": "SHOP-R",
    "lines": [{"sku": "MUG", "qty": 2, "reason": "too big"}],
    "note": "customer sends it by post",
}


@pytest.fixture
def shipped(harness: Harness) -> int:
    return shipped_order(harness)


def supervisor(client: TestClient) -> dict[str, str]:
    r = client.post("/api/v1/login", json={"badge": "S-1", "device": "desk-1"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_an_rma_is_created_once_and_a_changed_one_is_refused(
    client: TestClient, shipped: int
) -> None:
    first = client.post("/api/v1/returns", json=RMA, headers=INTAKE)
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["rma_id"], body["status"], body["order_id"]) == ("RMA-100", "announced", shipped)
    assert body["announced_by"] == "intake" and body["note"] == RMA["note"]
    assert [(ln["sku"], ln["expected"], ln["reason"]) for ln in body["lines"]] == [
        ("MUG", 2, "too big")
    ]
    again = client.post("/api/v1/returns", json=RMA, headers=INTAKE)
    assert again.status_code == 200 and again.json() == body
    changed = {**RMA, "lines": [{"sku": "MUG", "qty": 1}]}
    refused = client.post("/api/v1/returns", json=changed, headers=INTAKE)
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith("rma_id: RMA-100")
    by_id = {
        **RMA,
        "rma_id": "RMA-101",
        "order": str(shipped),
        "lines": [{"sku": "BOOK", "qty": 1}],
    }
    assert client.post("/api/v1/returns", json=by_id, headers=INTAKE).status_code == 201
    listed = client.get("/api/v1/returns?state=open", headers=INTAKE).json()["returns"]
    assert [(r["rma_id"], r["expected_units"]) for r in listed] == [("RMA-101", 1), ("RMA-100", 2)]
    found = client.get("/api/v1/returns?q=RMA-100", headers=INTAKE).json()["returns"]
    assert [r["rma_id"] for r in found] == ["RMA-100"]
    assert client.get("/api/v1/returns?q=SHOP-R", headers=INTAKE).json()["returns"] == listed
    assert client.get("/api/v1/returns?state=closed", headers=INTAKE).json() == {"returns": []}


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"lines": []}, 422, "lines"),
        ({"lines": [{"sku": "MUG", "qty": 0}]}, 422, "lines.0.qty"),
        ({"lines": [{"sku": "MUG", "qty": "1"}]}, 422, "lines.0.qty"),
        ({"lines": [{"sku": "MUG", "qty": 3}]}, 422, "lines[0].qty"),  # 2 were shipped
        ({"lines": [{"sku": "PIN", "qty": 1}]}, 422, "lines[0].sku"),  # never in the order
        ({"lines": [{"sku": "MUG", "qty": 1, "colour": "red"}]}, 422, "lines.0.colour"),
        ({"rma_id": ""}, 422, "rma_id"),
        ({"rma_id": "R" * 65}, 422, "rma_id"),
        ({"order": "SHOP-NOPE"}, 404, "order"),
        ({"note": "n" * 1001}, 422, "note"),
        ({"surprise": 1}, 422, "surprise"),
    ],
)
def test_bad_returns_name_the_field(
    client: TestClient, shipped: int, change: dict[str, Any], status: int, field: str
) -> None:
    r = client.post("/api/v1/returns", json={**RMA, **change}, headers=INTAKE)
    assert r.status_code == status, r.text
    assert r.json()["detail"].startswith(f"{field}:"), r.json()


def test_an_order_not_shipped_cannot_be_returned(client: TestClient, harness: Harness) -> None:
    harness.intake("SHOP-NEW", ("MUG", 1))
    r = client.post("/api/v1/returns", json={**RMA, "order": "SHOP-NEW"}, headers=INTAKE)
    assert r.status_code == 409 and r.json()["detail"].startswith("order: order SHOP-NEW is")


def test_who_may_announce_and_read(client: TestClient, shipped: int) -> None:
    assert client.post("/api/v1/returns", json=RMA).status_code == 401
    for key in ("feed-key", "carrier-key", "metrics-key"):
        r = client.post("/api/v1/returns", json=RMA, headers={"X-API-Key": key})
        assert r.status_code == 403, (key, r.text)
    picker = login(client, "hh-1", "P-2").headers
    assert client.post("/api/v1/returns", json=RMA, headers=picker).status_code == 403
    boss = supervisor(client)
    made = client.post("/api/v1/returns", json=RMA, headers=boss)
    assert made.status_code == 201 and made.json()["announced_by"] == "S-1"
    admin = {"X-API-Key": "test-key"}
    other = {**RMA, "rma_id": "RMA-200", "lines": [{"sku": "BOOK", "qty": 1}]}
    assert client.post("/api/v1/returns", json=other, headers=admin).status_code == 201
    assert client.get("/api/v1/returns").status_code == 401
    assert client.get("/api/v1/returns", headers={"X-API-Key": "metrics-key"}).status_code == 403
    assert client.get("/api/v1/returns/RMA-100", headers=picker).status_code == 200
    missing = client.get("/api/v1/returns/NOPE", headers=picker)
    assert missing.status_code == 404 and missing.json()["detail"].startswith("rma_id:")


def test_an_inspected_return_shows_units_grades_and_put_away(
    client: TestClient, harness: Harness, shipped: int
) -> None:
    assert client.post("/api/v1/returns", json=RMA, headers=INTAKE).status_code == 201
    h = harness
    h.scan("scan-2", "P-2")
    h.handle(ModeRequested("scan-2", h.msg_id(), h.clock.now, "return"))
    h.scan("scan-2", "RMA-100")
    h.scan("scan-2", GTIN["MUG"])
    h.scan("scan-2", "GRADE-RESELLABLE")
    h.scan("scan-2", GTIN["MUG"])
    h.scan("scan-2", "GRADE-DAMAGED")
    h.handle(CloseRequested("scan-2", h.msg_id(), h.clock.now))
    body = client.get("/api/v1/returns/RMA-100", headers=INTAKE).json()
    assert body["status"] == "closed" and body["order_status"] == "partly_returned"
    assert (body["closed_by"], body["closed_device"]) == ("P-2", "scan-2")
    assert [(u["grade"], u["actor"], u["device"]) for u in body["units"]] == [
        ("resellable", "P-2", "scan-2"),
        ("damaged", "P-2", "scan-2"),
    ]
    assert [(t["sku"], t["qty"], t["status"]) for t in body["putaway_tasks"]] == [
        ("MUG", 1, "open")
    ]
    order = client.get(f"/api/v1/orders/{shipped}", headers=INTAKE).json()
    assert order["status"] == "partly_returned"
    assert [ln["returned"] for ln in order["lines"]] == [2, 0]
    assert [r["rma_id"] for r in order["returns"]] == ["RMA-100"]
    closed = client.get("/api/v1/returns?state=closed", headers=INTAKE).json()["returns"]
    assert [(r["rma_id"], r["scanned_units"], r["resellable_units"]) for r in closed] == [
        ("RMA-100", 2, 1)
    ]
