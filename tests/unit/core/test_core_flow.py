"""The main flow on the real store: intake, picking by scans, lights, packing, shipping, feed."""

from __future__ import annotations

import pytest

from edge.messages import (
    AdjustStock,
    CancelOrder,
    DeadLetter,
    DeviceError,
    LightAck,
    LightOff,
    LightOn,
    LogoutRequested,
    OverrideHold,
    PlanTrip,
    PresenceChanged,
    ResumePlanning,
    SkipRequested,
)
from edge.model import DomainError
from edge.planner import plan_trip
from tests.support.harness import GTIN, Harness


def test_intake_is_idempotent_by_shop_order_id(harness: Harness) -> None:
    first = harness.intake("SHOP-1", ("MUG", 2))
    again = harness.intake("SHOP-1", ("MUG", 2))
    assert first == again
    with harness.service.read() as tx:
        assert tx.value("SELECT count(*) FROM orders") == 1
    with pytest.raises(DomainError, match="exists with other lines"):
        harness.intake("SHOP-1", ("MUG", 3))


def test_intake_names_the_bad_line(harness: Harness) -> None:
    with pytest.raises(DomainError, match=r"lines\[1\]\.sku: unknown SKU 'NOPE'"):
        harness.intake("SHOP-2", ("MUG", 1), ("NOPE", 1))


def test_stock_is_reserved_from_specific_bins_or_the_order_waits(harness: Harness) -> None:
    oid = harness.intake("SHOP-1", ("CABLE", 2))
    assert harness.order(oid)["status"] == "received"
    assert harness.stock("B-03-1-B", "CABLE") == (3, 2)
    waiting = harness.intake("SHOP-2", ("CABLE", 2))
    assert harness.order(waiting)["status"] == "awaiting_stock"
    assert harness.stock("B-03-1-B", "CABLE") == (3, 2)  # all or nothing: no partial hold
    harness.handle(AdjustStock(harness.origin("S-1"), "B-03-1-B", "CABLE", 5, "receipt"))
    detail = harness.order(waiting)
    assert detail["status"] == "received"
    assert [h["to_status"] for h in detail["history"]] == ["received", "awaiting_stock", "received"]
    assert harness.stock("B-03-1-B", "CABLE") == (5, 4)


def test_full_pick_by_scans_in_route_order(harness: Harness) -> None:
    oid = harness.intake("SHOP-1", ("BOOK", 1), ("MUG", 2), ("CABLE", 1))
    harness.scan("scan-1", "P-1")
    view = harness.view("scan-1")
    assert view["screen"] == "stop" and view["expect"] == "bin"
    assert view["stop"]["n"] == 1 and view["stop"]["of"] == 3
    assert harness.order(oid)["status"] == "picking"
    visited = [harness.pick_current_stop("scan-1")["bin"] for _ in range(3)]
    assert sorted(visited) == sorted(["C-01-1-A", "A-02-1-A", "B-03-1-B"])
    # The route is a walk, not a label sort: aisle A, then B, then C and back.
    assert visited == ["A-02-1-A", "B-03-1-B", "C-01-1-A"]
    assert harness.view("scan-1")["screen"] == "trip_done"
    detail = harness.order(oid)
    assert detail["status"] == "packing"
    # The item scan takes one unit; the confirm takes the rest of the stop.
    assert [(p["bin"], p["qty"], p["picker"], p["device"]) for p in detail["picks"]] == [
        ("A-02-1-A", 1, "P-1", "scan-1"),
        ("A-02-1-A", 1, "P-1", "scan-1"),
        ("B-03-1-B", 1, "P-1", "scan-1"),
        ("C-01-1-A", 1, "P-1", "scan-1"),
    ]
    assert harness.stock("A-02-1-A", "MUG") == (8, 0)
    picking = next(h for h in detail["history"] if h["to_status"] == "picking")
    assert (picking["actor"], picking["device"]) == ("P-1", "scan-1")


def test_wrong_bin_and_wrong_item_are_refused_and_record_nothing(harness: Harness) -> None:
    oid = harness.intake("SHOP-1", ("CABLE", 1))
    harness.scan("scan-1", "P-1")
    with pytest.raises(DomainError, match="wrong bin: expected B-03-1-B, scanned B-04-1-B"):
        harness.scan("scan-1", "B-04-1-B")
    errors = [e for e in harness.effects if isinstance(e, DeviceError)]
    assert errors[-1].device_id == "scan-1" and "wrong bin" in errors[-1].reason
    assert "wrong bin" in harness.view("scan-1")["error"]
    harness.scan("scan-1", "B-03-1-B")
    with pytest.raises(DomainError, match=r"wrong item: expected Cable \(CABLE\), scanned Mug"):
        harness.scan("scan-1", GTIN["MUG"])
    with pytest.raises(DomainError, match="not a product barcode"):
        harness.scan("scan-1", "hello")
    assert harness.order(oid)["picks"] == []
    # A GS1-128 scan with a lot is the right item; one unit needed, so the stop is done.
    harness.scan("scan-1", "]C101" + "0" + GTIN["CABLE"] + "10LOT7")
    detail = harness.order(oid)
    assert detail["status"] == "packing"
    # The pick records what was scanned: the GTIN-14 and the lot from the GS1 code.
    assert (detail["picks"][0]["gtin"], detail["picks"][0]["lot"]) == ("0" + GTIN["CABLE"], "LOT7")


