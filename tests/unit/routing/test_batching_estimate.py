"""Batching with the quick growth estimate: same guarantees, routes still exact."""

from __future__ import annotations

import random

from edge.routing import OrderToPick, RectLayout, plan_batches, plan_route
from edge.routing.batching import nearest_neighbour_length

LAYOUT = RectLayout.from_dict(
    {
        "aisles": 8,
        "blocks": 2,
        "bays_per_block": 10,
        "aisle_pitch_dm": 30,
        "bay_width_dm": 10,
        "cross_aisle_width_dm": 20,
        "levels": 3,
    }
)


def _orders(seed: int, n: int) -> list[OrderToPick]:
    rng = random.Random(seed)
    labels = [f"{a}-{b:02d}-1-A" for a in "ABCDEFGH" for b in range(1, 21)]
    return [OrderToPick(str(i), tuple(rng.sample(labels, rng.randint(1, 4)))) for i in range(n)]


def test_estimate_is_a_real_tour_no_shorter_than_the_optimum() -> None:
    for seed in range(20):
        labels = frozenset(lb for o in _orders(seed, 3) for lb in o.labels)
        assert nearest_neighbour_length(LAYOUT, labels) >= plan_route(LAYOUT, labels).length_dm


def test_estimated_batches_cover_every_order_once_with_exact_routes() -> None:
    for seed in range(10):
        orders = _orders(seed, 9)
        trips = plan_batches(LAYOUT, orders, totes=4, estimate_growth=True)
        assert sorted(o for t in trips for o in t.order_ids) == sorted(o.order_id for o in orders)
        for trip in trips:
            labels = {lb for o in orders if o.order_id in trip.order_ids for lb in o.labels}
            assert trip.route.length_dm == plan_route(LAYOUT, labels).length_dm
        first = plan_batches(LAYOUT, orders, totes=4, estimate_growth=True, max_trips=1)
        # One trip only, led by the most urgent order (all equal here: the first given).
        assert len(first) == 1 and first[0].order_ids[0] == "0"
        assert len(first[0].order_ids) == 4
