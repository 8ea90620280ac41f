"""A supervisor's controls: pick lists released or reassigned, cancels, priorities, holds, roles.

Every control needs a reason and is audited: order status changes in order_events, and every
control in supervisor_actions (who, when, on which device, why, what it touched).

The rules for what is already on the cart:
- Releasing a pick list ends it for its picker. Stops not yet picked (and the rest of a stop
  picked in part) go back to the pool with their reservations kept, so the same units wait in
  the same bins; their orders go back to `received` and are offered first to a picker who is
  waiting (the released picker gets new work when they ask). Units already picked stay in
  their tote: the picker takes the cart to packing, and an order finished on this cart goes to
  packing as any finished pick list's would. An order picked in part is packed from both totes
  once its other picker brings the rest (the packer finds it by its order code).
- Reassigning a pick list hands the cart over: the other picker continues from the current
  stop, with the lights in their colour; the first picker's scanner goes idle.
- Cancelling an order (any status before shipped) releases the reservations of its open
  stops; units already picked (in a tote, or packed in a parcel not shipped) go back to stock
  through put-away: one put-away task per SKU and lot, with the usual bin suggestion, on the
  put-away list of the handhelds. A pack station weighing the order is sent back to its queue.
"""

from __future__ import annotations

import json
from typing import Any

from edge.core import lights, slotting, stock, stockrules, stops, trips
from edge.core.context import Ctx, floor_role, order_status, session_event, set_status
from edge.core.orders import override_hold
from edge.core.views import refresh_pack_queues, resend_view
from edge.messages import (
    AcknowledgeException,
    CancelOrder,
    MoveStaff,
    Origin,
    OverrideHold,
    RaisePriority,
    ReassignTrip,
    ReleaseHolds,
    ReleaseTrip,
    ResendLight,
)
from edge.model import TRANSITIONS, DomainError, Status

# An order's priority: 0 is everyone's; a supervisor raises it up to this.
MAX_PRIORITY = 9
# The most holds released by one request (one reason for a batch the supervisor looked at).
MAX_HOLDS_AT_ONCE = 100


def _reason(reason: str) -> str:
    if not reason.strip():
        raise DomainError("reason: say why (it is kept with the change)", "invalid")
    return reason.strip()


def audit(ctx: Ctx, who: Origin, action: str, target: str, reason: str, **detail: Any) -> None:
    """One supervisor control: who, when, on which device, why, and what it touched."""
    ctx.tx.run(
        "INSERT INTO supervisor_actions(action, target, detail, reason, actor, device, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (action, target, json.dumps(detail, sort_keys=True), reason, who.actor, who.device, ctx.at),
    )
    ctx.changed()


def _active_trip(ctx: Ctx, trip_id: int) -> dict[str, Any]:
    trip = ctx.tx.one("SELECT * FROM trips WHERE id = ?", (trip_id,))
    if trip is None:
        raise DomainError(f"pick list {trip_id} does not exist", "not_found")
    if trip["status"] != "active":
        raise DomainError(f"pick list {trip_id} is {trip['status']}, not active", "conflict")
    return trip


# --- pick lists ------------------------------------------------------------------------------


