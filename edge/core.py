"""The use cases: one entry point, handle(msg), run inside the runtime's transaction."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from edge import orders, packing, picking, warehouse_load
from edge.catalog import Catalog
from edge.messages import (
    AckFeed,
    AdjustStock,
    CancelOrder,
    DeadLetter,
    DeviceError,
    DeviceMessage,
    Effect,
    Inbound,
    IntakeOrder,
    LightAck,
    LightButton,
    LoadWarehouse,
    LogoutRequested,
    NextRequested,
    OverrideHold,
    PresenceChanged,
    QuantityConfirmed,
    ResumePlanning,
    ScanRead,
    ShipOrder,
    SkipRequested,
    StateChanged,
    TripPlanned,
    WeightMeasured,
)
from edge.model import DomainError, Status, check_transition
from edge.warehouse import parse_description

DEVICE_ERROR_CODES = frozenset({"refused", "unknown", "wrong_bin", "wrong_item"})


class Tx(Protocol):
    """The transaction port (edge.store.Tx implements it on SQLite)."""

    def one(self, sql: str, params: Any = ()) -> dict[str, Any] | None: ...
    def all(self, sql: str, params: Any = ()) -> list[dict[str, Any]]: ...
    def value(self, sql: str, params: Any = ()) -> Any: ...
    def run(self, sql: str, params: Any = ()) -> int: ...
    def many(self, sql: str, rows: Any) -> None: ...


@dataclass(frozen=True)
class CoreConfig:
    totes_per_cart: int = 4
    walking_speed_dm_s: int = 12
    seconds_per_pick: int = 12
    weight_floor_g: int = 20
    box_tare_sd_g: int = 5
    retain_acked_days: int = 30


@dataclass
class Ctx:
    """Everything one message's handling needs; effects collect until the commit."""

    tx: Tx
    cat: Catalog
    cfg: CoreConfig
    now: datetime
    effects: list[Effect] = field(default_factory=list)
    result: Any = None

    @property
    def at(self) -> str:
        return self.now.isoformat(timespec="milliseconds")

    def emit(self, effect: Effect) -> None:
        self.effects.append(effect)

    @staticmethod
    def new_id() -> str:
        return uuid.uuid4().hex[:16]


def set_status(
    ctx: Ctx, order_id: int, target: Status, actor: str, device: str, reason: str = ""
) -> None:
    """Move an order to a new status and record who, when, where and why."""
    row = ctx.tx.one("SELECT status FROM orders WHERE id = ?", (order_id,))
    if row is None:
        raise DomainError(f"order {order_id} does not exist", "not_found")
    current = Status(row["status"])
    if current == target:
        return
    check_transition(current, target)
    hold_reason = reason if target == Status.ON_HOLD else None
    ctx.tx.run(
        "UPDATE orders SET status = ?, hold_reason = ?, updated_at = ? WHERE id = ?",
        (target.value, hold_reason, ctx.at, order_id),
    )
    ctx.tx.run(
        "INSERT INTO order_events(order_id, from_status, to_status, reason, actor, device, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (order_id, current.value, target.value, reason, actor, device, ctx.at),
    )
    ctx.emit(StateChanged("orders", str(order_id)))


def load_catalog(tx: Tx) -> Catalog | None:
    raw = tx.value("SELECT value FROM meta WHERE key = 'warehouse'")
    return Catalog(parse_description(json.loads(raw))) if raw else None


