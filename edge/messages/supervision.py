"""A supervisor's controls: pick lists released or reassigned, priorities, holds, people moved."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from edge.messages.common import Origin

# The floor roles a person can be moved between for the shift (a supervisor stays one).
FloorRole = Literal["picker", "packer"]


@dataclass(frozen=True)
class ReleaseTrip:
    """A picker's pick list ends: its open stops go back so someone else picks them."""

    origin: Origin
    trip_id: int
    reason: str


@dataclass(frozen=True)
class ReassignTrip:
    """A picker's pick list (and cart) goes to another picker logged in on a scanner."""

    origin: Origin
    trip_id: int
    to_badge: str
    reason: str


@dataclass(frozen=True)
class RaisePriority:
    """An order goes ahead of those with a lower priority (release, pick lists, pack queue)."""

    origin: Origin
    order_id: int
    priority: int
    reason: str


@dataclass(frozen=True)
class ReleaseHolds:
    """Several orders sent on from hold with one reason: all of them, or none."""

    origin: Origin
    order_ids: tuple[int, ...]
    reason: str


@dataclass(frozen=True)
class MoveStaff:
    """A person picks or packs for the rest of the shift (until moved back)."""

    origin: Origin
    badge: str
    role: FloorRole
    reason: str
