"""plan_route: the shortest (or, for large general layouts, a very short) pick route."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence

from edge.routing import aisle_dp
from edge.routing.geometry import Layout, Point, tour_length
from edge.routing.held_karp import MAX_POINTS as HELD_KARP_MAX_POINTS
from edge.routing.held_karp import held_karp
from edge.routing.labels import LabelError, aisle_letters, parse_label
from edge.routing.local_search import default_budget_s, heuristic_tour, polish
from edge.routing.rect_layout import RectLayout
from edge.routing.route import Route, Stop
from edge.routing.walk import pick_when_passed


def distinct_labels(labels: Iterable[str]) -> list[str]:
    """Labels without repeats, in first-seen order (a bin is visited once per route)."""
    return list(dict.fromkeys(labels))


def make_stop(label: str, point: Point) -> Stop:
    try:
        location = parse_label(label)
    except LabelError:  # graph layouts may use free-form bin names
        return Stop(label, "", 0, point)
    return Stop(label, aisle_letters(location.aisle), location.bay, point)


# fast-tsp stops on a wall-clock budget, so two runs can return different tours of equal
# length. Remembering recent answers keeps a pick list's route stable while it is being worked.
_HEURISTIC_MEMO: OrderedDict[tuple[Layout, tuple[Point, ...]], list[Point]] = OrderedDict()
_MEMO_SIZE = 512
_MEMO_LOCK = threading.Lock()


def solve_points(
    layout: Layout, points: Sequence[Point], time_budget_s: float | None = None
) -> tuple[list[Point], str]:
    """Visit order of distinct points and the method that found it."""
    targets = sorted(set(points))
    if len(targets) <= 1:
        return targets, "trivial"
    if isinstance(layout, RectLayout) and layout.blocks <= aisle_dp.MAX_BLOCKS:
        return aisle_dp.solve(layout, targets)[1], "exact-dp"
    nodes = [layout.depot, *targets]
    matrix = layout.distance_matrix(nodes)
    if len(nodes) <= HELD_KARP_MAX_POINTS:
        _, tour = held_karp(matrix)
        return [nodes[i] for i in tour], "held-karp"
    key = (layout, tuple(targets))
    with _MEMO_LOCK:
        remembered = _HEURISTIC_MEMO.get(key)
        if remembered is not None:
            _HEURISTIC_MEMO.move_to_end(key)
            return list(remembered), "fast-tsp+2opt"
    budget = default_budget_s(len(nodes)) if time_budget_s is None else time_budget_s
    order = _heuristic_order(layout, nodes, matrix, budget)
    with _MEMO_LOCK:
        order = _HEURISTIC_MEMO.setdefault(key, order)  # a concurrent first answer wins
        if len(_HEURISTIC_MEMO) > _MEMO_SIZE:
            _HEURISTIC_MEMO.popitem(last=False)
    return list(order), "fast-tsp+2opt"


def _heuristic_order(
    layout: Layout, nodes: list[Point], matrix: list[list[int]], budget: float
) -> list[Point]:
    tour = heuristic_tour(matrix, budget)
    first = pick_when_passed(layout, [nodes[i] for i in tour[1:]])
    # Picking on the way may open new 2-opt / Or-opt moves; polish once more, then re-group.
    index = {p: i for i, p in enumerate(nodes)}
    tour = polish(matrix, [0, *(index[p] for p in first)])
    return pick_when_passed(layout, [nodes[i] for i in tour[1:]])


def plan_route(
    layout: Layout, labels: Iterable[str], *, time_budget_s: float | None = None
) -> Route:
    """Plan a closed route from the depot through every label (duplicates are picked once).

    Labels that share a pick point come one after another, in label order. Raises LabelError
    for a label that is malformed or not in the layout.
    """
    wanted = distinct_labels(labels)
    point_of = {label: layout.point_of(label) for label in wanted}
    labels_at: dict[Point, list[str]] = {}
    for label in sorted(wanted):
        labels_at.setdefault(point_of[label], []).append(label)
    order, method = solve_points(layout, list(labels_at), time_budget_s)
    stops = tuple(make_stop(label, point) for point in order for label in labels_at[point])
    return Route(
        stops=stops,
        length_dm=tour_length(layout, order),
        method=method,
        label_sorted_length_dm=tour_length(layout, [point_of[lb] for lb in sorted(wanted)]),
        depot=layout.depot,
    )
