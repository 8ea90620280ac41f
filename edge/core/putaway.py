"""Put-away: received stock into the suggested bin (or another, recorded), then it is sellable."""

from __future__ import annotations

from typing import Any

from edge.barcodes import parse_item_code
from edge.core import feed, slotting, stock
from edge.core.context import Ctx
from edge.core.release import release_waiting
from edge.core.views import resend_view
from edge.messages import Origin
from edge.model import DomainError
from edge.routing import is_bin_label


def _take(ctx: Ctx, device: str, task_id: int) -> None:
    # The suggestion was made at the close of the receipt; bins filled since then (another
    # put-away, a top-up) must not send the putter to a full bin.
    task = ctx.tx.one("SELECT suggested_bin, sku FROM putaway_tasks WHERE id = ?", (task_id,))
    assert task is not None
    if task["suggested_bin"] is None or not slotting.room(
        ctx, task["suggested_bin"], task["sku"], exclude_task=task_id
    ):
        slotting.suggest_task(ctx, task_id)
    ctx.tx.run("UPDATE putaway_tasks SET assigned_device = ? WHERE id = ?", (device, task_id))
    ctx.tx.run("UPDATE sessions SET work_id = ?, stage = 'bin' WHERE device = ?", (task_id, device))
    ctx.list_changed("putaway")


def _first_open(ctx: Ctx, sku: str | None = None, lot: str = "") -> int | None:
    """The next task nobody holds: those that waiting orders need first, then the oldest."""
    rows = ctx.tx.all(
        "SELECT t.id, t.lot, (SELECT count(DISTINCT o.id) FROM orders o JOIN order_lines l"
        " ON l.order_id = o.id WHERE o.status = 'awaiting_stock' AND l.sku = t.sku) AS waiting"
        " FROM putaway_tasks t WHERE t.status = 'open' AND t.assigned_device IS NULL"
        " AND (? IS NULL OR t.sku = ?) ORDER BY waiting DESC, t.id",
        (sku, sku),
    )
    if lot:  # the carton's own lot first, when the scan carried one
        rows.sort(key=lambda r: r["lot"] != lot)
    return int(rows[0]["id"]) if rows else None


def on_next(ctx: Ctx, sess: dict[str, Any]) -> None:
    if sess["work_id"] is not None:
        raise DomainError("finish this put-away first, or skip it", "refused")
    task_id = _first_open(ctx)
    if task_id is None:
        raise DomainError("nothing is waiting to be put away", "refused")
    _take(ctx, sess["device"], task_id)
    resend_view(ctx, sess["device"])


def on_scan(ctx: Ctx, sess: dict[str, Any], code: str, who: Origin) -> None:
    if sess["work_id"] is None:
        _select_by_item(ctx, sess["device"], code)
    else:
        _put(ctx, sess, code, who)
    resend_view(ctx, sess["device"])


def _select_by_item(ctx: Ctx, device: str, code: str) -> None:
    item = parse_item_code(code)
    sku = ctx.cat.sku_by_gtin.get(item.gtin14) if item else None
    if sku is None and code.strip() in ctx.cat.skus:
        sku = code.strip()  # the SKU typed for a damaged barcode
    if sku is None:
        raise DomainError(
            f"not a product barcode: {code!r}; scan an item to put away",
            "wrong_item",
            {"scanned": code},
        )
    task_id = _first_open(ctx, sku, item.lot if item else "")
    if task_id is None:
        name = ctx.cat.skus[sku].name
        raise DomainError(f"no put-away is waiting for {name}", "wrong_item", {"scanned": name})
    _take(ctx, device, task_id)


def _put(ctx: Ctx, sess: dict[str, Any], code: str, who: Origin) -> None:
    task = ctx.tx.one("SELECT * FROM putaway_tasks WHERE id = ?", (sess["work_id"],))
    assert task is not None
    bin_label = code.strip()
    if bin_label not in ctx.cat.bins:
        expected = task["suggested_bin"] or "a bin"
        raise DomainError(
            f"scan the label of {expected}"
            + (f" (not a bin here: {code})" if is_bin_label(bin_label) else ""),
            "wrong_bin",
            {"expected": expected, "scanned": code},
        )
    space = slotting.room(ctx, bin_label, task["sku"], exclude_task=task["id"])
    if space <= 0:
        raise DomainError(
            f"{bin_label} has no room for {ctx.cat.skus[task['sku']].name}",
            "wrong_bin",
            {"expected": task["suggested_bin"], "scanned": bin_label},
        )
    left = task["qty"] - task["done"]
    qty = min(left, space)
    delivery_id = ctx.tx.value(
        "SELECT delivery_id FROM receipts WHERE id = ?", (task["receipt_id"],)
    )
    ref = f"receipt:{delivery_id}" if delivery_id else f"{task['source']}:{task['id']}"
    stock.put(ctx, bin_label, task["sku"], qty, "put-away", who, ref)
    followed = bin_label == task["suggested_bin"]
    ctx.tx.run(
        "INSERT INTO putaways(task_id, bin, sku, qty, suggested_bin, followed, actor, device,"
        " msg_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            task["id"],
            bin_label,
            task["sku"],
            qty,
            task["suggested_bin"],
            followed,
            who.actor,
            who.device,
            who.msg_id,
            ctx.at,
        ),
    )
    done = task["done"] + qty
    if done >= task["qty"]:
        ctx.tx.run(
            "UPDATE putaway_tasks SET done = ?, status = 'done', finished_at = ?,"
            " assigned_device = NULL WHERE id = ?",
            (done, ctx.at, task["id"]),
        )
        ctx.tx.run(
            "UPDATE sessions SET work_id = NULL, stage = 'select' WHERE device = ?",
            (sess["device"],),
        )
    else:  # the bin was full before the task was: the rest goes elsewhere
        ctx.tx.run("UPDATE putaway_tasks SET done = ? WHERE id = ?", (done, task["id"]))
        slotting.suggest_task(ctx, task["id"], frozenset({bin_label}))
    feed.append(
        ctx,
        "putaway",
        {
            "sku": task["sku"],
            "qty": qty,
            "bin": bin_label,
            "lot": task["lot"],
            "expiry": task["expiry"],
            "delivery_id": delivery_id,
            "suggested_bin": task["suggested_bin"],
            "followed": followed,
            "actor": who.actor,
            "device": who.device,
            "at": ctx.at,
        },
    )
    ctx.list_changed("putaway")
    release_waiting(ctx, who)


def on_skip(ctx: Ctx, sess: dict[str, Any]) -> None:
    """Hand the task back: someone else (or this person later) takes it."""
    if sess["work_id"] is None:
        raise DomainError("no put-away is open", "no_stop")
    ctx.tx.run("UPDATE putaway_tasks SET assigned_device = NULL WHERE id = ?", (sess["work_id"],))
    ctx.tx.run(
        "UPDATE sessions SET work_id = NULL, stage = 'select' WHERE device = ?", (sess["device"],)
    )
    ctx.list_changed("putaway")
    resend_view(ctx, sess["device"])
