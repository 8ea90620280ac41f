"""The core's one entry point: dedupe, a message-type → handler table, refusals, dead letters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from edge.catalog import Catalog, Catalogs
from edge.core import (
    counts,
    feed,
    inventory,
    labelling,
    lights,
    load,
    modes,
    orders,
    packing,
    picking,
    presence,
    receiving,
    returns,
    sessions,
    supervision,
    trips,
)
from edge.core.context import CoreConfig, Ctx, Reader, Tx
from edge.core.views import refresh_work_lists, resend_view
from edge.messages import (
    DEVICE_ERROR_CODES,
    AckFeed,
    AcknowledgeException,
    AdjustStock,
    CancelOrder,
    CheckLogin,
    CloseRequested,
    DeadLetter,
    DecideCount,
    DeviceError,
    DeviceMessage,
    Inbound,
    IntakeDelivery,
    IntakeOrder,
    IntakeReturn,
    LabelPrinted,
    LightAck,
    LightButton,
    LoadWarehouse,
    LoginRequested,
    LogoutRequested,
    ModeRequested,
    MoveStaff,
    NextRequested,
    OverrideHold,
    PinEntered,
    PresenceChanged,
    QuantityConfirmed,
    RaisePriority,
    ReassignTrip,
    ReleaseHolds,
    ReleaseTrip,
    ReprintLabel,
    ResendLight,
    ResendLights,
    ResumePlanning,
    ScanRead,
    ScheduleCount,
    ShipOrder,
    SkipRequested,
    TripPlanned,
    WeightMeasured,
)
from edge.model import DomainError


def record_dead_letter(ctx: Ctx, msg: DeadLetter) -> None:
    """Keep what could not be decoded, with the reason, and tell the device."""
    ctx.tx.run(
        "INSERT INTO dead_letters(at, device, msg_id, topic, payload, reason)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (ctx.at, msg.device_id, msg.msg_id, msg.topic, msg.payload, msg.reason),
    )
    kind = msg.kind or ctx.cat.kind_of(msg.device_id)
    if msg.device_id and kind:
        ctx.emit(DeviceError(msg.device_id, kind, msg.msg_id, msg.reason, msg.code, msg.site))
    ctx.changed()


# The kind of device that sends each device message: the kind level of its topic.
SENT_BY: dict[type[Any], str] = {
    ScanRead: "scanner",
    QuantityConfirmed: "scanner",
    SkipRequested: "scanner",
    NextRequested: "scanner",
    LogoutRequested: "scanner",
    ModeRequested: "scanner",
    CloseRequested: "scanner",
    LightButton: "shelf",
    LightAck: "shelf",
    WeightMeasured: "scale",
}


def _check_sender(ctx: Ctx, device_id: str, kind: str | None) -> None:
    """A device not in the description, or one publishing under another kind, is unknown."""
    known = ctx.cat.kind_of(device_id)
    if not known:
        raise DomainError(f"unknown device {device_id!r}", "unknown")
    if kind is not None and known != kind:
        raise DomainError(f"device {device_id!r} is a {known}, not a {kind}", "unknown")


def _dead_letter(ctx: Ctx, device_id: str, msg_id: str, payload: bytes, reason: str) -> None:
    ctx.tx.run(
        "INSERT INTO dead_letters(at, device, msg_id, topic, payload, reason)"
        " VALUES (?, ?, ?, '', ?, ?)",
        (ctx.at, device_id, msg_id, payload, reason),
    )
    ctx.changed()


# Every message the core accepts and the use case that applies it; a handler's return value
# is the answer an HTTP caller gets.
HANDLERS: dict[type[Any], Callable[[Ctx, Any], Any]] = {
    ScanRead: modes.on_scan,
    QuantityConfirmed: modes.on_confirm,
    SkipRequested: modes.on_skip,
    LightButton: modes.on_light_button,
    LightAck: picking.on_light_ack,
    NextRequested: modes.on_next,
    ModeRequested: modes.on_mode,
    CloseRequested: modes.on_close,
    TripPlanned: trips.on_trip_planned,
    ResumePlanning: trips.resume_planning,
    LogoutRequested: sessions.on_logout,
    PinEntered: sessions.on_pin,
    LoginRequested: sessions.on_login_request,
    CheckLogin: sessions.on_check_login,
    WeightMeasured: packing.on_weight,
    PresenceChanged: presence.on_presence,
    DeadLetter: record_dead_letter,
    IntakeOrder: orders.intake,
    CancelOrder: supervision.cancel_order,
    OverrideHold: orders.override_hold,
    ShipOrder: orders.ship,
    LabelPrinted: labelling.on_label_printed,
    ReprintLabel: labelling.reprint,
    ReleaseTrip: supervision.release_trip,
    ReassignTrip: supervision.reassign_trip,
    RaisePriority: supervision.raise_priority,
    ReleaseHolds: supervision.release_holds,
    MoveStaff: supervision.move_staff,
    AcknowledgeException: supervision.acknowledge_exception,
    ResendLight: supervision.resend_light,
    ResendLights: lights.resend_unacked,
    AdjustStock: inventory.adjust_stock,
    IntakeDelivery: receiving.intake,
    IntakeReturn: returns.intake,
    ScheduleCount: counts.schedule,
    DecideCount: counts.decide,
    AckFeed: feed.ack,
    LoadWarehouse: load.load_warehouse,
}


class Core:
    """Applies one message inside the runtime's transaction and returns its effects."""

    def __init__(self, cfg: CoreConfig, catalogs: Catalogs | None = None) -> None:
        self.cfg = cfg
        self.catalogs = catalogs or Catalogs()

    def handle(self, tx: Tx, msg: Inbound, now: datetime) -> Ctx:
        """Apply one message; raises DomainError (the caller rolls back) when it is refused."""
        handler = HANDLERS.get(type(msg))
        if handler is None:
            raise DomainError(f"unsupported message {type(msg).__name__}", "unknown")
        if isinstance(msg, LoadWarehouse):
            # The description being loaded is the warehouse this message works in.
            ctx = Ctx(tx, self.catalogs.remember(Catalog(msg.description)), self.cfg, now)
        else:
            ctx = Ctx(tx, self.catalogs.require(tx), self.cfg, now)
        if isinstance(msg, DeviceMessage):
            if not _first_delivery(ctx, msg):
                resend_view(ctx, msg.device_id)
                ctx.result = "duplicate"
                return ctx.finish()
            _check_sender(ctx, msg.device_id, SENT_BY.get(type(msg)))
            presence.device_seen(ctx, msg.device_id)
        elif isinstance(msg, PresenceChanged):
            _check_sender(ctx, msg.device_id, msg.kind)
        ctx.result = handler(ctx, msg)
        refresh_work_lists(ctx)
        return ctx.finish()

    def refused(self, tx: Tx, msg: Inbound, err: DomainError, now: datetime) -> Ctx:
        """After a refusal rolled back: remember the message id and tell the device why."""
        ctx = Ctx(tx, self.catalogs.require(tx), self.cfg, now)
        if isinstance(msg, DeviceMessage):
            _remember(ctx, msg, f"refused: {err}")
            kind = ctx.cat.kind_of(msg.device_id)
            if err.code == "unknown":
                # Not a device of this warehouse, or not under its kind: kept and answered
                # on the err topic of the kind it published under.
                kind = SENT_BY.get(type(msg), kind)
                _dead_letter(ctx, msg.device_id, msg.msg_id, repr(msg).encode(), str(err))
            if kind:
                code = err.code if err.code in DEVICE_ERROR_CODES else "refused"
                ctx.emit(DeviceError(msg.device_id, kind, msg.msg_id, str(err), code))
            resend_view(ctx, msg.device_id, error=err)
            if isinstance(msg, WeightMeasured):
                packing.weight_refused(ctx, msg, err)
        elif isinstance(msg, PresenceChanged) and err.code == "unknown":
            _dead_letter(ctx, msg.device_id, "", repr(msg).encode(), str(err))
            ctx.emit(DeviceError(msg.device_id, msg.kind, "", str(err), "unknown"))
        return ctx.finish()

    def failed(self, tx: Tx, msg: Inbound, exc: Exception, now: datetime) -> Ctx:
        """A bug, not bad input, after it rolled back: keep the message, tell the device."""
        ctx = Ctx(tx, self.catalogs.require(tx), self.cfg, now)
        if isinstance(msg, DeviceMessage):
            reason = f"internal error: {type(exc).__name__}"
            _dead_letter(ctx, msg.device_id, msg.msg_id, repr(msg).encode(), reason)
            _remember(ctx, msg, reason)
            kind = ctx.cat.kind_of(msg.device_id)
            if kind:
                ctx.emit(DeviceError(msg.device_id, kind, msg.msg_id, reason, "internal"))
        return ctx.finish()

    def committed(self, tx: Reader) -> None:
        """After a commit: the warehouse in force is what the store now holds."""
        self.catalogs.refresh(tx)


def _first_delivery(ctx: Ctx, msg: DeviceMessage) -> bool:
    # QoS 1 redelivers: a (device, msg_id) seen before changes nothing.
    return _remember(ctx, msg, "applied")


def _remember(ctx: Ctx, msg: DeviceMessage, outcome: str) -> bool:
    """Note a device message as seen (in the transaction that applies or refuses it)."""
    inserted = ctx.tx.run(
        "INSERT OR IGNORE INTO inbound_seen(device, msg_id, at, outcome) VALUES (?,?,?,?)",
        (msg.device_id, msg.msg_id, ctx.at, outcome),
    )
    return inserted > 0
