"""Layouts and labels: the geometry agrees with the shared README."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings

from edge.routing import (
    GraphLayout,
    LabelError,
    LayoutError,
    RectLayout,
    aisle_index,
    aisle_letters,
    parse_label,
)
from tests.support.routing_reference import dist, layouts_with_labels, pick_point

EXAMPLE = {  # p-s1-0122 from the shared README, section 7
    "aisles": 8,
    "blocks": 1,
    "bays_per_block": 25,
    "aisle_pitch_dm": 30,
    "bay_width_dm": 10,
    "cross_aisle_width_dm": 20,
    "levels": 4,
    "depot": {"name": "front-left", "x_dm": 0, "y_dm": 0},
}


def test_aisle_letters_round_trip() -> None:
    assert [aisle_letters(i) for i in (0, 25, 26, 27, 51, 52)] == ["A", "Z", "AA", "AB", "AZ", "BA"]
    assert all(aisle_index(aisle_letters(i)) == i for i in range(800))


def test_parse_label() -> None:
    loc = parse_label("C-17-3-B")
    assert (loc.aisle, loc.bay, loc.level, loc.side, loc.aisle_name) == (2, 17, 3, "B", "C")


@pytest.mark.parametrize("bad", ["C-17-3", "c-17-3-B", "C-17-3-C", "C-7-3-B", "C-00-1-A", "", "X"])
def test_bad_labels_are_rejected(bad: str) -> None:
    with pytest.raises(LabelError):
        parse_label(bad)


def test_readme_worked_example() -> None:
    lay = RectLayout.from_dict(EXAMPLE)
    assert lay.block_length_dm == 270
    assert lay.point_of("G-19-4-A") == (180, 195)
    assert lay.point_of("H-25-1-A") == (210, 255)
    assert lay.distance((0, 165), (210, 255)) == 330
    assert lay.distance(lay.depot, (0, 165)) == 165


def test_labels_outside_the_layout() -> None:
    lay = RectLayout.from_dict(EXAMPLE)
    for label in ("I-01-1-A", "A-26-1-A", "A-01-5-A"):
        with pytest.raises(LabelError, match=label):
            lay.point_of(label)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"aisles": 0}, "aisles"),
        ({"bay_width_dm": 11}, "even"),
        ({"depot": {"x_dm": 9999, "y_dm": 0}}, "depot"),
        ({"depot": {"x_dm": 0, "y_dm": 5}}, "depot"),
        ({"block_length_dm": 1}, "block_length_dm"),
    ],
)
def test_bad_layouts_are_rejected(change: dict[str, object], message: str) -> None:
    with pytest.raises(LayoutError, match=message):
        RectLayout.from_dict({**EXAMPLE, **change})


def test_depot_and_levels_are_optional() -> None:
    data = {k: v for k, v in EXAMPLE.items() if k not in ("depot", "levels")}
    lay = RectLayout.from_dict(data)
    assert lay.depot == (0, 0)
    assert RectLayout.from_dict(lay.to_dict()) == lay


@settings(max_examples=200, deadline=None)
@given(layouts_with_labels(max_labels=6))
def test_points_and_distances_match_reference(case: tuple[dict[str, object], list[str]]) -> None:
    data, labels = case
    lay = RectLayout.from_dict(data)
    points = [lay.point_of(label) for label in labels] + [lay.depot]
    for label in labels:
        assert lay.point_of(label) == pick_point(data, label)
    matrix = lay.distance_matrix(points)
    for i, p in enumerate(points):
        for j, q in enumerate(points):
            assert lay.distance(p, q) == matrix[i][j] == dist(data, p, q)
            path = lay.leg_path(p, q)
            walked = sum(abs(a[0] - b[0]) + abs(a[1] - b[1]) for a, b in itertools.pairwise(path))
            assert walked == matrix[i][j]


def test_graph_layout_distances_and_errors() -> None:
    lay = GraphLayout.from_dict(
        {
            "nodes": {"d": [0, 0], "a": [0, 40], "b": [30, 40], "c": [30, 0]},
            "edges": [["d", "a"], ["a", "b"], ["b", "c", 100]],
            "bins": {"A-01-1-A": "a", "B-02": "b"},
            "depot": "d",
        }
    )
    assert lay.point_of("B-02-3-B") == (30, 40)  # a bay key covers every level and side
    assert lay.distance(lay.depot, (30, 0)) == 170
    assert lay.leg_path(lay.depot, (30, 0)) == [(0, 0), (0, 40), (30, 40), (30, 0)]
    with pytest.raises(LabelError):
        lay.point_of("Q-01-1-A")
    with pytest.raises(LayoutError):
        GraphLayout.from_dict({"nodes": {"d": [0, 0]}, "edges": [["d", "x"]], "depot": "d"})
