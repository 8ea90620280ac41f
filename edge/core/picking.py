"""Picking a stop: bin then item scans, quantities, skips, light buttons and short picks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from edge.barcodes import ItemCode, parse_item_code
from edge.core import lights, stock, stockrules, stops
from edge.core.context import (
    Ctx,
    require_scanner,
    require_session,
    session_event,
    set_status,
)
from edge.core.views import can_skip, resend_view, task
from edge.messages import LightAck, LightButton, Origin, QuantityConfirmed, ScanRead, SkipRequested
from edge.model import DomainError, Status
from edge.routing import is_bin_label

# A scan applied this long after the device's time of it is recorded as late (flagged).
SCAN_LATE_AFTER = timedelta(hours=24)


def on_pick_scan(ctx: Ctx, msg: ScanRead, sess: dict[str, Any], code: str) -> None:
    """A picker's scan at the current stop: the bin label first, then the item."""
    stage = sess["stage"]
    if stage == "planning":
        raise DomainError("your pick list is being planned: a moment, please", "planning")
    if stage in ("idle", "trip_done"):
        raise DomainError("no stop is open: ask for the next pick list", "no_stop")
    stop = task(ctx.tx, sess["task_id"])
    if stage == "bin":
        if code == stop["bin"]:
            ctx.tx.run("UPDATE sessions SET stage = 'item' WHERE device = ?", (msg.device_id,))
        elif is_bin_label(code):
            raise DomainError(
                f"wrong bin: expected {stop['bin']}, scanned {code}",
                "wrong_bin",
                {"expected": stop["bin"], "scanned": code},
            )
        else:
            raise DomainError(
                f"scan the bin label {stop['bin']} first, then the item",
                "bin_first",
                {"expected": stop["bin"], "scanned": code},
            )
        resend_view(ctx, msg.device_id)
        return
    # Each item scan takes one unit: scanning every unit is how a picker proves the count,
    # and a stop of one (most stops) needs no extra tap. "Confirm" takes the rest at once.
    # A damaged barcode: the SKU the screen shows, typed, stands for the item (no GTIN).
    typed = code.casefold() == str(stop["sku"]).casefold()
    item = None if typed else _check_item(ctx, stop, code)
    gtin, lot = (item.gtin14, item.lot or None) if item else (None, None)
    ctx.tx.run(
        "UPDATE sessions SET stage = 'qty', scanned_gtin = ?, scanned_lot = ? WHERE device = ?",
        (gtin, lot, msg.device_id),
    )
    sess = {**sess, "scanned_gtin": gtin, "scanned_lot": lot}
    who = msg.origin(sess["badge"])
    _record_pick(ctx, sess, stop, 1, "typed" if typed else "scan", who)
    stop = task(ctx.tx, stop["id"])
    if stop["picked"] >= stop["qty"]:
        _finish_stop(ctx, sess, stop, 0, who, "")
        return
    lights.light_on(ctx, stop, sess["badge"])  # the module shows what is still to take
    ctx.changed()
    resend_view(ctx, msg.device_id)


def _check_item(ctx: Ctx, stop: dict[str, Any], code: str) -> ItemCode:
    item = parse_item_code(code)
    expected = ctx.cat.skus[stop["sku"]]
    want = {"expected": f"{expected.name} ({expected.sku})"}
    if item is None:
        if is_bin_label(code):
            raise DomainError(
                f"that is a bin label ({code}); now scan the item {expected.name}",
                "item_not_bin",
                {**want, "scanned": code},
            )
        raise DomainError(
            f"not a product barcode: {code!r}; scan {expected.name}",
            "wrong_item",
            {**want, "scanned": code},
        )
    if item.gtin14 not in expected.gtins:
        other = ctx.cat.sku_by_gtin.get(item.gtin14)
        what = ctx.cat.skus[other].name if other else f"unknown product {item.gtin14}"
        raise DomainError(
            f"wrong item: expected {expected.name} ({expected.sku}), scanned {what}",
            "wrong_item",
            {**want, "scanned": what},
        )
    return item


