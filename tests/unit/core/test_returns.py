"""Returns on the real store: an RMA, the desk grading each unit, the close, the put-away."""

from __future__ import annotations

import json
from typing import Any

import pytest

from edge.messages import (
    CloseRequested,
    IntakeReturn,
    ModeRequested,
    NextRequested,
    ReturnLineIn,
)
from edge.model import DomainError
from tests.support.harness import GTIN, Harness
from tests.support.returns import shipped_order

DESK = "scan-2"


def announce(h: Harness, rma: str, order: str, *lines: tuple[str, int]) -> Any:
    return h.handle(
        IntakeReturn(
            h.origin("shop"), rma, order, tuple(ReturnLineIn(s, q, "too big") for s, q in lines)
        )
    )


def desk(harness: Harness) -> None:
    h = harness
    h.scan(DESK, "P-2")
    h.handle(ModeRequested(DESK, h.msg_id(), h.clock.now, "return"))


def close(h: Harness, msg_id: str | None = None) -> Any:
    return h.handle(CloseRequested(DESK, msg_id or h.msg_id(), h.clock.now))


def feed(h: Harness, kind: str) -> list[dict[str, Any]]:
    with h.service.read() as tx:
        rows = tx.all("SELECT record FROM feed WHERE kind = ? ORDER BY seq", (kind,))
    return [json.loads(r["record"]) for r in rows]


def moves(h: Harness, sku: str) -> list[dict[str, Any]]:
    with h.service.read() as tx:
        return tx.all(
            "SELECT bin, delta, reason, ref, actor, device FROM stock_moves WHERE sku = ?"
            " ORDER BY id",
            (sku,),
        )


def test_one_resellable_one_damaged_stock_comes_back_only_when_put_away(harness: Harness) -> None:
    h = harness
    oid = shipped_order(h)
    announce(h, "RMA-1", "SHOP-R", ("MUG", 2))
    stock_before = h.stock("A-02-1-A", "MUG")
    moves_before = moves(h, "MUG")
    desk(h)
    assert h.view(DESK)["screen"] == "return_select"
    assert h.view(DESK)["returns"][0]["rma_id"] == "RMA-1"
    h.scan(DESK, "TRK-1-1")  # the parcel's label opens the announced RMA
    view = h.view(DESK)
    assert (view["screen"], view["expect"], view["return"]["rma_id"]) == ("return", "item", "RMA-1")
    h.scan(DESK, GTIN["MUG"], msg_id="unit-1")
    assert h.view(DESK)["expect"] == "grade"
    h.scan(DESK, "GRADE-RESELLABLE", msg_id="grade-1")
    h.scan(DESK, GTIN["MUG"], msg_id="unit-2")
    h.scan(DESK, "GRADE-DAMAGED", msg_id="grade-2")
    # The broker redelivers every scan and the close: nothing is counted twice.
    for mid, code in (("unit-1", GTIN["MUG"]), ("grade-1", "GRADE-RESELLABLE"),
                      ("unit-2", GTIN["MUG"]), ("grade-2", "GRADE-DAMAGED")):  # fmt: skip
        assert h.scan(DESK, code, msg_id=mid) == "duplicate"
    close(h, "close-1")
    assert close(h, "close-1") == "duplicate"
    done = h.view(DESK)
    assert done["screen"] == "return_done"
    line = done["return"]["lines"][0]
    assert (line["sku"], line["resellable"], line["damaged"], line["scanned"]) == ("MUG", 1, 1, 2)
    detail = h.order(oid)
    assert detail["status"] == "partly_returned"  # the book stayed with the customer
    assert [(ln["sku"], ln["returned"]) for ln in detail["lines"]] == [("MUG", 2), ("BOOK", 0)]
    assert detail["history"][-1]["to_status"] == "partly_returned"
    assert detail["history"][-1]["actor"] == "P-2" and detail["history"][-1]["device"] == DESK
    # Not sellable yet: nothing moved into a bin at the close.
    assert h.stock("A-02-1-A", "MUG") == stock_before
    assert moves(h, "MUG") == moves_before
    (record,) = feed(h, "return")
    assert record["rma_id"] == "RMA-1" and record["shop_order_id"] == "SHOP-R"
    assert record["order_id"] == oid and record["closed_by"] == "P-2"
    assert record["closed_device"] == DESK
    assert [(ln["sku"], ln["resellable"], ln["damaged"], ln["missing"], ln["wrong_item"])
            for ln in record["lines"]] == [("MUG", 1, 1, 0, 0)]  # fmt: skip
    assert {u["grade"] for u in record["units"]} == {"resellable", "damaged"}
    damaged = next(u for u in record["units"] if u["grade"] == "damaged")
    assert damaged["reason"] == "damaged" and damaged["graded_by"] == "P-2"
    with h.service.read() as tx:
        head = tx.one("SELECT closed_at FROM returns WHERE rma_id = 'RMA-1'")
        fed = tx.one("SELECT created_at, order_id FROM feed WHERE kind = 'return'")
        (task,) = tx.all("SELECT * FROM putaway_tasks WHERE source = 'return'")
    assert head is not None and fed is not None
    assert fed["created_at"] == head["closed_at"]  # written by the close's own transaction
    assert (task["sku"], task["qty"], task["suggested_bin"]) == ("MUG", 1, "A-02-1-A")
    # The put-away brings the one resellable mug back; the damaged one never enters a bin.
    h.handle(ModeRequested("scan-1", h.msg_id(), h.clock.now, "putaway"))
    h.scan("scan-1", GTIN["MUG"])
    h.scan("scan-1", task["suggested_bin"])
    assert h.stock("A-02-1-A", "MUG") == (stock_before[0] + 1, stock_before[1])
    new = moves(h, "MUG")[len(moves_before) :]
    assert [(m["bin"], m["delta"], m["reason"]) for m in new] == [("A-02-1-A", 1, "put-away")]
    assert new[0]["actor"] == "P-1" and new[0]["ref"] == f"return:{task['id']}"