class Core:
    """Applies messages to the store; holds the catalog between messages."""

    def __init__(self, cfg: CoreConfig) -> None:
        self.cfg = cfg
        self._catalog: Catalog | None = None

    def invalidate(self) -> None:
        """Forget the cached catalog (after a rollback, or a new warehouse description)."""
        self._catalog = None

    def kind_of(self, device_id: str) -> str:
        return self._catalog.kind_of(device_id) if self._catalog else ""

    def catalog(self, tx: Tx) -> Catalog:
        if self._catalog is None:
            self._catalog = load_catalog(tx)
        if self._catalog is None:
            raise DomainError("no warehouse description is loaded yet", "not_ready")
        return self._catalog

    def handle(self, tx: Tx, msg: Inbound, now: datetime) -> Ctx:
        """Apply one message; raises DomainError (the caller rolls back) when it is refused."""
        if isinstance(msg, LoadWarehouse):
            ctx = Ctx(tx, None, self.cfg, now)  # type: ignore[arg-type]
            warehouse_load.load(ctx, msg)
            self.invalidate()
            return ctx
        ctx = Ctx(tx, self.catalog(tx), self.cfg, now)
        if isinstance(msg, DeviceMessage):
            if not _first_delivery(ctx, msg):
                picking.resend_view(ctx, msg.device_id)
                ctx.result = "duplicate"
                return ctx
            _device_seen(ctx, msg.device_id)
        _dispatch(ctx, msg)
        return ctx

    def refused(self, tx: Tx, msg: Inbound, err: DomainError, now: datetime) -> Ctx:
        """After a refusal rolled back: remember the message id and tell the device why."""
        ctx = Ctx(tx, self.catalog(tx), self.cfg, now)
        if isinstance(msg, DeviceMessage):
            tx.run(
                "INSERT OR IGNORE INTO inbound_seen(device, msg_id, at, outcome) VALUES (?,?,?,?)",
                (msg.device_id, msg.msg_id, ctx.at, f"refused: {err}"),
            )
            kind = ctx.cat.kind_of(msg.device_id)
            if kind:
                # The device contract's codes (docs/mqtt.md); HTTP-only codes read as refused.
                code = err.code if err.code in DEVICE_ERROR_CODES else "refused"
                ctx.emit(DeviceError(msg.device_id, kind, msg.msg_id, str(err), code))
            picking.resend_view(ctx, msg.device_id, error=err)
        return ctx


def _first_delivery(ctx: Ctx, msg: DeviceMessage) -> bool:
    # QoS 1 redelivers: a (device, msg_id) seen before changes nothing.
    return (
        ctx.tx.run(
            "INSERT OR IGNORE INTO inbound_seen(device, msg_id, at, outcome) VALUES (?,?,?,?)",
            (msg.device_id, msg.msg_id, ctx.at, "applied"),
        )
        > 0
    )


def _device_seen(ctx: Ctx, device_id: str) -> None:
    if device_id not in ctx.cat.devices:
        raise DomainError(f"unknown device {device_id!r}", "unknown")
    ctx.tx.run("UPDATE devices SET last_seen = ? WHERE id = ?", (ctx.at, device_id))


def _dispatch(ctx: Ctx, msg: Inbound) -> None:
    match msg:
        case ScanRead():
            picking.on_scan(ctx, msg)
        case QuantityConfirmed():
            picking.on_quantity(ctx, msg)
        case NextRequested():
            picking.on_next(ctx, msg)
        case SkipRequested():
            picking.on_skip(ctx, msg)
        case LogoutRequested():
            picking.on_logout(ctx, msg)
        case LightButton():
            picking.on_light_button(ctx, msg)
        case LightAck():
            picking.on_light_ack(ctx, msg)
        case WeightMeasured():
            packing.on_weight(ctx, msg)
        case PresenceChanged():
            picking.on_presence(ctx, msg)
        case DeadLetter():
            _dead_letter(ctx, msg)
        case IntakeOrder():
            ctx.result = orders.intake(ctx, msg)
        case AdjustStock():
            orders.adjust_stock(ctx, msg)
        case CancelOrder():
            orders.cancel(ctx, msg)
        case OverrideHold():
            orders.override_hold(ctx, msg)
        case ShipOrder():
            orders.ship(ctx, msg)
        case AckFeed():
            ctx.result = orders.ack_feed(ctx, msg)
        case TripPlanned():
            ctx.result = picking.on_trip_planned(ctx, msg)
        case ResumePlanning():
            picking.resume_planning(ctx)
        case _:
            raise DomainError(f"unsupported message {type(msg).__name__}", "unknown")


def _dead_letter(ctx: Ctx, msg: DeadLetter) -> None:
    ctx.tx.run(
        "INSERT INTO dead_letters(at, device, msg_id, topic, payload, reason)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (ctx.at, msg.device_id, msg.msg_id, msg.topic, msg.payload, msg.reason),
    )
    kind = msg.kind or ctx.cat.kind_of(msg.device_id)
    if msg.device_id and kind:
        ctx.emit(DeviceError(msg.device_id, kind, msg.msg_id, msg.reason, msg.code))
    ctx.emit(StateChanged("dead_letters"))
