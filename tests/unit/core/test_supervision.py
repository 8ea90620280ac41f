"""A supervisor's controls on the real store: each audited, each refused with a clear reason."""

from __future__ import annotations

import json
from typing import Any

import pytest

from edge.messages import (
    AdjustStock,
    CancelOrder,
    LightOff,
    LightOn,
    MoveStaff,
    NextRequested,
    RaisePriority,
    ReassignTrip,
    ReleaseHolds,
    ReleaseTrip,
)
from edge.model import DomainError
from tests.support.harness import Harness


def _boss(h: Harness) -> Any:
    return h.origin("S-1")


def _actions(h: Harness) -> list[dict[str, Any]]:
    with h.service.read() as tx:
        rows = tx.all("SELECT action, target, detail, reason, actor FROM supervisor_actions")
    for r in rows:
        r["detail"] = json.loads(r["detail"])
    return rows


def _trip_of(h: Harness, device: str) -> int:
    trip_id: int = h.view(device)["trip_id"]
    return trip_id


def test_releasing_a_pick_list_sends_its_stops_to_someone_else(harness: Harness) -> None:
    h = harness
    oid = h.intake("SHOP-1", ("MUG", 2), ("BOOK", 1))
    h.scan("scan-1", "P-1")
    trip = _trip_of(h, "scan-1")
    assert h.view("scan-1")["stop"]["bin"] == "A-02-1-A"  # lit (ptl-A)
    with pytest.raises(DomainError, match="reason"):
        h.handle(ReleaseTrip(_boss(h), trip, "  "))
    h.effects.clear()
    h.handle(ReleaseTrip(_boss(h), trip, "Ana went home ill"))
    assert h.view("scan-1")["screen"] == "idle"  # nothing picked: no cart to bring
    assert [e.slot for e in h.effects if isinstance(e, LightOff)] == ["A-02-1-A"]
    detail = h.order(oid)
    assert detail["status"] == "received"
    assert detail["history"][-1]["reason"] == "pick list released: Ana went home ill"
    assert detail["history"][-1]["actor"] == "S-1"
    assert h.stock("A-02-1-A", "MUG") == (10, 2)  # reservations kept
    [audit] = _actions(h)
    assert audit["action"] == "release_trip" and audit["target"] == f"trip:{trip}"
    assert audit["detail"]["picker"] == "P-1" and audit["detail"]["back_to_pick"] == [oid]
    h.scan("scan-2", "P-2")  # another picker gets the same stops
    assert h.view("scan-2")["stop"]["order_id"] == oid
    with pytest.raises(DomainError, match="not active"):
        h.handle(ReleaseTrip(_boss(h), trip, "again"))
    with pytest.raises(DomainError, match="does not exist"):
        h.handle(ReleaseTrip(_boss(h), 999, "nope"))


def test_released_after_a_pick_the_cart_goes_to_packing_and_the_rest_is_picked_again(
    harness: Harness,
) -> None:
    h = harness
    oid = h.intake("SHOP-1", ("MUG", 2), ("BOOK", 1))
    h.scan("scan-1", "P-1")
    trip = _trip_of(h, "scan-1")
    h.pick_current_stop("scan-1")  # two mugs in the tote
    h.handle(ReleaseTrip(_boss(h), trip, "end of shift"))
    assert h.view("scan-1")["screen"] == "trip_done"  # take the cart to packing
    assert h.order(oid)["status"] == "received"
    assert h.stock("C-01-1-A", "BOOK") == (5, 1)
    h.scan("scan-2", "P-2")
    stop = h.view("scan-2")["stop"]
    assert (stop["order_id"], stop["bin"]) == (oid, "C-01-1-A")
    h.pick_current_stop("scan-2")
    assert h.order(oid)["status"] == "packing"