def release_trip(ctx: Ctx, msg: ReleaseTrip) -> dict[str, Any]:
    """The pick list ends for its picker; what is not picked yet is picked by someone else."""
    reason = _reason(msg.reason)
    trip = _active_trip(ctx, msg.trip_id)
    who = msg.origin
    orders = ctx.tx.all(
        "SELECT DISTINCT o.id, o.status FROM orders o JOIN tasks t ON t.order_id = o.id"
        " WHERE t.trip_id = ? ORDER BY o.id",
        (msg.trip_id,),
    )
    open_tasks = ctx.tx.all(
        "SELECT id FROM tasks WHERE trip_id = ? AND status = 'open'", (msg.trip_id,)
    )
    for t in open_tasks:
        lights.light_off(ctx, t["id"])
    ctx.tx.run(
        "UPDATE tasks SET trip_id = NULL, seq = NULL, tote = NULL"
        " WHERE trip_id = ? AND status = 'open'",
        (msg.trip_id,),
    )
    ctx.tx.run(
        "UPDATE trips SET status = 'released', finished_at = ? WHERE id = ?", (ctx.at, msg.trip_id)
    )
    to_pick, to_pack = [], []
    for row in orders:
        if row["status"] != Status.PICKING:
            continue
        left = ctx.tx.value(
            "SELECT count(*) FROM tasks WHERE order_id = ? AND status = 'open'", (row["id"],)
        )
        if left:
            set_status(ctx, row["id"], Status.RECEIVED, who, f"pick list released: {reason}")
            to_pick.append(row["id"])
        else:
            set_status(ctx, row["id"], Status.PACKING, who, "picked")
            to_pack.append(row["id"])
    if to_pack:
        refresh_pack_queues(ctx)
    if to_pick:
        trips.offer_work(ctx)  # a picker waiting takes the released stops (not this one)
    picked = ctx.tx.value(
        "SELECT count(*) FROM picks p JOIN tasks t ON t.id = p.task_id WHERE t.trip_id = ?",
        (msg.trip_id,),
    )
    for sess in ctx.tx.all("SELECT device FROM sessions WHERE trip_id = ?", (msg.trip_id,)):
        if picked:  # units on the cart: it goes to packing
            ctx.tx.run(
                "UPDATE sessions SET stage = 'trip_done', trip_id = NULL, task_id = NULL,"
                " order_id = ? WHERE device = ?",
                (msg.trip_id, sess["device"]),
            )
        else:
            ctx.tx.run(
                "UPDATE sessions SET stage = 'idle', trip_id = NULL, task_id = NULL,"
                " idle_since = ? WHERE device = ?",
                (ctx.at, sess["device"]),
            )
        resend_view(ctx, sess["device"])
    audit(
        ctx, who, "release_trip", f"trip:{msg.trip_id}", reason,
        picker=trip["picker"], device=trip["device"], back_to_pick=to_pick, to_packing=to_pack,
    )  # fmt: skip
    return {"trip_id": msg.trip_id, "orders_to_pick": to_pick, "orders_to_pack": to_pack}


def reassign_trip(ctx: Ctx, msg: ReassignTrip) -> dict[str, Any]:
    """The pick list (and its cart) goes to another picker logged in on a picking scanner."""
    reason = _reason(msg.reason)
    trip = _active_trip(ctx, msg.trip_id)
    badge = msg.to_badge.strip()
    if badge not in ctx.cat.staff:
        raise DomainError(f"to_badge: unknown badge {badge!r}", "not_found")
    name = ctx.cat.staff_name(badge)
    if badge == trip["picker"]:
        raise DomainError(f"to_badge: pick list {msg.trip_id} is already {name}'s", "conflict")
    target = ctx.tx.one(
        "SELECT * FROM sessions WHERE badge = ? AND role = 'picker' AND mode = 'pick'", (badge,)
    )
    if target is None:
        raise DomainError(f"to_badge: {name} is not logged in on a picking scanner", "conflict")
    other = ctx.tx.value(
        "SELECT id FROM trips WHERE picker = ? AND status = 'active' LIMIT 1", (badge,)
    )
    if other is not None:
        raise DomainError(f"to_badge: {name} has pick list {other} open", "conflict")
    for sess in ctx.tx.all("SELECT * FROM sessions WHERE trip_id = ?", (msg.trip_id,)):
        if sess["task_id"] is not None:
            lights.light_off(ctx, sess["task_id"])
        ctx.tx.run(
            "UPDATE sessions SET stage = 'idle', trip_id = NULL, task_id = NULL, idle_since = ?"
            " WHERE device = ?",
            (ctx.at, sess["device"]),
        )
        resend_view(ctx, sess["device"])
    trips.release_planning(ctx, target["device"])  # a plan on its way for them is dropped
    ctx.tx.run(
        "UPDATE trips SET picker = ?, device = ? WHERE id = ?",
        (badge, target["device"], msg.trip_id),
    )
    ctx.tx.run(
        "UPDATE sessions SET trip_id = ?, plan_id = NULL WHERE device = ?",
        (msg.trip_id, target["device"]),
    )
    stops.advance(ctx, target["device"])  # the current stop lit in the new picker's colour
    audit(
        ctx, msg.origin, "reassign_trip", f"trip:{msg.trip_id}", reason,
        from_picker=trip["picker"], from_device=trip["device"], to_picker=badge,
        to_device=target["device"],
    )  # fmt: skip
    return {"trip_id": msg.trip_id, "picker": badge, "device": target["device"]}


# --- orders ----------------------------------------------------------------------------------


