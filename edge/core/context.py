"""What every use case stands on: the context of one message, status changes, scanner sessions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from edge.catalog import Catalog
from edge.messages import Effect, Origin, StateChanged
from edge.model import DomainError, Status, check_transition
from edge.ports import Reader, Tx
from edge.staff import LockoutPolicy

__all__ = ["CoreConfig", "Ctx", "Reader", "Tx"]


@dataclass(frozen=True)
class CoreConfig:
    totes_per_cart: int = 4
    walking_speed_dm_s: int = 12
    seconds_per_pick: int = 12
    weight_floor_g: int = 20
    box_tare_sd_g: int = 5
    retain_acked_days: int = 30
    # The declared feed consumers (API clients with the role feed): pruning waits for all.
    feed_consumers: tuple[str, ...] = ()
    lockout: LockoutPolicy = field(default_factory=LockoutPolicy)


@dataclass
class Ctx:
    """Everything one message's handling needs; effects collect until the commit."""

    tx: Tx
    cat: Catalog
    cfg: CoreConfig
    now: datetime
    effects: list[Effect] = field(default_factory=list)
    result: Any = None
    # Something the supervisor's overview shows changed; one StateChanged goes out at the end.
    dirty: bool = False
    # Floor-work lists (receive, putaway, replenish, count) whose choosers see them anew.
    lists: set[str] = field(default_factory=set)

    @property
    def at(self) -> str:
        return self.now.isoformat(timespec="milliseconds")

    def emit(self, effect: Effect) -> None:
        self.effects.append(effect)

    def changed(self) -> None:
        self.dirty = True

    def list_changed(self, mode: str) -> None:
        """Work of this mode came, went or was taken: those choosing see the list anew."""
        self.lists.add(mode)
        self.dirty = True

    def finish(self) -> Ctx:
        if self.dirty:
            self.effects.append(StateChanged())
            self.dirty = False
        return self

    @staticmethod
    def new_id() -> str:
        return uuid.uuid4().hex[:16]


# --- orders ----------------------------------------------------------------------------------


def order_status(tx: Reader, order_id: int) -> Status:
    row = tx.one("SELECT status FROM orders WHERE id = ?", (order_id,))
    if row is None:
        raise DomainError(f"order {order_id} does not exist", "not_found")
    return Status(row["status"])


def set_status(ctx: Ctx, order_id: int, target: Status, who: Origin, reason: str = "") -> None:
    """Move an order to a new status and record who, when, where and why."""
    current = order_status(ctx.tx, order_id)
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
        (order_id, current.value, target.value, reason, who.actor, who.device, ctx.at),
    )
    ctx.changed()


# --- scanner sessions ------------------------------------------------------------------------


def session_of(tx: Reader, device: str) -> dict[str, Any] | None:
    """Who is logged in on a scanner, and where their work stands."""
    return tx.one("SELECT * FROM sessions WHERE device = ?", (device,))


def require_session(ctx: Ctx, device: str) -> dict[str, Any]:
    sess = session_of(ctx.tx, device)
    if sess is None:
        raise DomainError("scan your badge to log in first")
    return sess


def session_event(ctx: Ctx, device: str, badge: str, event: str) -> None:
    """Who was logged in on which scanner, and when: kept after the session is gone."""
    ctx.tx.run(
        "INSERT INTO session_events(device, badge, event, at) VALUES (?, ?, ?, ?)",
        (device, badge, event, ctx.at),
    )


def require_scanner(ctx: Ctx, device_id: str) -> None:
    if ctx.cat.kind_of(device_id) != "scanner":
        raise DomainError(f"{device_id} is not a scanner", "unknown")


def floor_role(tx: Reader, cat: Catalog, badge: str) -> str:
    """What a person does this shift: the role a supervisor moved them to, else the
    description's role."""
    moved = tx.value("SELECT role FROM shift_roles WHERE badge = ?", (badge,))
    return str(moved) if moved is not None else cat.staff[badge].role
