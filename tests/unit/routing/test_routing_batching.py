"""Batching orders onto carts, and cut-off forecasts."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.routing import (
    OrderToPick,
    PickPace,
    RectLayout,
    estimate_cutoffs,
    plan_batches,
    plan_route,
    trip_duration,
    work_order,
)
from tests.support.routing_reference import layouts_with_labels, route_length

LAYOUT = RectLayout(aisles=8, blocks=1, bays_per_block=20, aisle_pitch_dm=30, bay_width_dm=10,
                    cross_aisle_width_dm=20)  # fmt: skip
NOON = datetime(2025, 3, 14, 12, 0)


@settings(max_examples=40, deadline=None)
@given(layouts_with_labels(max_labels=16, max_blocks=2), st.integers(1, 4), st.data())
def test_every_order_rides_once_and_its_labels_go_into_its_tote(
    case: tuple[dict[str, object], list[str]], totes: int, data: st.DataObject
) -> None:
    layout_data, labels = case
    layout = RectLayout.from_dict(layout_data)
    n_orders = data.draw(st.integers(1, 7))
    orders = [
        OrderToPick(f"o{i}", tuple(data.draw(st.lists(st.sampled_from(labels), max_size=4))))
        for i in range(n_orders)
    ]
    trips = plan_batches(layout, orders, totes=totes)
    assert sorted(oid for trip in trips for oid in trip.order_ids) == sorted(
        o.order_id for o in orders
    )
    for trip in trips:
        assert len(trip.order_ids) <= totes
        assert sorted(trip.tote_of_order.values()) == list(range(1, len(trip.order_ids) + 1))
        assert sum(trip.walking_dm_per_order.values()) == trip.length_dm
        assert trip.length_dm == route_length(layout_data, trip.route.labels)
        for order in orders:
            if order.order_id not in trip.order_ids:
                continue
            tote = trip.tote_of_order[order.order_id]
            into_tote = {s.label for s in trip.stops if s.tote == tote}
            assert into_tote == set(order.labels)
            assert all(s.order_id == order.order_id for s in trip.stops if s.tote == tote)


def test_batching_walks_less_per_order_and_takes_the_earliest_cutoff_first() -> None:
    early, late = NOON, NOON + timedelta(hours=2)
    orders = [
        OrderToPick("late-near", ("A-02-1-A",), late),
        OrderToPick("early-far", ("H-20-1-A", "G-19-2-B"), early),
        OrderToPick("early-near", ("A-03-1-A", "B-04-1-A"), early),
        OrderToPick("early-mid", ("D-10-1-A",), early),
        OrderToPick("none", ("A-01-1-B",), None),
    ]
    trips = plan_batches(LAYOUT, orders, totes=2)
    assert trips[0].order_ids[0] == "early-far"  # most urgent first (stable among equals)
    assert {o for o in trips[0].order_ids + trips[1].order_ids} == {
        "early-far", "early-near", "early-mid", "late-near"
    }  # fmt: skip
    assert trips[-1].order_ids == ("none",)
    alone = sum(plan_route(LAYOUT, o.labels).length_dm for o in orders)
    assert sum(t.length_dm for t in trips) < alone


def test_shared_label_is_picked_once_into_both_totes() -> None:
    orders = [OrderToPick("a", ("C-05-1-A", "D-07-1-A")), OrderToPick("b", ("C-05-1-A",))]
    (trip,) = plan_batches(LAYOUT, orders, totes=4)
    assert trip.route.labels.count("C-05-1-A") == 1
    drops = [(s.label, s.tote, s.order_id) for s in trip.stops if s.label == "C-05-1-A"]
    assert drops == [("C-05-1-A", 1, "a"), ("C-05-1-A", 2, "b")]


def test_work_order_is_due_first_and_stable() -> None:
    orders = [OrderToPick("x", (), None), OrderToPick("y", (), NOON), OrderToPick("z", (), NOON)]
    assert [o.order_id for o in work_order(orders)] == ["y", "z", "x"]


def test_cutoff_estimates() -> None:
    orders = [
        OrderToPick("first", ("A-05-1-A",), NOON + timedelta(minutes=10)),
        OrderToPick("second", ("H-20-1-A",), NOON + timedelta(minutes=3)),
        OrderToPick("free", ("D-10-1-A",), None),
    ]
    trips = plan_batches(LAYOUT, orders, totes=1)
    assert [t.order_ids[0] for t in trips] == ["second", "first", "free"]
    pace = PickPace(walking_speed_m_per_s=1.0, seconds_per_pick=10, seconds_per_trip=60)
    pickups = [NOON + timedelta(hours=3), NOON + timedelta(hours=5)]
    estimates = estimate_cutoffs(trips, NOON, orders=orders, carrier_pickups=pickups, pace=pace)
    by_id = {e.order_id: e for e in estimates}
    first_trip = trips[0]
    expected = timedelta(seconds=first_trip.length_dm / 10 + 10 + 60)
    assert trip_duration(first_trip, pace) == expected
    assert by_id["second"].finish == NOON + expected
    assert by_id["second"].makes_cutoff
    assert by_id["first"].finish == by_id["second"].finish + trip_duration(trips[1], pace)
    assert by_id["free"].deadline == pickups[0] and by_id["free"].makes_cutoff
    assert by_id["free"].carrier_pickup == pickups[0]
    slow = PickPace(walking_speed_m_per_s=0.05)
    late = {e.order_id: e for e in estimate_cutoffs(trips, NOON, orders=orders, pace=slow)}
    assert not late["second"].makes_cutoff and late["second"].slack is not None
    assert late["second"].slack < timedelta(0)
    two = estimate_cutoffs(trips, NOON, orders=orders, pace=pace, pickers=2)
    assert {e.picker for e in two} == {0, 1}


def test_bad_input_is_rejected() -> None:
    with pytest.raises(ValueError):
        plan_batches(LAYOUT, [OrderToPick("a", ())], totes=0)
    with pytest.raises(ValueError):
        plan_batches(LAYOUT, [OrderToPick("a", ()), OrderToPick("a", ())])
    with pytest.raises(ValueError, match="Q-01-1-A"):
        plan_batches(LAYOUT, [OrderToPick("a", ("Q-01-1-A",))])
    with pytest.raises(ValueError):
        PickPace(walking_speed_m_per_s=0)
