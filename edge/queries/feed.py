"""Reads of the cloud feed: pages after a cursor, and the backlog the gateway still holds."""

from __future__ import annotations

import json
from typing import Any

from edge.ports import Reader

MAX_PAGE = 500


def page(tx: Reader, after: int, limit: int, consumer: str) -> dict[str, Any]:
    """Records with seq > after, oldest first, and the cursor to ask with next."""
    rows = tx.all(
        "SELECT seq, order_id, shop_order_id, created_at, record FROM feed"
        " WHERE seq > ? ORDER BY seq LIMIT ?",
        (after, limit + 1),
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    records = [{**r, "record": json.loads(r["record"])} for r in rows]
    return {
        "stream_id": tx.value("SELECT value FROM meta WHERE key = 'stream_id'"),
        "records": records,
        "next": records[-1]["seq"] if records else after,
        "has_more": has_more,
        "acked_seq": _acked(tx, consumer),
    }


def _acked(tx: Reader, consumer: str | None) -> int:
    if consumer is None:
        # What the gateway still holds for someone: the slowest consumer's position.
        return int(tx.value("SELECT min(acked_seq) FROM feed_consumers") or 0)
    return int(
        tx.value("SELECT acked_seq FROM feed_consumers WHERE consumer = ?", (consumer,)) or 0
    )


def backlog(tx: Reader, consumer: str | None) -> dict[str, Any]:
    """Records a consumer (or, for None, the slowest one) has not acknowledged, and since
    when; with every consumer's position."""
    acked = _acked(tx, consumer)
    row = tx.one(
        "SELECT count(*) AS n, min(created_at) AS oldest FROM feed WHERE seq > ?", (acked,)
    )
    assert row is not None
    return {
        "consumer": consumer,
        "acked_seq": acked,
        "unacked": row["n"],
        "oldest": row["oldest"],
        "consumers": tx.all(
            "SELECT consumer, acked_seq, acked_at FROM feed_consumers ORDER BY consumer"
        ),
    }