def test_a_redelivered_scan_changes_nothing(harness: Harness) -> None:
    oid = harness.intake("SHOP-1", ("CABLE", 2))
    harness.scan("scan-1", "P-1")
    harness.scan("scan-1", "B-03-1-B", msg_id="same")
    harness.scan("scan-1", GTIN["CABLE"], msg_id="item")
    # The broker redelivers the bin scan: not a wrong-item error, not a second change.
    assert harness.scan("scan-1", "B-03-1-B", msg_id="same") == "duplicate"
    # A redelivered item scan does not take a second unit.
    assert harness.scan("scan-1", GTIN["CABLE"], msg_id="item") == "duplicate"
    view = harness.view("scan-1")
    assert view["expect"] == "qty" and view["stop"]["picked"] == 1 and view["stop"]["qty"] == 1
    harness.scan("scan-1", GTIN["CABLE"], msg_id="item-2")
    detail = harness.order(oid)
    assert detail["status"] == "packing"
    assert [p["msg_id"] for p in detail["picks"]] == ["item", "item-2"]


def test_short_pick_corrects_stock_and_resources_from_another_bin(harness: Harness) -> None:
    oid = harness.intake("SHOP-1", ("MUG", 3))
    harness.scan("scan-1", "P-1")
    assert harness.view("scan-1")["stop"]["bin"] == "A-02-1-A"
    harness.scan("scan-1", "A-02-1-A")
    harness.scan("scan-1", GTIN["MUG"])  # one unit taken, two to go; only none are left
    harness.confirm("scan-1", 0, "bin nearly empty")
    assert harness.stock("A-02-1-A", "MUG") == (0, 0)  # the count is corrected
    view = harness.view("scan-1")
    assert view["stop"]["bin"] == "C-05-2-B" and view["stop"]["qty"] == 2
    harness.pick_current_stop("scan-1")
    detail = harness.order(oid)
    assert detail["status"] == "packing"
    assert detail["lines"][0]["picked"] == 3 and detail["lines"][0]["short"] == 0
    with harness.service.read() as tx:
        moves = tx.all(
            "SELECT delta, reason FROM stock_moves WHERE bin = 'A-02-1-A'"
            " AND actor = 'P-1' ORDER BY id"
        )
    assert [m["delta"] for m in moves] == [-1, -9]
    assert moves[1]["reason"].startswith("count correction")


def test_short_pick_without_stock_holds_the_order_and_supervisor_overrides(
    harness: Harness,
) -> None:
    oid = harness.intake("SHOP-1", ("BOOK", 2), ("PIN", 1))
    harness.scan("scan-1", "P-1")
    while harness.view("scan-1")["screen"] == "stop":
        stop = harness.view("scan-1")["stop"]
        harness.scan("scan-1", stop["bin"])
        harness.scan("scan-1", stop["gtins"][0])
        if stop["sku"] == "BOOK":  # one of two taken; the other is damaged
            harness.confirm("scan-1", 0, "damaged")
    detail = harness.order(oid)
    assert detail["status"] == "on_hold"
    assert "BOOK line 1 short by 1" in detail["hold_reason"]
    assert detail["lines"][0]["picked"] == 1 and detail["lines"][1]["picked"] == 1
    harness.handle(OverrideHold(harness.origin("S-1"), oid, "customer agreed to partial"))
    detail = harness.order(oid)
    assert detail["status"] == "packing"
    last = detail["history"][-1]
    assert last["actor"] == "S-1" and "customer agreed" in last["reason"]


def test_pick_to_light_lights_the_stop_and_the_button_confirms_it(harness: Harness) -> None:
    oid = harness.intake("SHOP-1", ("MUG", 2))
    harness.scan("scan-1", "P-1")
    lit = [e for e in harness.effects if isinstance(e, LightOn)]
    assert lit[-1].slot == "A-02-1-A" and lit[-1].qty == 2 and lit[-1].color == "#00ff00"
    assert harness.view("scan-1")["stop"]["lit"] is True
    harness.button("ptl-A", "A-02-1-A", 2)
    off = [e for e in harness.effects if isinstance(e, LightOff)]
    assert off[-1].slot == "A-02-1-A"
    detail = harness.order(oid)
    assert detail["status"] == "packing"
    assert detail["picks"][0]["via"] == "light" and detail["picks"][0]["picker"] == "P-1"
    with pytest.raises(DomainError, match="not lit"):
        harness.button("ptl-A", "A-02-1-A", 1)


