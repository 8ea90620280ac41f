"""Returns: the shop's RMA, the returns desk inspecting each unit, and the close that restocks."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from edge.barcodes import parse_item_code
from edge.core import feed, slotting
from edge.core.context import Ctx, set_status
from edge.core.returnviews import GRADE_CODES, returnable, summary
from edge.core.views import resend_view
from edge.messages import IntakeReturn, Origin
from edge.model import ORDER_CODE, DomainError, Status

# An order can be returned once it left the warehouse, and again while only part came back.
RETURNABLE = (Status.SHIPPED.value, Status.PARTLY_RETURNED.value)
# Why a unit that does not go back on the shelf was written off.
WRITE_OFF = {"damaged": "damaged", "wrong_item": "wrong item", "missing": "missing from the return"}
# An SSCC as scanned: a GS1 symbology prefix, then AI 00 (bracketed when typed), 18 digits.
SSCC = re.compile(r"^(?:\][A-Za-z]\d)?(?:\(00\)|00)?(\d{18})$")


def _order_by_text(ctx: Ctx, text: str) -> dict[str, Any] | None:
    """An order named by its code (ORD-…), the shop's order id, or the gateway's id."""
    found = ORDER_CODE.match(text.upper())
    if found:
        return ctx.tx.one("SELECT * FROM orders WHERE id = ?", (int(found.group(1)),))
    row = ctx.tx.one("SELECT * FROM orders WHERE shop_order_id = ?", (text,))
    if row is None and text.isdigit() and len(text) <= 18:
        row = ctx.tx.one("SELECT * FROM orders WHERE id = ?", (int(text),))
    return row


def intake(ctx: Ctx, msg: IntakeReturn) -> dict[str, Any]:
    """The shop announces a return (RMA); the same rma_id with the same content changes nothing."""
    content = {
        "order": msg.order,
        "note": msg.note,
        "lines": [[ln.sku, ln.qty, ln.reason] for ln in msg.lines],
    }
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    found = ctx.tx.one("SELECT id, request_hash FROM returns WHERE rma_id = ?", (msg.rma_id,))
    if found is not None:
        if found["request_hash"] != digest:
            raise DomainError(f"rma_id: {msg.rma_id} was announced with other content", "conflict")
        return {"rma_id": msg.rma_id, "return_id": found["id"], "created": False}
    order = _order_by_text(ctx, msg.order.strip())
    if order is None:
        raise DomainError(f"order: no order {msg.order!r}", "not_found")
    if order["status"] not in RETURNABLE:
        raise DomainError(
            f"order: order {order['shop_order_id']} is {order['status']}, not shipped", "conflict"
        )
    if not msg.lines:
        raise DomainError("lines: a return needs at least one line", "invalid")
    left = returnable(ctx.tx, order["id"])
    asked: dict[str, int] = {}
    for i, line in enumerate(msg.lines):
        if line.sku not in left:
            raise DomainError(
                f"lines[{i}].sku: {line.sku!r} was not shipped in order {order['shop_order_id']}",
                "invalid",
            )
        asked[line.sku] = asked.get(line.sku, 0) + line.qty
        if line.qty < 1 or asked[line.sku] > left[line.sku]:
            raise DomainError(
                f"lines[{i}].qty: at most {left[line.sku]} of {line.sku} can be returned",
                "invalid",
            )
    return_id = ctx.tx.run(
        "INSERT INTO returns(rma_id, order_id, note, request_hash, created_at, actor, device)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (msg.rma_id, order["id"], msg.note, digest, ctx.at, msg.origin.actor, msg.origin.device),
    )
    ctx.tx.many(
        "INSERT INTO return_lines(return_id, line_no, sku, expected, reason)"
        " VALUES (?, ?, ?, ?, ?)",
        [(return_id, n, ln.sku, ln.qty, ln.reason) for n, ln in enumerate(msg.lines, start=1)],
    )
    ctx.list_changed("return")
    return {"rma_id": msg.rma_id, "return_id": return_id, "created": True}


# --- the returns desk ------------------------------------------------------------------------


def on_scan(ctx: Ctx, sess: dict[str, Any], code: str, who: Origin) -> None:
    grade = GRADE_CODES.get(code.upper())
    if sess["work_id"] is None:
        if grade is not None:
            raise DomainError("open a return first: scan the parcel's label or the order code")
        _open(ctx, sess["device"], code, who)
    elif _closed(ctx, sess):
        raise DomainError("this return is closed: send next for another", "refused")
    elif grade is not None:
        _grade(ctx, sess, grade, who)
    else:
        _unit(ctx, sess, code, who)
    resend_view(ctx, sess["device"])


def _closed(ctx: Ctx, sess: dict[str, Any]) -> bool:
    if sess["stage"] == "done":
        return True
    status = ctx.tx.value("SELECT status FROM returns WHERE id = ?", (sess["work_id"],))
    return bool(status == "closed")


def _has_column(ctx: Ctx, table: str, column: str) -> bool:
    return any(c["name"] == column for c in ctx.tx.all(f"PRAGMA table_info({table})"))


def _order_by_scan(ctx: Ctx, code: str) -> tuple[dict[str, Any] | None, int | None]:
    """The order (and an open return) a scan at the desk names: an RMA number, the order's
    code or shop number, or a parcel's tracking number or SSCC."""
    rma = ctx.tx.one("SELECT id, order_id FROM returns WHERE rma_id = ?", (code,))
    if rma is not None:
        return ctx.tx.one("SELECT * FROM orders WHERE id = ?", (rma["order_id"],)), rma["id"]
    order = _order_by_text(ctx, code)
    if order is not None:
        return order, None
    parcel = ctx.tx.one("SELECT order_id FROM parcels WHERE tracking = ?", (code,))
    sscc = SSCC.match(code)
    if parcel is None and sscc and _has_column(ctx, "parcels", "sscc"):
        parcel = ctx.tx.one("SELECT order_id FROM parcels WHERE sscc = ?", (sscc.group(1),))
    if parcel is None:
        return None, None
    return ctx.tx.one("SELECT * FROM orders WHERE id = ?", (parcel["order_id"],)), None


