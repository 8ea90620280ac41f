"""Cluster picking: which orders share a cart trip, and which tote each order's items go into."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from edge.routing.geometry import Layout, Point
from edge.routing.planner import distinct_labels, plan_route
from edge.routing.route import Route

# Greedy batching evaluates every candidate order with the exact planner; beyond this many
# candidates per step the due-first pool is cut, keeping latency bounded on busy days.
MAX_CANDIDATES = 40
# Swapping orders between trips afterwards is capped by route evaluations, for the same reason.
MAX_SWAP_EVALUATIONS = 400


@dataclass(frozen=True)
class OrderToPick:
    """An order's bin labels and the time its picking must be finished (None: no cut-off)."""

    order_id: str
    labels: tuple[str, ...]
    due: datetime | None = None


@dataclass(frozen=True)
class TripStop:
    """Pick `label` into `tote` (1-based) for `order_id`. A label two orders share gets one
    TripStop per order, one after the other."""

    label: str
    aisle: str
    bay: int
    point: Point
    tote: int
    order_id: str


@dataclass(frozen=True)
class Trip:
    """One cart trip: the orders on it, their totes, the route and the walk each order costs.

    `walking_dm_per_order` splits the trip's length equally (remainder to the first orders),
    the usual way to compare batched and single-order picking.
    """

    order_ids: tuple[str, ...]
    route: Route
    tote_of_order: Mapping[str, int]
    stops: tuple[TripStop, ...]
    walking_dm_per_order: Mapping[str, int]

    @property
    def length_dm(self) -> int:
        return self.route.length_dm


def nearest_neighbour_length(layout: Layout, labels: frozenset[str]) -> int:
    """A quick tour length (nearest neighbour from the depot): an estimate for comparing
    candidate carts, a few hundred distance look-ups instead of an exact route plan."""
    todo = {layout.point_of(label) for label in labels}
    here = layout.depot
    total = 0
    while todo:
        nxt = min(todo, key=lambda p: (layout.distance(here, p), p))
        total += layout.distance(here, nxt)
        todo.remove(nxt)
        here = nxt
    return total + layout.distance(here, layout.depot)


def _due_key(order: OrderToPick, index: int) -> tuple[bool, datetime | None, int]:
    # Orders without a cut-off come last; among equals the input order decides.
    return (order.due is None, order.due, index)


def work_order(orders: Sequence[OrderToPick]) -> list[OrderToPick]:
    """Orders sorted so the ones due first are picked first (stable for equal cut-offs)."""
    ranked = sorted(enumerate(orders), key=lambda pair: _due_key(pair[1], pair[0]))
    return [order for _, order in ranked]


def plan_batches(
    layout: Layout,
    orders: Sequence[OrderToPick],
    totes: int = 4,
    *,
    time_budget_s: float | None = None,
    max_trips: int | None = None,
    estimate_growth: bool = False,
) -> list[Trip]:
    """Group orders into trips of at most `totes` orders and route each trip.

    Each trip starts from the most urgent order left; it then takes, among the orders with
    the earliest cut-off still waiting, the one that adds the least walking, until the cart is
    full. Trips come out in the order they should be worked. Raises LabelError for a bad label.
    With max_trips, only the first trips are planned (a picker asking for work needs one), and
    orders are not exchanged with trips that were never planned. With estimate_growth, the
    walking a candidate adds is judged by a nearest-neighbour tour instead of an exact plan
    (several times faster; each trip's own route stays exact).
    """
    if totes < 1:
        raise ValueError("a cart needs at least one tote")
    ids = [order.order_id for order in orders]
    if len(set(ids)) != len(ids):
        raise ValueError("order ids must be unique")
    for order in orders:  # fail early, with the label named, before any planning
        for label in order.labels:
            layout.point_of(label)
    waiting = work_order(orders)
    length_cache: dict[frozenset[str], int] = {}

    def length_of(labels: frozenset[str]) -> int:
        if labels not in length_cache:
            length_cache[labels] = (
                nearest_neighbour_length(layout, labels)
                if estimate_growth
                else plan_route(layout, labels, time_budget_s=time_budget_s).length_dm
            )
        return length_cache[labels]

    groups: list[list[OrderToPick]] = []
    while waiting and (max_trips is None or len(groups) < max_trips):
        members = [waiting.pop(0)]
        labels = frozenset(members[0].labels)
        while len(members) < totes and waiting:
            earliest = waiting[0].due
            pool = [o for o in waiting if o.due == earliest][:MAX_CANDIDATES]
            current = length_of(labels)
            best = min(
                pool,
                key=lambda o: (length_of(labels | frozenset(o.labels)) - current, waiting.index(o)),
            )
            waiting.remove(best)
            members.append(best)
            labels |= frozenset(best.labels)
        groups.append(members)
    if max_trips is None:
        _swap_between_trips(groups, length_of)
    return [_make_trip(layout, members, time_budget_s) for members in groups]


def _labels_of(orders: Sequence[OrderToPick]) -> frozenset[str]:
    return frozenset(label for order in orders for label in order.labels)


def _swap_between_trips(
    groups: list[list[OrderToPick]], length_of: Callable[[frozenset[str]], int]
) -> None:
    """Greedy grouping is myopic: exchange two orders with the same cut-off between trips
    whenever that shortens the two trips together (first improvement, fixed scan order)."""
    evaluations = 0
    improved = True
    while improved and evaluations < MAX_SWAP_EVALUATIONS:
        improved = False
        for i, j in itertools.combinations(range(len(groups)), 2):
            before = length_of(_labels_of(groups[i])) + length_of(_labels_of(groups[j]))
            for a, b in itertools.product(range(len(groups[i])), range(len(groups[j]))):
                if groups[i][a].due != groups[j][b].due or evaluations >= MAX_SWAP_EVALUATIONS:
                    continue
                left = [*groups[i][:a], groups[j][b], *groups[i][a + 1 :]]
                right = [*groups[j][:b], groups[i][a], *groups[j][b + 1 :]]
                evaluations += 2
                after = length_of(_labels_of(left)) + length_of(_labels_of(right))
                if after < before:
                    groups[i], groups[j], before = left, right, after
                    improved = True


def _make_trip(layout: Layout, members: list[OrderToPick], time_budget_s: float | None) -> Trip:
    tote_of_order = {order.order_id: tote for tote, order in enumerate(members, start=1)}
    route = plan_route(
        layout, [lb for order in members for lb in order.labels], time_budget_s=time_budget_s
    )
    orders_of_label: dict[str, list[str]] = {}
    for order in members:
        for label in distinct_labels(order.labels):
            orders_of_label.setdefault(label, []).append(order.order_id)
    stops = tuple(
        TripStop(stop.label, stop.aisle, stop.bay, stop.point, tote_of_order[oid], oid)
        for stop in route.stops
        for oid in orders_of_label[stop.label]
    )
    share, rest = divmod(route.length_dm, len(members))
    walking = {order.order_id: share + (1 if i < rest else 0) for i, order in enumerate(members)}
    return Trip(tuple(tote_of_order), route, tote_of_order, stops, walking)
