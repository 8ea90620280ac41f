"""The consumer's PostgreSQL store: records and each gateway's cursor, one transaction a page."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import psycopg

SCHEMA = """
CREATE TABLE IF NOT EXISTS cloud_records (
    id            bigserial PRIMARY KEY,
    gateway       text        NOT NULL,
    stream_id     text        NOT NULL,
    seq           bigint      NOT NULL,
    prev_seq      bigint      NOT NULL,
    hash          text        NOT NULL,
    order_id      bigint,
    shop_order_id text,
    created_at    text,
    record        jsonb       NOT NULL,
    stored_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (stream_id, seq),
    UNIQUE (gateway, hash)
);
ALTER TABLE cloud_records ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'shipment';
CREATE INDEX IF NOT EXISTS cloud_records_by_kind ON cloud_records (kind, gateway, seq);
CREATE TABLE IF NOT EXISTS cloud_cursors (
    gateway    text        PRIMARY KEY,
    stream_id  text        NOT NULL,
    seq        bigint      NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS cloud_lag (
    gateway         text        PRIMARY KEY,
    stream_id       text,
    newest          bigint      NOT NULL,
    cursor_seq      bigint      NOT NULL,
    behind          bigint      NOT NULL,
    oldest_unstored text,
    age_s           double precision,
    error           text,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
"""

# What the shop reads, one view per record kind (docs/cloud-sync.md, "Record kinds"): the
# fields of the record as columns; the record itself stays the one stored copy.
VIEWS = """
CREATE OR REPLACE VIEW cloud_shipments AS
SELECT gateway, stream_id, seq, record->>'site' AS site, order_id, shop_order_id,
       record->>'shipped_at' AS shipped_at, record
FROM cloud_records WHERE kind = 'shipment';
CREATE OR REPLACE VIEW cloud_receipts AS
SELECT gateway, stream_id, seq, record->>'site' AS site, record->>'delivery_id' AS delivery_id,
       record->>'supplier' AS supplier, record->>'closed_by' AS closed_by,
       record->>'device' AS device, record->>'closed_at' AS closed_at,
       record->'lines' AS lines, record->'differences' AS differences, record->'scans' AS scans
FROM cloud_records WHERE kind = 'receipt';
CREATE OR REPLACE VIEW cloud_receipt_lines AS
SELECT r.gateway, r.seq, r.record->>'site' AS site, r.record->>'delivery_id' AS delivery_id,
       (l->>'line_no')::int AS line_no, l->>'sku' AS sku, (l->>'expected')::int AS expected,
       (l->>'received')::int AS received, (l->>'damaged')::int AS damaged,
       l->>'lot' AS lot, l->>'expiry' AS expiry
FROM cloud_records r, jsonb_array_elements(r.record->'lines') AS l WHERE r.kind = 'receipt';
CREATE OR REPLACE VIEW cloud_putaways AS
SELECT gateway, stream_id, seq, record->>'site' AS site, record->>'delivery_id' AS delivery_id,
       record->>'sku' AS sku, (record->>'qty')::int AS qty, record->>'bin' AS bin,
       record->>'lot' AS lot, record->>'expiry' AS expiry,
       record->>'suggested_bin' AS suggested_bin, (record->>'followed')::boolean AS followed,
       record->>'actor' AS actor, record->>'device' AS device, record->>'at' AS at
FROM cloud_records WHERE kind = 'putaway';
CREATE OR REPLACE VIEW cloud_stock_adjustments AS
SELECT gateway, stream_id, seq, record->>'site' AS site, record->>'bin' AS bin,
       record->>'sku' AS sku, (record->>'delta')::int AS delta,
       (record->>'on_hand_after')::int AS on_hand_after, record->>'reason' AS reason,
       record->>'ref' AS ref, record->>'actor' AS actor, record->>'device' AS device,
       record->>'at' AS at
FROM cloud_records WHERE kind = 'stock_adjustment';
CREATE OR REPLACE VIEW cloud_returns AS
SELECT gateway, stream_id, seq, record->>'site' AS site, record->>'rma_id' AS rma_id,
       (record->>'return_id')::bigint AS return_id, order_id, shop_order_id,
       record->>'order_status' AS order_status, record->>'closed_by' AS closed_by,
       record->>'closed_device' AS closed_device, record->>'closed_at' AS closed_at,
       record->'lines' AS lines, record->'units' AS units
FROM cloud_records WHERE kind = 'return';
CREATE OR REPLACE VIEW cloud_return_lines AS
SELECT r.gateway, r.seq, r.record->>'site' AS site, r.record->>'rma_id' AS rma_id,
       r.order_id, r.shop_order_id, l->>'sku' AS sku, (l->>'in_order')::boolean AS in_order,
       (l->>'expected')::int AS expected, (l->>'resellable')::int AS resellable,
       (l->>'damaged')::int AS damaged, (l->>'wrong_item')::int AS wrong_item,
       (l->>'missing')::int AS missing
FROM cloud_records r, jsonb_array_elements(r.record->'lines') AS l WHERE r.kind = 'return';
"""

# A page travels by COPY into a session-local table (an array parameter of 5,000 JSON
# texts took 4x longer), then one INSERT ... SELECT. A record already stored under
# (gateway, hash) is skipped (offered again in a new epoch); a different record under a
# stored (stream_id, seq) is not the arbiter, so it raises instead of vanishing.
_INCOMING = """
CREATE TEMP TABLE IF NOT EXISTS cloud_incoming (
    seq bigint, prev_seq bigint, hash text, order_id bigint, shop_order_id text,
    created_at text, record text
) ON COMMIT DELETE ROWS
"""
_COPY = (
    "COPY cloud_incoming (seq, prev_seq, hash, order_id, shop_order_id, created_at, record)"
    " FROM STDIN"
)
_INSERT = """
INSERT INTO cloud_records
    (gateway, stream_id, seq, prev_seq, hash, order_id, shop_order_id, created_at, record, kind)
SELECT %s, %s, seq, prev_seq, hash, order_id, shop_order_id, created_at, record::jsonb,
       coalesce(record::jsonb->>'kind', 'shipment')
FROM cloud_incoming ORDER BY seq
ON CONFLICT (gateway, hash) DO NOTHING
"""

_SET_CURSOR = """
INSERT INTO cloud_cursors (gateway, stream_id, seq, updated_at) VALUES (%s, %s, %s, now())
ON CONFLICT (gateway) DO UPDATE
SET stream_id = excluded.stream_id, seq = excluded.seq, updated_at = excluded.updated_at
"""

_SET_LAG = """
INSERT INTO cloud_lag
    (gateway, stream_id, newest, cursor_seq, behind, oldest_unstored, age_s, error, updated_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, now())
ON CONFLICT (gateway) DO UPDATE SET
    stream_id = excluded.stream_id, newest = excluded.newest, cursor_seq = excluded.cursor_seq,
    behind = excluded.behind, oldest_unstored = excluded.oldest_unstored,
    age_s = excluded.age_s, error = excluded.error, updated_at = excluded.updated_at
"""


class NotIdle(RuntimeError):
    """store_page was called inside an open transaction: its commit would not be its own."""


def migrate(conn: psycopg.Connection[Any]) -> None:
    """Create the consumer's tables if they are absent (idempotent)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('cloud_sync.pull.migrate'))")
        older = conn.execute(
            "SELECT to_regclass('cloud_records') IS NOT NULL AND NOT EXISTS (SELECT 1 FROM"
            " information_schema.columns WHERE table_schema = current_schema() AND"
            " table_name = 'cloud_records' AND column_name = 'kind')"
        ).fetchone()
        conn.execute(SCHEMA)
        if older is not None and older[0]:
            # Records stored before the column existed: their kind is in the record (a
            # shipment record from before kinds has none: the default says shipment).
            conn.execute(
                "UPDATE cloud_records SET kind = record->>'kind' WHERE record ? 'kind'"
                " AND kind IS DISTINCT FROM record->>'kind'"
            )
        conn.execute(VIEWS)


def store_page(
    conn: psycopg.Connection[Any],
    gateway: str,
    stream_id: str,
    records: Sequence[dict[str, Any]],
    cursor: int,
) -> int:
    """Insert a verified page and set the gateway's cursor to (stream_id, cursor), committed
    together before this returns; the number of rows inserted.

    A record is a feed record as the gateway serves it: seq, prev_seq, hash, order_id,
    shop_order_id, created_at and record (a dict or its JSON text; its "kind" fills the
    kind column, shipment when absent). Verifying
    the hash and the chain is the caller's job: this stores what it is given.
    """
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        raise NotIdle("store_page needs a connection with no open transaction")
    with conn.transaction():
        inserted = 0
        if records:
            conn.execute(_INCOMING)
            with conn.cursor().copy(_COPY) as copy:
                for r in records:
                    copy.write_row(
                        (
                            r["seq"],
                            r["prev_seq"],
                            r["hash"],
                            r.get("order_id"),
                            r.get("shop_order_id"),
                            r.get("created_at"),
                            _json_text(r["record"]),
                        )
                    )
            inserted = conn.execute(_INSERT, (gateway, stream_id)).rowcount
        conn.execute(_SET_CURSOR, (gateway, stream_id, cursor))
    return inserted


def cursor(conn: psycopg.Connection[Any], gateway: str) -> tuple[str | None, int]:
    """The (stream_id, seq) stored for a gateway; (None, 0) before its first page."""
    with conn.transaction():
        row = conn.execute(
            "SELECT stream_id, seq FROM cloud_cursors WHERE gateway = %s", (gateway,)
        ).fetchone()
    return (None, 0) if row is None else (str(row[0]), int(row[1]))


def record_lag(
    conn: psycopg.Connection[Any],
    gateway: str,
    stream_id: str | None,
    newest: int,
    cursor_seq: int,
    oldest_unstored: str | None,
    age_s: float | None,
    error: str | None,
) -> None:
    """Write a gateway's lag (newest − cursor, age of the oldest unstored) to cloud_lag."""
    with conn.transaction():
        conn.execute(
            _SET_LAG,
            (
                gateway,
                stream_id,
                newest,
                cursor_seq,
                max(0, newest - cursor_seq),
                oldest_unstored,
                age_s,
                error,
            ),
        )


def _json_text(record: Any) -> str:
    return record if isinstance(record, str) else json.dumps(record, ensure_ascii=False)
