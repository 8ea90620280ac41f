"""Receiving at the dock: an announced delivery, every unit scanned in, closed with differences."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from edge.barcodes import parse_item_code, parse_item_extras
from edge.core import feed, slotting
from edge.core.context import Ctx
from edge.core.stockviews import delivery, differences
from edge.core.views import resend_view
from edge.messages import IntakeDelivery, Origin
from edge.model import DomainError


def intake(ctx: Ctx, msg: IntakeDelivery) -> dict[str, Any]:
    """The ERP announces a delivery; the same id again with the same content changes nothing."""
    if not msg.lines:
        raise DomainError("lines: a delivery needs at least one line", "invalid")
    for i, line in enumerate(msg.lines):
        if line.sku not in ctx.cat.skus:
            raise DomainError(f"lines[{i}].sku: unknown SKU {line.sku!r}", "invalid")
        if line.qty < 1:
            raise DomainError(f"lines[{i}].qty: must be ≥ 1", "invalid")
    content = {
        "supplier": msg.supplier,
        "expected_at": msg.expected_at.isoformat() if msg.expected_at else None,
        "lines": [
            [ln.sku, ln.qty, ln.lot, ln.expiry.isoformat() if ln.expiry else None]
            for ln in msg.lines
        ],
    }
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    found = ctx.tx.one(
        "SELECT id, request_hash FROM receipts WHERE delivery_id = ?", (msg.delivery_id,)
    )
    if found is not None:
        if found["request_hash"] != digest:
            raise DomainError(
                f"delivery_id: {msg.delivery_id} was announced with other content",
                "conflict",
            )
        return {"delivery_id": msg.delivery_id, "receipt_id": found["id"], "created": False}
    receipt_id = ctx.tx.run(
        "INSERT INTO receipts(delivery_id, supplier, expected_at, request_hash, created_at,"
        " actor, device) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            msg.delivery_id,
            msg.supplier,
            content["expected_at"],
            digest,
            ctx.at,
            msg.origin.actor,
            msg.origin.device,
        ),
    )
    ctx.tx.many(
        "INSERT INTO receipt_lines(receipt_id, line_no, sku, expected, lot, expiry)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [
            (receipt_id, n, ln.sku, ln.qty, ln.lot, ln.expiry.isoformat() if ln.expiry else None)
            for n, ln in enumerate(msg.lines, start=1)
        ],
    )
    ctx.list_changed("receive")
    return {"delivery_id": msg.delivery_id, "receipt_id": receipt_id, "created": True}


def _closed(ctx: Ctx, sess: dict[str, Any]) -> bool:
    """The session's delivery was closed (here or by another receiver)."""
    if sess["stage"] == "done":
        return True
    status = ctx.tx.value("SELECT status FROM receipts WHERE id = ?", (sess["work_id"],))
    return bool(status == "closed")


def on_scan(ctx: Ctx, sess: dict[str, Any], code: str, who: Origin) -> None:
    device = sess["device"]
    if sess["work_id"] is None:
        _select(ctx, device, code)
    elif _closed(ctx, sess):
        raise DomainError("this delivery is closed: send next for another", "refused")
    else:
        _item(ctx, sess, code, who)
    resend_view(ctx, device)


def _select(ctx: Ctx, device: str, code: str) -> None:
    found = ctx.tx.one("SELECT id, status FROM receipts WHERE delivery_id = ?", (code,))
    if found is None:
        raise DomainError(
            f"unknown delivery {code!r}: scan the delivery note's barcode",
            "not_found",
            {"scanned": code},
        )
    if found["status"] == "closed":
        raise DomainError(f"delivery {code} is already closed", "refused", {"scanned": code})
    ctx.tx.run(
        "UPDATE receipts SET status = 'receiving' WHERE id = ? AND status = 'expected'",
        (found["id"],),
    )
    ctx.tx.run(
        "UPDATE sessions SET work_id = ?, stage = 'item' WHERE device = ?", (found["id"], device)
    )
    ctx.changed()


