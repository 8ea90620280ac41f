"""Topping up pick faces from reserve: from-bin, one item to prove the SKU, the face's label."""

from __future__ import annotations

from typing import Any

from edge.barcodes import parse_item_code
from edge.core import lights, stock, stockrules
from edge.core.context import Ctx
from edge.core.release import release_waiting
from edge.core.views import resend_view
from edge.messages import LightButton, Origin
from edge.model import DomainError


def _task(ctx: Ctx, sess: dict[str, Any]) -> dict[str, Any]:
    task = ctx.tx.one("SELECT * FROM replen_tasks WHERE id = ?", (sess["work_id"],))
    if task is None or task["status"] != "open":
        raise DomainError("no top-up is open: send next for one", "no_stop")
    return task


def on_next(ctx: Ctx, sess: dict[str, Any]) -> None:
    """Take the top-up most orders wait for (then the oldest)."""
    if sess["work_id"] is not None:
        raise DomainError("finish this top-up first, or skip it", "refused")
    row = ctx.tx.one(
        "SELECT id FROM replen_tasks WHERE status = 'open' AND assigned_device IS NULL"
        " ORDER BY priority DESC, id LIMIT 1"
    )
    if row is None:
        raise DomainError("no pick face needs a top-up now", "refused")
    ctx.tx.run(
        "UPDATE replen_tasks SET assigned_device = ?, step = 'from' WHERE id = ?",
        (sess["device"], row["id"]),
    )
    ctx.tx.run(
        "UPDATE sessions SET work_id = ?, stage = 'bin' WHERE device = ?",
        (row["id"], sess["device"]),
    )
    ctx.list_changed("replenish")
    resend_view(ctx, sess["device"])


def on_scan(ctx: Ctx, sess: dict[str, Any], code: str, who: Origin) -> None:
    task = _task(ctx, sess)
    step = task["step"] or "from"
    code = code.strip()
    if step == "from":
        _expect_bin(code, task["from_bin"])
        _step(ctx, task["id"], "item")
    elif step == "item":
        _expect_item(ctx, code, task["sku"])
        _carry(ctx, task, task["qty"], sess["badge"])
    else:
        _expect_bin(code, task["to_bin"])
        _arrive(ctx, sess, task, who)
    resend_view(ctx, sess["device"])


def _expect_bin(code: str, expected: str) -> None:
    if code != expected:
        raise DomainError(
            f"wrong bin: expected {expected}, scanned {code}",
            "wrong_bin",
            {"expected": expected, "scanned": code},
        )


def _expect_item(ctx: Ctx, code: str, sku: str) -> None:
    info = ctx.cat.skus[sku]
    if code.casefold() == sku.casefold():
        return  # the SKU typed for a damaged barcode
    item = parse_item_code(code)
    if item is None or item.gtin14 not in info.gtins:
        other = ctx.cat.sku_by_gtin.get(item.gtin14) if item else None
        scanned = ctx.cat.skus[other].name if other else code
        raise DomainError(
            f"wrong item: expected {info.name} ({sku}), scanned {scanned}",
            "wrong_item",
            {"expected": f"{info.name} ({sku})", "scanned": scanned},
        )


def _step(ctx: Ctx, task_id: int, step: str) -> None:
    ctx.tx.run("UPDATE replen_tasks SET step = ? WHERE id = ?", (step, task_id))
    ctx.changed()


def _carry(ctx: Ctx, task: dict[str, Any], qty: int, badge: str) -> None:
    """The units are on the way to the face: its light (if any) shows them."""
    ctx.tx.run("UPDATE replen_tasks SET moved = ?, step = 'to' WHERE id = ?", (qty, task["id"]))
    lights.light_work(ctx, task["to_bin"], qty, badge, "replenish", task["id"])
    ctx.changed()


def on_confirm(ctx: Ctx, sess: dict[str, Any], qty: int, who: Origin) -> None:
    """Fewer than planned were in the reserve bin: carry those (0: none; the bin is counted)."""
    task = _task(ctx, sess)
    if task["step"] != "item":
        raise DomainError("scan the reserve bin, then confirm what you took", "bin_first")
    if qty > task["qty"]:
        raise DomainError(f"too many: this top-up is {task['qty']}, not {qty}", "too_many")
    if qty < task["qty"]:
        stockrules.trigger_count(ctx, task["from_bin"], task["sku"], "short", who)
    if qty == 0:
        stock.unreserve(ctx, task["from_bin"], task["sku"], task["qty"])
        _finish(ctx, sess, task, "cancelled", who)
    else:
        _carry(ctx, task, qty, sess["badge"])
    resend_view(ctx, sess["device"])


def _arrive(ctx: Ctx, sess: dict[str, Any], task: dict[str, Any], who: Origin) -> None:
    """At the face: the units leave the reserve bin and enter the face in one move."""
    moved = task["moved"] if task["moved"] is not None else task["qty"]
    ref = f"replenish:{task['id']}"
    stock.unreserve(ctx, task["from_bin"], task["sku"], task["qty"])
    stock.remove(ctx, task["from_bin"], task["sku"], moved, "replenishment out", who, ref)
    stock.put(ctx, task["to_bin"], task["sku"], moved, "replenishment in", who, ref)
    _finish(ctx, sess, task, "done", who)
    release_waiting(ctx, who)


def _finish(ctx: Ctx, sess: dict[str, Any], task: dict[str, Any], status: str, who: Origin) -> None:
    lights.light_off(ctx, task["id"], "replenish")
    ctx.tx.run(
        "UPDATE replen_tasks SET status = ?, finished_at = ?, finished_by = ?,"
        " finished_device = ?, assigned_device = NULL WHERE id = ?",
        (status, ctx.at, who.actor, who.device, task["id"]),
    )
    ctx.tx.run(
        "UPDATE sessions SET work_id = NULL, stage = 'select' WHERE device = ?",
        (sess["device"],),
    )
    ctx.list_changed("replenish")


def on_skip(ctx: Ctx, sess: dict[str, Any]) -> None:
    """Hand the top-up back (the units, if carried, are still in the reserve bin's count)."""
    task = _task(ctx, sess)
    lights.light_off(ctx, task["id"], "replenish")
    ctx.tx.run(
        "UPDATE replen_tasks SET assigned_device = NULL, step = NULL, moved = NULL WHERE id = ?",
        (task["id"],),
    )
    ctx.tx.run(
        "UPDATE sessions SET work_id = NULL, stage = 'select' WHERE device = ?",
        (sess["device"],),
    )
    ctx.list_changed("replenish")
    resend_view(ctx, sess["device"])


def on_light_button(ctx: Ctx, task_id: int, msg: LightButton) -> None:
    """The face's module pressed while a top-up is lit there: as scanning the face's label."""
    sess = ctx.tx.one("SELECT * FROM sessions WHERE mode = 'replenish' AND work_id = ?", (task_id,))
    if sess is None:
        raise DomainError("this light belongs to no open top-up")
    task = _task(ctx, sess)
    who = msg.origin(sess["badge"])
    _arrive(ctx, sess, task, who)
    resend_view(ctx, sess["device"])
