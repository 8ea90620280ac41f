"""The cut-off forecast on the real store: packing and held orders, carrier pick-ups, after it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from edge.messages import IntakeOrder, OrderLineIn
from tests.support.harness import Harness

DAY = datetime(2026, 11, 20, tzinfo=UTC)  # the harness's day; the test site's cut-off is 13:00 UTC


def at(hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return DAY.replace(hour=hh, minute=mm, second=ss)


def picked_and_held(h: Harness) -> tuple[int, int]:
    """Two orders picked on one cart; the first packed with a parcel far too heavy (on
    hold), the second waiting at packing."""
    hold = h.intake("HELD", ("MUG", 1))
    packing = h.intake("PACKING", ("BOOK", 1))
    h.scan("scan-1", "P-1")
    while h.view("scan-1")["screen"] == "stop":
        h.pick_current_stop("scan-1")
    h.scan("pack-1", "K-1")
    h.scan("pack-1", f"ORD-{hold}")
    h.weigh("scale-1", 5000)
    assert (h.order(hold)["status"], h.order(packing)["status"]) == ("on_hold", "packing")
    return hold, packing


def overview(h: Harness, now: datetime) -> dict[str, Any]:
    h.clock.now = now
    return h.service.queries.overview(now, "S-1", 0.0)


def test_orders_at_packing_and_on_hold_are_forecast(harness: Harness) -> None:
    hold, packing = picked_and_held(harness)
    # 30 s before the cut-off: packing one order takes longer, and a hold waits for a person.
    ov = overview(harness, at(12, 59, 30))
    late = {r["order_id"]: r for r in ov["at_risk"]}
    assert set(late) == {hold, packing}
    assert late[hold]["basis"] == "needs_action"
    assert late[hold]["finish"] is None
    assert late[packing]["basis"] == "packing"
    assert late[packing]["slack_s"] < 0
    assert ov["cutoff"]["will_miss"] == 2
    assert ov["cutoff"]["needs_action"] == 1
    # An hour earlier the packing order makes it; the hold still does not.
    later = overview(harness, at(11, 59, 30))
    assert [r["order_id"] for r in later["at_risk"]] == [hold]


def test_every_open_order_is_forecast_not_only_the_routed_ones(harness: Harness) -> None:
    ids = [harness.intake(f"PIN-{n}", ("PIN", 1)) for n in range(30)]
    forecast = harness.service.queries.at_risk(at(9))
    assert sorted(f["order_id"] for f in forecast) == ids
    estimated = [f for f in forecast if f["basis"] == "estimated"]
    assert len(estimated) == 30 - 24
    # Estimated at the routed orders' pace: after every routed order, one after another.
    last_routed = max(f["finish"] for f in forecast if f["basis"] == "routed")
    finishes = sorted(f["finish"] for f in estimated)
    assert finishes[0] > last_routed and len(set(finishes)) == len(finishes)


def test_carrier_pickups_will_miss_and_missed_and_the_clock_after_the_cutoff(
    harness: Harness,
) -> None:
    early = harness.intake("EARLY", ("BOOK", 1))  # paid 08:00: cut-off 13:00, pick-up 15:00
    origin = harness.origin()
    late_due = harness.handle(
        IntakeOrder(origin, "LATE", (OrderLineIn("CABLE", 1),), at(8), cutoff_at=at(16))
    )["order_id"]  # its own cut-off 16:00: the 17:00 pick-up

    before = overview(harness, at(12))
    assert before["cutoff"]["passed"] is False
    assert before["cutoff"]["missed"] == 0
    assert before["cutoff"]["seconds_left"] <= 3600
    assert [
        (p["local"], p["waiting"], p["will_miss"], p["missed"]) for p in before["cutoff"]["pickups"]
    ] == [("15:00", 1, 0, 0), ("17:00", 1, 0, 0)]

    # After the cut-off: the order due by it is missed, not tomorrow's countdown alone.
    after = overview(harness, at(14, 59, 50))
    assert after["cutoff"]["passed"] is True
    assert after["cutoff"]["missed"] == 1
    assert after["cutoff"]["seconds_left"] > 22 * 3600  # tomorrow's cut-off is next
    # Ten seconds before the 15:00 pick-up the early order cannot be picked and packed in time.
    pickups = {p["local"]: p for p in after["cutoff"]["pickups"]}
    assert (pickups["15:00"]["will_miss"], pickups["15:00"]["missed"]) == (1, 0)
    assert (pickups["17:00"]["will_miss"], pickups["17:00"]["missed"]) == (0, 0)
    risk = {r["order_id"]: r for r in after["at_risk"]}
    assert risk[early]["makes_pickup"] is False
    assert risk[early]["carrier_pickup"] == at(15).isoformat()

    gone = overview(harness, at(15, 30))
    pickups = {p["local"]: p for p in gone["cutoff"]["pickups"]}
    assert pickups["15:00"]["passed"] is True
    assert (pickups["15:00"]["missed"], pickups["15:00"]["will_miss"]) == (1, 0)
    assert (pickups["17:00"]["waiting"], pickups["17:00"]["missed"]) == (1, 0)
    assert late_due not in {r["order_id"] for r in gone["at_risk"]}


def test_all_of_todays_orders_ready_the_clock_counts_to_tomorrow(harness: Harness) -> None:
    harness.intake("TOMORROW", ("BOOK", 1), paid_h=14)  # paid after 13:00: tomorrow's cut-off
    ov = overview(harness, at(14))
    assert ov["cutoff"]["passed"] is True
    assert ov["cutoff"]["missed"] == 0
    assert ov["cutoff"]["at"] == (at(13) + timedelta(days=1)).isoformat()
