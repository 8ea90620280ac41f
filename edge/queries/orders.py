"""Reads about orders and stock: counts by status, lists, one order in full, the forecast input."""

from __future__ import annotations

import json
from typing import Any

from edge.model import DomainError, Status
from edge.ports import Reader


def status_counts(tx: Reader) -> dict[str, int]:
    """Orders per status, every status present (zero when none)."""
    counts = {s.value: 0 for s in Status}
    for r in tx.all("SELECT status, count(*) AS n FROM orders GROUP BY status"):
        counts[r["status"]] = r["n"]
    return counts


def order_list(tx: Reader, status: Status | None, limit: int) -> list[dict[str, Any]]:
    where, params = ("WHERE status = ?", [status.value]) if status else ("", [])
    return tx.all(
        f"SELECT id, shop_order_id, status, hold_reason, paid_at, cutoff_at, updated_at"
        f" FROM orders {where} ORDER BY cutoff_at, paid_at, id LIMIT ?",
        [*params, limit],
    )


def order_detail(tx: Reader, order_id: int) -> dict[str, Any]:
    """The order with lines, tasks, picks, parcels and its full status history."""
    order = tx.one("SELECT * FROM orders WHERE id = ?", (order_id,))
    if order is None:
        raise DomainError(f"order_id: no order {order_id}", "not_found")
    order.pop("request_hash", None)
    order.pop("planning_for", None)
    order["customer"] = json.loads(order["customer"])
    order["verify_contents"] = bool(order["verify_contents"])
    order["lines"] = tx.all(
        "SELECT line_no, sku, qty, picked, short, returned FROM order_lines WHERE order_id = ?"
        " ORDER BY line_no",
        (order_id,),
    )
    order["returns"] = tx.all(
        "SELECT id AS return_id, rma_id, status, closed_at FROM returns WHERE order_id = ?"
        " ORDER BY id",
        (order_id,),
    )
    order["tasks"] = tx.all(
        "SELECT id, line_no, bin, sku, qty, picked, status, trip_id, seq, tote FROM tasks"
        " WHERE order_id = ? ORDER BY id",
        (order_id,),
    )
    order["picks"] = tx.all(
        "SELECT line_no, sku, bin, qty, gtin, lot, picker, device, via, msg_id, at,"
        " scanned_at, scanned_late FROM picks WHERE order_id = ? ORDER BY id",
        (order_id,),
    )
    # The packer's scans of items into their parcels (edge.core.packcheck), who and when.
    order["pack_scans"] = tx.all(
        "SELECT parcel_id, round, sku, gtin, via, packer, device, msg_id, at, device_at"
        " FROM pack_scans WHERE order_id = ? ORDER BY id",
        (order_id,),
    )
    order["parcels"] = tx.all(
        "SELECT id AS parcel_id, n, station, box_type, expected_g, tolerance_g,"
        " lightest_g, measured_g, result, packer, device, weighed_at, carrier, tracking"
        " FROM parcels WHERE order_id = ? ORDER BY n",
        (order_id,),
    )
    order["history"] = tx.all(
        "SELECT from_status, to_status, reason, actor, device, at FROM order_events"
        " WHERE order_id = ? ORDER BY id",
        (order_id,),
    )
    return order


def order_status(tx: Reader, order_id: int) -> str | None:
    value = tx.value("SELECT status FROM orders WHERE id = ?", (order_id,))
    return str(value) if value is not None else None


def holds(tx: Reader, limit: int) -> list[dict[str, Any]]:
    """Orders on hold, newest first, with the parcels the scale held."""
    rows = tx.all(
        "SELECT id AS order_id, shop_order_id, hold_reason AS reason, updated_at AS since"
        " FROM orders WHERE status = 'on_hold' ORDER BY updated_at DESC LIMIT ?",
        (limit,),
    )
    for hold in rows:
        hold["parcels"] = tx.all(
            "SELECT n, box_type, expected_g, tolerance_g, measured_g, station, packer"
            " FROM parcels WHERE order_id = ? AND result = 'hold' ORDER BY n",
            (hold["order_id"],),
        )
    return rows


def recent_changes(tx: Reader, limit: int) -> list[dict[str, Any]]:
    return tx.all(
        "SELECT order_id, from_status, to_status, reason, actor, device, at"
        " FROM order_events ORDER BY id DESC LIMIT ?",
        (limit,),
    )


def open_work(tx: Reader, limit: int) -> tuple[list[dict[str, Any]], dict[int, list[str]]]:
    """The orders not yet gone (open and ready to ship), due first, and the bins each order
    still to pick needs (the forecast's input)."""
    orders = tx.all(
        "SELECT id, shop_order_id, status, cutoff_at FROM orders WHERE status IN"
        " ('received', 'awaiting_stock', 'picking', 'packing', 'on_hold', 'ready_to_ship')"
        " ORDER BY cutoff_at, paid_at, id LIMIT ?",
        (limit,),
    )
    bins_of: dict[int, list[str]] = {}
    for row in tx.all(
        "SELECT t.order_id, t.bin FROM tasks t JOIN orders o ON o.id = t.order_id"
        " WHERE t.status = 'open' AND o.status IN ('received', 'picking')"
    ):
        bins_of.setdefault(row["order_id"], []).append(row["bin"])
    return orders, bins_of


def stock_rows(
    tx: Reader, sku: str | None, bin_label: str | None, limit: int
) -> list[dict[str, Any]]:
    return tx.all(
        "SELECT bin, sku, on_hand, reserved, on_hand - reserved AS free FROM stock"
        " WHERE (? IS NULL OR sku = ?) AND (? IS NULL OR bin = ?) ORDER BY bin, sku LIMIT ?",
        (sku, sku, bin_label, bin_label, limit),
    )


def low_stock(tx: Reader, below: int, limit: int) -> list[dict[str, Any]]:
    """Bins whose free quantity fell below `below` (the demo's replenisher tops them up)."""
    return tx.all(
        "SELECT bin, sku, on_hand FROM stock WHERE on_hand - reserved < ? LIMIT ?",
        (below, limit),
    )


def ready_to_ship(tx: Reader, limit: int) -> dict[int, list[int]]:
    """Orders waiting for the carrier, with their parcel ids."""
    out: dict[int, list[int]] = {}
    for r in tx.all("SELECT id FROM orders WHERE status = 'ready_to_ship' LIMIT ?", (limit,)):
        out[r["id"]] = [
            p["id"] for p in tx.all("SELECT id FROM parcels WHERE order_id = ?", (r["id"],))
        ]
    return out