def _open(ctx: Ctx, device: str, code: str, who: Origin) -> None:
    """The parcel's return opens: its announced RMA, or an unannounced one against what was
    shipped and not yet returned."""
    order, return_id = _order_by_scan(ctx, code.strip())
    if order is None:
        raise DomainError(
            f"no order or parcel {code!r}: scan the parcel's label or the order code",
            "unknown_parcel",
            {"scanned": code},
        )
    if order["status"] not in RETURNABLE:
        raise DomainError(
            f"order {order['shop_order_id']} is {order['status']}: only a shipped order"
            " can come back",
            "refused",
            {"scanned": code},
        )
    if return_id is None:
        return_id = ctx.tx.value(
            "SELECT id FROM returns WHERE order_id = ? AND status != 'closed' ORDER BY id LIMIT 1",
            (order["id"],),
        )
    elif ctx.tx.value("SELECT status FROM returns WHERE id = ?", (return_id,)) == "closed":
        raise DomainError(f"return {code} is already closed", "refused", {"scanned": code})
    if return_id is None:
        left = returnable(ctx.tx, order["id"])
        if not any(left.values()):
            raise DomainError(
                f"everything shipped in order {order['shop_order_id']} came back already",
                "refused",
                {"scanned": code},
            )
        return_id = ctx.tx.run(
            "INSERT INTO returns(order_id, created_at, actor, device) VALUES (?, ?, ?, ?)",
            (order["id"], ctx.at, who.actor, who.device),
        )
        ctx.tx.many(
            "INSERT INTO return_lines(return_id, line_no, sku, expected) VALUES (?, ?, ?, ?)",
            [(return_id, n, sku, qty) for n, (sku, qty) in enumerate(left.items(), 1) if qty],
        )
    ctx.tx.run(
        "UPDATE returns SET status = 'inspecting', opened_at = ?, opened_by = ?,"
        " opened_device = ?, scanned = ? WHERE id = ? AND status = 'announced'",
        (ctx.at, who.actor, who.device, code, return_id),
    )
    ctx.tx.run(
        "UPDATE sessions SET work_id = ?, stage = 'item' WHERE device = ?", (return_id, device)
    )
    ctx.list_changed("return")


