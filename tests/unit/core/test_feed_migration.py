"""Migration 0006_feed_chain: records written before it get prev_seq and hash, their text in
the canonical form the hash is over, and the floor of what was pruned before."""

from __future__ import annotations

import json
from pathlib import Path

import sqlite_utils

from edge.store import connect, migrate, migrations
from tests.support.feed import content_hash


def test_old_records_are_chained_hashed_and_canonical(tmp_path: Path) -> None:
    conn = connect(tmp_path / "edge.db")
    migrations.apply(sqlite_utils.Database(conn), stop_before="0006_feed_chain")
    records = [{"b": 1, "a": "Zürich", "n": n} for n in range(1, 6)]
    for n, record in enumerate(records, start=1):
        conn.execute(
            "INSERT INTO feed(order_id, shop_order_id, created_at, record) VALUES (?,?,?,?)",
            (n, f"S{n}", "2026-11-20T09:00:00", json.dumps(record, indent=1)),
        )
    conn.execute("DELETE FROM feed WHERE seq <= 2")  # pruned by the old code
    migrate(conn)
    rows = conn.execute("SELECT seq, prev_seq, hash, record FROM feed ORDER BY seq").fetchall()
    assert [(r["seq"], r["prev_seq"]) for r in rows] == [(3, 2), (4, 3), (5, 4)]
    for row, record in zip(rows, records[2:], strict=True):
        assert json.loads(row["record"]) == record
        assert row["record"] == json.dumps(
            record, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        assert row["hash"] == content_hash(record)
    floor = conn.execute("SELECT value FROM meta WHERE key = 'feed_floor'").fetchone()[0]
    assert floor == "2"
    conn.close()


def test_an_emptied_feed_keeps_its_floor_at_the_last_seq(tmp_path: Path) -> None:
    conn = connect(tmp_path / "edge.db")
    migrations.apply(sqlite_utils.Database(conn), stop_before="0006_feed_chain")
    for n in range(1, 4):
        conn.execute(
            "INSERT INTO feed(order_id, shop_order_id, created_at, record) VALUES (?,?,?,?)",
            (n, f"S{n}", "2026-11-20T09:00:00", "{}"),
        )
    conn.execute("DELETE FROM feed")
    migrate(conn)
    floor = conn.execute("SELECT value FROM meta WHERE key = 'feed_floor'").fetchone()[0]
    assert floor == "3"
    conn.close()