def on_quantity(ctx: Ctx, msg: QuantityConfirmed) -> None:
    require_scanner(ctx, msg.device_id)
    sess = require_session(ctx, msg.device_id)
    stage = sess["stage"]
    if stage not in ("item", "qty"):
        if stage == "bin":
            raise DomainError("scan the bin label before confirming a quantity", "bin_first")
        raise DomainError("no stop is open", "no_stop")
    stop = task(ctx.tx, sess["task_id"])
    if stage == "item" and msg.qty > 0:
        # Nothing scanned yet: one unit's scan proves it is the right item; an empty bin
        # (quantity 0) can be reported without one.
        raise DomainError("scan one item first, or report the bin empty (0)", "item_first")
    # The rest of a stop whose item was typed (no GTIN scanned) is recorded as typed too.
    via = "typed" if stage == "qty" and sess.get("scanned_gtin") is None else "scan"
    complete_stop(ctx, sess, stop, msg.qty, via, msg.origin(sess["badge"]), msg.reason)


def on_skip(ctx: Ctx, msg: SkipRequested) -> None:
    """Postpone the current stop to the end of the pick list (the aisle is blocked)."""
    require_scanner(ctx, msg.device_id)
    sess = require_session(ctx, msg.device_id)
    if sess["task_id"] is None or sess["trip_id"] is None:
        raise DomainError("no stop is open", "no_stop")
    stop = task(ctx.tx, sess["task_id"])
    if not can_skip(ctx.tx, sess["trip_id"], stop["bin"]):
        raise DomainError("this is the last stop: take it, or report it short", "last_stop")
    last = ctx.tx.value("SELECT max(seq) FROM tasks WHERE trip_id = ?", (sess["trip_id"],))
    # Every open task on this bin goes to the end together: the picker comes back once.
    for n, row in enumerate(
        ctx.tx.all(
            "SELECT id FROM tasks WHERE trip_id = ? AND status = 'open' AND bin = ? ORDER BY seq",
            (sess["trip_id"], stop["bin"]),
        ),
        start=1,
    ):
        ctx.tx.run("UPDATE tasks SET seq = ? WHERE id = ?", (last + n, row["id"]))
    session_event(ctx, msg.device_id, sess["badge"], f"skipped {stop['bin']} (task {stop['id']})")
    lights.light_off(ctx, stop["id"])
    ctx.changed()
    stops.advance(ctx, msg.device_id)


def on_light_button(ctx: Ctx, msg: LightButton) -> None:
    """Confirm pressed on a lit module: the whole stop, as bin + item + quantity scans."""
    light = ctx.tx.one(
        "SELECT task_id FROM lights WHERE device = ? AND slot = ? AND work = 'pick'",
        (msg.device_id, msg.slot),
    )
    if light is None:
        raise DomainError(f"slot {msg.slot} is not lit: nothing to confirm")
    sess = ctx.tx.one("SELECT * FROM sessions WHERE task_id = ?", (light["task_id"],))
    if sess is None:
        raise DomainError(f"slot {msg.slot} belongs to no open stop")
    stop = task(ctx.tx, light["task_id"])
    # The change is the picker's, made at the shelf: recorded on the controller.
    who = msg.origin(sess["badge"])
    complete_stop(ctx, sess, stop, msg.qty, "light", who, "short at the light module")


def on_light_ack(ctx: Ctx, msg: LightAck) -> None:
    lights.acknowledged(ctx, msg.device_id, msg.cmd_id)


def complete_stop(
    ctx: Ctx,
    sess: dict[str, Any],
    stop: dict[str, Any],
    qty: int,
    via: str,
    who: Origin,
    reason: str,
) -> None:
    """The picker took qty more (of what the stop still needs) and is done here; fewer is a
    short pick."""
    need = stop["qty"] - stop["picked"]
    if qty < 0:
        raise DomainError("qty: cannot be negative", "invalid")
    if qty > need:
        raise DomainError(f"too many: this stop needs {need}, not {qty}", "too_many")
    if qty > 0:
        _record_pick(ctx, sess, stop, qty, via, who)
    _finish_stop(ctx, sess, stop, need - qty, who, reason)


