"""What the returns desk sees, and a return as the feed and the API tell it (units by grade)."""

from __future__ import annotations

from typing import Any

from edge.catalog import Catalog
from edge.messages import GRADES
from edge.model import order_code
from edge.ports import Reader

# Printed grade codes for scanners that can only scan: GRADE-RESELLABLE, GRADE-DAMAGED,
# GRADE-WRONG (GRADE-WRONG_ITEM too), GRADE-MISSING.
GRADE_CODES = {f"GRADE-{g.upper()}": g for g in GRADES} | {"GRADE-WRONG": "wrong_item"}
# How many announced returns the desk's chooser lists.
QUEUE_LENGTH = 10


def returnable(tx: Reader, order_id: int) -> dict[str, int]:
    """Per SKU the order shipped: units shipped less units that came back in closed returns."""
    rows = tx.all(
        "SELECT sku, sum(picked) - sum(returned) AS left FROM order_lines WHERE order_id = ?"
        " AND picked > 0 GROUP BY sku ORDER BY min(line_no)",
        (order_id,),
    )
    return {r["sku"]: int(r["left"]) for r in rows}


def open_returns(tx: Reader) -> list[dict[str, Any]]:
    """Returns waiting for the desk, announced first come first."""
    rows = tx.all(
        "SELECT r.rma_id, r.status, r.order_id, o.shop_order_id, sum(l.expected) AS units"
        " FROM returns r JOIN orders o ON o.id = r.order_id JOIN return_lines l"
        " ON l.return_id = r.id WHERE r.status != 'closed' GROUP BY r.id ORDER BY r.id LIMIT ?",
        (QUEUE_LENGTH,),
    )
    for row in rows:
        row["order_code"] = order_code(row["order_id"])
    return rows


def summary(tx: Reader, cat: Catalog, return_id: int) -> dict[str, Any]:
    """One return: its lines with the units by grade, every unit (who scanned and graded it,
    when, on which device) and the put-away work its resellable units became."""
    head = tx.one(
        "SELECT r.*, o.shop_order_id, o.status AS order_status FROM returns r"
        " JOIN orders o ON o.id = r.order_id WHERE r.id = ?",
        (return_id,),
    )
    assert head is not None
    units = tx.all(
        "SELECT id AS unit_id, sku, gtin, via, in_order, grade, reason, actor, device, at,"
        " graded_by, graded_device, graded_at FROM return_units WHERE return_id = ? ORDER BY id",
        (return_id,),
    )
    lines: dict[str, dict[str, Any]] = {}
    for line in tx.all(
        "SELECT sku, sum(expected) AS expected, group_concat(nullif(reason, ''), '; ') AS reason"
        " FROM return_lines WHERE return_id = ? GROUP BY sku ORDER BY min(line_no)",
        (return_id,),
    ):
        lines[line["sku"]] = {**line, "reason": line["reason"] or "", "in_order": True}
    for unit in units:
        unit["in_order"] = bool(unit["in_order"])
        line = lines.setdefault(
            unit["sku"],
            {"sku": unit["sku"], "expected": 0, "reason": "", "in_order": unit["in_order"]},
        )
        line["scanned"] = line.get("scanned", 0) + 1
        if unit["grade"]:
            line[unit["grade"]] = line.get(unit["grade"], 0) + 1
    for line in lines.values():
        info = cat.skus.get(line["sku"])
        line["name"] = info.name if info else line["sku"]
        line["gtins"] = list(info.gtins) if info else []
        for key in ("scanned", *GRADES):
            line.setdefault(key, 0)
    tasks = tx.all(
        "SELECT id AS task_id, sku, qty, done, status, suggested_bin FROM putaway_tasks"
        " WHERE return_id = ? ORDER BY id",
        (return_id,),
    )
    return {
        "return_id": return_id,
        "rma_id": head["rma_id"],
        "announced": head["rma_id"] is not None,
        "status": head["status"],
        "note": head["note"],
        "order_id": head["order_id"],
        "order_code": order_code(head["order_id"]),
        "shop_order_id": head["shop_order_id"],
        "order_status": head["order_status"],
        "lines": list(lines.values()),
        "units": units,
        "putaway_tasks": tasks,
        "announced_by": head["actor"] if head["rma_id"] else None,
        "opened_by": head["opened_by"],
        "opened_device": head["opened_device"],
        "opened_at": head["opened_at"],
        "scanned": head["scanned"],
        "closed_by": head["closed_by"],
        "closed_device": head["closed_device"],
        "closed_at": head["closed_at"],
    }


def return_view(tx: Reader, cat: Catalog, sess: dict[str, Any]) -> dict[str, Any]:
    """The returns desk's screen: choose a parcel, inspect its units, the closed summary."""
    return_id = sess["work_id"]
    if return_id is None:
        return {
            "screen": "return_select",
            "expect": "return",
            "returns": open_returns(tx),
            "message": "Scan the parcel's label or the order code",
        }
    found = summary(tx, cat, return_id)
    found.pop("units")
    if sess["stage"] == "done":
        return {
            "screen": "return_done",
            "expect": "none",
            "return": found,
            "message": f"Return for {found['order_code']} closed",
        }
    last = tx.one(
        "SELECT id AS unit_id, sku, grade, in_order FROM return_units WHERE return_id = ?"
        " AND device = ? ORDER BY id DESC LIMIT 1",
        (return_id, sess["device"]),
    )
    if last is not None:
        last["in_order"] = bool(last["in_order"])
        last["name"] = cat.skus[last["sku"]].name if last["sku"] in cat.skus else last["sku"]
    grading = sess["stage"] == "grade"
    return {
        "screen": "return",
        "expect": "grade" if grading else "item",
        "return": found,
        "last": last,
        "grades": list(GRADES),
        "message": "Grade this unit" if grading else "Scan each returned unit",
    }
