"""HTTP through TestClient on the real store: auth, named 4xx errors, idempotent intake."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from edge.app import create_app
from tests.support.harness import Harness, small_warehouse

KEY = {"X-API-Key": "test-key"}
ORDER = {
    "shop_order_id": "WEB-1",
    "paid_at": "2026-11-20T08:00:00+00:00",
    "lines": [{"sku": "MUG", "qty": 1}],
}


@pytest.fixture
def client(harness: Harness) -> Iterator[TestClient]:
    with TestClient(create_app(harness.service), raise_server_exceptions=False) as c:
        yield c


def _login(client: TestClient, badge: str) -> dict[str, str]:
    r = client.post("/api/v1/login", json={"badge": badge})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_order_intake_needs_a_key_and_is_idempotent(client: TestClient) -> None:
    assert client.post("/api/v1/orders", json=ORDER).status_code == 401
    assert client.post("/api/v1/orders", json=ORDER, headers={"X-API-Key": "x"}).status_code == 401
    first = client.post("/api/v1/orders", json=ORDER, headers=KEY)
    assert first.status_code == 201
    again = client.post("/api/v1/orders", json=ORDER, headers=KEY)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    changed = {**ORDER, "lines": [{"sku": "MUG", "qty": 2}]}
    assert client.post("/api/v1/orders", json=changed, headers=KEY).status_code == 409
    assert client.get(f"/api/v1/orders/{first.json()['id']}").status_code == 401
    body = client.get(f"/api/v1/orders/{first.json()['id']}", headers=KEY).json()
    assert body["status"] == "received" and body["history"][0]["actor"] == "test-admin"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lines": []}, "lines"),
        ({"lines": [{"sku": "MUG", "qty": 0}]}, "lines.0.qty"),
        ({"paid_at": "2026-11-20T08:00:00"}, "paid_at"),  # no time zone: ambiguous
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_requests_name_the_field(client: TestClient, change: dict, field: str) -> None:
    r = client.post("/api/v1/orders", json={**ORDER, **change}, headers=KEY)
    assert r.status_code == 422
    assert r.json()["detail"].startswith(f"{field}:")


def test_unknown_sku_is_named(client: TestClient) -> None:
    bad = {**ORDER, "lines": [{"sku": "MUG", "qty": 1}, {"sku": "GHOST", "qty": 1}]}
    r = client.post("/api/v1/orders", json=bad, headers=KEY)
    assert r.status_code == 422 and r.json()["detail"] == "lines[1].sku: unknown SKU 'GHOST'"


def test_override_needs_a_supervisor(client: TestClient, harness: Harness) -> None:
    oid = harness.intake("SHOP-H", ("PIN", 1))
    harness.scan("scan-1", "P-1")
    harness.scan("scan-1", "B-06-2-A")
    harness.confirm("scan-1", 0, "bin empty")  # no other bin has pins: the order is held
    assert harness.order(oid)["status"] == "on_hold"
    body = {"reason": "cancel the pin line with the customer"}
    assert client.post(f"/api/v1/orders/{oid}/override", json=body).status_code == 401
    picker = _login(client, "P-1")
    assert (
        client.post(f"/api/v1/orders/{oid}/override", json=body, headers=picker).status_code == 403
    )
    boss = _login(client, "S-1")
    r = client.post(f"/api/v1/orders/{oid}/override", json=body, headers=boss)
    assert r.status_code == 200 and r.json()["status"] == "packing"
    assert r.json()["history"][-1]["actor"] == "S-1"
    assert client.post("/api/v1/login", json={"badge": "NOPE"}).status_code == 401


def test_feed_pages_by_cursor_and_refuses_a_wild_ack(client: TestClient) -> None:
    assert client.get("/api/v1/feed").status_code == 401
    page = client.get("/api/v1/feed?after=0&limit=10", headers=KEY).json()
    assert page["records"] == [] and page["next"] == 0 and len(page["stream_id"]) == 32
    assert (page["floor"], page["newest"]) == (0, 0)
    body = {"stream_id": page["stream_id"], "seq": 5}
    r = client.post("/api/v1/feed/ack", json=body, headers={"X-API-Key": "feed-key"})
    assert r.status_code == 422 and r.json()["detail"].startswith("seq: 5 is beyond"), r.text
    assert client.get("/api/v1/feed?limit=0", headers=KEY).status_code == 422


def test_warehouse_upload_names_the_problem(client: TestClient, harness: Harness) -> None:
    desc = small_warehouse()
    desc["stock"].append({"bin": "Z-99-1-A", "sku": "MUG", "qty": 1})
    r = client.put("/api/v1/warehouse", json=desc, headers=KEY)
    assert r.status_code == 422
    assert "stock[5].bin: unknown bin 'Z-99-1-A'" in r.json()["detail"]
    ok = client.put("/api/v1/warehouse", json=small_warehouse(), headers=KEY)
    assert ok.status_code == 200 and ok.json()["bins"] == 72
    with harness.service.read() as tx:
        loads = tx.all("SELECT actor, device FROM warehouse_loads ORDER BY id")
    assert loads == [{"actor": "test", "device": "test"}, {"actor": "test-admin", "device": "http"}]


def test_devices_and_health(client: TestClient) -> None:
    assert client.get("/api/v1/devices").status_code == 401
    devices = client.get("/api/v1/devices", headers=_login(client, "K-1")).json()["devices"]
    assert {d["id"] for d in devices} >= {"scan-1", "scale-1", "ptl-A"}
    assert all(d["online"] is False for d in devices)
    assert client.get("/api/v1/health").json()["database"] == "ok"


def test_orders_at_risk_of_missing_the_cutoff(client: TestClient) -> None:
    now = datetime.now(UTC)
    for shop_id, cutoff, sku in (
        ("LATE", now + timedelta(seconds=30), "MUG"),  # a trip alone takes longer
        ("FINE", now + timedelta(days=1), "BOOK"),
    ):
        body = {
            **ORDER,
            "shop_order_id": shop_id,
            "lines": [{"sku": sku, "qty": 1}],
            "cutoff_at": cutoff.isoformat(),
        }
        assert client.post("/api/v1/orders", json=body, headers=KEY).status_code == 201
    forecast = client.get("/api/v1/orders-at-risk", headers=KEY).json()["forecast"]
    assert [(f["shop_order_id"], f["makes_cutoff"]) for f in forecast] == [
        ("LATE", False),
        ("FINE", True),
    ]
    assert forecast[0]["slack_s"] < 0 < forecast[1]["slack_s"]


def test_supervisor_overview_counts_and_risk(client: TestClient, harness: Harness) -> None:
    harness.intake("SHOP-1", ("MUG", 1))  # paid 2026-11-20: its cut-off has passed
    assert client.get("/ui/supervisor/overview").status_code == 401
    picker = _login(client, "P-1")
    assert client.get("/ui/supervisor/overview", headers=picker).status_code == 403
    overview = client.get("/ui/supervisor/overview", headers=_login(client, "S-1")).json()
    assert overview["counts"]["received"] == 1 and sum(overview["counts"].values()) == 1
    assert [r["shop_order_id"] for r in overview["at_risk"]] == ["SHOP-1"]
    for page in ("/", "/handheld", "/supervisor"):
        assert client.get(page).text.startswith("<!doctype html>")