def _record_pick(
    ctx: Ctx, sess: dict[str, Any], stop: dict[str, Any], qty: int, via: str, who: Origin
) -> None:
    """Units taken from the bin: the pick (with the scan that proved it), stock, the line."""
    # What the picker scanned (GTIN and lot); a light-module confirm or a typed SKU scanned
    # nothing.
    scanned = via == "scan"
    # The device's time of the scan (a handheld's queue may apply it much later) beside the
    # time it was applied; a scan from more than a day ago is kept but flagged.
    late = ctx.now - who.at > SCAN_LATE_AFTER
    ctx.tx.run(
        "INSERT INTO picks(task_id, order_id, line_no, bin, sku, qty, gtin, lot, picker,"
        " device, via, at, msg_id, scanned_at, scanned_late)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            stop["id"],
            stop["order_id"],
            stop["line_no"],
            stop["bin"],
            stop["sku"],
            qty,
            sess.get("scanned_gtin") if scanned else None,
            sess.get("scanned_lot") if scanned else None,
            who.actor,
            who.device,
            via,
            ctx.at,
            who.msg_id,
            who.at.isoformat(timespec="milliseconds"),
            int(late),
        ),
    )
    stock.take(ctx, stop["bin"], stop["sku"], qty, stop["order_id"], who)
    stockrules.after_pick(ctx, stop["bin"], stop["sku"], who)
    ctx.tx.run(
        "UPDATE order_lines SET picked = picked + ? WHERE order_id = ? AND line_no = ?",
        (qty, stop["order_id"], stop["line_no"]),
    )
    ctx.tx.run("UPDATE tasks SET picked = picked + ? WHERE id = ?", (qty, stop["id"]))


def _finish_stop(
    ctx: Ctx, sess: dict[str, Any], stop: dict[str, Any], short: int, who: Origin, reason: str
) -> None:
    """Close the stop (short by `short` units) and move the picker on."""
    tx = ctx.tx
    tx.run("UPDATE tasks SET status = ? WHERE id = ?", ("short" if short else "done", stop["id"]))
    lights.light_off(ctx, stop["id"])
    if short:
        _bin_found_short(ctx, stop, short, who, reason or "short pick")
    status = tx.value("SELECT status FROM orders WHERE id = ?", (stop["order_id"],))
    line_short = tx.value(
        "SELECT short FROM order_lines WHERE order_id = ? AND line_no = ?",
        (stop["order_id"], stop["line_no"]),
    )
    if line_short and status == Status.PICKING:
        set_status(
            ctx,
            stop["order_id"],
            Status.ON_HOLD,
            who,
            f"short pick: {stop['sku']} line {stop['line_no']} short by {line_short}"
            f" ({reason or 'bin short'})",
        )
    ctx.changed()
    stops.advance(ctx, sess["device"])


def _bin_found_short(ctx: Ctx, stop: dict[str, Any], short: int, who: Origin, reason: str) -> None:
    """The bin held less than the system thought: it is empty now. Correct the count, then
    find the missing units (this task's and every other task's on this bin) elsewhere."""
    bin_label, sku = stop["bin"], stop["sku"]
    stock.unreserve(ctx, bin_label, sku, short)
    others = ctx.tx.all(
        "SELECT * FROM tasks WHERE bin = ? AND sku = ? AND status = 'open' AND id != ?",
        (bin_label, sku, stop["id"]),
    )
    for other in others:
        stock.unreserve(ctx, bin_label, sku, other["qty"] - other["picked"])
    stock.empty(ctx, bin_label, sku, reason, stop["order_id"], who)
    stockrules.after_short(ctx, bin_label, sku, who)
    stops.resource(ctx, stop, short, bin_label)
    for other in others:
        need = other["qty"] - other["picked"]
        ctx.tx.run(
            "UPDATE tasks SET status = 'cancelled', qty = CASE WHEN picked > 0 THEN picked"
            " ELSE qty END WHERE id = ?",
            (other["id"],),
        )
        stops.resource(ctx, other, need, bin_label)
        stops.task_gone(ctx, other["id"])
