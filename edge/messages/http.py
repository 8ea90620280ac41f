"""Inbound from HTTP clients and the planner: orders, holds, shipments, stock, loads, acks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from edge.messages.common import Origin


@dataclass(frozen=True)
class OrderLineIn:
    sku: str
    qty: int


@dataclass(frozen=True)
class IntakeOrder:
    """A paid order from the shop; idempotent by shop_order_id."""

    origin: Origin
    shop_order_id: str
    lines: tuple[OrderLineIn, ...]
    paid_at: datetime
    cutoff_at: datetime | None = None  # None: computed from the site's daily cut-off
    customer: dict[str, Any] = field(default_factory=dict)
    # Every unit of the order is scanned into its parcel before weighing (edge.core.packcheck).
    verify_contents: bool = False
    carrier: str | None = None  # a carrier of the description; None: the site's default


@dataclass(frozen=True)
class TripCandidate:
    """An order that may ride on the next cart: the bins still to visit and its cut-off."""

    order_id: int
    labels: tuple[str, ...]
    due: datetime | None


@dataclass(frozen=True)
class TripPlanned:
    """The planner's answer to PlanTrip: which orders ride together, in which tote, and the
    bins in walking order. The writer re-checks it against the state it finds."""

    device_id: str
    badge: str
    plan_id: str
    order_ids: tuple[int, ...]
    tote_of_order: tuple[tuple[int, int], ...]
    labels: tuple[str, ...]
    length_dm: int
    label_sorted_dm: int
    method: str


@dataclass(frozen=True)
class ResumePlanning:
    """At start-up: plans that were under way when the service stopped are asked for again."""

    origin: Origin


@dataclass(frozen=True)
class CheckLogin:
    """A badge (+ PIN) presented over HTTP for a token or a supervisor's approval: checked
    against the lockout, audited, answered with an edge.staff.LoginOutcome."""

    origin: Origin  # device: the device it was typed on (or the caller's address)
    badge: str
    pin: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class OverrideHold:
    """A supervisor releases an order from on hold, with a reason (audited)."""

    origin: Origin
    order_id: int
    reason: str


@dataclass(frozen=True)
class CancelOrder:
    origin: Origin
    order_id: int
    reason: str


@dataclass(frozen=True)
class ParcelHandover:
    parcel_id: int
    tracking: str | None = None  # None: the number on the parcel's label


@dataclass(frozen=True)
class ShipOrder:
    """The carrier took the order's parcels: carrier and a tracking number per parcel (a
    labelled parcel's own carrier and number stand when none is typed)."""

    origin: Origin
    order_id: int
    carrier: str | None
    parcels: tuple[ParcelHandover, ...] = ()


@dataclass(frozen=True)
class AdjustStock:
    """A stock count or receipt sets a bin's on-hand quantity of a SKU."""

    origin: Origin
    bin_label: str
    sku: str
    on_hand: int
    reason: str


@dataclass(frozen=True)
class LoadWarehouse:
    """Replace the warehouse description (layout, SKUs, bins, stock, stations, boxes, devices)."""

    origin: Origin
    description: Any  # edge.warehouse.WarehouseDescription, validated


@dataclass(frozen=True)
class AckFeed:
    """A declared feed consumer has durably stored the records of stream_id up to seq."""

    origin: Origin
    consumer: str
    stream_id: str
    seq: int