def test_dead_letter_is_stored_and_answered(harness: Harness) -> None:
    harness.handle(
        DeadLetter(
            "wh/t1/scanner/scan-1/evt",
            b"{oops",
            "payload is not JSON",
            "scan-1",
            "",
            harness.clock.now,
            "scanner",
        )
    )
    with harness.service.read() as tx:
        row = tx.one("SELECT device, reason, payload FROM dead_letters")
    assert row is not None and row["reason"] == "payload is not JSON"
    assert bytes(row["payload"]) == b"{oops"
    err = [e for e in harness.effects if isinstance(e, DeviceError)][-1]
    assert (err.device_id, err.kind, err.code) == ("scan-1", "scanner", "malformed")


def test_two_pickers_share_a_shelf_without_sharing_a_slot(harness: Harness) -> None:
    first = harness.intake("SHOP-1", ("MUG", 1))
    second = harness.intake("SHOP-2", ("MUG", 1))
    harness.handle(AdjustStock(harness.origin("S-1"), "A-02-1-A", "MUG", 10, "count"))
    harness.scan("scan-1", "P-1")
    harness.scan("scan-2", "P-2")
    # The batcher put both orders on one cart, or each picker got one: either way no slot
    # is lit twice.
    lit = [e for e in harness.effects if isinstance(e, LightOn)]
    assert len({(e.device_id, e.slot) for e in lit}) == len(lit)
    assert {harness.order(first)["status"], harness.order(second)["status"]} == {"picking"}


def test_a_light_module_back_online_gets_its_desired_state_again(harness: Harness) -> None:
    harness.intake("SHOP-1", ("MUG", 2))
    harness.scan("scan-1", "P-1")
    first = [e for e in harness.effects if isinstance(e, LightOn)][-1]
    harness.handle(PresenceChanged("ptl-A", "shelf", False, harness.clock.now))
    with harness.service.read() as tx:
        row = tx.one("SELECT online, status_since FROM devices WHERE id = 'ptl-A'")
    assert row is not None and row["online"] == 0 and row["status_since"] is not None
    harness.effects.clear()
    harness.handle(PresenceChanged("ptl-A", "shelf", True, harness.clock.now))
    resent = [e for e in harness.effects if isinstance(e, LightOn)]
    assert resent == [first]  # same slot, quantity, colour and command id
    harness.handle(LightAck("ptl-A", harness.msg_id(), harness.clock.now, first.cmd_id))
    with harness.service.read() as tx:
        assert tx.value("SELECT acked_at FROM lights WHERE cmd_id = ?", (first.cmd_id,))


def test_cancel_releases_reserved_stock_and_moves_the_picker_on(harness: Harness) -> None:
    first = harness.intake("SHOP-1", ("MUG", 2), ("BOOK", 1))
    harness.scan("scan-1", "P-1")
    assert harness.stock("A-02-1-A", "MUG") == (10, 2)
    harness.handle(CancelOrder(harness.origin("S-1"), first, "customer cancelled"))
    assert harness.stock("A-02-1-A", "MUG") == (10, 0)
    assert harness.stock("C-01-1-A", "BOOK") == (5, 0)
    assert harness.order(first)["status"] == "cancelled"
    assert harness.view("scan-1")["screen"] == "trip_done"
    assert [e for e in harness.effects if isinstance(e, LightOff)][-1].slot == "A-02-1-A"


def test_concurrent_plans_get_disjoint_orders_and_stale_plans_are_rechecked(
    harness: Harness,
) -> None:
    first = harness.intake("SHOP-1", ("MUG", 1))
    second = harness.intake("SHOP-2", ("BOOK", 1))
    harness.runtime.sinks.remove(harness.service.planner)  # hold the plans back
    harness.scan("scan-1", "P-1")
    assert harness.view("scan-1")["screen"] == "planning"
    harness.scan("scan-2", "P-2")  # both orders are being planned for scan-1
    assert harness.view("scan-2")["screen"] == "idle"
    plan = next(e for e in harness.effects if isinstance(e, PlanTrip))
    assert {c.order_id for c in plan.candidates} == {first, second}
    planned = plan_trip(plan)
    harness.handle(CancelOrder(harness.origin("S-1"), first, "customer cancelled"))
    assert harness.handle(planned) == "assigned"  # the rest of the cart still rides
    assert harness.view("scan-1")["stop"]["bin"] == "C-01-1-A"
    assert harness.order(second)["status"] == "picking"
    assert harness.handle(planned) == "stale"  # a late duplicate changes nothing


