"""The cloud feed: a finished shipment appended in its own transaction (hashed, chained);
acks by declared consumers and retention below all of them."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from edge.core.context import Ctx
from edge.messages import AckFeed, FeedAppended
from edge.model import DomainError
from edge.ports import Reader


def canonical(record: Any) -> str:
    """The record's canonical JSON (docs/cloud-sync.md): stored as is, hashed as is."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def text_hash(text: str) -> str:
    """sha256 hex of a record's canonical JSON text, encoded as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stream_id(tx: Reader) -> str:
    return str(tx.value("SELECT value FROM meta WHERE key = 'stream_id'"))


def floor(tx: Reader) -> int:
    """The highest seq pruned: records at or below it are gone."""
    return int(tx.value("SELECT value FROM meta WHERE key = 'feed_floor'") or 0)


def newest(tx: Reader) -> int:
    """The stream's newest seq: its last record, or the floor when none is left."""
    last = tx.value("SELECT max(seq) FROM feed")
    return int(last) if last is not None else floor(tx)


def append_shipment(ctx: Ctx, order_id: int) -> None:
    """The whole shipment record joins the feed in the transaction that ships the order."""
    record = shipment_record(ctx, order_id)
    append(ctx, "shipment", record, order_id, record["shop_order_id"])


def append(
    ctx: Ctx, kind: str, record: dict[str, Any], order_id: int = 0, shop_order_id: str = ""
) -> None:
    """A record of this kind joins the feed in the transaction of the change it reports,
    naming the record before it in this stream (prev_seq) and its own hash. Records that
    are not about an order (receipts, put-aways, stock adjustments) carry order_id 0."""
    text = canonical({"kind": kind, "site": ctx.cat.site_id, **record})
    seq = ctx.tx.run(
        "INSERT INTO feed(order_id, shop_order_id, created_at, record, prev_seq, hash, kind)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (order_id, shop_order_id, ctx.at, text, newest(ctx.tx), text_hash(text), kind),
    )
    ctx.emit(FeedAppended(seq))
    ctx.changed()


def shipment_record(ctx: Ctx, order_id: int) -> dict[str, Any]:
    """Everything the cloud keeps about a finished shipment."""
    tx = ctx.tx
    order = tx.one(
        "SELECT id, shop_order_id, status, paid_at, cutoff_at, created_at, customer"
        " FROM orders WHERE id = ?",
        (order_id,),
    )
    assert order is not None
    lines = tx.all(
        "SELECT line_no, sku, qty AS ordered, picked, short FROM order_lines WHERE order_id = ?"
        " ORDER BY line_no",
        (order_id,),
    )
    picks = tx.all(
        "SELECT line_no, sku, bin, qty, gtin, lot, picker, device, via, at FROM picks"
        " WHERE order_id = ? ORDER BY id",
        (order_id,),
    )
    parcels = tx.all(
        "SELECT id AS parcel_id, n, station, box_type, expected_g, tolerance_g, measured_g,"
        " result, packer, device, scale, weighed_at, carrier, tracking, sscc, contents"
        " FROM parcels WHERE order_id = ? ORDER BY n",
        (order_id,),
    )
    for p in parcels:
        p["contents"] = json.loads(p["contents"])
    history = tx.all(
        "SELECT from_status, to_status, reason, actor, device, at FROM order_events"
        " WHERE order_id = ? ORDER BY id",
        (order_id,),
    )
    return {
        "order_id": order["id"],
        "shop_order_id": order["shop_order_id"],
        "site": ctx.cat.site_id,
        "paid_at": order["paid_at"],
        "cutoff_at": order["cutoff_at"],
        "customer": json.loads(order["customer"]),
        "lines": lines,
        "picks": picks,
        "parcels": parcels,
        "history": history,
        "shipped_at": ctx.at,
    }


def ack(ctx: Ctx, msg: AckFeed) -> dict[str, Any]:
    """Record how far a declared consumer stored this stream; never backwards, never past
    the newest record; then prune what every declared consumer has and retention lets go."""
    if msg.consumer not in ctx.cfg.feed_consumers:
        raise DomainError(
            f"consumer: {msg.consumer} is not declared (an API client with the role feed)",
            "forbidden",
        )
    current = stream_id(ctx.tx)
    if msg.stream_id != current:
        raise DomainError(
            f"stream_id: {msg.stream_id} is not the current stream {current}; read it from after=0",
            "conflict",
            {"stream_id": current},
        )
    last = newest(ctx.tx)
    if msg.seq < 0 or msg.seq > last:
        raise DomainError(f"seq: {msg.seq} is beyond the newest record {last}", "invalid")
    row = ctx.tx.one("SELECT acked_seq FROM feed_consumers WHERE consumer = ?", (msg.consumer,))
    acked = max(msg.seq, row["acked_seq"] if row else 0)
    ctx.tx.run(
        "INSERT INTO feed_consumers(consumer, acked_seq, acked_at, actor) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(consumer) DO UPDATE SET acked_seq = excluded.acked_seq,"
        " acked_at = excluded.acked_at, actor = excluded.actor",
        (msg.consumer, acked, ctx.at, msg.origin.actor),
    )
    pruned = prune(ctx)
    ctx.changed()
    return {"consumer": msg.consumer, "stream_id": current, "acked_seq": acked, "pruned": pruned}


def prune(ctx: Ctx) -> int:
    """Delete the oldest records every declared consumer has acknowledged and retention lets
    go: a prefix of the stream (never a hole), the floor raised to the last one deleted."""
    declared = ctx.cfg.feed_consumers
    if not declared:
        return 0
    marks = ", ".join("?" * len(declared))
    acks = ctx.tx.all(
        f"SELECT acked_seq FROM feed_consumers WHERE consumer IN ({marks})",
        declared,
    )
    if len(acks) < len(declared):
        return 0  # a declared consumer that never acknowledged holds everything
    bound = min(int(r["acked_seq"]) for r in acks)
    horizon = (ctx.now - timedelta(days=ctx.cfg.retain_acked_days)).isoformat()
    young = ctx.tx.value(
        "SELECT seq FROM feed WHERE seq <= ? AND created_at >= ? ORDER BY seq LIMIT 1",
        (bound, horizon),
    )
    if young is not None:
        bound = int(young) - 1
    last = ctx.tx.value("SELECT max(seq) FROM feed WHERE seq <= ?", (bound,))
    if last is None:
        return 0
    pruned = ctx.tx.run("DELETE FROM feed WHERE seq <= ?", (last,))
    ctx.tx.run(
        "INSERT INTO meta(key, value) VALUES ('feed_floor', ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (str(max(int(last), floor(ctx.tx))),),
    )
    return pruned
