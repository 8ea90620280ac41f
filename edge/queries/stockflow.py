"""Reads about stock coming in and kept right: deliveries, put-away, top-ups, counts."""

from __future__ import annotations

from typing import Any

from edge.catalog import Catalog
from edge.core.stockviews import delivery, differences
from edge.model import DomainError
from edge.ports import Reader

# The supervisor's panel lists this many of each queue; the API has the rest.
PANEL_SHOWN = 8

# What a count's reader may see only as a supervisor or an admin: the quantity the store
# expected (counts are blind; knowing it before counting defeats the count), and the
# difference and adjustment it can be worked out from.
EXPECTED_FIELDS = ("first_expected", "second_expected", "difference", "adjustment")


def _name(cat: Catalog, sku: str) -> str:
    info = cat.skus.get(sku)
    return info.name if info else sku


def _named(cat: Catalog, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for row in rows:
        row["name"] = _name(cat, row["sku"])
    return rows


def delivery_list(tx: Reader, status: str | None, limit: int) -> list[dict[str, Any]]:
    """Deliveries newest first, with their expected and received units."""
    where, params = ("WHERE r.status = ?", [status]) if status else ("", [])
    return tx.all(
        "SELECT r.delivery_id, r.supplier, r.status, r.expected_at, r.created_at,"
        " r.closed_at, r.closed_by, count(l.line_no) AS lines,"
        " sum(l.expected) AS expected_units, sum(l.received) AS received_units,"
        f" sum(l.damaged) AS damaged_units FROM receipts r JOIN receipt_lines l"
        f" ON l.receipt_id = r.id {where} GROUP BY r.id ORDER BY r.id DESC LIMIT ?",
        [*params, limit],
    )


def delivery_detail(tx: Reader, cat: Catalog, delivery_id: str) -> dict[str, Any]:
    """One delivery: its lines, differences, every scan (who, when, device), put-away work."""
    head = tx.one(
        "SELECT id, delivery_id, supplier, status, expected_at, created_at, actor, device,"
        " closed_at, closed_by, closed_device FROM receipts WHERE delivery_id = ?",
        (delivery_id,),
    )
    if head is None:
        raise DomainError(f"delivery_id: no delivery {delivery_id!r}", "not_found")
    receipt_id = head.pop("id")
    head["announced_by"] = head.pop("actor")
    head["announced_device"] = head.pop("device")
    head["lines"] = [
        {k: v for k, v in line.items() if k != "gtins"}
        for line in delivery(tx, cat, receipt_id)["lines"]
    ]
    head["differences"] = differences(tx, cat, receipt_id)
    head["scans"] = tx.all(
        "SELECT id AS scan_id, line_no, sku, gtin, lot, expiry, qty, condition, via, actor,"
        " device, at FROM receipt_scans WHERE receipt_id = ? ORDER BY id",
        (receipt_id,),
    )
    head["putaway_tasks"] = _named(
        cat,
        tx.all(
            "SELECT id AS task_id, sku, lot, expiry, qty, done, status, suggested_bin,"
            " suggest_reason, created_at, finished_at FROM putaway_tasks"
            " WHERE receipt_id = ? ORDER BY id",
            (receipt_id,),
        ),
    )
    return head


def putaway_tasks(tx: Reader, cat: Catalog, status: str | None, limit: int) -> list[dict[str, Any]]:
    """Put-away work, oldest first, with where each went (bin, followed the suggestion?)."""
    where, params = ("WHERE t.status = ?", [status]) if status else ("", [])
    tasks = tx.all(
        "SELECT t.id AS task_id, r.delivery_id, t.source, t.sku, t.lot, t.expiry, t.qty,"
        " t.done, t.status, t.suggested_bin, t.suggest_reason, t.assigned_device,"
        " t.created_at, t.finished_at FROM putaway_tasks t LEFT JOIN receipts r"
        f" ON r.id = t.receipt_id {where} ORDER BY t.id LIMIT ?",
        [*params, limit],
    )
    for task in tasks:
        task["putaways"] = tx.all(
            "SELECT bin, qty, suggested_bin, followed, actor, device, at FROM putaways"
            " WHERE task_id = ? ORDER BY id",
            (task["task_id"],),
        )
        for done in task["putaways"]:
            done["followed"] = bool(done["followed"])
    return _named(cat, tasks)


def replen_tasks(tx: Reader, cat: Catalog, status: str | None, limit: int) -> list[dict[str, Any]]:
    """Top-ups from reserve to pick faces: the most waited-for first, then the oldest."""
    where, params = ("WHERE status = ?", [status]) if status else ("", [])
    return _named(
        cat,
        tx.all(
            "SELECT id AS task_id, sku, from_bin, to_bin, qty, moved, status, priority,"
            " assigned_device, step, created_at, created_by, finished_at, finished_by,"
            f" finished_device FROM replen_tasks {where}"
            " ORDER BY status != 'open', priority DESC, id LIMIT ?",
            [*params, limit],
        ),
    )


def _count_json(cat: Catalog, row: dict[str, Any], with_expected: bool) -> dict[str, Any]:
    sku = row.pop("sku")
    out = {"count_id": row.pop("id"), "bin": row.pop("bin"), "sku": sku, "name": _name(cat, sku)}
    out.update(row)
    out["moved_during"] = bool(out["moved_during"])
    # The difference that decides: the recount's once there is one, else the first count's.
    latest = "second" if out["second_count"] is not None else "first"
    counted, expected = out[f"{latest}_count"], out[f"{latest}_expected"]
    out["difference"] = counted - expected if counted is not None else None
    if not with_expected:
        for key in EXPECTED_FIELDS:
            out.pop(key, None)
    return out


_COUNT_COLUMNS = (
    "id, bin, sku, reason, status, assigned_device, first_count, first_expected, first_by,"
    " first_device, first_at, second_count, second_expected, second_by, second_device,"
    " second_at, moved_during, adjustment, decided_by, decided_device, decided_at,"
    " decision_reason, created_at, created_by"
)


def count_list(
    tx: Reader, cat: Catalog, status: str | None, limit: int, with_expected: bool
) -> list[dict[str, Any]]:
    """Counts oldest first; the expected quantities only for a supervisor or an admin."""
    where, params = ("WHERE status = ?", [status]) if status else ("", [])
    rows = tx.all(
        f"SELECT {_COUNT_COLUMNS} FROM counts {where} ORDER BY id LIMIT ?", [*params, limit]
    )
    return [_count_json(cat, row, with_expected) for row in rows]


def count_detail(tx: Reader, cat: Catalog, count_id: int, with_expected: bool) -> dict[str, Any]:
    row = tx.one(f"SELECT {_COUNT_COLUMNS} FROM counts WHERE id = ?", (count_id,))
    if row is None:
        raise DomainError(f"count_id: no count {count_id}", "not_found")
    return _count_json(cat, row, with_expected)


def stock_work_overview(tx: Reader, cat: Catalog) -> dict[str, Any]:
    """The supervisor's "Stock work" panel: what is arriving, waiting to be put away or
    topped up, and which counts wait for a decision (with what the store expected)."""
    open_deliveries = tx.all(
        "SELECT r.delivery_id, r.supplier, r.status, r.created_at,"
        " sum(l.expected) AS expected_units, sum(l.received) AS received_units"
        " FROM receipts r JOIN receipt_lines l ON l.receipt_id = r.id"
        " WHERE r.status != 'closed' GROUP BY r.id ORDER BY r.id LIMIT ?",
        (PANEL_SHOWN,),
    )
    putaway = tx.one(
        "SELECT count(*) AS open, coalesce(sum(qty - done), 0) AS units,"
        " min(created_at) AS oldest_at FROM putaway_tasks WHERE status = 'open'"
    )
    putaway_queue = _named(
        cat,
        tx.all(
            "SELECT id AS task_id, sku, qty - done AS qty, suggested_bin, assigned_device,"
            " created_at FROM putaway_tasks WHERE status = 'open' ORDER BY id LIMIT ?",
            (PANEL_SHOWN,),
        ),
    )
    replen_open = tx.value("SELECT count(*) FROM replen_tasks WHERE status = 'open'") or 0
    replen_top = _named(
        cat,
        tx.all(
            "SELECT id AS task_id, sku, from_bin, to_bin, qty, priority, assigned_device,"
            " created_at FROM replen_tasks WHERE status = 'open' ORDER BY priority DESC, id"
            " LIMIT ?",
            (PANEL_SHOWN,),
        ),
    )
    awaiting = count_list(tx, cat, "approval", PANEL_SHOWN, with_expected=True)
    return {
        "deliveries": {
            "open": tx.value("SELECT count(*) FROM receipts WHERE status != 'closed'") or 0,
            "list": open_deliveries,
        },
        "putaway": {
            **(putaway or {"open": 0, "units": 0, "oldest_at": None}),
            "list": putaway_queue,
        },
        "replenishment": {"open": replen_open, "list": replen_top},
        "approval": {
            "waiting": tx.value("SELECT count(*) FROM counts WHERE status = 'approval'") or 0,
            "list": awaiting,
        },
        "counts_open": tx.value("SELECT count(*) FROM counts WHERE status IN ('open', 'recount')")
        or 0,
    }
