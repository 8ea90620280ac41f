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
    (gateway, stream_id, seq, prev_seq, hash, order_id, shop_order_id, created_at, record)
SELECT %s, %s, seq, prev_seq, hash, order_id, shop_order_id, created_at, record::jsonb
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
        conn.execute(SCHEMA)


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
    shop_order_id, created_at and record (the shipment, a dict or its JSON text). Verifying
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
