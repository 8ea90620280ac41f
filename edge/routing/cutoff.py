"""Cut-off awareness: when each order will be picked, and whether it makes its cut-off."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from edge.routing.batching import OrderToPick, Trip


@dataclass(frozen=True)
class PickPace:
    """How fast a picker works. Defaults are typical for cart picking on foot."""

    walking_speed_m_per_s: float = 1.0
    seconds_per_pick: float = 10.0
    seconds_per_trip: float = 60.0  # take a cart, set up totes, drop them at packing

    def __post_init__(self) -> None:
        if self.walking_speed_m_per_s <= 0:
            raise ValueError("walking speed must be positive")
        if self.seconds_per_pick < 0 or self.seconds_per_trip < 0:
            raise ValueError("pick and trip times must not be negative")


@dataclass(frozen=True)
class CutoffEstimate:
    """Forecast for one order.

    `deadline` is the order's own due time, else the first carrier pick-up at or after the
    start (None if neither is known). `carrier_pickup` is the first pick-up the order can
    still catch once picked (None if it misses the last one).
    """

    order_id: str
    trip_index: int
    picker: int
    finish: datetime
    deadline: datetime | None
    carrier_pickup: datetime | None
    makes_cutoff: bool
    slack: timedelta | None


def trip_duration(trip: Trip, pace: PickPace) -> timedelta:
    """Walking time from the route length plus handling time per pick and per trip."""
    walking_s = trip.length_dm / 10 / pace.walking_speed_m_per_s
    return timedelta(
        seconds=walking_s + len(trip.stops) * pace.seconds_per_pick + pace.seconds_per_trip
    )


def estimate_cutoffs(
    trips: Sequence[Trip],
    start: datetime,
    *,
    orders: Sequence[OrderToPick] = (),
    carrier_pickups: Sequence[datetime] = (),
    pace: PickPace | None = None,
    pickers: int = 1,
) -> list[CutoffEstimate]:
    """Work the trips in the given order (as plan_batches returns them), each by the picker
    who is free first, and forecast every order's finish against its deadline.

    `orders` supplies each order's own cut-off (`due`); orders without one must catch the next
    carrier pick-up after `start`. An order is done when its trip is done (totes unloaded).
    """
    if pickers < 1:
        raise ValueError("at least one picker is needed")
    pace = pace or PickPace()
    due = {order.order_id: order.due for order in orders}
    pickups = sorted(carrier_pickups)
    next_pickup = next((p for p in pickups if p >= start), None)
    free_at = [start] * pickers
    estimates: list[CutoffEstimate] = []
    for index, trip in enumerate(trips):
        picker = min(range(pickers), key=lambda p: (free_at[p], p))
        finish = free_at[picker] + trip_duration(trip, pace)
        free_at[picker] = finish
        catches = next((p for p in pickups if p >= finish), None)
        for order_id in trip.order_ids:
            deadline = due.get(order_id) or next_pickup
            estimates.append(
                CutoffEstimate(
                    order_id=order_id,
                    trip_index=index,
                    picker=picker,
                    finish=finish,
                    deadline=deadline,
                    carrier_pickup=catches,
                    makes_cutoff=deadline is None or finish <= deadline,
                    slack=None if deadline is None else deadline - finish,
                )
            )
    return estimates
