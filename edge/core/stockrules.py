"""Rules that follow a stock change: a low pick face gets a top-up, a short bin gets a count."""

from __future__ import annotations

from typing import Any

from edge.core import lights, slotting, stock
from edge.core.context import Ctx
from edge.core.views import resend_view
from edge.messages import Origin

# Count statuses that mean "a count of this bin and SKU is under way".
OPEN_COUNTS = ("open", "recount", "approval")


def waiting_orders(ctx: Ctx, sku: str) -> int:
    """How many orders wait for stock of this SKU (a top-up's priority)."""
    return int(
        ctx.tx.value(
            "SELECT count(DISTINCT o.id) FROM orders o JOIN order_lines l ON l.order_id = o.id"
            " WHERE o.status = 'awaiting_stock' AND l.sku = ?",
            (sku,),
        )
        or 0
    )


def refresh_priorities(ctx: Ctx, order_id: int) -> None:
    """An order now waits for stock: the top-ups of its SKUs rank by the orders they serve."""
    for line in ctx.tx.all("SELECT DISTINCT sku FROM order_lines WHERE order_id = ?", (order_id,)):
        ctx.tx.run(
            "UPDATE replen_tasks SET priority = ? WHERE sku = ? AND status = 'open'",
            (waiting_orders(ctx, line["sku"]), line["sku"]),
        )
    ctx.changed()


def pick_face(ctx: Ctx, sku: str) -> str | None:
    """The SKU's pick face: a pick bin that holds (or held) it, one with levels first, then
    the nearest to the depot."""
    faces = [
        r["bin"]
        for r in ctx.tx.all("SELECT bin FROM stock WHERE sku = ?", (sku,))
        if r["bin"] not in ctx.cat.reserve_bins
    ]
    if not faces:
        return None
    best: str = min(
        faces,
        key=lambda b: (
            ctx.cat.bin_info[b].levels() is None,
            ctx.cat.walk_from_depot(b),
            b,
        ),
    )
    return best


def check_face(ctx: Ctx, bin_label: str, sku: str, who: Origin) -> None:
    """After units left a pick face: below its minimum free units, ask for a top-up."""
    info = ctx.cat.bin_info.get(bin_label)
    levels = info.levels() if info else None
    if levels is None:
        return
    low, top = levels
    on_hand, reserved = stock.row(ctx, bin_label, sku)
    if on_hand - reserved < low:
        request_topup(ctx, sku, bin_label, top - on_hand + reserved, who)


def wanted(ctx: Ctx, sku: str, need: int, who: Origin) -> None:
    """An order waits for units no pick face has: top up the SKU's face from reserve."""
    face = pick_face(ctx, sku)
    if face is None:
        return
    levels = ctx.cat.bin_info[face].levels()
    on_hand, reserved = stock.row(ctx, face, sku)
    target = max(need, (levels[1] - on_hand + reserved) if levels else need)
    request_topup(ctx, sku, face, target, who)


def request_topup(ctx: Ctx, sku: str, face: str, qty: int, who: Origin) -> int | None:
    """One open top-up per face and SKU, from the reserve bin with the most free units;
    its priority is the number of orders waiting for the SKU. Returns the task id."""
    priority = waiting_orders(ctx, sku)
    existing = ctx.tx.one(
        "SELECT id, priority FROM replen_tasks WHERE to_bin = ? AND sku = ? AND status = 'open'",
        (face, sku),
    )
    if existing is not None:
        if existing["priority"] != priority:
            ctx.tx.run(
                "UPDATE replen_tasks SET priority = ? WHERE id = ?", (priority, existing["id"])
            )
            ctx.list_changed("replenish")
        return int(existing["id"])
    sources = [
        r
        for r in ctx.tx.all(
            "SELECT bin, on_hand - reserved AS free FROM stock WHERE sku = ? AND on_hand > reserved"
            " ORDER BY on_hand - reserved DESC, bin",
            (sku,),
        )
        if r["bin"] in ctx.cat.reserve_bins
    ]
    # Never more than the face holds: reserved units are still on the shelf until picked.
    qty = min(qty, slotting.room(ctx, face, sku))
    if not sources or qty <= 0:
        return None
    source = sources[0]
    take = min(qty, source["free"])
    # The units are held in the reserve bin for this move, so two top-ups never plan the
    # same units (reserve bins are never picked for orders).
    stock.reserve(ctx, source["bin"], sku, take)
    task_id = ctx.tx.run(
        "INSERT INTO replen_tasks(sku, from_bin, to_bin, qty, priority, created_at, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (sku, source["bin"], face, take, priority, ctx.at, who.actor),
    )
    ctx.list_changed("replenish")
    return task_id