def cancel_order(ctx: Ctx, msg: CancelOrder) -> None:
    """The order stops here (any status before shipped): reservations go back to the bins,
    picked units go back to stock through put-away."""
    reason = _reason(msg.reason)
    status = order_status(ctx.tx, msg.order_id)
    if Status.CANCELLED not in TRANSITIONS[status]:  # the lifecycle's rule, asked first
        raise DomainError(
            f"order {msg.order_id} is {status}: only an order not yet shipped can be cancelled",
            "conflict",
        )
    for t in ctx.tx.all(
        "SELECT id, bin, sku, qty, picked FROM tasks WHERE order_id = ? AND status = 'open'",
        (msg.order_id,),
    ):
        stock.unreserve(ctx, t["bin"], t["sku"], t["qty"] - t["picked"])
        ctx.tx.run("UPDATE tasks SET status = 'cancelled' WHERE id = ?", (t["id"],))
        stops.task_gone(ctx, t["id"])
    ctx.tx.run("UPDATE orders SET planning_for = NULL WHERE id = ?", (msg.order_id,))
    set_status(ctx, msg.order_id, Status.CANCELLED, msg.origin, reason)
    put_away = _put_back_picked(ctx, msg.order_id)
    audit(
        ctx, msg.origin, "cancel_order", f"order:{msg.order_id}", reason,
        status_from=status.value, units_to_put_away=put_away,
    )  # fmt: skip
    for sess in ctx.tx.all(
        "SELECT device FROM sessions WHERE order_id = ? AND role = 'packer'", (msg.order_id,)
    ):
        ctx.tx.run("UPDATE sessions SET stage = 'order' WHERE device = ?", (sess["device"],))
        resend_view(ctx, sess["device"])
    refresh_pack_queues(ctx)


def _put_back_picked(ctx: Ctx, order_id: int) -> int:
    """Units picked for a cancelled order are in no bin: put-away work brings them back.
    Returns how many units."""
    units = 0
    for row in ctx.tx.all(
        "SELECT sku, lot, sum(qty) AS qty FROM picks WHERE order_id = ? GROUP BY sku, lot"
        " HAVING sum(qty) > 0 ORDER BY min(id)",
        (order_id,),
    ):
        task_id = ctx.tx.run(
            "INSERT INTO putaway_tasks(receipt_id, source, sku, lot, qty, created_at)"
            " VALUES (NULL, ?, ?, ?, ?, ?)",
            (f"cancelled order {order_id}", row["sku"], row["lot"], row["qty"], ctx.at),
        )
        slotting.suggest_task(ctx, task_id)
        ctx.list_changed("putaway")
        units += row["qty"]
    return units


def raise_priority(ctx: Ctx, msg: RaisePriority) -> dict[str, Any]:
    """The order goes ahead of lower priorities: released from a backorder first, picked on
    the next cart, packed first."""
    reason = _reason(msg.reason)
    if not 1 <= msg.priority <= MAX_PRIORITY:
        raise DomainError(f"priority: from 1 to {MAX_PRIORITY}", "invalid")
    status = order_status(ctx.tx, msg.order_id)
    if status in (Status.SHIPPED, Status.CANCELLED, Status.RETURNED, Status.PARTLY_RETURNED):
        raise DomainError(f"order {msg.order_id} is {status}: nothing left to hurry", "conflict")
    current = ctx.tx.value("SELECT priority FROM orders WHERE id = ?", (msg.order_id,))
    if msg.priority <= current:
        raise DomainError(
            f"priority: order {msg.order_id} is at priority {current} already", "conflict"
        )
    ctx.tx.run(
        "UPDATE orders SET priority = ?, updated_at = ? WHERE id = ?",
        (msg.priority, ctx.at, msg.order_id),
    )
    audit(
        ctx, msg.origin, "raise_priority", f"order:{msg.order_id}", reason,
        priority_from=current, priority_to=msg.priority,
    )  # fmt: skip
    if status == Status.PACKING:
        refresh_pack_queues(ctx)  # the stations' queues show it first
    return {"order_id": msg.order_id, "priority": msg.priority}


def release_holds(ctx: Ctx, msg: ReleaseHolds) -> dict[str, Any]:
    """Several holds overridden with one reason, all or none (one refused refuses them all)."""
    reason = _reason(msg.reason)
    ids = list(dict.fromkeys(msg.order_ids))
    if not ids:
        raise DomainError("order_ids: name at least one order on hold", "invalid")
    if len(ids) > MAX_HOLDS_AT_ONCE:
        raise DomainError(f"order_ids: at most {MAX_HOLDS_AT_ONCE} at once", "invalid")
    for oid in ids:
        override_hold(ctx, OverrideHold(msg.origin, oid, reason))
    audit(ctx, msg.origin, "release_holds", f"orders:{len(ids)}", reason, order_ids=ids)
    return {"released": ids}


# --- people ----------------------------------------------------------------------------------


