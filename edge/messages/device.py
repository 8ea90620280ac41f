"""Inbound from devices (decoded by edge.devices codecs): scans, buttons, weights, presence."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from edge.messages.common import DeviceMessage
from edge.staff import redact_pin


@dataclass(frozen=True)
class ScanRead(DeviceMessage):
    """A barcode read by a scanner (badge, bin label, item, order or a command code)."""

    code: str


@dataclass(frozen=True)
class QuantityConfirmed(DeviceMessage):
    """The picker confirms how many items were taken at the current stop (less = short pick)."""

    qty: int
    reason: str = ""  # why fewer were taken, for a short pick


@dataclass(frozen=True)
class SkipRequested(DeviceMessage):
    """The picker cannot take this stop now (blocked aisle, pallet in the way): it moves to
    the end of the pick list."""


@dataclass(frozen=True)
class NextRequested(DeviceMessage):
    """The picker asks for the next pick list (after a trip, or when there was no work)."""


@dataclass(frozen=True)
class LogoutRequested(DeviceMessage):
    """The person on this scanner logs out."""


@dataclass(frozen=True)
class PinEntered(DeviceMessage):
    """The PIN typed on a scanner after its holder's badge scan (the scanner showed `pin`).
    Never stored, logged or echoed: it is not part of the message's repr."""

    pin: str = field(repr=False)


@dataclass(frozen=True)
class LoginRequested(DeviceMessage):
    """A badge and its PIN (if the person has one) together, from a page that asks for both
    (the handheld page's login): the person takes the scanner, as a badge scan would."""

    badge: str
    pin: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class LightButton(DeviceMessage):
    """A button on a pick-to-light module: confirm with the quantity on its display."""

    slot: str  # the bin label the module sits on
    qty: int
    action: Literal["confirm"] = "confirm"


@dataclass(frozen=True)
class LightAck(DeviceMessage):
    """A light module acknowledges a command it carried out."""

    cmd_id: str


@dataclass(frozen=True)
class WeightMeasured(DeviceMessage):
    """A parcel scale's stable weight."""

    grams: int


@dataclass(frozen=True)
class LiveWeight:
    """A scale reading shown on the pack station's screen as it settles; never stored."""

    device_id: str
    grams: int
    stable: bool


@dataclass(frozen=True)
class PresenceChanged:
    """A device's retained status or Last Will: online or offline (idempotent, not deduplicated)."""

    device_id: str
    kind: str
    online: bool
    at: datetime


@dataclass(frozen=True)
class DeadLetter:
    """An inbound message that could not be applied, stored with the reason."""

    topic: str
    payload: bytes
    reason: str
    device_id: str
    msg_id: str
    at: datetime
    kind: str = ""  # the device kind named by the topic, for the error reply
    code: str = "malformed"  # or "unknown": a well-formed message of a kind or type not known
    site: str = ""  # the topic's site when it is not this service's (the reply goes there)

    def __post_init__(self) -> None:
        # A payload that may carry a PIN (a scanner's pin event) is kept without it.
        object.__setattr__(self, "payload", redact_pin(self.payload))