def test_reassigning_a_pick_list_hands_the_cart_to_another_picker(harness: Harness) -> None:
    h = harness
    oid = h.intake("SHOP-1", ("MUG", 2), ("BOOK", 1))
    h.scan("scan-1", "P-1")
    trip = _trip_of(h, "scan-1")
    with pytest.raises(DomainError, match="to_badge: Bram is not logged in"):
        h.handle(ReassignTrip(_boss(h), trip, "P-2", "break"))
    with pytest.raises(DomainError, match="to_badge: unknown badge"):
        h.handle(ReassignTrip(_boss(h), trip, "X-9", "break"))
    with pytest.raises(DomainError, match="already Ana's"):
        h.handle(ReassignTrip(_boss(h), trip, "P-1", "break"))
    h.scan("scan-2", "P-2")
    assert h.view("scan-2")["screen"] == "idle"
    h.effects.clear()
    h.handle(ReassignTrip(_boss(h), trip, "P-2", "Ana on break"))
    assert h.view("scan-1")["screen"] == "idle"
    stop = h.view("scan-2")["stop"]
    assert (stop["order_id"], stop["bin"]) == (oid, "A-02-1-A")
    lit = [e for e in h.effects if isinstance(e, LightOn)]
    assert lit[-1].slot == "A-02-1-A" and lit[-1].color == "#ff0000"  # Bram's colour
    assert h.order(oid)["status"] == "picking"
    [audit] = _actions(h)
    assert audit["detail"]["from_picker"] == "P-1" and audit["detail"]["to_picker"] == "P-2"
    assert audit["reason"] == "Ana on break" and audit["actor"] == "S-1"
    h.handle(NextRequested("scan-1", h.msg_id(), h.clock.now))  # Ana asks: no work left
    assert h.view("scan-1")["screen"] == "idle"


def test_cancelling_a_picked_order_puts_its_units_away_again(harness: Harness) -> None:
    h = harness
    oid = h.intake("SHOP-1", ("MUG", 2), ("BOOK", 1))
    h.scan("scan-1", "P-1")
    h.pick_current_stop("scan-1")  # mugs picked, the book not yet
    with pytest.raises(DomainError, match="reason"):
        h.handle(CancelOrder(_boss(h), oid, ""))
    h.handle(CancelOrder(_boss(h), oid, "customer called"))
    assert h.stock("C-01-1-A", "BOOK") == (5, 0)  # reservation released
    assert h.stock("A-02-1-A", "MUG") == (8, 0)  # the mugs are on the cart
    with h.service.read() as tx:
        work = tx.all("SELECT source, sku, qty, status FROM putaway_tasks")
    assert work == [{"source": f"cancelled order {oid}", "sku": "MUG", "qty": 2, "status": "open"}]
    last = h.order(oid)["history"][-1]
    assert (last["to_status"], last["reason"], last["actor"]) == (
        "cancelled",
        "customer called",
        "S-1",
    )
    [audit] = _actions(h)
    assert audit["action"] == "cancel_order" and audit["detail"] == {
        "status_from": "picking",
        "units_to_put_away": 2,
    }
    with pytest.raises(DomainError, match="only an order not yet shipped"):
        h.handle(CancelOrder(_boss(h), oid, "twice"))


def test_raising_priority_puts_an_order_on_the_next_cart(harness: Harness) -> None:
    h = harness
    early = h.intake("SHOP-1", ("BOOK", 1), paid_h=6)
    late = h.intake("SHOP-2", ("PIN", 1), paid_h=8)
    with pytest.raises(DomainError, match="priority: from 1"):
        h.handle(RaisePriority(_boss(h), late, 0, "vip"))
    h.handle(RaisePriority(_boss(h), late, 5, "VIP customer"))
    with pytest.raises(DomainError, match="at priority 5 already"):
        h.handle(RaisePriority(_boss(h), late, 3, "again"))
    with h.service.read() as tx:
        assert tx.value("SELECT priority FROM orders WHERE id = ?", (late,)) == 5
    # One tote per cart: only one of the two rides, and it is the raised one.
    h.service.core.cfg = type(h.service.core.cfg)(totes_per_cart=1)
    h.scan("scan-1", "P-1")
    assert h.view("scan-1")["stop"]["order_id"] == late
    assert h.order(early)["status"] == "received"
    [audit] = _actions(h)
    assert audit["detail"] == {"priority_from": 0, "priority_to": 5}