def cancel_topup(ctx: Ctx, topup: dict[str, Any], reason: str) -> None:
    """A top-up that can no longer be done (its reserve units are gone; the caller released
    them): whoever holds it goes back to choosing. The caller asks for the face again
    (check_face) once the stock is as it will stay."""
    lights.light_off(ctx, topup["id"], "replenish")
    ctx.tx.run(
        "UPDATE replen_tasks SET status = 'cancelled', finished_at = ?, finished_by = ?,"
        " assigned_device = NULL WHERE id = ?",
        (ctx.at, f"system: {reason}", topup["id"]),
    )
    if topup["assigned_device"]:
        ctx.tx.run(
            "UPDATE sessions SET work_id = NULL, stage = 'select' WHERE device = ?"
            " AND mode = 'replenish'",
            (topup["assigned_device"],),
        )
        resend_view(ctx, topup["assigned_device"])
    ctx.list_changed("replenish")


def trigger_count(ctx: Ctx, bin_label: str, sku: str, reason: str, who: Origin) -> int | None:
    """A count of this bin and SKU, unless one is under way. Returns the new count's id."""
    marks = ", ".join("?" * len(OPEN_COUNTS))
    busy = ctx.tx.value(
        f"SELECT id FROM counts WHERE bin = ? AND sku = ? AND status IN ({marks})",
        (bin_label, sku, *OPEN_COUNTS),
    )
    if busy is not None:
        return None
    count_id = ctx.tx.run(
        "INSERT INTO counts(bin, sku, reason, created_at, created_by) VALUES (?, ?, ?, ?, ?)",
        (bin_label, sku, reason, ctx.at, who.actor),
    )
    ctx.list_changed("count")
    return count_id


def after_pick(ctx: Ctx, bin_label: str, sku: str, who: Origin) -> None:
    """Units left a pick face for an order: top it up if low, count it if it is now empty,
    and mark a count being made there as disturbed (it goes to a recount)."""
    ctx.tx.run(
        "UPDATE counts SET moved_during = 1 WHERE bin = ? AND sku = ? AND started_at IS NOT NULL"
        " AND status IN ('open', 'recount')",
        (bin_label, sku),
    )
    check_face(ctx, bin_label, sku, who)
    if stock.row(ctx, bin_label, sku)[0] == 0:
        trigger_count(ctx, bin_label, sku, "zero", who)


def after_short(ctx: Ctx, bin_label: str, sku: str, who: Origin) -> None:
    """A picker found fewer than the store said: count the bin, top the face up."""
    trigger_count(ctx, bin_label, sku, "short", who)
    check_face(ctx, bin_label, sku, who)


def release_work(ctx: Ctx, device: str) -> None:
    """A person leaves their put-away, top-up or count (logout, another mode): it goes back
    to the queue for someone else, and a light lit for it goes out."""
    for row in ctx.tx.all(
        "SELECT id FROM replen_tasks WHERE assigned_device = ? AND status = 'open'", (device,)
    ):
        lights.light_off(ctx, row["id"], "replenish")
    ctx.tx.run(
        "UPDATE replen_tasks SET assigned_device = NULL, step = NULL, moved = NULL"
        " WHERE assigned_device = ? AND status = 'open'",
        (device,),
    )
    ctx.tx.run(
        "UPDATE putaway_tasks SET assigned_device = NULL WHERE assigned_device = ?"
        " AND status = 'open'",
        (device,),
    )
    ctx.tx.run(
        "UPDATE counts SET assigned_device = NULL, started_at = NULL WHERE assigned_device = ?"
        " AND status IN ('open', 'recount')",
        (device,),
    )
    ctx.changed()
