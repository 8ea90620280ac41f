"""Stock coming in and kept right: deliveries, scanner work modes, counts and their decisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from edge.messages.common import DeviceMessage, Origin

# What a logged-in scanner works on: picking orders (the default), receiving deliveries at
# the dock, putting received stock away, topping up pick faces, or counting bins.
WorkMode = Literal["pick", "receive", "putaway", "replenish", "count", "return"]
WORK_MODES: tuple[str, ...] = ("pick", "receive", "putaway", "replenish", "count", "return")


@dataclass(frozen=True)
class ModeRequested(DeviceMessage):
    """The person on a scanner switches to another kind of work (event `mode`, or a scan of
    a printed MODE-… command code)."""

    mode: WorkMode


@dataclass(frozen=True)
class CloseRequested(DeviceMessage):
    """The receiver closes the delivery being received (event `close`): the differences are
    reported and put-away work is made."""


@dataclass(frozen=True)
class DeliveryLineIn:
    sku: str
    qty: int
    lot: str | None = None
    expiry: date | None = None


@dataclass(frozen=True)
class IntakeDelivery:
    """A delivery the shop or ERP expects; idempotent by its delivery_id."""

    origin: Origin
    delivery_id: str
    supplier: str
    lines: tuple[DeliveryLineIn, ...]
    expected_at: datetime | None = None


@dataclass(frozen=True)
class ScheduleCount:
    """A supervisor or the ERP asks for a count of a bin (every SKU it holds, or one)."""

    origin: Origin
    bin_label: str
    sku: str | None = None


@dataclass(frozen=True)
class DecideCount:
    """A supervisor approves a count's difference (stock is adjusted) or rejects it (stock
    stays; a new count is made)."""

    origin: Origin
    count_id: int
    approve: bool
    reason: str
