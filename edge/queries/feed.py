"""Reads of the cloud feed: pages after a cursor (built from the stored text), the backlog."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from edge.core.feed import floor, newest, stream_id
from edge.model import DomainError
from edge.ports import Reader

MAX_PAGE = 5000
DEFAULT_PAGE = 500

# One record of a page as JSON, made by SQLite from the stored canonical text (no parsing).
_RECORD_JSON = (
    'SELECT CAST(\'{"seq":\' || seq || \',"prev_seq":\' || prev_seq || \',"hash":"\' || hash'
    ' || \'","order_id":\' || order_id || \',"shop_order_id":\' || json_quote(shop_order_id)'
    " || ',\"created_at\":' || json_quote(created_at) || ',\"record\":' || record || '}'"
    " AS BLOB) AS json, seq FROM feed WHERE seq > ? ORDER BY seq LIMIT ?"
)


BATCH = 500  # records read and handed on at a time: a page is never all in memory twice


@dataclass(frozen=True)
class Page:
    """What the route needs to know about a page whose JSON went to `out`."""

    stream_id: str
    next: int
    count: int


def check_stream(tx: Reader, stream: str | None) -> str:
    """The current stream id; a request naming another one is refused (409 + the current)."""
    current = stream_id(tx)
    if stream is not None and stream != current:
        raise DomainError(
            f"stream: {stream} is not the current stream {current} (the gateway's database was"
            " replaced or restored); read the current one from after=0",
            "conflict",
            {"stream_id": current},
        )
    return current


def page(
    tx: Reader,
    after: int,
    limit: int,
    consumer: str | None,
    stream: str | None,
    declared: Any,
    out: Callable[[bytes], None],
) -> Page:
    """Records with seq > after, oldest first, with the floor, the newest seq and the cursor
    to ask with next, written to `out` as JSON a batch at a time, from the stored text.
    after=0 starts at the floor; 0 < after < floor is refused (410)."""
    current = check_stream(tx, stream)
    low = floor(tx)
    if 0 < after < low:
        raise DomainError(
            f"after: {after} is below the floor {low}: records up to {low} were pruned",
            "gone",
            {"floor": str(low)},
        )
    out(b'{"records":[')
    last, count = after, 0
    while count < limit:
        rows = tx.all(_RECORD_JSON, (last, min(BATCH, limit - count)))
        if not rows:
            break
        out((b"," if count else b"") + b",".join(r["json"] for r in rows))
        count += len(rows)
        last = rows[-1]["seq"]
    tail = {
        "stream_id": current,
        "floor": low,
        "newest": newest(tx),
        "next": last,
        "has_more": tx.value("SELECT 1 FROM feed WHERE seq > ? LIMIT 1", (last,)) is not None,
        "acked_seq": _acked(tx, consumer, declared),
    }
    out(b"]," + json.dumps(tail, separators=(",", ":"))[1:].encode())
    return Page(current, last, count)


def _acked(tx: Reader, consumer: str | None, declared: Any) -> int:
    if consumer is None:
        # What the gateway holds for someone: the slowest declared consumer's position.
        return min((_acked(tx, name, declared) for name in declared), default=0)
    return int(
        tx.value("SELECT acked_seq FROM feed_consumers WHERE consumer = ?", (consumer,)) or 0
    )


def backlog(tx: Reader, consumer: str | None, declared: Any = None) -> dict[str, Any]:
    """Unacknowledged records and the oldest one's time: the caller's own (a consumer), or
    every consumer's (admin: the declared ones and the rows of undeclared ones), with the
    slowest declared one's at the top. declared None: not known here, every row counts."""
    rows = {
        r["consumer"]: r for r in tx.all("SELECT consumer, acked_seq, acked_at FROM feed_consumers")
    }
    holding = set(rows) if declared is None else set(declared)
    names = [consumer] if consumer is not None else sorted(holding | set(rows))
    consumers = []
    for name in names:
        acked = int(rows[name]["acked_seq"]) if name in rows else 0
        consumers.append(
            {
                "consumer": name,
                "declared": name in holding,
                "acked_seq": acked,
                "acked_at": rows[name]["acked_at"] if name in rows else None,
                **_unacked(tx, acked),
            }
        )
    held = [c for c in consumers if c["declared"]] or consumers
    top = min(held, key=lambda c: c["acked_seq"], default=None)
    return {
        "stream_id": stream_id(tx),
        "floor": floor(tx),
        "newest": newest(tx),
        "consumer": consumer,
        "acked_seq": top["acked_seq"] if top else 0,
        **(_unacked(tx, top["acked_seq"]) if top else _unacked(tx, newest(tx))),
        "consumers": consumers,
    }


def _unacked(tx: Reader, acked: int) -> dict[str, Any]:
    row = tx.one(
        "SELECT count(*) AS unacked, min(created_at) AS oldest FROM feed WHERE seq > ?", (acked,)
    )
    assert row is not None
    return row
