"""Numbers and times out of range are a 422 naming the field, never a 500 (finding 7): every
integer that reaches SQLite stops at 2^63 - 1, times stay where a day's arithmetic works."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from edge.warehouse import DescriptionError, load_description
from edge.web.deps import get_queries
from tests.support.harness import Harness, small_warehouse
from tests.support.web import login

ADMIN = {"X-API-Key": "test-key"}
TOO_BIG = 2**63
ORDER = {
    "shop_order_id": "B-1",
    "paid_at": "2026-11-20T08:00:00+00:00",
    "lines": [{"sku": "MUG", "qty": 1}],
}


def _supervisor(client: TestClient) -> dict[str, str]:
    r = client.post("/api/v1/login", json={"badge": "S-1"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"paid_at": "9999-12-31T23:00:00+00:00"}, "paid_at"),  # the cut-off is the next day
        ({"paid_at": "9999-12-31T23:59:59-12:00"}, "paid_at"),
        ({"paid_at": "0001-01-01T00:00:00+14:00"}, "paid_at"),
        ({"cutoff_at": "9999-12-31T23:00:00+00:00"}, "cutoff_at"),
    ],
)
def test_times_out_of_range_are_named(
    client: TestClient, change: dict[str, str], field: str
) -> None:
    r = client.post("/api/v1/orders", json={**ORDER, **change}, headers=ADMIN)
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith(f"{field}: ")


def test_every_integer_path_and_query_parameter_stops_at_2_63(
    app: FastAPI, client: TestClient
) -> None:
    """Walks the OpenAPI description: each integer parameter declares a maximum below 2^63;
    at 2^63 it is named in a 422, at its maximum it passes."""
    spec = app.openapi()
    everyone = {**ADMIN, **_supervisor(client)}  # past every route's authentication
    tried = []
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            for param in op.get("parameters", []):
                if param["schema"].get("type") != "integer":
                    continue
                tried.append(f"{method} {path} {param['name']}")
                largest = param["schema"].get("maximum", TOO_BIG)
                assert largest < TOO_BIG, f"{method} {path} {param['name']}: no maximum"
                for value, ok in ((TOO_BIG, False), (largest, True)):
                    url, params = path, {}
                    if param["in"] == "path":
                        url = path.replace("{" + param["name"] + "}", str(value))
                    else:
                        params[param["name"]] = value
                    r = client.request(method, url, params=params, headers=everyone, json={})
                    assert r.status_code < 500, (method, url, params, r.text)
                    named = r.status_code == 422 and param["name"] in r.json()["detail"]
                    assert named != ok, (method, url, params, r.text)
    assert len(tried) >= 9, tried  # order ids, limits, the feed's cursor


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/api/v1/feed/ack", {"seq": TOO_BIG}, "seq"),
        (
            "POST",
            "/api/v1/orders/1/ship",
            {"carrier": "DHL", "parcels": [{"parcel_id": TOO_BIG, "tracking": "T1"}]},
            "parcels.0.parcel_id",
        ),
        (
            "POST",
            "/api/v1/orders",
            {**ORDER, "lines": [{"sku": "MUG", "qty": TOO_BIG}]},
            "lines.0.qty",
        ),
    ],
)
def test_integers_in_key_bodies_are_bounded(
    client: TestClient, method: str, path: str, body: dict[str, Any], field: str
) -> None:
    # Only a consumer acknowledges the feed (an admin gets 403 before the body is read).
    headers = {"X-API-Key": "feed-key"} if path == "/api/v1/feed/ack" else ADMIN
    r = client.request(method, path, json=body, headers=headers)
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith(field)


def test_a_count_of_2_63_is_named(client: TestClient, harness: Harness) -> None:
    body = {"bin": "A-02-1-A", "sku": "MUG", "on_hand": TOO_BIG, "reason": "count"}
    r = client.post("/api/v1/stock", json=body, headers=_supervisor(client))
    assert r.status_code == 422 and r.json()["detail"].startswith("on_hand: "), r.text
    assert harness.stock("A-02-1-A", "MUG") == (10, 0)


def test_the_handhelds_override_bounds_the_order_id(client: TestClient) -> None:
    packer = login(client, "hh-pack", "K-1")
    body = {"order_id": TOO_BIG, "badge": "S-1", "reason": "checked"}
    r = client.post("/ui/handheld/override", json=body, headers=packer.headers)
    assert r.status_code == 422 and "order_id" in r.json()["detail"], r.text


def test_an_unexpected_error_is_json_without_a_traceback(app: FastAPI, client: TestClient) -> None:
    """The goal is no 500 at all; a bug still answers JSON and names nothing inside."""

    def broken() -> None:
        raise RuntimeError("a bug with a secret inside")

    app.dependency_overrides[get_queries] = broken
    try:
        r = client.get("/api/v1/orders", headers=ADMIN)
    finally:
        app.dependency_overrides.clear()
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/json"
    assert r.json() == {"detail": "internal error"}


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d["stock"][0].update(qty=2**63), "body.stock[0].qty"),
        (lambda d: d["layout"].update(aisle_pitch_dm=2**70), "body.layout.aisle_pitch_dm"),
        (lambda d: d["skus"][1].update(unit_weight_g=-(10**12)), "body.skus[1].unit_weight_g"),
    ],
)
def test_a_warehouse_number_beyond_any_warehouse_is_named(
    client: TestClient, harness: Harness, change: Any, where: str
) -> None:
    """Before: a stock qty of 2^63 was a 500 from SQLite, a huge aisle pitch was loaded."""
    desc = small_warehouse()
    change(desc)
    r = client.put("/api/v1/warehouse", json=desc, headers=ADMIN)
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == f"{where}: a number of at most 1,000,000,000 (either sign)"
    assert harness.stock("A-02-1-A", "MUG") == (10, 0)


def test_a_description_file_with_a_number_beyond_any_warehouse_is_named(tmp_path: Path) -> None:
    """The file loaded at start-up gets the same bound as PUT /warehouse."""
    desc = small_warehouse()
    desc["stock"][0]["qty"] = 2**63
    path = tmp_path / "warehouse.json"
    path.write_text(json.dumps(desc), encoding="utf-8")
    with pytest.raises(DescriptionError) as err:
        load_description(path)
    assert str(err.value) == (
        "warehouse.json.stock[0].qty: a number of at most 1,000,000,000 (either sign)"
    )
