"""The messages the core accepts and the effects it asks the adapters to carry out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from edge.staff import redact_pin

# --- who, when, where -------------------------------------------------------------------------


# The codes a device may receive on its err topic (docs/mqtt.md, "Errors"). A refusal whose
# code is not one of these (an HTTP-only code such as "conflict") reaches a device as "refused".
DEVICE_ERROR_CODES: tuple[str, ...] = (
    "malformed",
    "unknown",
    "refused",
    "wrong_bin",
    "wrong_item",
    "weight_hold",
    "internal",
)


@dataclass(frozen=True)
class Origin:
    """Who caused a change, when, and on which device (every state change carries one)."""

    actor: str  # a badge, an API client name, or "system"
    at: datetime  # UTC, aware
    device: str = ""  # device id, or "http" for a request without a device
    msg_id: str = ""  # the device message that caused it, when one did


# --- inbound from devices (decoded by edge.devices codecs) -------------------------------------


@dataclass(frozen=True)
class DeviceMessage:
    """Base of every message a device publishes; (device_id, msg_id) deduplicates redelivery."""

    device_id: str
    msg_id: str
    at: datetime

    def origin(self, actor: str) -> Origin:
        """This message as the origin of a change made by actor (the person on the device)."""
        return Origin(actor, self.at, self.device_id, self.msg_id)


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


# --- inbound from HTTP clients ---------------------------------------------------------------


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
    tracking: str


@dataclass(frozen=True)
class ShipOrder:
    """The carrier took the order's parcels: carrier and a tracking number per parcel."""

    origin: Origin
    order_id: int
    carrier: str
    parcels: tuple[ParcelHandover, ...]


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


# --- effects ---------------------------------------------------------------------------------


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
)

Inbound = (
    ScanRead
    | QuantityConfirmed
    | NextRequested
    | SkipRequested
    | LogoutRequested
    | PinEntered
    | LoginRequested
    | CheckLogin
    | LightButton
    | LightAck
    | WeightMeasured
    | PresenceChanged
    | DeadLetter
    | IntakeOrder
    | OverrideHold
    | CancelOrder
    | ShipOrder
    | AdjustStock
    | LoadWarehouse
    | AckFeed
    | TripPlanned
    | ResumePlanning
)
