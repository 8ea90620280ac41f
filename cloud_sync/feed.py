"""Reading the feed: pages after a cursor, and the backlog the supervisor watches."""

from __future__ import annotations

import json
from typing import Any, Protocol


class Reader(Protocol):
    def one(self, sql: str, params: Any = ()) -> dict[str, Any] | None: ...
    def all(self, sql: str, params: Any = ()) -> list[dict[str, Any]]: ...
    def value(self, sql: str, params: Any = ()) -> Any: ...


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
    acked = tx.value("SELECT acked_seq FROM feed_consumers WHERE consumer = ?", (consumer,))
    return {
        "stream_id": tx.value("SELECT value FROM meta WHERE key = 'stream_id'"),
        "records": records,
        "next": records[-1]["seq"] if records else after,
        "has_more": has_more,
        "acked_seq": acked or 0,
    }


def backlog(tx: Reader, consumer: str = "cloud") -> dict[str, Any]:
    """How much the consumer has not acknowledged yet, and since when."""
    acked = tx.value("SELECT acked_seq FROM feed_consumers WHERE consumer = ?", (consumer,)) or 0
    row = tx.one(
        "SELECT count(*) AS n, min(created_at) AS oldest FROM feed WHERE seq > ?", (acked,)
    )
    assert row is not None
    return {"consumer": consumer, "acked_seq": acked, "unacked": row["n"], "oldest": row["oldest"]}