def test_an_unannounced_return_a_wrong_item_and_no_over_return(harness: Harness) -> None:
    h = harness
    oid = shipped_order(h)
    desk(h)
    h.scan(DESK, f"ORD-{oid}")
    view = h.view(DESK)["return"]
    assert view["announced"] is False
    assert [(ln["sku"], ln["expected"]) for ln in view["lines"]] == [("MUG", 2), ("BOOK", 1)]
    h.scan(DESK, GTIN["BOOK"])
    h.scan(DESK, "GRADE-MISSING")  # the book's box came back empty
    with pytest.raises(DomainError, match="all 1 that can come back") as refused:
        h.scan(DESK, GTIN["BOOK"])
    assert refused.value.code == "over_return"
    assert h.view(DESK)["error_code"] == "over_return"
    h.scan(DESK, GTIN["PIN"])  # never in the order: a wrong item, no grading asked
    assert h.view(DESK)["expect"] == "item"
    with pytest.raises(DomainError, match="scan the unit first"):
        h.scan(DESK, "GRADE-DAMAGED")
    for _ in range(2):
        h.scan(DESK, GTIN["MUG"])
        h.scan(DESK, "GRADE-RESELLABLE")
    with pytest.raises(DomainError, match="all 2 that can come back"):
        h.scan(DESK, GTIN["MUG"])
    close(h)
    detail = h.order(oid)
    assert detail["status"] == "returned"
    (record,) = feed(h, "return")
    assert record["rma_id"] is None and record["announced"] is False
    by_sku = {ln["sku"]: ln for ln in record["lines"]}
    assert by_sku["PIN"]["wrong_item"] == 1 and by_sku["PIN"]["in_order"] is False
    assert by_sku["BOOK"]["missing"] == 1 and by_sku["MUG"]["resellable"] == 2
    wrong = next(u for u in record["units"] if u["sku"] == "PIN")
    assert wrong["reason"] == "wrong item: not in the order"
    # Everything came back: the order cannot be returned again.
    h.handle(NextRequested(DESK, h.msg_id(), h.clock.now))
    with pytest.raises(DomainError, match="is returned: only a shipped order"):
        h.scan(DESK, f"ORD-{oid}")
    with h.service.read() as tx:
        tasks = tx.all("SELECT sku, qty FROM putaway_tasks WHERE source = 'return'")
    assert tasks == [{"sku": "MUG", "qty": 2}]


