"""Receiving, put-away, replenishment and blind counts through the real core and store."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from edge.messages import (
    AdjustStock,
    CloseRequested,
    DecideCount,
    DeliveryLineIn,
    IntakeDelivery,
    LoadWarehouse,
    ModeRequested,
    NextRequested,
    Origin,
    ScheduleCount,
    SkipRequested,
)
from edge.model import DomainError
from edge.warehouse import parse_description
from tests.support.harness import GTIN, Harness, small_warehouse

RESERVE = "C-06-2-A"
FACE = "A-02-1-A"


def stocked_warehouse() -> dict[str, Any]:
    """The small warehouse with a reserve zone (aisle C, level 2) and a MUG pick face that
    holds 20 and is topped up below 5."""
    desc = small_warehouse()
    bins = []
    for b in desc["bins"]:
        if b["label"].startswith("C-") and b["label"].split("-")[2] == "2":
            bins.append({**b, "kind": "reserve"})
        elif b["label"] == FACE:
            bins.append({**b, "capacity_units": 20, "min_qty": 5})
        else:
            bins.append({**b, "capacity_units": 30})
    desc["bins"] = bins
    desc["stock"] = [
        {"bin": FACE, "sku": "MUG", "qty": 6},
        {"bin": RESERVE, "sku": "MUG", "qty": 40},
        {"bin": "B-03-1-B", "sku": "CABLE", "qty": 3},
        {"bin": "C-01-1-A", "sku": "BOOK", "qty": 5},
    ]
    return desc


@pytest.fixture
def h(harness: Harness) -> Harness:
    harness.handle(
        LoadWarehouse(
            Origin("test", harness.clock.now, "test"), parse_description(stocked_warehouse())
        )
    )
    return harness


def mode(h: Harness, device: str, work: str) -> None:
    h.handle(ModeRequested(device, h.msg_id(), h.clock.now, work))  # type: ignore[arg-type]


def nxt(h: Harness, device: str) -> None:
    h.handle(NextRequested(device, h.msg_id(), h.clock.now))


def deliver(h: Harness, delivery_id: str = "DLV-1", **extra: Any) -> dict[str, Any]:
    lines = extra.pop("lines", (DeliveryLineIn("MUG", 12), DeliveryLineIn("BOOK", 4, "L1")))
    return h.handle(IntakeDelivery(h.origin("erp"), delivery_id, "Acme", tuple(lines), **extra))  # type: ignore[no-any-return]


def feed_kinds(h: Harness) -> list[tuple[str, dict[str, Any]]]:
    with h.service.read() as tx:
        rows = tx.all("SELECT kind, record FROM feed ORDER BY seq")
    return [(r["kind"], json.loads(r["record"])) for r in rows]


def test_a_delivery_is_announced_once_and_refused_with_other_content(h: Harness) -> None:
    first = deliver(h)
    assert first["created"] is True
    assert deliver(h) == {**first, "created": False}
    with pytest.raises(DomainError) as err:
        deliver(h, lines=(DeliveryLineIn("MUG", 13),))
    assert err.value.code == "conflict"
    with pytest.raises(DomainError) as err:
        deliver(h, "DLV-2", lines=(DeliveryLineIn("NOPE", 1),))
    assert "lines[0].sku" in str(err.value)


def receive_dlv1(h: Harness) -> dict[str, Any]:
    deliver(h)
    h.scan("scan-1", "P-1")
    mode(h, "scan-1", "receive")
    assert h.view("scan-1")["screen"] == "receive_select"
    assert h.view("scan-1")["deliveries"][0]["delivery_id"] == "DLV-1"
    h.scan("scan-1", "DLV-1")
    # A case of MUG: one scan, then its quantity.
    h.scan("scan-1", GTIN["MUG"])
    h.confirm("scan-1", 10)
    # BOOK with a GS1 code split over two barcodes: GTIN + expiry, then the lot.
    h.scan("scan-1", f"]C101{GTIN['BOOK'].zfill(14)}17270630")
    assert h.view("scan-1")["awaiting_lot"] is False  # an expiry came; lot may still follow
    h.scan("scan-1", "]C110L1")
    h.scan("scan-1", GTIN["BOOK"])
    h.scan("scan-1", GTIN["BOOK"])
    h.confirm("scan-1", 1, "damaged")
    # Not announced: a CABLE.
    h.scan("scan-1", GTIN["CABLE"])
    h.handle(CloseRequested("scan-1", h.msg_id(), h.clock.now))
    return h.view("scan-1")


def test_receiving_records_lots_damage_and_differences(h: Harness) -> None:
    done = receive_dlv1(h)
    assert done["screen"] == "receive_done"
    diffs = {d["sku"]: d for d in done["differences"]}
    assert diffs["MUG"]["diff"] == -2  # 10 of 12
    assert diffs["BOOK"] == {**diffs["BOOK"], "received": 3, "damaged": 1, "diff": -1}
    assert diffs["CABLE"]["expected"] == 0 and diffs["CABLE"]["diff"] == 1
    with h.service.read() as tx:
        scans = tx.all("SELECT sku, lot, expiry, qty, condition, actor, device FROM receipt_scans")
        tasks = tx.all("SELECT sku, qty, lot, suggested_bin FROM putaway_tasks ORDER BY id")
    book = [s for s in scans if s["sku"] == "BOOK"]
    assert book[0]["lot"] == "L1" and book[0]["expiry"] == "2027-06-30"
    assert all(s["actor"] == "P-1" and s["device"] == "scan-1" for s in scans)
    # Sound units only: 10 MUG, 2 BOOK (1 damaged), 1 CABLE; not sellable until put away.
    assert {(t["sku"], t["qty"]) for t in tasks} == {("MUG", 10), ("BOOK", 2), ("CABLE", 1)}
    assert h.stock(FACE, "MUG") == (6, 0)
    kinds = feed_kinds(h)
    assert kinds[-1][0] == "receipt" and kinds[-1][1]["delivery_id"] == "DLV-1"


def test_put_away_follows_the_suggestion_or_records_another_bin(h: Harness) -> None:
    receive_dlv1(h)
    order = h.intake("S-1", ("CABLE", 4))  # 3 in stock: waits
    assert h.order(order)["status"] == "awaiting_stock"
    h.scan("scan-2", "P-2")
    mode(h, "scan-2", "putaway")
    queue = h.view("scan-2")["tasks"]
    assert queue[0]["sku"] == "CABLE"  # a waiting order needs it: first
    # MUG: its face holds 6 of 20, so 14 fit: all 10 go there.
    h.scan("scan-2", GTIN["MUG"])
    task = h.view("scan-2")["task"]
    assert task["suggested_bin"] == FACE and task["reason"] == "existing bin"
    h.scan("scan-2", FACE)
    assert h.stock(FACE, "MUG")[0] == 16
    # CABLE into another bin than suggested: recorded, and the waiting order is released.
    h.scan("scan-2", GTIN["CABLE"])
    suggested = h.view("scan-2")["task"]["suggested_bin"]
    h.scan("scan-2", "A-05-1-B")
    assert h.order(order)["status"] != "awaiting_stock"
    with h.service.read() as tx:
        puts = tx.all("SELECT bin, suggested_bin, followed, actor FROM putaways ORDER BY id")
        move = tx.one("SELECT ref FROM stock_moves WHERE bin = 'A-05-1-B'")
    assert puts[0]["followed"] == 1 and puts[1] == {
        "bin": "A-05-1-B",
        "suggested_bin": suggested,
        "followed": 0,
        "actor": "P-2",
    }
    assert move is not None and move["ref"] == "receipt:DLV-1"
    assert [k for k, _ in feed_kinds(h)].count("putaway") == 2


def test_a_full_bin_takes_what_fits_and_the_rest_gets_a_new_suggestion(h: Harness) -> None:
    deliver(h, "DLV-9", lines=(DeliveryLineIn("MUG", 30),))
    h.scan("scan-1", "P-1")
    mode(h, "scan-1", "receive")
    h.scan("scan-1", "DLV-9")
    h.scan("scan-1", GTIN["MUG"])
    h.confirm("scan-1", 30)
    h.handle(CloseRequested("scan-1", h.msg_id(), h.clock.now))
    mode(h, "scan-1", "putaway")
    nxt(h, "scan-1")
    h.scan("scan-1", FACE)  # room for 14
    view = h.view("scan-1")
    assert h.stock(FACE, "MUG")[0] == 20
    assert view["screen"] == "putaway" and view["task"]["qty"] == 16
    # Overflow goes to a reserve bin that already holds MUG (C-05-2-B from the first load).
    assert view["task"]["suggested_bin"] in ("C-05-2-B", RESERVE)
    assert view["task"]["reason"] == "reserve"


def test_a_delivery_closed_by_one_receiver_is_closed_for_the_other(h: Harness) -> None:
    deliver(h, "DLV-7", lines=(DeliveryLineIn("MUG", 4),))
    for device, badge in (("scan-1", "P-1"), ("scan-2", "P-2")):
        h.scan(device, badge)
        mode(h, device, "receive")
        h.scan(device, "DLV-7")
    h.scan("scan-2", GTIN["MUG"])
    h.handle(CloseRequested("scan-1", h.msg_id(), h.clock.now))
    assert h.view("scan-2")["screen"] == "receive_done"
    with pytest.raises(DomainError, match="closed"):
        h.scan("scan-2", GTIN["MUG"])
    with pytest.raises(DomainError, match="closed"):
        h.confirm("scan-2", 3)
    with h.service.read() as tx:
        assert tx.value("SELECT sum(qty) FROM receipt_scans") == 1
        assert tx.value("SELECT sum(qty) FROM putaway_tasks") == 1


def test_people_choosing_work_see_new_tasks_without_asking(h: Harness) -> None:
    h.scan("scan-2", "P-2")
    mode(h, "scan-2", "putaway")
    assert h.view("scan-2")["tasks"] == []
    deliver(h, "DLV-6", lines=(DeliveryLineIn("MUG", 2),))
    h.scan("scan-1", "P-1")
    mode(h, "scan-1", "receive")
    h.scan("scan-1", "DLV-6")
    h.scan("scan-1", GTIN["MUG"])
    h.handle(CloseRequested("scan-1", h.msg_id(), h.clock.now))
    assert [t["sku"] for t in h.view("scan-2")["tasks"]] == ["MUG"]
    # A putter taking the task takes it off the other choosers' lists too.
    mode(h, "scan-1", "putaway")
    nxt(h, "scan-1")
    assert h.view("scan-2")["tasks"] == []


def test_a_suggestion_that_filled_up_since_is_made_again_when_the_task_is_taken(
    h: Harness,
) -> None:
    deliver(h, "DLV-8", lines=(DeliveryLineIn("MUG", 10),))
    h.scan("scan-1", "P-1")
    mode(h, "scan-1", "receive")
    h.scan("scan-1", "DLV-8")
    h.scan("scan-1", GTIN["MUG"])
    h.confirm("scan-1", 10)
    h.handle(CloseRequested("scan-1", h.msg_id(), h.clock.now))
    with h.service.read() as tx:
        assert tx.value("SELECT suggested_bin FROM putaway_tasks") == FACE
    # The face is found full by a count before anyone takes the task.
    h.handle(AdjustStock(h.origin("S-1"), FACE, "MUG", 20, "count"))
    mode(h, "scan-1", "putaway")
    nxt(h, "scan-1")
    task = h.view("scan-1")["task"]
    assert task["suggested_bin"] != FACE and task["reason"] == "reserve"


def test_a_pick_below_the_minimum_makes_a_top_up_from_reserve(h: Harness) -> None:
    order = h.intake("S-2", ("MUG", 3))
    h.scan("scan-1", "P-1")
    h.pick_current_stop("scan-1")  # 6 - 3 = 3 free, below 5
    with h.service.read() as tx:
        task = tx.one("SELECT * FROM replen_tasks WHERE status = 'open'")
    assert task is not None and (task["from_bin"], task["to_bin"]) == (RESERVE, FACE)
    # Asked for after the first unit left (5 on the shelf, 2 still to pick): never more
    # than the face holds, 20 - 5, though the 2 will leave.
    assert task["qty"] == 15 and h.stock(RESERVE, "MUG") == (40, 15)
    assert h.order(order)["status"] == "packing"
    h.scan("scan-2", "P-2")
    mode(h, "scan-2", "replenish")
    nxt(h, "scan-2")
    assert h.view("scan-2")["step"] == "from"
    with pytest.raises(DomainError):
        h.scan("scan-2", FACE)  # wrong bin: the reserve first
    h.scan("scan-2", RESERVE)
    h.scan("scan-2", GTIN["MUG"])
    view = h.view("scan-2")
    assert view["step"] == "to" and view["task"]["lit"] is True  # FACE has a light module
    h.scan("scan-2", FACE)
    assert h.stock(FACE, "MUG") == (18, 0) and h.stock(RESERVE, "MUG") == (25, 0)
    assert h.view("scan-2")["screen"] == "replenish_select"


def test_an_order_waiting_for_stock_in_reserve_gets_a_top_up_first(h: Harness) -> None:
    order = h.intake("S-3", ("MUG", 9))  # face has 6, reserve 40
    assert h.order(order)["status"] == "awaiting_stock"
    with h.service.read() as tx:
        task = tx.one("SELECT priority, qty FROM replen_tasks WHERE status = 'open'")
    assert task == {"priority": 1, "qty": 14}


def count_to(h: Harness, device: str, counted: int) -> dict[str, Any]:
    nxt(h, device)
    view = h.view(device)
    assert view["screen"] == "count"
    h.scan(device, view["count"]["bin"])
    h.confirm(device, counted)
    return h.view(device)


def test_a_blind_count_with_a_big_difference_is_recounted_and_approved(h: Harness) -> None:
    h.scan("scan-1", "P-1")
    h.scan("scan-2", "P-2")
    for device in ("scan-1", "scan-2"):
        mode(h, device, "count")
    first = count_to(h, "scan-1", 1)  # the store says 6 (abc: never counted)
    assert first["screen"] == "count_done" and first["outcome"] == "recount"
    # The same person does not get the recount.
    nxt(h, "scan-1")
    mine = h.view("scan-1")
    assert mine["screen"] in ("count", "count_select")
    if mine["screen"] == "count":
        assert mine["count"]["recount"] is False
        h.handle(SkipRequested("scan-1", h.msg_id(), h.clock.now))
    second = count_to(h, "scan-2", 1)
    assert second["outcome"] == "approval"
    with h.service.read() as tx:
        row = tx.one("SELECT * FROM counts WHERE status = 'approval'")
    assert row is not None and row["first_by"] == "P-1" and row["second_by"] == "P-2"
    decided = h.handle(DecideCount(h.origin("S-1"), row["id"], True, "mugs broken in aisle"))
    assert decided["status"] == "approved" and decided["adjustment"] == -5
    assert h.stock(row["bin"], row["sku"])[0] == 1
    kind, record = feed_kinds(h)[-1]
    assert (
        kind == "stock_adjustment"
        and record["delta"] == -5
        and record["ref"] == f"count:{row['id']}"
    )


def test_count_views_never_carry_the_expected_quantity(h: Harness) -> None:
    h.scan("scan-1", "P-1")
    mode(h, "scan-1", "count")
    nxt(h, "scan-1")
    view = h.view("scan-1")
    assert set(view["count"]) == {"count_id", "bin", "sku", "name", "gtins", "recount", "counted"}
    h.scan("scan-1", view["count"]["bin"])
    assert h.view("scan-1")["expect"] == "qty"


def test_a_small_difference_is_adjusted_at_once(h: Harness) -> None:
    h.scan("scan-1", "P-1")
    mode(h, "scan-1", "count")
    nxt(h, "scan-1")
    target = h.view("scan-1")["count"]
    before = h.stock(target["bin"], target["sku"])[0]
    h.scan("scan-1", target["bin"])
    h.confirm("scan-1", before + 1)
    assert h.view("scan-1")["outcome"] == "ok"
    assert h.stock(target["bin"], target["sku"])[0] == before + 1


def test_a_pick_during_a_count_sends_it_to_recount(h: Harness) -> None:
    h.scan("scan-2", "P-2")
    mode(h, "scan-2", "count")
    h.intake("S-4", ("MUG", 1))
    h.handle(ScheduleCount(h.origin("S-1"), FACE, "MUG"))
    nxt(h, "scan-2")
    assert h.view("scan-2")["count"]["bin"] == FACE
    h.scan("scan-2", FACE)
    h.scan("scan-1", "P-1")
    h.pick_current_stop("scan-1")  # takes one MUG from FACE meanwhile
    h.confirm("scan-2", 5)  # exactly right after the pick
    assert h.view("scan-2")["outcome"] == "recount"


def test_switching_work_is_refused_mid_pick_list_and_at_a_pack_station(h: Harness) -> None:
    h.intake("S-5", ("MUG", 1), ("BOOK", 1))
    h.scan("scan-1", "P-1")
    assert h.view("scan-1")["screen"] == "stop"
    with pytest.raises(DomainError):
        mode(h, "scan-1", "receive")
    h.scan("pack-1", "K-1")
    with pytest.raises(DomainError):
        mode(h, "pack-1", "count")
    h.scan("scan-2", "P-2")
    h.scan("scan-2", "MODE-RECEIVE")  # a printed command code
    assert h.view("scan-2")["mode"] == "receive"


def test_expiry_and_lot_reach_the_receipt_lines(h: Harness) -> None:
    deliver(h, "DLV-5", lines=(DeliveryLineIn("BOOK", 2, None, date(2027, 1, 31)),))
    h.scan("scan-1", "P-1")
    mode(h, "scan-1", "receive")
    h.scan("scan-1", "DLV-5")
    h.scan("scan-1", f"(01){GTIN['BOOK'].zfill(14)}(17)270131(10)LX")
    line = h.view("scan-1")["delivery"]["lines"][0]
    assert (line["lot"], line["expiry"], line["received"]) == ("LX", "2027-01-31", 1)


def test_a_reserve_bin_counted_short_cancels_its_top_up_and_asks_elsewhere(h: Harness) -> None:
    h.intake("S-6", ("MUG", 3))
    h.scan("scan-1", "P-1")
    h.pick_current_stop("scan-1")  # the face drops below its minimum: a top-up from RESERVE
    h.handle(ScheduleCount(h.origin("S-1"), RESERVE, "MUG"))
    h.scan("scan-2", "P-2")
    mode(h, "scan-1", "count")
    mode(h, "scan-2", "count")
    assert count_to(h, "scan-1", 2)["outcome"] == "recount"  # the store says 40
    assert count_to(h, "scan-2", 2)["outcome"] == "approval"
    with h.service.read() as tx:
        count_id = tx.value("SELECT id FROM counts WHERE status = 'approval'")
    h.handle(DecideCount(h.origin("S-1"), count_id, True, "pallet was never delivered"))
    assert h.stock(RESERVE, "MUG") == (2, 0)
    with h.service.read() as tx:
        tasks = tx.all("SELECT from_bin, status FROM replen_tasks ORDER BY id")
    # The old top-up is cancelled; the face asks again from the other reserve bin with MUG.
    assert tasks[0] == {"from_bin": RESERVE, "status": "cancelled"}
    assert tasks[-1]["status"] == "open" and tasks[-1]["from_bin"] == "C-05-2-B"
