"""The PostgreSQL store: a page and its cursor commit together; re-offered records are skipped."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from cloud_sync.pull import pg
from cloud_sync.pull.verify import content_hash


def _records(first: int, n: int, tag: str = "") -> list[dict[str, Any]]:
    out = []
    for seq in range(first, first + n):
        shipment = {"order_id": seq, "tag": tag}
        out.append(
            {
                "seq": seq,
                "prev_seq": seq - 1,
                "hash": content_hash(shipment),
                "order_id": seq,
                "shop_order_id": f"S-{seq}",
                "created_at": "2026-12-06T04:00:00+00:00",
                "record": shipment,
            }
        )
    return out


def test_a_page_and_its_cursor_commit_together(conn: psycopg.Connection[Any]) -> None:
    assert pg.cursor(conn, "north") == (None, 0)
    assert pg.store_page(conn, "north", "s1", _records(1, 5), 5) == 5
    assert pg.cursor(conn, "north") == ("s1", 5)
    stored = conn.execute("SELECT seq, record->>'order_id' FROM cloud_records ORDER BY seq")
    assert [(s, int(o)) for s, o in stored.fetchall()] == [(i, i) for i in range(1, 6)]


def test_a_failed_page_stores_nothing_and_keeps_the_cursor(conn: psycopg.Connection[Any]) -> None:
    pg.store_page(conn, "north", "s1", _records(1, 3), 3)
    # seq 3 again with other content: the (stream_id, seq) key refuses it, so seq 4 and the
    # cursor roll back with it (a changed record is never stored over the first).
    bad = [*_records(3, 2, tag="other")]
    with pytest.raises(psycopg.errors.UniqueViolation):
        pg.store_page(conn, "north", "s1", bad, 4)
    assert pg.cursor(conn, "north") == ("s1", 3)
    assert conn.execute("SELECT count(*) FROM cloud_records").fetchone() == (3,)


def test_a_record_offered_again_in_a_new_stream_is_skipped(conn: psycopg.Connection[Any]) -> None:
    pg.store_page(conn, "north", "s1", _records(1, 4), 4)
    # A restored database: seqs 1-2 served again in stream s2 with the same content, then new.
    again = _records(1, 2) + _records(10, 2, tag="new")
    assert pg.store_page(conn, "north", "s2", again, 11) == 2
    assert pg.cursor(conn, "north") == ("s2", 11)
    rows = conn.execute("SELECT stream_id, seq FROM cloud_records ORDER BY id").fetchall()
    assert rows == [("s1", 1), ("s1", 2), ("s1", 3), ("s1", 4), ("s2", 10), ("s2", 11)]


def test_the_same_content_at_another_gateway_is_its_own_record(
    conn: psycopg.Connection[Any],
) -> None:
    assert pg.store_page(conn, "north", "s1", _records(1, 2), 2) == 2
    assert pg.store_page(conn, "south", "s9", _records(1, 2), 2) == 2
    assert pg.cursor(conn, "south") == ("s9", 2)


def test_store_page_refuses_an_open_transaction(conn: psycopg.Connection[Any]) -> None:
    with conn.transaction(), pytest.raises(pg.NotIdle):
        pg.store_page(conn, "north", "s1", _records(1, 1), 1)
    assert conn.execute("SELECT count(*) FROM cloud_records").fetchone() == (0,)


def test_migrate_twice_keeps_the_data(conn: psycopg.Connection[Any]) -> None:
    pg.store_page(conn, "north", "s1", _records(1, 1), 1)
    pg.migrate(conn)
    assert pg.cursor(conn, "north") == ("s1", 1)