def _sku_of(ctx: Ctx, code: str) -> tuple[str, str | None, str]:
    """(sku, gtin, via) of a unit's scan; a SKU code typed from a damaged label counts."""
    typed = code.strip()
    if typed in ctx.cat.skus:
        return typed, None, "typed"
    item = parse_item_code(code)
    if item is None:
        raise DomainError(f"not a product barcode: {code!r}", "wrong_item", {"scanned": code})
    sku = ctx.cat.sku_by_gtin.get(item.gtin14)
    if sku is None:
        raise DomainError(
            f"unknown product {item.gtin14}: not in the catalogue",
            "wrong_item",
            {"scanned": item.gtin14},
        )
    return sku, item.gtin14, "scan"


def _unit(ctx: Ctx, sess: dict[str, Any], code: str, who: Origin) -> None:
    """One unit out of the parcel. A SKU the order did not have is a wrong item at once; one
    it had can come back at most as often as it was shipped (less what came back before)."""
    if sess["stage"] == "grade":
        raise DomainError("grade the last unit first", "refused")
    return_id = sess["work_id"]
    sku, gtin, via = _sku_of(ctx, code)
    order_id = ctx.tx.value("SELECT order_id FROM returns WHERE id = ?", (return_id,))
    left = returnable(ctx.tx, order_id)
    in_order = sku in left
    if in_order:
        scanned = ctx.tx.value(
            "SELECT count(*) FROM return_units u JOIN returns r ON r.id = u.return_id"
            " WHERE r.order_id = ? AND r.status != 'closed' AND u.sku = ? AND u.in_order"
            " AND coalesce(u.grade, '') != 'wrong_item'",
            (order_id, sku),
        )
        if scanned >= left[sku]:
            name = ctx.cat.skus[sku].name
            raise DomainError(
                f"{name}: all {left[sku]} that can come back are scanned already",
                "over_return",
                {"scanned": name, "expected": str(left[sku])},
            )
    ctx.tx.run(
        "INSERT INTO return_units(return_id, sku, gtin, via, in_order, grade, reason, actor,"
        " device, msg_id, at, graded_by, graded_device, graded_msg_id, graded_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            return_id,
            sku,
            gtin,
            via,
            in_order,
            None if in_order else "wrong_item",
            None if in_order else "wrong item: not in the order",
            who.actor,
            who.device,
            who.msg_id,
            ctx.at,
            *(
                (None, None, None, None)
                if in_order
                else (who.actor, who.device, who.msg_id, ctx.at)
            ),
        ),
    )
    if in_order:
        ctx.tx.run("UPDATE sessions SET stage = 'grade' WHERE device = ?", (sess["device"],))
    ctx.changed()


def _grade(ctx: Ctx, sess: dict[str, Any], grade: str, who: Origin) -> None:
    """The last unit this desk scanned gets its grade (who, when, device recorded)."""
    if sess["stage"] != "grade":
        raise DomainError("scan the unit first, then its grade", "refused")
    unit = ctx.tx.one(
        "SELECT id FROM return_units WHERE return_id = ? AND device = ? AND grade IS NULL"
        " ORDER BY id DESC LIMIT 1",
        (sess["work_id"], sess["device"]),
    )
    assert unit is not None
    ctx.tx.run(
        "UPDATE return_units SET grade = ?, reason = ?, graded_by = ?, graded_device = ?,"
        " graded_msg_id = ?, graded_at = ? WHERE id = ?",
        (grade, WRITE_OFF.get(grade), who.actor, who.device, who.msg_id, ctx.at, unit["id"]),
    )
    ctx.tx.run("UPDATE sessions SET stage = 'item' WHERE device = ?", (sess["device"],))
    ctx.changed()


