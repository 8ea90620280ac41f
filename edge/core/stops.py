"""Walking a trip: the next stop, the end of the trip, stops that vanish or must be re-sourced."""

from __future__ import annotations

from typing import Any

from edge.core import lights, stock
from edge.core.context import Ctx, session_of, set_status
from edge.core.views import refresh_pack_queues, resend_view
from edge.messages import Origin
from edge.model import Status
from edge.routing import plan_route


def advance(ctx: Ctx, device: str) -> None:
    """Make the next open stop of the session's trip current, or finish the trip."""
    sess = session_of(ctx.tx, device)
    assert sess is not None and sess["trip_id"] is not None
    trip_id = sess["trip_id"]
    nxt = ctx.tx.one(
        "SELECT * FROM tasks WHERE trip_id = ? AND status = 'open' ORDER BY seq LIMIT 1",
        (trip_id,),
    )
    if nxt is not None:
        ctx.tx.run(
            "UPDATE sessions SET task_id = ?, stage = 'bin', scanned_gtin = NULL,"
            " scanned_lot = NULL WHERE device = ?",
            (nxt["id"], device),
        )
        lights.light_on(ctx, nxt, sess["badge"])
        resend_view(ctx, device)
        return
    ctx.tx.run("UPDATE trips SET status = 'done', finished_at = ? WHERE id = ?", (ctx.at, trip_id))
    who = Origin(sess["badge"], ctx.now, device)
    to_packing = False
    for row in ctx.tx.all(
        "SELECT DISTINCT o.id, o.status FROM orders o JOIN tasks t ON t.order_id = o.id"
        " WHERE t.trip_id = ?",
        (trip_id,),
    ):
        open_left = ctx.tx.value(
            "SELECT count(*) FROM tasks WHERE order_id = ? AND status = 'open'", (row["id"],)
        )
        if row["status"] == Status.PICKING and not open_left:
            set_status(ctx, row["id"], Status.PACKING, who, "picked")
            to_packing = True
    if to_packing:
        refresh_pack_queues(ctx)
    ctx.tx.run(
        "UPDATE sessions SET stage = 'trip_done', trip_id = NULL, task_id = NULL,"
        " order_id = ? WHERE device = ?",
        (trip_id, device),
    )
    ctx.changed()
    resend_view(ctx, device)


def task_gone(ctx: Ctx, task_id: int) -> None:
    """A task was cancelled: its light goes out and a session standing on it moves on."""
    lights.light_off(ctx, task_id)
    for sess in ctx.tx.all("SELECT device FROM sessions WHERE task_id = ?", (task_id,)):
        advance(ctx, sess["device"])


def resource(ctx: Ctx, task: dict[str, Any], qty: int, empty_bin: str) -> None:
    """New tasks for qty from other bins, in the same trip; what no bin has is short."""
    sources = stock.plan_sources(ctx, task["sku"], qty, exclude=empty_bin)
    found = 0
    for bin_label, q in sources:
        stock.reserve(ctx, bin_label, task["sku"], q)
        ctx.tx.run(
            "INSERT INTO tasks(order_id, line_no, bin, sku, qty, trip_id, tote, seq)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
            (
                task["order_id"],
                task["line_no"],
                bin_label,
                task["sku"],
                q,
                task["trip_id"],
                task["tote"],
            ),
        )
        found += q
    if found < qty:
        ctx.tx.run(
            "UPDATE order_lines SET short = short + ? WHERE order_id = ? AND line_no = ?",
            (qty - found, task["order_id"], task["line_no"]),
        )
    if sources and task["trip_id"] is not None:
        reroute(ctx, task["trip_id"])


def reroute(ctx: Ctx, trip_id: int) -> None:
    """Put the trip's open stops (old and re-sourced) back into walking order."""
    open_tasks = ctx.tx.all(
        "SELECT id, bin, tote FROM tasks WHERE trip_id = ? AND status = 'open'", (trip_id,)
    )
    base = ctx.tx.value("SELECT coalesce(max(seq), 0) FROM tasks WHERE trip_id = ?", (trip_id,))
    route = plan_route(ctx.cat.layout, sorted({t["bin"] for t in open_tasks}))
    position = {stop.label: n for n, stop in enumerate(route.stops)}
    open_tasks.sort(key=lambda t: (position[t["bin"]], t["tote"] or 0, t["id"]))
    for n, t in enumerate(open_tasks, start=1):
        ctx.tx.run("UPDATE tasks SET seq = ? WHERE id = ?", (base + n, t["id"]))
