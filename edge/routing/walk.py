"""Turning a walk through the aisles into a pick order: pick each point when first passed."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Sequence

from edge.routing.geometry import Layout, Point


def points_in_walk_order(walk: Sequence[Point], targets: Iterable[Point]) -> list[Point]:
    """The targets in the order a person walking the polyline `walk` first passes them.

    Segments are straight; targets on a segment (not only at its corners) count as passed,
    which is what makes a picker take a bin on the way instead of coming back for it.
    """
    wanted = set(targets)
    by_x: dict[int, list[int]] = {}
    by_y: dict[int, list[int]] = {}
    for x, y in wanted:
        by_x.setdefault(x, []).append(y)
        by_y.setdefault(y, []).append(x)
    for values in (*by_x.values(), *by_y.values()):
        values.sort()
    order: dict[Point, None] = {}
    if walk and walk[0] in wanted:
        order[walk[0]] = None
    for (x1, y1), (x2, y2) in itertools.pairwise(walk):
        if x1 == x2:
            passed = [(x1, y) for y in _between(by_x.get(x1, []), y1, y2)]
        elif y1 == y2:
            passed = [(x, y1) for x in _between(by_y.get(y1, []), x1, x2)]
        else:
            passed = [(x2, y2)] if (x2, y2) in wanted else []
        for point in passed:
            order.setdefault(point)
    return list(order)


def _between(values: list[int], start: int, end: int) -> list[int]:
    """Sorted values within [start, end] (either direction), in walking order."""
    lo, hi = (start, end) if start <= end else (end, start)
    inside = values[bisect.bisect_left(values, lo) : bisect.bisect_right(values, hi)]
    return inside if start <= end else inside[::-1]


def walk_of_tour(layout: Layout, order: Sequence[Point]) -> list[Point]:
    """The corners of the walk depot -> order... -> depot along shortest legs."""
    walk = [layout.depot]
    for a, b in zip([layout.depot, *order], [*order, layout.depot], strict=False):
        walk.extend(layout.leg_path(a, b)[1:])
    return walk


def pick_when_passed(layout: Layout, order: Sequence[Point]) -> list[Point]:
    """Reorder a tour so every point is picked the first time the walk passes it.

    Never longer than the input tour (each new leg is part of the old walk), and it removes
    the "walk past a bin, come back for it later" pattern that confuses pickers.
    """
    return points_in_walk_order(walk_of_tour(layout, order), order)