def on_close(ctx: Ctx, sess: dict[str, Any], who: Origin) -> None:
    """Close the return: resellable units become put-away work, the rest is written off, the
    order's lines count what came back, and the return record joins the cloud feed."""
    return_id = sess["work_id"]
    if return_id is None or _closed(ctx, sess):
        raise DomainError("no return is open: scan a parcel's label first", "refused")
    units = ctx.tx.all(
        "SELECT sku, grade, in_order FROM return_units WHERE return_id = ?", (return_id,)
    )
    if not units:
        raise DomainError("nothing scanned yet: scan each unit of the parcel", "refused")
    if any(u["grade"] is None for u in units):
        raise DomainError("grade every scanned unit before closing", "refused")
    head = ctx.tx.one("SELECT * FROM returns WHERE id = ?", (return_id,))
    assert head is not None
    order_id = head["order_id"]
    ctx.tx.run(
        "UPDATE returns SET status = 'closed', closed_at = ?, closed_by = ?, closed_device = ?"
        " WHERE id = ?",
        (ctx.at, who.actor, who.device, return_id),
    )
    back: dict[str, int] = {}
    for u in units:
        if u["in_order"] and u["grade"] != "wrong_item":
            back[u["sku"]] = back.get(u["sku"], 0) + 1
    _count_on_lines(ctx, order_id, back)
    resellable: dict[str, int] = {}
    for u in units:
        if u["grade"] == "resellable":
            resellable[u["sku"]] = resellable.get(u["sku"], 0) + 1
    for sku, qty in resellable.items():
        task_id = ctx.tx.run(
            "INSERT INTO putaway_tasks(receipt_id, return_id, source, sku, qty, created_at)"
            " VALUES (NULL, ?, 'return', ?, ?, ?)",
            (return_id, sku, qty, ctx.at),
        )
        _suggest(ctx, task_id, sku)
    left = returnable(ctx.tx, order_id)
    target = Status.PARTLY_RETURNED if any(left.values()) else Status.RETURNED
    set_status(ctx, order_id, target, who, f"return {head['rma_id'] or return_id}")
    sharing = ctx.tx.all(
        "SELECT device FROM sessions WHERE mode = 'return' AND work_id = ?", (return_id,)
    )
    ctx.tx.run(
        "UPDATE sessions SET stage = 'done' WHERE mode = 'return' AND work_id = ?", (return_id,)
    )
    shop_order_id = ctx.tx.value("SELECT shop_order_id FROM orders WHERE id = ?", (order_id,))
    feed.append(ctx, "return", return_record(ctx, return_id), order_id, shop_order_id)
    ctx.list_changed("return")
    ctx.list_changed("putaway")
    for row in sharing:
        resend_view(ctx, row["device"])


def _count_on_lines(ctx: Ctx, order_id: int, back: dict[str, int]) -> None:
    """Returned units onto the order's lines of their SKU, first line first (never more than
    a line shipped)."""
    for sku, qty in back.items():
        for line in ctx.tx.all(
            "SELECT line_no, picked - returned AS room FROM order_lines WHERE order_id = ?"
            " AND sku = ? AND picked > returned ORDER BY line_no",
            (order_id, sku),
        ):
            take = min(qty, line["room"])
            ctx.tx.run(
                "UPDATE order_lines SET returned = returned + ? WHERE order_id = ? AND line_no = ?",
                (take, order_id, line["line_no"]),
            )
            qty -= take
            if qty == 0:
                break


def _suggest(ctx: Ctx, task_id: int, sku: str) -> None:
    """The put-away suggestion; where no bin has room by it, the SKU's own bin (its pick face
    first) so the unit still has a home to go to."""
    slotting.suggest_task(ctx, task_id)
    if ctx.tx.value("SELECT suggested_bin FROM putaway_tasks WHERE id = ?", (task_id,)):
        return
    bins = [r["bin"] for r in ctx.tx.all("SELECT bin FROM stock WHERE sku = ?", (sku,))]
    bins.sort(key=lambda b: (b in ctx.cat.reserve_bins, ctx.cat.walk_from_depot(b), b))
    if bins:
        ctx.tx.run(
            "UPDATE putaway_tasks SET suggested_bin = ?, suggest_reason = 'the SKU''s bin'"
            " WHERE id = ?",
            (bins[0], task_id),
        )


def return_record(ctx: Ctx, return_id: int) -> dict[str, Any]:
    """What the shop needs to refund: per line the units by grade, the RMA and order ids."""
    found = summary(ctx.tx, ctx.cat, return_id)
    found["lines"] = [
        {k: v for k, v in ln.items() if k not in ("name", "gtins")} for ln in found["lines"]
    ]
    found.pop("last", None)
    return found


def on_next(ctx: Ctx, sess: dict[str, Any]) -> None:
    """After a closed return (or to leave one open): back to scanning a parcel."""
    if sess["stage"] == "grade":
        raise DomainError("grade the last unit first", "refused")
    ctx.tx.run(
        "UPDATE sessions SET work_id = NULL, stage = 'select' WHERE device = ?", (sess["device"],)
    )
    ctx.list_changed("return")
    resend_view(ctx, sess["device"])
