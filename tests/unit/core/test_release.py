"""Releasing an order is all or nothing: nothing reserved for an order that cannot be served."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from edge.app import create_app
from edge.messages import AdjustStock
from tests.support.harness import Harness

# Free stock in the small warehouse: MUG 10 in A-02-1-A (nearest the depot) and 10 in
# C-05-2-B, PIN 50 in B-06-2-A only.
MUG_BIN, OTHER_MUG_BIN, PIN_BIN = "A-02-1-A", "C-05-2-B", "B-06-2-A"


def _reserved(harness: Harness) -> dict[tuple[str, str], int]:
    with harness.service.read() as tx:
        rows = tx.all("SELECT bin, sku, reserved FROM stock WHERE reserved > 0")
    return {(r["bin"], r["sku"]): r["reserved"] for r in rows}


def _tasks(harness: Harness, order_id: int) -> list[dict[str, Any]]:
    with harness.service.read() as tx:
        return tx.all(
            "SELECT line_no, bin, sku, qty FROM tasks WHERE order_id = ? AND status = 'open'"
            " ORDER BY line_no, bin",
            (order_id,),
        )


def _waiting_order(harness: Harness) -> int:
    """Line 1 can be served (a mug), line 2 cannot (60 pins, 50 in stock): it waits."""
    before = harness.stock(MUG_BIN, "MUG")
    oid = harness.intake("SHOP-W", ("MUG", 1), ("PIN", 60))
    assert harness.order(oid)["status"] == "awaiting_stock"
    assert harness.stock(MUG_BIN, "MUG") == before  # nothing held for the servable line
    assert _reserved(harness) == {}
    assert _tasks(harness, oid) == []
    return oid


@pytest.mark.parametrize(
    "lines",
    [
        (("MUG", 1), ("PIN", 60)),  # the second line's SKU is short
        (("PIN", 60), ("MUG", 1)),  # the first line's
        (("MUG", 10), ("MUG", 15)),  # one SKU, 20 in two bins: the lines together are short
        (("MUG", 2), ("CABLE", 1), ("BOOK", 6)),  # the last of three
    ],
)
def test_an_order_that_cannot_be_served_in_full_reserves_nothing(
    harness: Harness, lines: tuple[tuple[str, int], ...]
) -> None:
    oid = harness.intake("SHOP-1", *lines)
    assert harness.order(oid)["status"] == "awaiting_stock"
    assert _reserved(harness) == {}
    assert _tasks(harness, oid) == []


def test_a_bin_found_empty_after_an_order_waited_on_it_corrects_its_count(
    harness: Harness,
) -> None:
    # The order that waits is taken in first, the one that is served second (no checks in
    # between: this test is about the empty bin, whatever the release left behind).
    waiting = harness.intake("SHOP-W", ("MUG", 1), ("PIN", 60))
    served = harness.intake("SHOP-S", ("MUG", 1))
    assert _tasks(harness, served) == [{"line_no": 1, "bin": MUG_BIN, "sku": "MUG", "qty": 1}]
    harness.scan("scan-1", "P-1")
    assert harness.view("scan-1")["stop"]["bin"] == MUG_BIN
    harness.scan("scan-1", MUG_BIN)
    harness.confirm("scan-1", 0, "bin empty")  # a leaked hold would break the CHECK here
    assert harness.stock(MUG_BIN, "MUG") == (0, 0)
    # The picker is sent to the other bin for the mug; nothing went to the dead letters.
    assert harness.view("scan-1")["stop"]["bin"] == OTHER_MUG_BIN
    assert _reserved(harness) == {(OTHER_MUG_BIN, "MUG"): 1}
    with harness.service.read() as tx:
        assert tx.value("SELECT count(*) FROM dead_letters") == 0
    assert harness.order(waiting)["status"] == "awaiting_stock"


def test_the_waiting_order_is_released_with_its_tasks_when_stock_arrives(
    harness: Harness,
) -> None:
    oid = _waiting_order(harness)
    # Too little still (55 of 60): nothing is held, the order waits on.
    harness.handle(AdjustStock(harness.origin("S-1"), PIN_BIN, "PIN", 55, "receipt"))
    assert harness.order(oid)["status"] == "awaiting_stock"
    assert _reserved(harness) == {}
    harness.handle(AdjustStock(harness.origin("S-1"), PIN_BIN, "PIN", 80, "receipt"))
    detail = harness.order(oid)
    assert detail["status"] == "received"
    assert [h["to_status"] for h in detail["history"]] == ["received", "awaiting_stock", "received"]
    assert detail["history"][-1]["actor"] == "S-1"
    assert _tasks(harness, oid) == [
        {"line_no": 1, "bin": MUG_BIN, "sku": "MUG", "qty": 1},
        {"line_no": 2, "bin": PIN_BIN, "sku": "PIN", "qty": 60},
    ]
    assert _reserved(harness) == {(MUG_BIN, "MUG"): 1, (PIN_BIN, "PIN"): 60}


@pytest.fixture
def client(harness: Harness) -> Iterator[TestClient]:
    with TestClient(create_app(harness.service), raise_server_exceptions=False) as c:
        yield c


def test_a_supervisors_receipt_over_http_releases_the_waiting_order(
    client: TestClient, harness: Harness
) -> None:
    oid = _waiting_order(harness)
    r = client.post("/api/v1/login", json={"badge": "S-1"})
    assert r.status_code == 200, r.text
    boss = {"Authorization": f"Bearer {r.json()['token']}"}
    body = {"bin": PIN_BIN, "sku": "PIN", "on_hand": 100, "reason": "receipt"}
    picker = client.post("/api/v1/login", json={"badge": "P-1"}).json()["token"]
    refused = client.post("/api/v1/stock", json=body, headers={"Authorization": f"Bearer {picker}"})
    assert refused.status_code == 403
    assert harness.order(oid)["status"] == "awaiting_stock"
    r = client.post("/api/v1/stock", json=body, headers=boss)
    assert r.status_code == 200, r.text
    assert [(s["bin"], s["on_hand"]) for s in r.json()["stock"]] == [(PIN_BIN, 100)]
    assert harness.order(oid)["status"] == "received"
    assert [t["sku"] for t in _tasks(harness, oid)] == ["MUG", "PIN"]
    assert _reserved(harness) == {(MUG_BIN, "MUG"): 1, (PIN_BIN, "PIN"): 60}