def _item(ctx: Ctx, sess: dict[str, Any], code: str, who: Origin) -> None:
    receipt_id = sess["work_id"]
    last = _last_scan(ctx, receipt_id, sess["device"])
    extras = parse_item_extras(code)
    if extras is not None:
        # The second barcode of a GS1 code split in two: lot and expiry of the last scan.
        if last is None or sess["stage"] != "qty":
            raise DomainError("scan the item's GTIN barcode first", "wrong_item", {"scanned": code})
        ctx.tx.run(
            "UPDATE receipt_scans SET lot = coalesce(nullif(?, ''), lot),"
            " expiry = coalesce(nullif(?, ''), expiry) WHERE id = ?",
            (extras.lot, extras.expiry, last["id"]),
        )
        _line_lot(ctx, receipt_id, last["line_no"], extras.lot, extras.expiry)
        return
    typed = ctx.cat.skus.get(code.strip()) or next(
        (s for s in ctx.cat.skus.values() if s.sku.casefold() == code.strip().casefold()), None
    )
    if typed is not None:
        sku, gtin, lot, expiry, qty, via = typed.sku, None, "", "", 1, "typed"
    else:
        item = parse_item_code(code)
        if item is None:
            raise DomainError(f"not a product barcode: {code!r}", "wrong_item", {"scanned": code})
        found = ctx.cat.sku_by_gtin.get(item.gtin14)
        if found is None:
            raise DomainError(
                f"unknown product {item.gtin14}: not in the catalogue",
                "wrong_item",
                {"scanned": item.gtin14},
            )
        sku, gtin, lot, expiry, qty, via = (
            found,
            item.gtin14,
            item.lot,
            item.expiry,
            item.count or 1,
            "scan",
        )
    line_no = _line_for(ctx, receipt_id, sku, lot)
    ctx.tx.run(
        "INSERT INTO receipt_scans(receipt_id, line_no, sku, gtin, lot, expiry, qty, via,"
        " actor, device, msg_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            receipt_id,
            line_no,
            sku,
            gtin,
            lot or None,
            expiry or None,
            qty,
            via,
            who.actor,
            who.device,
            who.msg_id,
            ctx.at,
        ),
    )
    ctx.tx.run(
        "UPDATE receipt_lines SET received = received + ? WHERE receipt_id = ? AND line_no = ?",
        (qty, receipt_id, line_no),
    )
    _line_lot(ctx, receipt_id, line_no, lot, expiry)
    ctx.tx.run("UPDATE sessions SET stage = 'qty' WHERE device = ?", (sess["device"],))
    ctx.changed()


def _line_for(ctx: Ctx, receipt_id: int, sku: str, lot: str) -> int:
    """The delivery line a unit belongs to: its SKU (and lot, when lines name lots); a SKU
    the delivery did not announce gets a line of its own, expected 0."""
    lines = ctx.tx.all(
        "SELECT line_no, lot FROM receipt_lines WHERE receipt_id = ? AND sku = ? ORDER BY line_no",
        (receipt_id, sku),
    )
    for line in lines:
        if lot and line["lot"] == lot:
            return int(line["line_no"])
    for line in lines:
        if not line["lot"]:
            return int(line["line_no"])
    if lines and not lot:
        return int(lines[0]["line_no"])
    line_no = int(
        ctx.tx.value(
            "SELECT coalesce(max(line_no), 0) + 1 FROM receipt_lines WHERE receipt_id = ?",
            (receipt_id,),
        )
    )
    ctx.tx.run(
        "INSERT INTO receipt_lines(receipt_id, line_no, sku, expected, lot) VALUES (?, ?, ?, 0, ?)",
        (receipt_id, line_no, sku, lot or None),
    )
    return line_no


def _line_lot(ctx: Ctx, receipt_id: int, line_no: int, lot: str, expiry: str) -> None:
    # A line announced without lot/expiry shows what the scans found.
    ctx.tx.run(
        "UPDATE receipt_lines SET lot = coalesce(lot, nullif(?, '')),"
        " expiry = coalesce(expiry, nullif(?, '')) WHERE receipt_id = ? AND line_no = ?",
        (lot, expiry, receipt_id, line_no),
    )


def _last_scan(ctx: Ctx, receipt_id: int, device: str) -> dict[str, Any] | None:
    return ctx.tx.one(
        "SELECT * FROM receipt_scans WHERE receipt_id = ? AND device = ? ORDER BY id DESC LIMIT 1",
        (receipt_id, device),
    )


