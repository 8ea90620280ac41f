"""Effects: what the core asks the adapters to carry out after a commit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from edge.messages.http import TripCandidate
from edge.messages.labels import PrintLabel


@dataclass(frozen=True)
class LightOn:
    """Light one slot of a pick-to-light controller with a quantity and the picker's colour."""

    device_id: str
    slot: str
    qty: int
    color: str
    cmd_id: str


@dataclass(frozen=True)
class LightOff:
    device_id: str
    slot: str
    cmd_id: str


@dataclass(frozen=True)
class ScannerView:
    """What a scanner's screen shows now: the whole view, so a lost message needs no replay."""

    device_id: str
    view: dict[str, Any]


@dataclass(frozen=True)
class DeviceError:
    """Tell a device its message was refused or dead-lettered, and why."""

    device_id: str
    kind: str
    ref_msg_id: str
    reason: str
    code: str = "refused"
    site: str = ""  # another site's topic tree, for a device that published under it


@dataclass(frozen=True)
class PlanTrip:
    """Ask the planner (outside the writer: route planning takes tens of milliseconds) to
    batch and route the next trip for a picker."""

    device_id: str
    badge: str
    plan_id: str
    candidates: tuple[TripCandidate, ...]
    totes: int
    layout: Any  # edge.routing layout of the site (immutable)


@dataclass(frozen=True)
class StateChanged:
    """Something the supervisor's live view shows changed: it re-reads its overview."""


@dataclass(frozen=True)
class StationWeight:
    """A scale's reading for the screens at its pack station (shown as it settles, not stored)."""

    station: str
    scale: str
    grams: int
    stable: bool


@dataclass(frozen=True)
class FeedAppended:
    """A shipment record joined the cloud feed (after its commit: long-polls wake, a
    publisher may send it)."""

    seq: int


Effect = (
    LightOn
    | LightOff
    | ScannerView
    | DeviceError
    | PlanTrip
    | StateChanged
    | StationWeight
    | FeedAppended
    | PrintLabel
)
