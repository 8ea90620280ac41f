"""What a scanner shows while receiving, putting away, topping up or counting (never the
expected quantity of a count)."""

from __future__ import annotations

from typing import Any

from edge.catalog import Catalog
from edge.ports import Reader

# How many deliveries or tasks a selection screen lists.
QUEUE_LENGTH = 10


def modes_for(cat: Catalog, sess: dict[str, Any]) -> list[str]:
    """The kinds of work this person may switch to on this scanner (none at a pack station)."""
    if sess["role"] == "packer":
        return []
    return ["pick", "receive", "putaway", "replenish", "count", "return"]


def stock_view(tx: Reader, cat: Catalog, sess: dict[str, Any]) -> dict[str, Any]:
    mode = sess["mode"]
    if mode == "receive":
        return _receive(tx, cat, sess)
    if mode == "putaway":
        return _putaway(tx, cat, sess)
    if mode == "replenish":
        return _replenish(tx, cat, sess)
    return _count(tx, cat, sess)


def open_deliveries(tx: Reader) -> list[dict[str, Any]]:
    return tx.all(
        "SELECT r.delivery_id, r.supplier, r.status, sum(l.expected) AS expected_units,"
        " sum(l.received) AS received_units FROM receipts r JOIN receipt_lines l"
        " ON l.receipt_id = r.id WHERE r.status != 'closed' GROUP BY r.id ORDER BY r.id LIMIT ?",
        (QUEUE_LENGTH,),
    )


def delivery(tx: Reader, cat: Catalog, receipt_id: int) -> dict[str, Any]:
    head = tx.one("SELECT delivery_id, supplier, status FROM receipts WHERE id = ?", (receipt_id,))
    assert head is not None
    lines = tx.all(
        "SELECT line_no, sku, expected, received, damaged, lot, expiry FROM receipt_lines"
        " WHERE receipt_id = ? ORDER BY line_no",
        (receipt_id,),
    )
    for line in lines:
        info = cat.skus.get(line["sku"])
        line["name"] = info.name if info else line["sku"]
        line["gtins"] = list(info.gtins) if info else []
    return {**head, "lines": lines}


def differences(tx: Reader, cat: Catalog, receipt_id: int) -> list[dict[str, Any]]:
    """Lines received other than expected (over, under, unexpected) or with damaged units."""
    out = []
    for line in delivery(tx, cat, receipt_id)["lines"]:
        diff = line["received"] - line["expected"]
        if diff or line["damaged"]:
            out.append({k: line[k] for k in ("sku", "name", "expected", "received", "damaged")})
            out[-1]["diff"] = diff
    return out


def _receive(tx: Reader, cat: Catalog, sess: dict[str, Any]) -> dict[str, Any]:
    receipt_id = sess["work_id"]
    if receipt_id is None:
        return {
            "screen": "receive_select",
            "expect": "receipt",
            "deliveries": open_deliveries(tx),
            "message": "Scan the delivery note",
        }
    head = delivery(tx, cat, receipt_id)
    if sess["stage"] == "done":
        tasks = tx.value("SELECT count(*) FROM putaway_tasks WHERE receipt_id = ?", (receipt_id,))
        return {
            "screen": "receive_done",
            "expect": "none",
            "delivery_id": head["delivery_id"],
            "differences": differences(tx, cat, receipt_id),
            "putaway_tasks": tasks,
            "message": f"Delivery {head['delivery_id']} closed",
        }
    last = tx.one(
        "SELECT id AS scan_id, sku, qty, lot, expiry, condition FROM receipt_scans"
        " WHERE receipt_id = ? AND device = ? ORDER BY id DESC LIMIT 1",
        (receipt_id, sess["device"]),
    )
    if last is not None:
        last["name"] = cat.skus[last["sku"]].name
    awaiting = sess["stage"] == "qty" and last is not None and not (last["lot"] or last["expiry"])
    return {
        "screen": "receive",
        "expect": "qty" if sess["stage"] == "qty" else "item",
        "delivery": head,
        "last": last if sess["stage"] == "qty" else None,
        "awaiting_lot": awaiting,
        "message": "Scan each item, or scan one and enter the quantity",
    }


def putaway_queue(tx: Reader, cat: Catalog) -> list[dict[str, Any]]:
    rows = tx.all(
        "SELECT t.id AS task_id, t.sku, t.qty - t.done AS qty, t.lot, t.suggested_bin,"
        " (SELECT count(DISTINCT o.id) FROM orders o JOIN order_lines l ON l.order_id = o.id"
        "  WHERE o.status = 'awaiting_stock' AND l.sku = t.sku) AS waiting_orders"
        " FROM putaway_tasks t WHERE t.status = 'open' AND t.assigned_device IS NULL"
        " ORDER BY waiting_orders DESC, t.id LIMIT ?",
        (QUEUE_LENGTH,),
    )
    for row in rows:
        row["name"] = cat.skus[row["sku"]].name
    return rows


