"""The planner's result: stops in walking order and the route's length."""

from __future__ import annotations

from dataclasses import dataclass

from edge.routing.geometry import Point


@dataclass(frozen=True)
class Stop:
    """One label to pick. `aisle` is the aisle's letters ("" if the label has no aisle), `bay` is
    1-based (0 if unknown) and `point` is the pick point in dm."""

    label: str
    aisle: str
    bay: int
    point: Point


@dataclass(frozen=True)
class Route:
    """A closed walk from the depot through every stop and back.

    `method` says how it was found: "exact-dp" (aisle dynamic program, optimal), "held-karp"
    (optimal), "trivial" (at most one point), "fast-tsp+2opt" (heuristic under a time budget).
    """

    stops: tuple[Stop, ...]
    length_dm: int
    method: str
    label_sorted_length_dm: int
    depot: Point = (0, 0)

    @property
    def optimal(self) -> bool:
        """True when the method guarantees the shortest route."""
        return self.method in ("exact-dp", "held-karp", "trivial")

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(stop.label for stop in self.stops)

    @property
    def points(self) -> tuple[Point, ...]:
        """Distinct pick points in visiting order."""
        seen: dict[Point, None] = {}
        for stop in self.stops:
            seen.setdefault(stop.point)
        return tuple(seen)

    @property
    def length_m(self) -> float:
        return self.length_dm / 10

    @property
    def label_sort_excess(self) -> float:
        """How much longer the label-sorted list walks, as a fraction (0.25 = +25 %)."""
        if self.length_dm == 0:
            return 0.0
        return self.label_sorted_length_dm / self.length_dm - 1
