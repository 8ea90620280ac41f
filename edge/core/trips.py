"""Who gets which pick list: the cart planned beside the writer, taken back and re-checked."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from edge.core.context import Ctx, require_scanner, require_session, session_of, set_status
from edge.core.stops import advance
from edge.core.views import resend_view
from edge.messages import (
    NextRequested,
    Origin,
    PlanTrip,
    ResumePlanning,
    TripCandidate,
    TripPlanned,
)
from edge.model import DomainError, Status
from edge.routing import plan_route

# How many waiting orders (earliest cut-off first) one plan weighs when it fills a cart. They
# are held back from other scanners' plans meanwhile, so a larger pool starves pickers who ask
# at the same moment; each one more also costs the planner a few estimates.
BATCH_LOOKAHEAD = 8


def on_next(ctx: Ctx, msg: NextRequested) -> None:
    """The picker asks for work (after a pick list, or when there was none)."""
    require_scanner(ctx, msg.device_id)
    sess = require_session(ctx, msg.device_id)
    if sess["role"] == "packer":
        resend_view(ctx, msg.device_id)
        return
    if sess["trip_id"] is not None:
        raise DomainError("finish the open pick list first")
    if sess["stage"] == "planning":
        resend_view(ctx, msg.device_id)  # the plan is on its way
        return
    assign_next(ctx, msg.device_id, sess["badge"])


def assign_next(ctx: Ctx, device: str, badge: str) -> None:
    """Earliest cut-off first; the planner fills the cart with orders that add least walking.

    Planning runs outside the writer (a PlanTrip effect); the session waits in 'planning'
    until the TripPlanned answer comes back through the writer.
    """
    release_planning(ctx, device)
    candidates = ctx.tx.all(
        "SELECT o.id, o.cutoff_at, o.priority FROM orders o WHERE o.status = 'received'"
        " AND o.planning_for IS NULL AND EXISTS"
        " (SELECT 1 FROM tasks t WHERE t.order_id = o.id AND t.status = 'open'"
        "  AND t.trip_id IS NULL) ORDER BY o.priority DESC, o.cutoff_at, o.paid_at, o.id LIMIT ?",
        (BATCH_LOOKAHEAD,),
    )
    if not candidates:
        ctx.tx.run(
            "UPDATE sessions SET stage = 'idle', trip_id = NULL, task_id = NULL, idle_since = ?"
            " WHERE device = ?",
            (ctx.at, device),
        )
        resend_view(ctx, device)
        return
    # The planner fills carts due-first: an order a supervisor raised counts as due before
    # every other candidate (by its priority), so it rides on this cart.
    earliest = min(datetime.fromisoformat(c["cutoff_at"]) for c in candidates)
    found = tuple(
        TripCandidate(
            c["id"],
            tuple(sorted(_unassigned_bins(ctx, c["id"]))),
            earliest - timedelta(minutes=c["priority"])
            if c["priority"]
            else datetime.fromisoformat(c["cutoff_at"]),
        )
        for c in candidates
    )
    plan_id = ctx.new_id()
    ctx.tx.many(
        "UPDATE orders SET planning_for = ? WHERE id = ?", [(device, c["id"]) for c in candidates]
    )
    ctx.tx.run(
        "UPDATE sessions SET stage = 'planning', trip_id = NULL, task_id = NULL, plan_id = ?"
        " WHERE device = ?",
        (plan_id, device),
    )
    ctx.emit(PlanTrip(device, badge, plan_id, found, ctx.cfg.totes_per_cart, ctx.cat.layout))
    resend_view(ctx, device)


def offer_work(ctx: Ctx) -> None:
    """New work while someone waits for it: the picker who has waited longest since last
    asking gets a pick list now, so an idle screen need not keep asking."""
    sess = ctx.tx.one(
        "SELECT device, badge FROM sessions WHERE role = 'picker' AND stage = 'idle'"
        " ORDER BY idle_since, device LIMIT 1"
    )
    if sess is not None:
        assign_next(ctx, sess["device"], sess["badge"])


def continue_trip(ctx: Ctx, device: str, badge: str) -> bool:
    """A picker logging in (maybe on another scanner) picks up their open trip."""
    trip = ctx.tx.one(
        "SELECT id FROM trips WHERE picker = ? AND status = 'active' ORDER BY id LIMIT 1", (badge,)
    )
    if trip is None:
        return False
    ctx.tx.run("UPDATE trips SET device = ? WHERE id = ?", (device, trip["id"]))
    ctx.tx.run("UPDATE sessions SET trip_id = ? WHERE device = ?", (trip["id"], device))
    advance(ctx, device)
    return True


def release_planning(ctx: Ctx, device: str) -> None:
    """Orders held back for this scanner's plan go back to everyone."""
    ctx.tx.run("UPDATE orders SET planning_for = NULL WHERE planning_for = ?", (device,))


