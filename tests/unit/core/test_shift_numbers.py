"""The shift in numbers on the real store, from a morning whose every step is known."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from edge.messages import ParcelHandover, ShipOrder
from edge.model import DomainError
from tests.support.harness import Harness

DAY = datetime(2026, 11, 20, tzinfo=UTC)  # the harness's day; the test site runs on UTC


def at(hh: int, mm: int = 0) -> datetime:
    return DAY.replace(hour=hh, minute=mm)


def a_morning(h: Harness) -> tuple[int, int]:
    """09:00 two orders (paid 08:00) picked by Ana on one cart, after one refused scan;
    10:30 both packed by Greta; 11:00 the first handed to the carrier."""
    first = h.intake("A", ("MUG", 1))
    second = h.intake("B", ("BOOK", 1))
    h.clock.now = at(9)
    h.scan("scan-1", "P-1")  # 1 scanner message
    with pytest.raises(DomainError):
        h.scan("scan-1", "NOT-A-CODE")  # 2: refused
    while h.view("scan-1")["screen"] == "stop":
        h.pick_current_stop("scan-1")  # 2 a stop (bin, item): 6
    h.clock.now = at(10, 30)
    h.scan("pack-1", "K-1")  # 7
    for oid in (first, second):
        h.scan("pack-1", f"ORD-{oid}")  # 8, 9
        h.weigh("scale-1", h.view("pack-1")["parcels"][0]["expected_g"])  # a scale: not a scan
    assert {h.order(first)["status"], h.order(second)["status"]} == {"ready_to_ship"}
    h.clock.now = at(11)
    parcel = h.order(first)["parcels"][0]["parcel_id"]
    h.handle(ShipOrder(h.origin("carrier"), first, "DemoPost", (ParcelHandover(parcel, "T1"),)))
    return first, second


def test_the_shift_in_numbers(harness: Harness) -> None:
    a_morning(harness)
    with harness.service.read() as tx:
        (trip,) = tx.all("SELECT length_dm FROM trips")
    numbers = harness.service.queries.shift(at(11, 15), 3)
    assert numbers["from"] == at(9).isoformat()
    assert [
        (h["from"], h["lines"], h["orders"], h["scans"], h["refused"]) for h in numbers["hourly"]
    ] == [
        (at(9).isoformat(), 2, 0, 6, 1),
        (at(10).isoformat(), 0, 2, 3, 0),
        (at(11).isoformat(), 0, 0, 0, 0),
    ]
    floor = numbers["floor"]
    # Two lines picked within one hour, two orders packed within another: 2 an hour worked.
    assert (floor["lines"], floor["lines_per_hour"]) == (2, 2.0)
    assert (floor["orders"], floor["orders_per_hour"]) == (2, 2.0)
    assert floor["shipped"] == 1
    assert floor["paid_to_shipped_s"] == {"p50": 3 * 3600, "p90": 3 * 3600}
    assert floor["walking_m_per_line"] == round(trip["length_dm"] / 10 / 2, 1)
    assert (floor["scans"], floor["refused_scans"]) == (9, 1)
    assert floor["scan_error_rate"] == round(1 / 9, 4)
    assert [
        (p["badge"], p["name"], p["lines"], p["orders"], p["lines_per_hour"])
        for p in numbers["pickers"]
    ] == [("P-1", "Ana", 2, 2, 2.0)]
    assert [
        (p["badge"], p["lines"], p["orders"], p["orders_per_hour"]) for p in numbers["packers"]
    ] == [("K-1", 2, 2, 2.0)]


def test_only_the_hours_asked_for_count(harness: Harness) -> None:
    a_morning(harness)
    numbers = harness.service.queries.shift(at(11, 15), 1)  # 11:00 to 11:15
    floor = numbers["floor"]
    assert (floor["lines"], floor["orders"], floor["scans"], floor["shipped"]) == (0, 0, 0, 1)
    assert floor["lines_per_hour"] is None and floor["scan_error_rate"] is None
    assert numbers["pickers"] == [] and numbers["packers"] == []
    # Half an hour into the hour, a packer's two orders are four an hour.
    later = harness.service.queries.shift(at(10, 30), 1)
    assert later["packers"][0]["orders_per_hour"] == 4.0
