"""Feed helpers for tests: records appended by the core's own append_shipment, and checks of
the chain and hashes a consumer makes (docs/cloud-sync.md)."""

from __future__ import annotations

import hashlib
import itertools
import json
from datetime import timedelta
from typing import Any

from edge.core.context import Ctx
from edge.core.feed import append_shipment
from edge.store import Tx
from tests.support.harness import Harness

_orders = itertools.count(1)


def append_records(h: Harness, n: int = 1, age_days: float = 0.0) -> list[int]:
    """n shipment records (each an order taken in, then its record appended by the core in
    a committed writer transaction, aged age_days); the runtime's sinks see their effects.
    Quicker than picking and packing each order, the same record-writing code."""
    seqs = []
    for _ in range(n):
        oid = h.intake(f"F-{next(_orders)}", ("MUG", 1))
        conn = h.service.db.writer
        now = h.clock.now - timedelta(days=age_days)
        conn.execute("BEGIN IMMEDIATE")
        with h.service.db.read() as rtx:
            cat = h.service.catalogs.require(rtx)
        ctx = Ctx(Tx(conn), cat, h.service.core.cfg, now)
        append_shipment(ctx, oid)
        conn.execute("COMMIT")
        seqs.append(int(conn.execute("SELECT max(seq) FROM feed").fetchone()[0]))
        for sink in h.runtime.sinks:
            sink(ctx.finish().effects)
    return seqs


def read_page(
    h: Harness, after: int, limit: int, consumer: str | None, stream: str | None
) -> dict[str, Any]:
    """A page as the route builds it (Queries.feed_page, the mark raised), parsed."""
    parts: list[bytes] = []
    h.service.queries.feed_page(after, limit, consumer, stream, parts.append)
    page: dict[str, Any] = json.loads(b"".join(parts))
    return page


def content_hash(record: Any) -> str:
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_page(page: dict[str, Any], after: int) -> None:
    """What a consumer checks: every hash, and prev_seq naming the seq before it (the first
    record: the cursor, or the floor when reading a stream from after=0)."""
    last = after if after else page["floor"]
    for r in page["records"]:
        assert r["hash"] == content_hash(r["record"]), r["seq"]
        assert r["prev_seq"] == last, (r["seq"], r["prev_seq"], last)
        assert r["seq"] > last
        last = r["seq"]
