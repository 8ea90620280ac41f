"""A rectangular layout's aisle network as a GraphLayout, to test the general planner."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from edge.routing.geometry import Point
from edge.routing.graph_layout import GraphLayout
from edge.routing.rect_layout import RectLayout


def graph_of_rect(layout: RectLayout, labels: Iterable[str]) -> GraphLayout:
    """Nodes at aisle/cross-aisle crossings, the depot and the given labels' pick points."""
    bins = {label: layout.point_of(label) for label in labels}
    points: set[Point] = {layout.depot, *bins.values()}
    for a in range(layout.aisles):
        for y in layout.cross_aisles_y_dm:
            points.add((layout.aisle_x(a), y))
    by_x: dict[int, list[int]] = {}
    by_y: dict[int, list[int]] = {}
    for x, y in points:
        by_x.setdefault(x, []).append(y)
        by_y.setdefault(y, []).append(x)
    aisle_xs = {layout.aisle_x(a) for a in range(layout.aisles)}
    cross_ys = set(layout.cross_aisles_y_dm)

    def name(point: Point) -> str:
        return f"{point[0]},{point[1]}"

    edges: list[tuple[str, str, int]] = []
    for x, ys in by_x.items():
        if x in aisle_xs:  # the depot's own x is walkable only if it is an aisle
            ys.sort()
            edges += [(name((x, a)), name((x, b)), b - a) for a, b in itertools.pairwise(ys)]
    for y, xs in by_y.items():
        if y in cross_ys:
            xs.sort()
            edges += [(name((a, y)), name((b, y)), b - a) for a, b in itertools.pairwise(xs)]
    return GraphLayout(
        nodes={name(p): p for p in sorted(points)},
        edges=tuple(edges),
        bins={label: name(point) for label, point in bins.items()},
        depot_node=name(layout.depot),
    )
