"""Reference routing policies from practice: label sort, S-shape, largest gap (single block)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from edge.routing.geometry import Layout, tour_length
from edge.routing.rect_layout import RectLayout


def label_sort_length(layout: Layout, labels: Iterable[str]) -> int:
    """Walk the labels in plain string order, as a WMS sorting by location name does."""
    return tour_length(layout, [layout.point_of(label) for label in sorted(set(labels))])


def _picks_by_aisle(layout: RectLayout, labels: Iterable[str]) -> dict[int, list[int]]:
    if layout.blocks != 1:
        raise ValueError("S-shape and largest gap are defined here for single-block layouts")
    by_x: dict[int, list[int]] = {}
    for label in set(labels):
        x, y = layout.point_of(label)
        by_x.setdefault(x, []).append(y)
    return by_x


def s_shape_length(layout: RectLayout, labels: Iterable[str]) -> int:
    """Traverse every aisle with picks completely, alternating direction; with an odd number
    of such aisles the last one is entered and left at the front. Depot anywhere in front."""
    by_x = _picks_by_aisle(layout, labels)
    if not by_x:
        return 0
    xs = sorted(by_x)
    m, h, xd = len(xs), layout.block_length_dm, layout.depot_x_dm
    across = 2 * (max(xs[-1], xd) - min(xs[0], xd))
    if m % 2 == 0:
        return across + m * h
    return across + (m - 1) * h + 2 * max(by_x[xs[-1]])


def largest_gap_length(layout: RectLayout, labels: Iterable[str]) -> int:
    """First and last pick aisle traversed; every other pick aisle entered from the front and
    from the back up to its largest gap."""
    by_x = _picks_by_aisle(layout, labels)
    if not by_x:
        return 0
    xs = sorted(by_x)
    h, xd = layout.block_length_dm, layout.depot_x_dm
    if len(xs) == 1:
        return 2 * abs(xs[0] - xd) + 2 * max(by_x[xs[0]])
    total = 2 * (xs[-1] - xs[0]) + 2 * max(0, xs[0] - xd, xd - xs[-1]) + 2 * h
    for x in xs[1:-1]:
        ys = [0, *sorted(set(by_x[x])), h]
        total += 2 * (h - max(b - a for a, b in itertools.pairwise(ys)))
    return total