def on_confirm(ctx: Ctx, sess: dict[str, Any], qty: int, reason: str) -> None:
    """The last scan stands for qty units (a case: scan one, enter 12); "damaged" marks
    them damaged; 0 takes the scan back."""
    if sess["work_id"] is not None and _closed(ctx, sess):
        raise DomainError("this delivery is closed: send next for another", "refused")
    if sess["work_id"] is None or sess["stage"] != "qty":
        raise DomainError("scan an item first, then enter its quantity", "item_first")
    last = _last_scan(ctx, sess["work_id"], sess["device"])
    assert last is not None
    damaged = reason.strip().casefold().startswith("damaged")
    was_damaged = last["qty"] if last["condition"] == "damaged" else 0
    now_damaged = qty if damaged else 0
    ctx.tx.run(
        "UPDATE receipt_scans SET qty = ?, condition = ? WHERE id = ?",
        (qty, "damaged" if damaged else "ok", last["id"]),
    )
    ctx.tx.run(
        "UPDATE receipt_lines SET received = received + ?, damaged = damaged + ?"
        " WHERE receipt_id = ? AND line_no = ?",
        (qty - last["qty"], now_damaged - was_damaged, last["receipt_id"], last["line_no"]),
    )
    ctx.tx.run("UPDATE sessions SET stage = 'item' WHERE device = ?", (sess["device"],))
    ctx.changed()
    resend_view(ctx, sess["device"])


def on_close(ctx: Ctx, sess: dict[str, Any], who: Origin) -> None:
    """Close the delivery: differences reported, put-away work made for every sound unit
    (one task per SKU and lot), the receipt record to the cloud feed."""
    receipt_id = sess["work_id"]
    if receipt_id is None or _closed(ctx, sess):
        raise DomainError("no delivery is open: scan a delivery note first", "refused")
    ctx.tx.run(
        "UPDATE receipts SET status = 'closed', closed_at = ?, closed_by = ?, closed_device = ?"
        " WHERE id = ?",
        (ctx.at, who.actor, who.device, receipt_id),
    )
    sound = ctx.tx.all(
        # A unit scanned without its lot belongs to its line's lot.
        "SELECT s.sku, coalesce(s.lot, l.lot) AS lot, max(coalesce(s.expiry, l.expiry)) AS expiry,"
        " sum(s.qty) AS qty FROM receipt_scans s JOIN receipt_lines l ON l.receipt_id ="
        " s.receipt_id AND l.line_no = s.line_no WHERE s.receipt_id = ? AND s.condition = 'ok'"
        " GROUP BY s.sku, coalesce(s.lot, l.lot) HAVING sum(s.qty) > 0 ORDER BY min(s.id)",
        (receipt_id,),
    )
    for row in sound:
        task_id = ctx.tx.run(
            "INSERT INTO putaway_tasks(receipt_id, source, sku, lot, expiry, qty, created_at)"
            " VALUES (?, 'receipt', ?, ?, ?, ?, ?)",
            (receipt_id, row["sku"], row["lot"], row["expiry"], row["qty"], ctx.at),
        )
        slotting.suggest_task(ctx, task_id)
    # Everyone receiving this delivery (two receivers at one dock) sees it closed.
    sharing = ctx.tx.all(
        "SELECT device FROM sessions WHERE mode = 'receive' AND work_id = ?", (receipt_id,)
    )
    ctx.tx.run(
        "UPDATE sessions SET stage = 'done' WHERE mode = 'receive' AND work_id = ?", (receipt_id,)
    )
    feed.append(ctx, "receipt", receipt_record(ctx, receipt_id, who))
    ctx.list_changed("receive")
    ctx.list_changed("putaway")
    for row in sharing:
        resend_view(ctx, row["device"])


def receipt_record(ctx: Ctx, receipt_id: int, who: Origin) -> dict[str, Any]:
    """What the cloud keeps about a received delivery."""
    head = ctx.tx.one("SELECT * FROM receipts WHERE id = ?", (receipt_id,))
    assert head is not None
    lines = delivery(ctx.tx, ctx.cat, receipt_id)["lines"]
    scans = ctx.tx.all(
        "SELECT sku, gtin, lot, expiry, qty, condition, via, actor, device, at FROM"
        " receipt_scans WHERE receipt_id = ? ORDER BY id",
        (receipt_id,),
    )
    return {
        "delivery_id": head["delivery_id"],
        "supplier": head["supplier"],
        "lines": [{k: v for k, v in ln.items() if k not in ("name", "gtins")} for ln in lines],
        "differences": differences(ctx.tx, ctx.cat, receipt_id),
        "scans": scans,
        "closed_by": who.actor,
        "device": who.device,
        "closed_at": ctx.at,
    }


def on_next(ctx: Ctx, sess: dict[str, Any]) -> None:
    """After a closed delivery (or to leave one open): back to choosing a delivery."""
    ctx.tx.run(
        "UPDATE sessions SET work_id = NULL, stage = 'select' WHERE device = ?", (sess["device"],)
    )
    ctx.changed()
    resend_view(ctx, sess["device"])
