"""A supervisor's controls over HTTP on the real store: guards, named 4xx, 404/409, the audit."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.harness import Harness

ADMIN = {"X-API-Key": "test-key"}
WHY = {"reason": "Ana went home ill"}


def _login(client: TestClient, badge: str) -> dict[str, str]:
    r = client.post("/api/v1/login", json={"badge": badge, "device": "desk-1"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _trip(harness: Harness) -> int:
    harness.intake("SHOP-1", ("MUG", 2), ("BOOK", 1))
    harness.scan("scan-1", "P-1")
    trip: int = harness.view("scan-1")["trip_id"]
    return trip


def test_controls_need_a_supervisor(client: TestClient, harness: Harness) -> None:
    trip = _trip(harness)
    url = f"/api/v1/trips/{trip}/release"
    assert client.post(url, json=WHY).status_code == 401
    assert client.post(url, json=WHY, headers=ADMIN).status_code == 401  # a person's act
    assert client.post(url, json=WHY, headers=_login(client, "P-2")).status_code == 403
    assert client.get("/api/v1/supervision", headers=_login(client, "K-1")).status_code == 403


def test_release_and_reassign_a_pick_list(client: TestClient, harness: Harness) -> None:
    boss = _login(client, "S-1")
    trip = _trip(harness)
    shown = client.get("/api/v1/supervision", headers=boss).json()
    assert [(p["trip_id"], p["picker"], p["stops_done"]) for p in shown["pick_lists"]] == [
        (trip, "P-1", 0)
    ]
    r = client.post(f"/api/v1/trips/{trip}/reassign", json={"to_badge": "P-2", **WHY}, headers=boss)
    assert r.status_code == 409 and r.json()["detail"].startswith("to_badge: Bram is not")
    harness.scan("scan-2", "P-2")
    assert [p["badge"] for p in client.get("/api/v1/supervision", headers=boss).json()[
        "free_pickers"
    ]] == ["P-2"]  # fmt: skip
    r = client.post(f"/api/v1/trips/{trip}/reassign", json={"to_badge": "P-2", **WHY}, headers=boss)
    assert r.status_code == 200 and r.json()["device"] == "scan-2"
    assert harness.view("scan-2")["trip_id"] == trip
    r = client.post(f"/api/v1/trips/{trip}/release", json=WHY, headers=boss)
    assert r.status_code == 200, r.text
    assert client.post(f"/api/v1/trips/{trip}/release", json=WHY, headers=boss).status_code == 409
    assert client.post("/api/v1/trips/999/release", json=WHY, headers=boss).status_code == 404
    actions = client.get("/api/v1/supervision", headers=boss).json()["actions"]
    assert [(a["action"], a["actor"], a["device"], a["reason"]) for a in actions] == [
        ("release_trip", "S-1", "desk-1", WHY["reason"]),
        ("reassign_trip", "S-1", "desk-1", WHY["reason"]),
    ]


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/trips/1/release", {}, "reason"),
        ("/api/v1/trips/1/release", {"reason": ""}, "reason"),
        ("/api/v1/trips/1/reassign", {"reason": "x"}, "to_badge"),
        ("/api/v1/orders/1/priority", {"priority": 10, "reason": "x"}, "priority"),
        ("/api/v1/orders/1/priority", {"priority": "5", "reason": "x"}, "priority"),
        ("/api/v1/holds/release", {"order_ids": [], "reason": "x"}, "order_ids"),
        ("/api/v1/holds/release", {"order_ids": [0], "reason": "x"}, "order_ids.0"),
        ("/api/v1/staff/P-1/role", {"role": "boss", "reason": "x"}, "role"),
    ],
)
def test_bad_bodies_name_the_field(
    client: TestClient, url: str, body: dict[str, Any], field: str
) -> None:
    r = client.post(url, json=body, headers=_login(client, "S-1"))
    assert r.status_code == 422
    assert r.json()["detail"].startswith(f"{field}:"), r.json()


def test_blank_reasons_are_refused_by_name(client: TestClient, harness: Harness) -> None:
    oid = harness.intake("SHOP-1", ("MUG", 1))
    r = client.post(
        f"/api/v1/orders/{oid}/cancel", json={"reason": "   "}, headers=_login(client, "S-1")
    )
    assert r.status_code == 422 and r.json()["detail"].startswith("reason:")


def test_priority_by_a_supervisor_or_an_admin_key(client: TestClient, harness: Harness) -> None:
    oid = harness.intake("SHOP-1", ("MUG", 1))
    url = f"/api/v1/orders/{oid}/priority"
    r = client.post(url, json={"priority": 3, "reason": "VIP"}, headers=ADMIN)
    assert r.status_code == 200 and r.json()["priority"] == 3
    r = client.post(url, json={"priority": 2, "reason": "VIP"}, headers=_login(client, "S-1"))
    assert r.status_code == 409 and "priority 3 already" in r.json()["detail"]
    r = client.post(
        "/api/v1/orders/999/priority", json={"priority": 2, "reason": "x"}, headers=ADMIN
    )
    assert r.status_code == 404


def test_holds_released_at_once_and_people_moved(client: TestClient, harness: Harness) -> None:
    boss = _login(client, "S-1")
    free = harness.intake("SHOP-1", ("MUG", 1))
    r = client.post(
        "/api/v1/holds/release", json={"order_ids": [free], "reason": "scale ok"}, headers=boss
    )
    assert r.status_code == 409 and f"order {free} is" in r.json()["detail"]
    r = client.post(
        "/api/v1/staff/P-1/role", json={"role": "packer", "reason": "busy"}, headers=boss
    )
    assert r.status_code == 200
    staff = client.get("/api/v1/supervision", headers=boss).json()["staff"]
    assert {s["badge"]: s["role"] for s in staff}["P-1"] == "packer"
    r = client.post("/api/v1/staff/ZZ/role", json={"role": "packer", "reason": "x"}, headers=boss)
    assert r.status_code == 404 and r.json()["detail"].startswith("badge:")