def test_a_second_return_takes_only_what_is_left(harness: Harness) -> None:
    h = harness
    oid = shipped_order(h)
    desk(h)
    h.scan(DESK, "SHOP-R")  # the shop's order number opens it too
    h.scan(DESK, GTIN["MUG"])
    h.scan(DESK, "GRADE-RESELLABLE")
    close(h)
    assert h.order(oid)["status"] == "partly_returned"
    with pytest.raises(DomainError, match=r"lines\[0\].qty: at most 1 of MUG"):
        announce(h, "RMA-2", str(oid), ("MUG", 2))
    announce(h, "RMA-2", str(oid), ("MUG", 1), ("BOOK", 1))
    h.handle(NextRequested(DESK, h.msg_id(), h.clock.now))
    h.scan(DESK, "RMA-2")  # the return slip's RMA number
    assert h.view(DESK)["return"]["rma_id"] == "RMA-2"
    h.scan(DESK, GTIN["MUG"])
    h.scan(DESK, "GRADE-WRONG")
    h.scan(DESK, GTIN["BOOK"])
    h.scan(DESK, "GRADE-DAMAGED")
    close(h)
    # A mug graded a wrong item is not one of the order's: one mug is still out there.
    assert h.order(oid)["status"] == "partly_returned"
    assert [ln["returned"] for ln in h.order(oid)["lines"]] == [1, 1]


def test_the_rma_is_idempotent_and_checked(harness: Harness) -> None:
    h = harness
    oid = shipped_order(h)
    first = announce(h, "RMA-9", "SHOP-R", ("MUG", 1))
    assert first["created"] is True
    assert announce(h, "RMA-9", "SHOP-R", ("MUG", 1))["created"] is False
    with pytest.raises(DomainError, match="announced with other content") as err:
        announce(h, "RMA-9", "SHOP-R", ("MUG", 2))
    assert err.value.code == "conflict"
    with pytest.raises(DomainError, match=r"lines\[0\].sku: 'PIN' was not shipped"):
        announce(h, "RMA-10", f"ORD-{oid}", ("PIN", 1))
    with pytest.raises(DomainError, match="order: no order 'NOPE'"):
        announce(h, "RMA-11", "NOPE", ("MUG", 1))
    desk(h)  # before the next order comes, so the desk's person is not handed it to pick
    h.intake("SHOP-OPEN", ("CABLE", 1))
    with pytest.raises(DomainError, match="not shipped") as err:
        announce(h, "RMA-12", "SHOP-OPEN", ("CABLE", 1))
    assert err.value.code == "conflict"
    with pytest.raises(DomainError, match="only a shipped order"):
        h.scan(DESK, "SHOP-OPEN")
    with pytest.raises(DomainError, match="no order or parcel"):
        h.scan(DESK, "NOTHING-1")
    h.scan(DESK, "TRK-1-1")
    with pytest.raises(DomainError, match="nothing scanned yet"):
        close(h)
    h.scan(DESK, GTIN["MUG"])
    with pytest.raises(DomainError, match="grade every scanned unit before closing"):
        close(h)
    with pytest.raises(DomainError, match="grade the last unit first"):
        h.scan(DESK, GTIN["MUG"])
