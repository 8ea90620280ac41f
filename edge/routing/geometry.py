"""Shared geometry types: integer points in decimetres and the layout interface."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Protocol

Point = tuple[int, int]  # (x, y) in decimetres; x across the aisles, y along them


class LayoutError(ValueError):
    """A layout description that cannot be used; the message names the field."""


class Layout(Protocol):
    """What the planner needs from a warehouse: pick points and walking distances."""

    @property
    def depot(self) -> Point: ...

    def point_of(self, label: str) -> Point:
        """The pick point of a bin label; raises LabelError."""
        ...

    def distance(self, p: Point, q: Point) -> int:
        """Shortest walking distance in dm between two pick points or the depot."""
        ...

    def distance_matrix(self, points: Sequence[Point]) -> list[list[int]]:
        """All pairwise distances between the given points."""
        ...

    def leg_path(self, p: Point, q: Point) -> list[Point]:
        """The corners of one shortest walk from p to q, both ends included."""
        ...


def tour_length(layout: Layout, points: Sequence[Point]) -> int:
    """Length of depot -> points... -> depot."""
    stops = [layout.depot, *points, layout.depot]
    return sum(layout.distance(a, b) for a, b in itertools.pairwise(stops))
