"""plan_route: exact, complete, consistent with the geometry, deterministic, follows aisles."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings

from edge.routing import GraphLayout, RectLayout, plan_route
from edge.routing.baselines import label_sort_length, largest_gap_length, s_shape_length
from edge.routing.held_karp import held_karp
from edge.routing.local_search import heuristic_tour, tour_cost
from edge.routing.rect_graph import graph_of_rect
from tests.support.routing_reference import (
    brute_force_optimum,
    layouts_with_labels,
    pick_point,
    route_length,
    shared_instances,
)

Case = tuple[dict[str, Any], list[str]]


def check_route(data: dict[str, Any], labels: list[str], route: Any) -> None:
    assert sorted(route.labels) == sorted(set(labels))  # every pick exactly once
    assert route.length_dm == route_length(data, route.labels)
    seen_points: list[tuple[int, int]] = []
    for stop in route.stops:  # labels at one point come one after another
        if not seen_points or seen_points[-1] != stop.point:
            assert stop.point not in seen_points
            seen_points.append(stop.point)
        assert stop.point == pick_point(data, stop.label)


@settings(max_examples=150, deadline=None)
@given(layouts_with_labels(max_labels=7, max_blocks=1))
def test_single_block_dp_equals_brute_force(case: Case) -> None:
    data, labels = case
    route = plan_route(RectLayout.from_dict(data), labels)
    check_route(data, labels, route)
    assert route.method in ("exact-dp", "trivial")
    assert route.length_dm == brute_force_optimum(data, labels)


@settings(max_examples=120, deadline=None)
@given(layouts_with_labels(max_labels=6, max_blocks=3))
def test_multi_block_dp_equals_brute_force(case: Case) -> None:
    data, labels = case
    route = plan_route(RectLayout.from_dict(data), labels)
    check_route(data, labels, route)
    assert route.length_dm == brute_force_optimum(data, labels)


@settings(max_examples=60, deadline=None)
@given(layouts_with_labels(max_labels=30, max_blocks=1))
def test_optimal_is_never_longer_than_a_heuristic(case: Case) -> None:
    data, labels = case
    lay = RectLayout.from_dict(data)
    route = plan_route(lay, labels)
    check_route(data, labels, route)
    assert route.label_sorted_length_dm == label_sort_length(lay, labels)
    assert route.length_dm <= label_sort_length(lay, labels)
    assert route.length_dm <= largest_gap_length(lay, labels)
    assert route.length_dm <= s_shape_length(lay, labels)


@settings(max_examples=40, deadline=None)
@given(layouts_with_labels(max_labels=12, max_blocks=3))
def test_graph_form_of_a_rect_layout_gives_the_same_optimum(case: Case) -> None:
    data, labels = case
    lay = RectLayout.from_dict(data)
    exact = plan_route(lay, labels)
    via_graph = plan_route(graph_of_rect(lay, labels), labels)
    check_route(data, labels, via_graph)
    assert via_graph.length_dm == exact.length_dm


def test_routes_are_deterministic_and_ignore_input_order() -> None:
    data = {
        "aisles": 10, "blocks": 2, "bays_per_block": 15, "aisle_pitch_dm": 30,
        "bay_width_dm": 10, "cross_aisle_width_dm": 20, "levels": 3,
    }  # fmt: skip
    lay = RectLayout.from_dict(data)
    labels = [f"{a}-{b:02d}-1-A" for a, b in zip("ABCDEFGHIJ" * 3, range(1, 31), strict=True)]
    first = plan_route(lay, labels)
    assert all(plan_route(lay, labels) == first for _ in range(3))
    assert plan_route(lay, list(reversed(labels))) == first
    graph = graph_of_rect(lay, labels)
    assert plan_route(graph, labels) == plan_route(graph, labels)


def test_a_bay_is_entered_once_and_aisles_are_not_split_needlessly() -> None:
    data = {
        "aisles": 4, "blocks": 1, "bays_per_block": 20, "aisle_pitch_dm": 30,
        "bay_width_dm": 10, "cross_aisle_width_dm": 20,
    }  # fmt: skip
    labels = ["B-03-1-A", "B-18-2-B", "B-10-1-A", "B-10-2-B", "D-05-1-A", "D-15-1-B"]
    route = plan_route(RectLayout.from_dict(data), labels)
    aisles = [stop.aisle for stop in route.stops]
    assert aisles in (["B"] * 4 + ["D"] * 2, ["D"] * 2 + ["B"] * 4)


def test_empty_and_single_label() -> None:
    lay = RectLayout(aisles=3, blocks=1, bays_per_block=5, aisle_pitch_dm=30, bay_width_dm=10,
                     cross_aisle_width_dm=20)  # fmt: skip
    assert plan_route(lay, []).length_dm == 0
    route = plan_route(lay, ["C-05-1-A", "C-05-1-A"])
    assert route.labels == ("C-05-1-A",)
    assert route.length_dm == 2 * (60 + 55)


def test_non_rectangular_graph_layout_matches_held_karp() -> None:
    # An L-shaped hall: a main corridor, a side wing and a shortcut with its own length.
    nodes = {f"n{i}": (x, y) for i, (x, y) in enumerate(
        [(0, 0), (50, 0), (100, 0), (100, 60), (100, 120), (50, 120), (0, 60), (150, 60),
         (200, 60), (200, 0), (150, 0), (20, 90)]
    )}  # fmt: skip
    edges = [["n0", "n1"], ["n1", "n2"], ["n2", "n3"], ["n3", "n4"], ["n4", "n5"], ["n0", "n6"],
             ["n6", "n11"], ["n11", "n5", 75], ["n3", "n7"], ["n7", "n8"], ["n8", "n9"],
             ["n9", "n10"], ["n10", "n2"], ["n1", "n6", 90]]  # fmt: skip
    bins = {f"X-{i:02d}-1-A": f"n{i}" for i in range(1, 12)}
    lay = GraphLayout.from_dict(
        {
            "nodes": {k: list(v) for k, v in nodes.items()},
            "edges": edges,
            "bins": bins,
            "depot": "n0",
        }
    )
    labels = sorted(bins)
    route = plan_route(lay, labels)
    points = [lay.depot] + [lay.point_of(label) for label in labels]
    optimum, _ = held_karp(lay.distance_matrix(points))
    assert route.length_dm == optimum
    assert sorted(route.labels) == labels
    # A few labels go through Held-Karp, many through fast-tsp; both agree with the optimum.
    small = plan_route(lay, labels[:5])
    assert small.method in ("held-karp", "exact-dp")


def test_heuristic_tour_is_valid_and_near_held_karp() -> None:
    import random

    rng = random.Random(7)
    points = [(rng.randrange(0, 500), rng.randrange(0, 500)) for _ in range(10)]
    matrix = [[abs(a[0] - b[0]) + abs(a[1] - b[1]) for b in points] for a in points]
    tour = heuristic_tour(matrix, 0.01)
    assert sorted(tour) == list(range(10)) and tour[0] == 0
    assert tour_cost(matrix, tour) == held_karp(matrix)[0]


def test_sample_of_shared_instances_is_solved_optimally() -> None:
    instances = shared_instances()[::25]
    for inst in instances:
        lay = RectLayout.from_dict(inst["layout"])
        route = plan_route(lay, inst["picks"])
        assert route.length_dm == route_length(inst["layout"], route.labels)
        assert route.length_dm <= inst["optimum_dm"], inst["id"]
        assert route.label_sorted_length_dm == inst["label_sort_dm"]
        if "s_shape_dm" in inst:
            assert s_shape_length(lay, inst["picks"]) == inst["s_shape_dm"]
        if "largest_gap_dm" in inst:
            assert largest_gap_length(lay, inst["picks"]) == inst["largest_gap_dm"]


def test_bad_label_raises_a_label_error() -> None:
    from edge.routing import LabelError

    lay = RectLayout(aisles=3, blocks=1, bays_per_block=5, aisle_pitch_dm=30, bay_width_dm=10,
                     cross_aisle_width_dm=20)  # fmt: skip
    with pytest.raises(LabelError, match="Z-01-1-A"):
        plan_route(lay, ["A-01-1-A", "Z-01-1-A"])


def test_more_blocks_than_the_dp_handles_fall_back_to_tsp() -> None:
    data = {
        "aisles": 5, "blocks": 4, "bays_per_block": 6, "aisle_pitch_dm": 30,
        "bay_width_dm": 10, "cross_aisle_width_dm": 20, "depot": {"x_dm": 45, "y_dm": 0},
    }  # fmt: skip
    lay = RectLayout.from_dict(data)
    few = ["A-03-1-A", "C-10-1-A", "E-20-2-B", "B-24-1-A", "D-13-1-A"]
    route = plan_route(lay, few)
    assert route.method == "held-karp"
    assert route.length_dm == brute_force_optimum(data, few)
    many = [f"{a}-{b:02d}-1-A" for a in "ABCDE" for b in range(1, 25, 3)]
    route = plan_route(lay, many)
    check_route(data, many, route)
    assert route.method == "fast-tsp+2opt"