def test_a_plan_lost_in_a_restart_is_asked_for_again(harness: Harness) -> None:
    oid = harness.intake("SHOP-1", ("MUG", 1))
    harness.runtime.sinks.remove(harness.service.planner)
    harness.scan("scan-1", "P-1")
    lost = next(e for e in harness.effects if isinstance(e, PlanTrip))
    harness.effects.clear()
    harness.runtime.sinks.append(harness.service.planner)
    harness.handle(ResumePlanning(harness.origin("system")))
    assert harness.view("scan-1")["stop"]["order_id"] == oid
    assert harness.handle(plan_trip(lost)) == "stale"  # superseded by the new plan


def test_devices_get_the_contracts_error_codes(harness: Harness) -> None:
    harness.intake("SHOP-1", ("CABLE", 1))
    harness.scan("scan-1", "P-1")
    with pytest.raises(DomainError):
        harness.scan("scan-1", "A-01-1-A")
    with pytest.raises(DomainError):
        harness.confirm("scan-1", 1)  # before scanning bin and item
    codes = [e.code for e in harness.effects if isinstance(e, DeviceError)]
    assert codes == ["wrong_bin", "refused"]


def test_logins_and_logouts_are_kept(harness: Harness) -> None:
    harness.scan("scan-1", "P-1")
    harness.scan("scan-2", "P-1")  # the same person moves to another scanner
    harness.handle(LogoutRequested("scan-2", harness.msg_id(), harness.clock.now))
    assert harness.view("scan-2")["screen"] == "login"
    with harness.service.read() as tx:
        rows = tx.all("SELECT device, badge, event FROM session_events ORDER BY id")
    assert [(r["device"], r["event"]) for r in rows] == [
        ("scan-1", "login"),
        ("scan-1", "logout (replaced)"),
        ("scan-2", "login"),
        ("scan-2", "logout"),
    ]


def test_skip_moves_the_stop_to_the_end_and_the_last_stop_cannot_be_skipped(
    harness: Harness,
) -> None:
    oid = harness.intake("SHOP-1", ("BOOK", 1), ("MUG", 1), ("CABLE", 1))
    harness.scan("scan-1", "P-1")
    first = harness.view("scan-1")
    assert first["stop"]["bin"] == "A-02-1-A" and first["can_skip"] is True
    harness.handle(SkipRequested("scan-1", harness.msg_id(), harness.clock.now))
    order = [harness.pick_current_stop("scan-1")["bin"] for _ in range(2)]
    assert order == ["B-03-1-B", "C-01-1-A"]
    last = harness.view("scan-1")
    assert last["stop"]["bin"] == "A-02-1-A" and last["can_skip"] is False
    with pytest.raises(DomainError, match="this is the last stop"):
        harness.handle(SkipRequested("scan-1", harness.msg_id(), harness.clock.now))
    harness.pick_current_stop("scan-1")
    assert harness.order(oid)["status"] == "packing"
    with harness.service.read() as tx:
        skipped = tx.value("SELECT event FROM session_events WHERE event LIKE 'skipped%'")
    assert skipped.startswith("skipped A-02-1-A")


def test_before_an_item_scan_only_an_empty_bin_can_be_confirmed(harness: Harness) -> None:
    harness.intake("SHOP-1", ("MUG", 2))
    harness.scan("scan-1", "P-1")
    with pytest.raises(DomainError, match="scan the bin label before") as refused:
        harness.confirm("scan-1", 0)
    assert refused.value.code == "bin_first"
    harness.scan("scan-1", "A-02-1-A")
    with pytest.raises(DomainError, match="scan one item first") as refused:
        harness.confirm("scan-1", 2)
    assert refused.value.code == "item_first"
    # A refusal tells a translating screen what was expected and what was scanned.
    with pytest.raises(DomainError) as wrong:
        harness.scan("scan-1", GTIN["CABLE"])
    assert wrong.value.details == {"expected": "Mug (MUG)", "scanned": "Cable"}
    view = harness.view("scan-1")
    assert view["stop"]["picked"] == 0 and view["expect"] == "item"


def test_new_work_goes_to_the_picker_idle_longest(harness: Harness) -> None:
    harness.scan("scan-1", "P-1")
    harness.scan("scan-2", "P-2")  # the clock ticks on each message: Bram asked later
    assert harness.view("scan-1")["screen"] == harness.view("scan-2")["screen"] == "idle"
    oid = harness.intake("SHOP-1", ("MUG", 1))
    # Nobody asked again: Ana, idle longest, has the pick list on her screen already.
    assert harness.view("scan-1")["screen"] == "stop"
    assert harness.view("scan-2")["screen"] == "idle"
    assert harness.order(oid)["status"] == "picking"
