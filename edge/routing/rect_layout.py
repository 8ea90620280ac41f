"""Rectangular layouts: parallel aisles, blocks split by cross aisles, the shared geometry."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from edge.routing.geometry import LayoutError, Point
from edge.routing.labels import LabelError, aisle_letters, parse_label

_REQUIRED = (
    "aisles",
    "bays_per_block",
    "aisle_pitch_dm",
    "bay_width_dm",
    "cross_aisle_width_dm",
)


def _positive_int(data: Mapping[str, Any], key: str, default: int | None = None) -> int:
    value = data.get(key, default)
    if value is None:
        raise LayoutError(f"layout.{key} is missing")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise LayoutError(f"layout.{key} must be a positive integer, got {value!r}")
    return value


@dataclass(frozen=True)
class RectLayout:
    """Parallel aisles of equal length, `blocks` blocks along y, racks on both sides of an aisle.

    All lengths are integer decimetres; see the shared routing README for the geometry.
    """

    aisles: int
    blocks: int
    bays_per_block: int
    aisle_pitch_dm: int
    bay_width_dm: int
    cross_aisle_width_dm: int
    levels: int = 5
    depot_x_dm: int = 0
    depot_name: str = "front-left"

    def __post_init__(self) -> None:
        if self.bay_width_dm % 2 or self.cross_aisle_width_dm % 2:
            # Odd widths would put pick points on half decimetres.
            raise LayoutError("layout.bay_width_dm and layout.cross_aisle_width_dm must be even")
        if not 0 <= self.depot_x_dm <= self.width_dm:
            raise LayoutError(
                f"layout.depot.x_dm must lie on the front cross aisle, 0..{self.width_dm}"
            )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RectLayout:
        """Build from the shared instance `layout` object; `depot` and `levels` are optional."""
        if not isinstance(data, Mapping):
            raise LayoutError("layout must be an object")
        for key in _REQUIRED:
            _positive_int(data, key)
        depot = data.get("depot") or {}
        if not isinstance(depot, Mapping):
            raise LayoutError("layout.depot must be an object with x_dm (and y_dm = 0)")
        depot_x = depot.get("x_dm", 0)
        if isinstance(depot_x, bool) or not isinstance(depot_x, int):
            raise LayoutError(f"layout.depot.x_dm must be an integer, got {depot_x!r}")
        if depot.get("y_dm", 0) != 0:
            raise LayoutError("layout.depot.y_dm must be 0: the depot is on the front cross aisle")
        layout = cls(
            aisles=data["aisles"],
            blocks=_positive_int(data, "blocks", 1),
            bays_per_block=data["bays_per_block"],
            aisle_pitch_dm=data["aisle_pitch_dm"],
            bay_width_dm=data["bay_width_dm"],
            cross_aisle_width_dm=data["cross_aisle_width_dm"],
            levels=_positive_int(data, "levels", 5),
            depot_x_dm=depot_x,
            depot_name=str(depot.get("name", "front-left" if depot_x == 0 else "depot")),
        )
        # Derived fields are optional, but if present they must agree with ours.
        if "block_length_dm" in data and data["block_length_dm"] != layout.block_length_dm:
            raise LayoutError("layout.block_length_dm disagrees with the bays and cross aisles")
        if "cross_aisles_y_dm" in data and list(data["cross_aisles_y_dm"]) != list(
            layout.cross_aisles_y_dm
        ):
            raise LayoutError("layout.cross_aisles_y_dm disagrees with the block length")
        return layout

    def to_dict(self) -> dict[str, Any]:
        return {
            "aisles": self.aisles,
            "blocks": self.blocks,
            "bays_per_block": self.bays_per_block,
            "aisle_pitch_dm": self.aisle_pitch_dm,
            "bay_width_dm": self.bay_width_dm,
            "cross_aisle_width_dm": self.cross_aisle_width_dm,
            "levels": self.levels,
            "depot": {"name": self.depot_name, "x_dm": self.depot_x_dm, "y_dm": 0},
        }

    @property
    def block_length_dm(self) -> int:
        """H: distance between consecutive cross-aisle centre lines."""
        return self.cross_aisle_width_dm + self.bays_per_block * self.bay_width_dm

    @property
    def cross_aisles_y_dm(self) -> tuple[int, ...]:
        return tuple(k * self.block_length_dm for k in range(self.blocks + 1))

    @property
    def width_dm(self) -> int:
        """x of the last aisle's centre line."""
        return (self.aisles - 1) * self.aisle_pitch_dm

    @property
    def depth_dm(self) -> int:
        """y of the back cross aisle's centre line."""
        return self.blocks * self.block_length_dm

    @property
    def depot(self) -> Point:
        return (self.depot_x_dm, 0)

    def aisle_x(self, aisle: int) -> int:
        return aisle * self.aisle_pitch_dm

    def bay_y(self, bay: int) -> int:
        """y of the pick point of a 1-based bay number (bays count through all blocks)."""
        block, j = divmod(bay - 1, self.bays_per_block)
        return (
            block * self.block_length_dm
            + self.cross_aisle_width_dm // 2
            + j * self.bay_width_dm
            + self.bay_width_dm // 2
        )

    def point_of(self, label: str) -> Point:
        location = parse_label(label)
        if location.aisle >= self.aisles:
            raise LabelError(
                f"bin label {label!r}: aisle {location.aisle_name} is beyond the last aisle "
                f"{aisle_letters(self.aisles - 1)}"
            )
        if location.bay > self.blocks * self.bays_per_block:
            raise LabelError(
                f"bin label {label!r}: bay {location.bay} is beyond the last bay "
                f"{self.blocks * self.bays_per_block:02d}"
            )
        if location.level > self.levels:
            raise LabelError(
                f"bin label {label!r}: level {location.level} is above the top level {self.levels}"
            )
        return (self.aisle_x(location.aisle), self.bay_y(location.bay))

    def distance(self, p: Point, q: Point) -> int:
        (x1, y1), (x2, y2) = p, q
        if x1 == x2:
            return abs(y1 - y2)
        return abs(x1 - x2) + self._turn_cost(y1, y2)

    def _turn_cost(self, y1: int, y2: int) -> int:
        """min over cross aisles Y of |y1 - Y| + |y2 - Y|: the vertical part of a leg."""
        h = self.block_length_dm
        lo, hi = (y1, y2) if y1 <= y2 else (y2, y1)
        # A cross aisle between the two points costs just hi - lo.
        k_hi = hi // h
        if k_hi * h >= lo:
            return hi - lo
        # Otherwise both are in one block: leave by its front or its back cross aisle.
        front = k_hi * h
        return min(lo + hi - 2 * front, 2 * (front + h) - lo - hi)

    def _turn_y(self, y1: int, y2: int) -> int:
        """The cross aisle a shortest leg between two aisles uses (the front one on a tie)."""
        h = self.block_length_dm
        lo, hi = (y1, y2) if y1 <= y2 else (y2, y1)
        k_hi = hi // h
        front = k_hi * h
        if front >= lo:
            return front
        return front if lo + hi - 2 * front <= 2 * (front + h) - lo - hi else front + h

    def distance_matrix(self, points: Sequence[Point]) -> list[list[int]]:
        n = len(points)
        matrix = [[0] * n for _ in range(n)]
        for i in range(n):
            xi, yi = points[i]
            row = matrix[i]
            for j in range(i + 1, n):
                xj, yj = points[j]
                d = abs(yi - yj) if xi == xj else abs(xi - xj) + self._turn_cost(yi, yj)
                row[j] = d
                matrix[j][i] = d
        return matrix

    def leg_path(self, p: Point, q: Point) -> list[Point]:
        if p == q:
            return [p]
        if p[0] == q[0]:
            return [p, q]
        turn = self._turn_y(p[1], q[1])
        corners = [p, (p[0], turn), (q[0], turn), q]
        return [c for i, c in enumerate(corners) if i == 0 or c != corners[i - 1]]