def resume_planning(ctx: Ctx, msg: ResumePlanning) -> None:
    """After a restart the planner's queue is gone: plan again for whoever was waiting."""
    ctx.tx.run("UPDATE orders SET planning_for = NULL WHERE planning_for IS NOT NULL")
    for sess in ctx.tx.all("SELECT device, badge FROM sessions WHERE stage = 'planning'"):
        assign_next(ctx, sess["device"], sess["badge"])


def _unassigned_bins(ctx: Ctx, order_id: int) -> set[str]:
    rows = ctx.tx.all(
        "SELECT bin FROM tasks WHERE order_id = ? AND status = 'open' AND trip_id IS NULL",
        (order_id,),
    )
    return {r["bin"] for r in rows}


def on_trip_planned(ctx: Ctx, msg: TripPlanned) -> str:
    """Take the planner's trip if the picker still waits for it and its orders are still
    free; orders taken meanwhile drop out, and with none left the picker gets a new plan."""
    sess = session_of(ctx.tx, msg.device_id)
    if sess is None or sess["stage"] != "planning" or sess["plan_id"] != msg.plan_id:
        return "stale"  # the picker logged out or moved on: nothing to do
    release_planning(ctx, msg.device_id)
    planned = set(msg.labels)
    still_free = []
    for oid in msg.order_ids:
        status = ctx.tx.value("SELECT status FROM orders WHERE id = ?", (oid,))
        bins = _unassigned_bins(ctx, oid)
        if status == Status.RECEIVED and bins and bins <= planned:
            still_free.append(oid)
    if not still_free:
        assign_next(ctx, msg.device_id, sess["badge"])
        return "replanned"
    trip_id = _new_trip(ctx, msg, still_free)
    who = Origin(msg.badge, ctx.now, msg.device_id)
    for oid in still_free:
        set_status(ctx, oid, Status.PICKING, who, f"trip {trip_id}")
    ctx.tx.run(
        "UPDATE sessions SET trip_id = ?, plan_id = NULL WHERE device = ?",
        (trip_id, msg.device_id),
    )
    advance(ctx, msg.device_id)
    return "assigned"


def _new_trip(ctx: Ctx, msg: TripPlanned, orders: list[int]) -> int:
    """Record the trip and put its tasks in walking order, tote by tote."""
    labels = list(msg.labels)
    length, sorted_length, method = msg.length_dm, msg.label_sorted_dm, msg.method
    if len(orders) < len(msg.order_ids):
        # Someone else took an order meanwhile: route what is left (one route, cheap).
        keep = set().union(*(_unassigned_bins(ctx, oid) for oid in orders))
        route = plan_route(ctx.cat.layout, sorted(keep))
        labels = [stop.label for stop in route.stops]
        length, sorted_length, method = (
            route.length_dm,
            route.label_sorted_length_dm,
            route.method,
        )
    tote_of = dict(msg.tote_of_order)
    trip_id = ctx.tx.run(
        "INSERT INTO trips(picker, device, status, length_dm, label_sorted_dm, method, created_at)"
        " VALUES (?, ?, 'active', ?, ?, ?, ?)",
        (msg.badge, msg.device_id, length, sorted_length, method, ctx.at),
    )
    position = {label: n for n, label in enumerate(labels)}
    tasks: list[tuple[dict[str, Any], int]] = [
        (task, oid)
        for oid in orders
        for task in ctx.tx.all(
            "SELECT id, bin FROM tasks WHERE order_id = ? AND status = 'open' AND trip_id IS NULL",
            (oid,),
        )
    ]
    tasks.sort(key=lambda pair: (position[pair[0]["bin"]], tote_of[pair[1]], pair[0]["id"]))
    for seq, (task, oid) in enumerate(tasks, start=1):
        ctx.tx.run(
            "UPDATE tasks SET trip_id = ?, seq = ?, tote = ? WHERE id = ?",
            (trip_id, seq, tote_of[oid], task["id"]),
        )
    return trip_id
