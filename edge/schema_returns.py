"""Migration 0012_returns: returns the shop announces (RMAs) and the returns desk inspects."""

from __future__ import annotations

# A return belongs to one shipped order. The shop may announce it (an RMA: rma_id, its lines
# and reasons, idempotent by request_hash); without one, the desk opens an unannounced return
# (rma_id NULL) against the order's shipped lines. Every unit the desk scans is a row of
# return_units with its grade (resellable, damaged, wrong_item, missing), who scanned and who
# graded it, when and on which device. Closing a return makes put-away tasks for the
# resellable units (putaway_tasks.return_id) and counts the returned units on the order's
# lines (order_lines.returned), so a unit can never be returned twice.
RETURNS = """
    CREATE TABLE returns (
        id INTEGER PRIMARY KEY, rma_id TEXT UNIQUE, order_id INTEGER NOT NULL REFERENCES orders(id),
        status TEXT NOT NULL DEFAULT 'announced', note TEXT NOT NULL DEFAULT '',
        request_hash TEXT, created_at TEXT NOT NULL, actor TEXT NOT NULL, device TEXT NOT NULL,
        opened_at TEXT, opened_by TEXT, opened_device TEXT, scanned TEXT,
        closed_at TEXT, closed_by TEXT, closed_device TEXT);
    CREATE INDEX returns_by_order ON returns(order_id, status);
    CREATE INDEX returns_by_status ON returns(status, id);
    CREATE TABLE return_lines (
        return_id INTEGER NOT NULL REFERENCES returns(id), line_no INTEGER NOT NULL,
        sku TEXT NOT NULL, expected INTEGER NOT NULL CHECK (expected >= 0),
        reason TEXT NOT NULL DEFAULT '', PRIMARY KEY (return_id, line_no));
    CREATE TABLE return_units (
        id INTEGER PRIMARY KEY, return_id INTEGER NOT NULL REFERENCES returns(id),
        sku TEXT NOT NULL, gtin TEXT, via TEXT NOT NULL, in_order INTEGER NOT NULL,
        grade TEXT CHECK (grade IN ('resellable', 'damaged', 'wrong_item', 'missing')),
        reason TEXT, actor TEXT NOT NULL, device TEXT NOT NULL, msg_id TEXT NOT NULL,
        at TEXT NOT NULL, graded_by TEXT, graded_device TEXT, graded_msg_id TEXT, graded_at TEXT);
    CREATE INDEX return_units_by_return ON return_units(return_id, id);
    ALTER TABLE order_lines ADD COLUMN returned INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE putaway_tasks ADD COLUMN return_id INTEGER
"""
