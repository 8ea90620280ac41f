"""The tables of stock coming in and kept right: receipts, put-away, replenishment, counts."""

from __future__ import annotations

# Receiving: a delivery the ERP announced (receipts, its expected lines), every scan at the
# dock (receipt_scans: what arrived, lot/expiry, damaged or not, who/when/device). Closing
# a receipt makes put-away work: received stock is in no bin, so it is not sellable until
# a put-away puts it in one (a stock move with the receipt's reference).
# Replenishment moves reserve stock to a pick face (reserved in the reserve bin meanwhile).
# Counts are per bin and SKU, blind; `expected` is what the store held when the count was
# submitted, so picks before or after it do not distort the difference applied on approval.
STOCK_FLOWS = """
    CREATE TABLE receipts (
        id INTEGER PRIMARY KEY, delivery_id TEXT NOT NULL UNIQUE, supplier TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'expected', expected_at TEXT, request_hash TEXT NOT NULL,
        created_at TEXT NOT NULL, actor TEXT NOT NULL, device TEXT NOT NULL,
        closed_at TEXT, closed_by TEXT, closed_device TEXT);
    CREATE INDEX receipts_by_status ON receipts(status, id);
    CREATE TABLE receipt_lines (
        receipt_id INTEGER NOT NULL REFERENCES receipts(id), line_no INTEGER NOT NULL,
        sku TEXT NOT NULL, expected INTEGER NOT NULL CHECK (expected >= 0),
        lot TEXT, expiry TEXT,
        received INTEGER NOT NULL DEFAULT 0 CHECK (received >= 0),
        damaged INTEGER NOT NULL DEFAULT 0 CHECK (damaged >= 0),
        PRIMARY KEY (receipt_id, line_no));
    CREATE TABLE receipt_scans (
        id INTEGER PRIMARY KEY, receipt_id INTEGER NOT NULL, line_no INTEGER NOT NULL,
        sku TEXT NOT NULL, gtin TEXT, lot TEXT, expiry TEXT, qty INTEGER NOT NULL CHECK (qty >= 0),
        condition TEXT NOT NULL DEFAULT 'ok', via TEXT NOT NULL, actor TEXT NOT NULL,
        device TEXT NOT NULL, msg_id TEXT NOT NULL, at TEXT NOT NULL);
    CREATE INDEX receipt_scans_by_receipt ON receipt_scans(receipt_id, id);
    CREATE TABLE putaway_tasks (
        id INTEGER PRIMARY KEY, receipt_id INTEGER, source TEXT NOT NULL, sku TEXT NOT NULL,
        lot TEXT, expiry TEXT, qty INTEGER NOT NULL CHECK (qty > 0),
        done INTEGER NOT NULL DEFAULT 0 CHECK (done >= 0 AND done <= qty),
        status TEXT NOT NULL DEFAULT 'open', suggested_bin TEXT, suggest_reason TEXT,
        assigned_device TEXT,
        created_at TEXT NOT NULL, finished_at TEXT);
    CREATE INDEX putaway_by_status ON putaway_tasks(status, id);
    CREATE TABLE putaways (
        id INTEGER PRIMARY KEY, task_id INTEGER NOT NULL, bin TEXT NOT NULL, sku TEXT NOT NULL,
        qty INTEGER NOT NULL, suggested_bin TEXT, followed INTEGER NOT NULL,
        actor TEXT NOT NULL, device TEXT NOT NULL, msg_id TEXT NOT NULL, at TEXT NOT NULL);
    CREATE TABLE replen_tasks (
        id INTEGER PRIMARY KEY, sku TEXT NOT NULL, from_bin TEXT NOT NULL, to_bin TEXT NOT NULL,
        qty INTEGER NOT NULL CHECK (qty > 0), moved INTEGER,
        status TEXT NOT NULL DEFAULT 'open', priority INTEGER NOT NULL DEFAULT 0,
        assigned_device TEXT, step TEXT, created_at TEXT NOT NULL, created_by TEXT NOT NULL,
        finished_at TEXT, finished_by TEXT, finished_device TEXT);
    CREATE INDEX replen_by_status ON replen_tasks(status, priority DESC, id);
    CREATE INDEX replen_by_face ON replen_tasks(to_bin, sku, status);
    CREATE TABLE counts (
        id INTEGER PRIMARY KEY, bin TEXT NOT NULL, sku TEXT NOT NULL, reason TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open', assigned_device TEXT, started_at TEXT,
        first_count INTEGER, first_expected INTEGER, first_by TEXT, first_device TEXT,
        first_at TEXT, second_count INTEGER, second_expected INTEGER, second_by TEXT,
        second_device TEXT, second_at TEXT, moved_during INTEGER NOT NULL DEFAULT 0,
        adjustment INTEGER, decided_by TEXT, decided_device TEXT, decided_at TEXT,
        decision_reason TEXT, created_at TEXT NOT NULL, created_by TEXT NOT NULL);
    CREATE INDEX counts_by_status ON counts(status, id);
    CREATE INDEX counts_by_bin ON counts(bin, sku, status);
    ALTER TABLE sessions ADD COLUMN mode TEXT NOT NULL DEFAULT 'pick';
    ALTER TABLE sessions ADD COLUMN work_id INTEGER;
    ALTER TABLE sessions ADD COLUMN scanned_expiry TEXT;
    ALTER TABLE sessions ADD COLUMN counted INTEGER;
    ALTER TABLE lights ADD COLUMN work TEXT NOT NULL DEFAULT 'pick';
    ALTER TABLE feed ADD COLUMN kind TEXT NOT NULL DEFAULT 'shipment';
    ALTER TABLE stock_moves ADD COLUMN ref TEXT
"""