def move_staff(ctx: Ctx, msg: MoveStaff) -> dict[str, Any]:
    """A person picks or packs for the rest of the shift. Logged in on a scanner of the other
    kind of work, they are logged out there (its screen asks for a badge) and log in where
    they now work; an open pick list or an order on the scale must be handed on first."""
    reason = _reason(msg.reason)
    person = ctx.cat.staff.get(msg.badge.strip())
    if person is None:
        raise DomainError(f"badge: unknown badge {msg.badge!r}", "not_found")
    if person.role not in ("picker", "packer"):
        raise DomainError(f"badge: {person.name} is a {person.role}, not floor staff", "conflict")
    if msg.role not in ("picker", "packer"):
        raise DomainError("role: picker or packer", "invalid")
    current = floor_role(ctx.tx, ctx.cat, person.badge)
    if current == msg.role:
        raise DomainError(f"role: {person.name} is a {current} already", "conflict")
    trip = ctx.tx.value(
        "SELECT id FROM trips WHERE picker = ? AND status = 'active' LIMIT 1", (person.badge,)
    )
    if trip is not None:
        raise DomainError(
            f"badge: {person.name} has pick list {trip} open; release or reassign it first",
            "conflict",
        )
    sess = ctx.tx.one("SELECT * FROM sessions WHERE badge = ?", (person.badge,))
    if sess is not None and sess["stage"] in ("contents", "weight"):
        raise DomainError(
            f"badge: {person.name} is packing order {sess['order_id']}; let them finish",
            "conflict",
        )
    if sess is not None:
        if sess["task_id"] is not None:
            lights.light_off(ctx, sess["task_id"])
        trips.release_planning(ctx, sess["device"])
        stockrules.release_work(ctx, sess["device"])
        session_event(ctx, sess["device"], person.badge, f"logout (moved to {msg.role})")
        ctx.tx.run("DELETE FROM sessions WHERE device = ?", (sess["device"],))
        resend_view(ctx, sess["device"])
    if msg.role == person.role:
        ctx.tx.run("DELETE FROM shift_roles WHERE badge = ?", (person.badge,))
    else:
        who = msg.origin
        ctx.tx.run(
            "INSERT OR REPLACE INTO shift_roles(badge, role, since, actor, device, reason)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (person.badge, msg.role, ctx.at, who.actor, who.device, reason),
        )
    audit(
        ctx, msg.origin, "move_staff", f"staff:{person.badge}", reason,
        role_from=current, role_to=msg.role, logged_out=sess["device"] if sess else None,
    )  # fmt: skip
    return {"badge": person.badge, "role": msg.role}


# --- the exceptions queue --------------------------------------------------------------------


def acknowledge_exception(ctx: Ctx, msg: AcknowledgeException) -> dict[str, Any]:
    """A dead letter or a short pick seen and dealt with: it leaves the queue (audited)."""
    note = _reason(msg.note)
    if msg.kind == "dead_letter":
        found = ctx.tx.one("SELECT device FROM dead_letters WHERE id = ?", (msg.ref,))
    else:
        found = ctx.tx.one(
            "SELECT order_id, bin, sku FROM tasks WHERE id = ? AND status = 'short'", (msg.ref,)
        )
    if found is None:
        raise DomainError(f"ref: no {msg.kind.replace('_', ' ')} {msg.ref}", "not_found")
    who = msg.origin
    done = ctx.tx.run(
        "INSERT OR IGNORE INTO exception_acks(kind, ref, note, actor, device, at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (msg.kind, str(msg.ref), note, who.actor, who.device, ctx.at),
    )
    if not done:
        raise DomainError(
            f"ref: {msg.kind.replace('_', ' ')} {msg.ref} was acknowledged", "conflict"
        )
    audit(ctx, who, f"acknowledge_{msg.kind}", f"{msg.kind}:{msg.ref}", note, **found)
    return {"kind": msg.kind, "ref": msg.ref, "acknowledged_by": who.actor, "at": ctx.at}


def resend_light(ctx: Ctx, msg: ResendLight) -> dict[str, Any]:
    """Send an unacknowledged light command again, with a reason (audited)."""
    reason = _reason(msg.reason)
    row = lights.resend_one(ctx, msg.device, msg.slot)
    audit(ctx, msg.origin, "resend_light", f"light:{msg.device}:{msg.slot}", reason,
          cmd_id=row["cmd_id"], task_id=row["task_id"])  # fmt: skip
    return {"device": msg.device, "slot": msg.slot, "cmd_id": row["cmd_id"]}