def test_a_raised_backorder_is_served_first(harness: Harness) -> None:
    h = harness
    first = h.intake("SHOP-1", ("CABLE", 3), paid_h=6)
    second = h.intake("SHOP-2", ("CABLE", 3), paid_h=7)
    third = h.intake("SHOP-3", ("CABLE", 3), paid_h=8)
    assert h.order(second)["status"] == "awaiting_stock"
    h.handle(RaisePriority(_boss(h), third, 2, "replacement parcel"))
    h.handle(AdjustStock(_boss(h), "B-03-1-B", "CABLE", 6, "found"))
    assert h.order(first)["status"] != "awaiting_stock"
    assert h.order(third)["status"] == "received"
    assert h.order(second)["status"] == "awaiting_stock"


def _hold(h: Harness, shop_id: str, sku: str) -> int:
    """An order picked, packed and held by the scale (too heavy)."""
    oid = h.intake(shop_id, (sku, 1))
    h.scan("scan-1", "P-1")
    while h.view("scan-1")["screen"] == "stop":
        h.pick_current_stop("scan-1")
    h.scan("pack-1", "K-1")
    h.scan("pack-1", f"ORD-{oid}")
    parcel = h.view("pack-1")["parcels"][0]
    h.weigh("scale-1", parcel["expected_g"] + 200)
    assert h.order(oid)["status"] == "on_hold"
    h.handle(NextRequested("scan-1", h.msg_id(), h.clock.now))
    return oid


def test_several_holds_released_with_one_reason_or_none(harness: Harness) -> None:
    h = harness
    a, b = _hold(h, "SHOP-1", "MUG"), _hold(h, "SHOP-2", "BOOK")
    free = h.intake("SHOP-3", ("MUG", 1))
    with pytest.raises(DomainError, match=f"order {free} is picking, not on hold"):
        h.handle(ReleaseHolds(_boss(h), (a, free, b), "scale recalibrated"))
    assert h.order(a)["status"] == "on_hold"  # none released
    with pytest.raises(DomainError, match="order_ids"):
        h.handle(ReleaseHolds(_boss(h), (), "x"))
    assert h.handle(ReleaseHolds(_boss(h), (a, b), "scale recalibrated")) == {"released": [a, b]}
    for oid in (a, b):
        last = h.order(oid)["history"][-1]
        assert last["reason"] == "override: scale recalibrated" and last["actor"] == "S-1"
    assert _actions(h)[0]["detail"] == {"order_ids": [a, b]}


def test_moving_a_picker_to_packing(harness: Harness) -> None:
    h = harness
    h.scan("scan-1", "P-1")
    assert h.view("scan-1")["screen"] == "idle"
    with pytest.raises(DomainError, match="Ines is a supervisor"):
        h.handle(MoveStaff(_boss(h), "S-1", "packer", "help"))
    with pytest.raises(DomainError, match="Ana is a picker already"):
        h.handle(MoveStaff(_boss(h), "P-1", "picker", "help"))
    h.handle(MoveStaff(_boss(h), "P-1", "packer", "packing is behind"))
    assert h.view("scan-1")["screen"] == "login"  # logged out where she picked
    h.scan("pack-1", "P-1")
    assert h.view("pack-1")["screen"] == "pack_order"
    with pytest.raises(DomainError, match="is a picker; this scanner is at pack station"):
        h.scan("pack-2", "P-2")
    h.handle(MoveStaff(_boss(h), "P-1", "picker", "caught up"))
    with h.service.read() as tx:
        assert tx.value("SELECT count(*) FROM shift_roles") == 0
    assert [a["detail"]["role_to"] for a in _actions(h)] == ["packer", "picker"]


def test_a_picker_with_an_open_pick_list_is_not_moved(harness: Harness) -> None:
    h = harness
    h.intake("SHOP-1", ("MUG", 1))
    h.scan("scan-1", "P-1")
    with pytest.raises(DomainError, match=r"has pick list .* open; release or reassign"):
        h.handle(MoveStaff(_boss(h), "P-1", "packer", "packing is behind"))
