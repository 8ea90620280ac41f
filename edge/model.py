"""Pure domain rules: order statuses, cut-off dates, box choice and the parcel weight check."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class DomainError(Exception):
    """A request the rules refuse; the message is what the user reads."""

    def __init__(
        self, message: str, code: str = "refused", details: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        # What was expected and what was scanned, for screens that say it in their language.
        self.details = details or {}


class Status(StrEnum):
    RECEIVED = "received"
    AWAITING_STOCK = "awaiting_stock"
    PICKING = "picking"
    PACKING = "packing"
    READY_TO_SHIP = "ready_to_ship"
    SHIPPED = "shipped"
    ON_HOLD = "on_hold"
    CANCELLED = "cancelled"
    RETURNED = "returned"
    # Some of the shipped units came back; the rest may come in a later return.
    PARTLY_RETURNED = "partly_returned"


# The lifecycle of DOMAIN.md; anything else is refused.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset(
        {Status.PICKING, Status.AWAITING_STOCK, Status.ON_HOLD, Status.CANCELLED}
    ),
    Status.AWAITING_STOCK: frozenset({Status.RECEIVED, Status.ON_HOLD, Status.CANCELLED}),
    # picking → received: a supervisor released the pick list; the rest is picked again.
    Status.PICKING: frozenset({Status.PACKING, Status.RECEIVED, Status.ON_HOLD, Status.CANCELLED}),
    Status.PACKING: frozenset({Status.READY_TO_SHIP, Status.ON_HOLD, Status.CANCELLED}),
    Status.READY_TO_SHIP: frozenset({Status.SHIPPED, Status.ON_HOLD, Status.CANCELLED}),
    Status.ON_HOLD: frozenset(
        {Status.RECEIVED, Status.PICKING, Status.PACKING, Status.READY_TO_SHIP, Status.CANCELLED}
    ),
    Status.SHIPPED: frozenset({Status.RETURNED, Status.PARTLY_RETURNED}),
    Status.PARTLY_RETURNED: frozenset({Status.RETURNED}),
    Status.CANCELLED: frozenset(),
    Status.RETURNED: frozenset(),
}


def check_transition(current: Status, target: Status) -> None:
    if target not in TRANSITIONS[current]:
        raise DomainError(f"an order that is {current.value} cannot become {target.value}")


# The code printed on the pick list and tote label that a packer scans: ORD-<order id>.
ORDER_CODE = re.compile(r"^ORD-(\d{1,18})$")


def order_code(order_id: int) -> str:
    return f"ORD-{order_id}"


def cutoff_for(paid_at: datetime, tz: str, cutoff: time) -> datetime:
    """The dispatch cut-off an order paid at paid_at belongs to (same day if paid before it)."""
    zone = ZoneInfo(tz)
    local = paid_at.astimezone(zone)
    day = local.date() if local.time() < cutoff else local.date() + timedelta(days=1)
    # Weekends are not skipped: many sites ship seven days a week; a calendar can come later.
    return datetime.combine(day, cutoff, tzinfo=zone).astimezone(paid_at.tzinfo)


# --- boxes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One unit going into a parcel."""

    sku: str
    weight_g: int
    weight_sd_g: int
    dims_mm: tuple[int, int, int]

    @property
    def volume(self) -> int:
        a, b, c = self.dims_mm
        return a * b * c


@dataclass(frozen=True)
class Box:
    id: str
    inner_mm: tuple[int, int, int]
    tare_g: int
    max_load_g: int

    @property
    def volume(self) -> int:
        a, b, c = self.inner_mm
        return a * b * c


# Items never fill a box completely: leave room for filler and awkward shapes.
FILL_FACTOR = 0.8


def _fits(box: Box, items: list[Item]) -> bool:
    inner = sorted(box.inner_mm)
    for item in items:
        if any(d > i for d, i in zip(sorted(item.dims_mm), inner, strict=True)):
            return False
    return (
        sum(i.volume for i in items) <= box.volume * FILL_FACTOR
        and sum(i.weight_g for i in items) <= box.max_load_g
    )


def suggest_boxes(items: list[Item], boxes: list[Box]) -> list[tuple[Box, list[Item]]]:
    """Fewest parcels first, then the smallest boxes: one (box, items) per parcel."""
    if not items:
        return []
    by_size = sorted(boxes, key=lambda b: (b.volume, b.tare_g, b.id))
    for box in by_size:
        if _fits(box, items):
            return [(box, list(items))]
    largest = by_size[-1] if by_size else None
    if largest is None or any(not _fits(largest, [i]) for i in items):
        raise DomainError("no box type fits these items")
    # First-fit decreasing into the largest box, then shrink each parcel to its smallest box.
    parcels: list[list[Item]] = []
    for item in sorted(items, key=lambda i: (-i.volume, i.sku)):
        for parcel in parcels:
            if _fits(largest, [*parcel, item]):
                parcel.append(item)
                break
        else:
            parcels.append([item])
    return [(next(b for b in by_size if _fits(b, p)), p) for p in parcels]


# --- the weight check ------------------------------------------------------------------------


@dataclass(frozen=True)
class WeightExpectation:
    expected_g: int
    tolerance_g: int
    lightest_item_g: int

    @property
    def blind_to_lightest_item(self) -> bool:
        """The scale cannot tell this item missing: its scan is what vouches for it."""
        return self.lightest_item_g <= self.tolerance_g


def expected_weight(
    items: list[Item], box: Box, scale_resolution_g: int, floor_g: int, box_tare_sd_g: int
) -> WeightExpectation:
    """Expected parcel weight and its tolerance.

    tolerance = max(floor, ceil(3·σ + resolution)), σ² = Σ unit_sd² + box_sd²: the units'
    weights vary independently, so their spread adds in quadrature; three sigma keeps false
    holds near 0.3 %, and one scale step covers the display's rounding.
    """
    expected = box.tare_g + sum(i.weight_g for i in items)
    variance = sum(i.weight_sd_g**2 for i in items) + box_tare_sd_g**2
    tolerance = max(floor_g, math.ceil(3 * math.sqrt(variance) + scale_resolution_g))
    lightest = min((i.weight_g for i in items), default=0)
    return WeightExpectation(expected, tolerance, lightest)


def weight_passes(exp: WeightExpectation, measured_g: int) -> bool:
    return abs(measured_g - exp.expected_g) <= exp.tolerance_g
