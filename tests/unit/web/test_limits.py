"""Request bodies are bounded before they are read whole (finding 8): by Content-Length at once,
by counting a streamed body's bytes; anonymous callers get the least, a warehouse the most."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from edge.service import BodyLimits
from tests.support.harness import Harness, small_warehouse

KB = 1024
JSON = {"content-type": "application/json"}
INTAKE = {"X-API-Key": "intake-key", **JSON}
ADMIN = {"X-API-Key": "test-key", **JSON}
ORDER = {
    "shop_order_id": "L-1",
    "paid_at": "2026-11-20T08:00:00+00:00",
    "lines": [{"sku": "MUG", "qty": 1}],
}


def _asgi_post(
    app: FastAPI, path: str, headers: dict[str, str], chunks: int, chunk: bytes
) -> tuple[int, dict[str, Any], int]:
    """POST a body of `chunks` chunks straight into the ASGI app, as a server streams a
    chunked request; (status, JSON answer, how many chunks the app asked for)."""
    asked = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal asked
        asked += 1
        if asked > chunks:
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": chunk, "more_body": asked < chunks}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), *raw],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    # A thread of its own: a browser test's Playwright may have left an event loop running
    # on this one, and asyncio.run refuses to nest.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()  # type: ignore[arg-type]
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], json.loads(body), asked


def test_an_anonymous_streamed_body_is_refused_at_its_first_chunk_over(app: FastAPI) -> None:
    """Before: 100 MB read and parsed before the key check. Now: 413 at 16 KB."""
    status, answer, asked = _asgi_post(app, "/api/v1/orders", {}, 1600, b" " * (64 * KB))
    assert status == 413
    assert answer == {"detail": "body: larger than this request's limit of 16384 bytes"}
    assert asked == 1  # one 64 KB chunk of 1,600


def test_a_callers_streamed_body_is_counted_to_its_limit(app: FastAPI) -> None:
    status, answer, asked = _asgi_post(app, "/api/v1/orders", INTAKE, 1600, b" " * (64 * KB))
    assert status == 413 and "1048576 bytes" in answer["detail"]
    assert asked == 17  # 16 chunks are 1 MB: the 17th is over


def test_a_declared_length_over_the_limit_is_refused_unread(app: FastAPI) -> None:
    big = {"content-length": str(100 * 1024 * KB)}
    status, answer, asked = _asgi_post(app, "/api/v1/login", big, 1, b"{}")
    assert (status, asked) == (413, 0)
    assert answer["detail"].startswith("body: larger than")


def test_limits_follow_the_caller(client: TestClient) -> None:
    padded = {**ORDER, "customer": {"note": "x" * 4000}}
    body = json.dumps({**padded, "pad": " " * (20 * KB)})  # a 413 comes before any parsing
    assert client.post("/api/v1/orders", content=body, headers=JSON).status_code == 413
    r = client.post("/api/v1/orders", content=body, headers=INTAKE)
    assert r.status_code == 422 and r.json()["detail"].startswith("pad: "), r.text
    assert client.post("/api/v1/orders", json=padded, headers=INTAKE).status_code == 201
    login = {"badge": "S-1", "pin": "1" * (17 * KB)}
    assert client.post("/api/v1/login", json=login).status_code == 413
    r = client.post("/api/v1/login", content=b"{}", headers={"content-length": "x"})
    assert r.status_code == 400 and r.json()["detail"].startswith("Content-Length header")


def test_a_ten_megabyte_customer_is_refused(client: TestClient, harness: Harness) -> None:
    huge = {**ORDER, "customer": {"name": "x" * 10 * 1024 * KB}}
    assert client.post("/api/v1/orders", json=huge, headers=INTAKE).status_code == 413
    big = {**ORDER, "customer": {"name": "x" * 9 * KB}}
    r = client.post("/api/v1/orders", json=big, headers=INTAKE)
    assert r.status_code == 422 and r.json()["detail"].startswith("customer: "), r.text
    deep = {**ORDER, "customer": {"a": {"b": {"c": {"d": {"e": 1}}}}}}
    r = client.post("/api/v1/orders", json=deep, headers=INTAKE)
    assert r.status_code == 422 and "levels deep" in r.json()["detail"], r.text
    nan = json.dumps({**ORDER, "customer": {"score": float("nan")}})
    r = client.post("/api/v1/orders", content=nan, headers=INTAKE)
    assert r.status_code == 422 and r.json()["detail"].startswith("customer: "), r.text
    assert harness.service.queries.orders(None, 10)["orders"] == []


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("shop_order_id", "S" * 65, "shop_order_id"),
        ("lines", [{"sku": "M" * 65, "qty": 1}], "lines.0.sku"),
        ("lines", [{"sku": "MUG", "qty": 1}] * 501, "lines"),
        ("customer", {f"k{n}": n for n in range(51)}, "customer"),
        ("customer", {"k" * 65: 1}, "customer.kkkk"),
    ],
)
def test_every_order_field_has_a_limit(
    client: TestClient, field: str, value: Any, named: str
) -> None:
    r = client.post("/api/v1/orders", json={**ORDER, field: value}, headers=INTAKE)
    assert r.status_code == 422 and r.json()["detail"].startswith(named), r.text
    assert "at most" in r.json()["detail"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/orders/1/ship", {"carrier": "C" * 65, "parcels": []}, "carrier"),
        (
            "/api/v1/orders/1/ship",
            {"carrier": "DHL", "parcels": [{"parcel_id": 1, "tracking": "T" * 65}]},
            "parcels.0.tracking",
        ),
        (
            "/api/v1/orders/1/ship",
            {"carrier": "DHL", "parcels": [{"parcel_id": n, "tracking": "T"} for n in range(101)]},
            "parcels",
        ),
        ("/api/v1/feed/ack", {"seq": 0, "stream_id": "s" * 65}, "stream_id"),
        ("/api/v1/login", {"badge": "B" * 33}, "badge"),
        ("/api/v1/login", {"badge": "S-1", "pin": "1" * 33}, "pin"),
        ("/api/v1/login", {"badge": "S-1", "device": "d" * 65}, "device"),
        ("/ui/handheld/login", {"badge": "S-1", "device": "d" * 65}, "device"),
    ],
)
def test_every_string_and_list_has_a_limit(
    client: TestClient, path: str, body: dict[str, Any], field: str
) -> None:
    # Only a consumer acknowledges the feed (an admin gets 403 before the body is read).
    headers = {"X-API-Key": "feed-key"} if path == "/api/v1/feed/ack" else ADMIN
    r = client.post(path, json=body, headers=headers)
    assert r.status_code == 422 and r.json()["detail"].startswith(field), r.text
    assert "at most" in r.json()["detail"]


def test_a_supervisors_reason_and_count_have_limits(client: TestClient) -> None:
    boss = client.post("/api/v1/login", json={"badge": "S-1"}).json()["token"]
    headers = {"Authorization": f"Bearer {boss}"}
    for path, body, problem in (
        ("/api/v1/orders/1/cancel", {"reason": "r" * 501}, "reason: String should have at most"),
        ("/api/v1/stock", {"bin": "B" * 65, "sku": "MUG", "on_hand": 1, "reason": "c"}, "bin: "),
        (
            "/api/v1/stock",
            {"bin": "A-02-1-A", "sku": "M" * 65, "on_hand": 1, "reason": "c"},
            "sku: ",
        ),
        (
            "/api/v1/stock",
            {"bin": "A-02-1-A", "sku": "MUG", "on_hand": 1, "reason": ""},
            "reason: ",
        ),
    ):
        r = client.post(path, json=body, headers=headers)
        assert r.status_code == 422 and r.json()["detail"].startswith(problem), r.text
        assert "String should have at" in r.json()["detail"]


def test_a_large_warehouse_has_its_own_limit(client: TestClient, harness: Harness) -> None:
    """PUT /api/v1/warehouse takes several MB from an admin key (15,000 bins are), and only
    the caller's 1 MB from any other key or route."""
    desc = small_warehouse()
    name = "Temp {:05d}, night shift, Northwind Staffing"
    desc["staff"] += [
        {"badge": f"T-{n:05d}", "name": name.format(n), "role": "picker"} for n in range(12_000)
    ]
    body = json.dumps(desc)
    assert BodyLimits().caller < len(body) < BodyLimits().warehouse
    r = client.put("/api/v1/warehouse", content=body, headers=ADMIN)
    assert r.status_code == 200, r.text
    assert client.put("/api/v1/warehouse", content=body, headers=INTAKE).status_code == 413
    assert client.post("/api/v1/orders", content=body, headers=ADMIN).status_code == 413
    assert len(harness.service.catalog().staff) == 12_005
