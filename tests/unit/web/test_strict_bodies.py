"""Request bodies are strict (finding 9): no bool, string or float taken for an integer, times
only as ISO strings with an offset, a parcel once per hand-over, a repeated order compared
field by field."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.harness import Harness
from tests.support.web import held_at_the_pack_station, rows

INTAKE = {"X-API-Key": "intake-key"}
CARRIER = {"X-API-Key": "carrier-key"}
FEED = {"X-API-Key": "feed-key"}
ORDER = {
    "shop_order_id": "S-1",
    "paid_at": "2026-11-20T08:00:00+00:00",
    "lines": [{"sku": "MUG", "qty": 1}],
    "customer": {"name": "Ada", "city": "Ghent"},
}


@pytest.mark.parametrize("qty", [True, "2", 2.0])
def test_a_quantity_is_a_json_integer(client: TestClient, harness: Harness, qty: Any) -> None:
    r = client.post(
        "/api/v1/orders", json={**ORDER, "lines": [{"sku": "MUG", "qty": qty}]}, headers=INTAKE
    )
    assert r.status_code == 422 and r.json()["detail"].startswith("lines.0.qty: "), r.text
    assert rows(harness, "SELECT id FROM orders") == []


@pytest.mark.parametrize("paid_at", [1_790_000_000, 1_790_000_000.5, True])
def test_a_time_is_an_iso_string(client: TestClient, paid_at: Any) -> None:
    r = client.post("/api/v1/orders", json={**ORDER, "paid_at": paid_at}, headers=INTAKE)
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith("paid_at: ") and "ISO 8601" in r.json()["detail"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("shop_order_id", 17), ("lines", [{"sku": 4, "qty": 1}]), ("customer", ["Ada"])],
)
def test_strings_and_objects_are_not_coerced(client: TestClient, field: str, value: Any) -> None:
    r = client.post("/api/v1/orders", json={**ORDER, field: value}, headers=INTAKE)
    assert r.status_code == 422 and r.json()["detail"].startswith(field), r.text


@pytest.mark.parametrize("seq", ["0", 0.0, False])
def test_an_ack_seq_is_a_json_integer(client: TestClient, seq: Any) -> None:
    r = client.post("/api/v1/feed/ack", json={"seq": seq}, headers=FEED)
    assert r.status_code == 422 and r.json()["detail"].startswith("seq: "), r.text


def test_a_handheld_override_takes_an_integer_order_id(
    client: TestClient, harness: Harness
) -> None:
    oid, packer = held_at_the_pack_station(harness, client)
    body = {"order_id": str(oid), "badge": "S-1", "reason": "checked by hand"}
    r = client.post("/ui/handheld/override", json=body, headers=packer.headers)
    assert r.status_code == 422 and "order_id" in r.json()["detail"], r.text
    assert harness.order(oid)["status"] == "on_hold"


def test_a_parcel_listed_twice_is_named(client: TestClient, harness: Harness) -> None:
    """Before: the second tracking number silently replaced the first."""
    oid, packer = held_at_the_pack_station(harness, client)
    r = client.post(
        "/ui/handheld/override",
        json={"order_id": oid, "badge": "S-1", "reason": "weighed by hand"},
        headers=packer.headers,
    )
    assert r.status_code == 200 and r.json()["status"] == "ready_to_ship", r.text
    parcel = harness.order(oid)["parcels"][0]["parcel_id"]
    twice = [{"parcel_id": parcel, "tracking": "T-1"}, {"parcel_id": parcel, "tracking": "T-2"}]
    r = client.post(
        f"/api/v1/orders/{oid}/ship", json={"carrier": "DHL", "parcels": twice}, headers=CARRIER
    )
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == (
        f"parcels: Value error, parcel {parcel} is listed twice; give each parcel once"
    )
    assert harness.order(oid)["status"] == "ready_to_ship"


def test_a_repeated_order_is_compared_field_by_field(client: TestClient) -> None:
    first = client.post("/api/v1/orders", json=ORDER, headers=INTAKE)
    assert first.status_code == 201, first.text
    same = client.post("/api/v1/orders", json=dict(reversed(ORDER.items())), headers=INTAKE)
    assert same.status_code == 200 and same.json()["id"] == first.json()["id"]
    changes: tuple[dict[str, Any], ...] = (
        {"customer": {"name": "Bob", "city": "Ghent"}},
        {"customer": {}},
        {"lines": [{"sku": "MUG", "qty": 2}]},
        {"paid_at": "2026-11-20T08:00:01+00:00"},
        {"cutoff_at": "2026-11-21T13:00:00+00:00"},
    )
    for change in changes:
        r = client.post("/api/v1/orders", json={**ORDER, **change}, headers=INTAKE)
        assert r.status_code == 409, (change, r.text)
    r = client.post("/api/v1/orders", json={**ORDER, "customer": {"name": "Bob"}}, headers=INTAKE)
    assert r.json()["detail"] == "customer: shop order 'S-1' exists with another customer"