def _putaway(tx: Reader, cat: Catalog, sess: dict[str, Any]) -> dict[str, Any]:
    task = (
        tx.one("SELECT * FROM putaway_tasks WHERE id = ?", (sess["work_id"],))
        if sess["work_id"]
        else None
    )
    if task is None or task["status"] != "open":
        return {
            "screen": "putaway_select",
            "expect": "item",
            "tasks": putaway_queue(tx, cat),
            "message": "Scan an item of the stock to put away, or take the next task",
        }
    info = cat.skus[task["sku"]]
    left = task["qty"] - task["done"]
    where = task["suggested_bin"] or "any bin with room"
    return {
        "screen": "putaway",
        "expect": "bin",
        "task": {
            "task_id": task["id"],
            "sku": task["sku"],
            "name": info.name,
            "gtins": list(info.gtins),
            "qty": left,
            "lot": task["lot"],
            "expiry": task["expiry"],
            "suggested_bin": task["suggested_bin"],
            "reason": task["suggest_reason"] or "",
        },
        "message": f"Put {left} × {info.name} into {where} and scan the bin label",
    }


def replen_queue(tx: Reader, cat: Catalog) -> list[dict[str, Any]]:
    rows = tx.all(
        "SELECT id AS task_id, sku, qty, from_bin, to_bin, priority AS waiting_orders"
        " FROM replen_tasks WHERE status = 'open' AND assigned_device IS NULL"
        " ORDER BY priority DESC, id LIMIT ?",
        (QUEUE_LENGTH,),
    )
    for row in rows:
        row["name"] = cat.skus[row["sku"]].name
    return rows


def _replenish(tx: Reader, cat: Catalog, sess: dict[str, Any]) -> dict[str, Any]:
    task = (
        tx.one("SELECT * FROM replen_tasks WHERE id = ?", (sess["work_id"],))
        if sess["work_id"]
        else None
    )
    if task is None or task["status"] != "open":
        return {
            "screen": "replenish_select",
            "expect": "none",
            "tasks": replen_queue(tx, cat),
            "message": "Take the next top-up",
        }
    info = cat.skus[task["sku"]]
    step = task["step"] or "from"
    lit = tx.value("SELECT 1 FROM lights WHERE task_id = ? AND work = 'replenish'", (task["id"],))
    qty = task["moved"] if task["moved"] is not None else task["qty"]
    prompts = {
        "from": f"Go to {task['from_bin']} and scan the bin label",
        "item": f"Take {qty} × {info.name} and scan one",
        "to": f"Take them to {task['to_bin']} and scan the bin label",
    }
    return {
        "screen": "replenish",
        "expect": "item" if step == "item" else "bin",
        "step": step,
        "task": {
            "task_id": task["id"],
            "sku": task["sku"],
            "name": info.name,
            "gtins": list(info.gtins),
            "qty": qty,
            "from_bin": task["from_bin"],
            "to_bin": task["to_bin"],
            "lit": bool(lit),
        },
        "message": prompts[step],
    }


def waiting_counts(tx: Reader) -> int:
    return int(tx.value("SELECT count(*) FROM counts WHERE status IN ('open', 'recount')") or 0)


def _count(tx: Reader, cat: Catalog, sess: dict[str, Any]) -> dict[str, Any]:
    count = (
        tx.one("SELECT * FROM counts WHERE id = ?", (sess["work_id"],)) if sess["work_id"] else None
    )
    if count is None:
        return {
            "screen": "count_select",
            "expect": "none",
            "waiting": waiting_counts(tx),
            "message": "Take the next count",
        }
    if sess["stage"] == "done":
        outcome = {"recount": "recount", "approval": "approval"}.get(count["status"], "ok")
        return {
            "screen": "count_done",
            "expect": "none",
            "count_id": count["id"],
            "bin": count["bin"],
            "outcome": outcome,
            "message": {
                "ok": "Count recorded",
                "recount": "Count recorded: someone else will count this bin again",
                "approval": "Count recorded: a supervisor will check the difference",
            }[outcome],
        }
    info = cat.skus[count["sku"]]
    counting = sess["stage"] == "qty"
    return {
        "screen": "count",
        "expect": "qty" if counting else "bin",
        # Blind: the count never carries the quantity the store expects.
        "count": {
            "count_id": count["id"],
            "bin": count["bin"],
            "sku": count["sku"],
            "name": info.name,
            "gtins": list(info.gtins),
            "recount": count["status"] == "recount",
            "counted": sess["counted"] or 0,
        },
        "message": (
            f"Count every {info.name} in {count['bin']}: scan each, or enter the total"
            if counting
            else f"Go to {count['bin']} and scan the bin label"
        ),
    }
