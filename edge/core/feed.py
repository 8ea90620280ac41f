"""The cloud feed: a finished shipment appended in its own transaction; acks and retention."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from edge.core.context import Ctx
from edge.messages import AckFeed
from edge.model import DomainError


def append_shipment(ctx: Ctx, order_id: int) -> None:
    """The whole shipment record joins the feed in the transaction that ships the order."""
    record = shipment_record(ctx, order_id)
    ctx.tx.run(
        "INSERT INTO feed(order_id, shop_order_id, created_at, record) VALUES (?, ?, ?, ?)",
        (order_id, record["shop_order_id"], ctx.at, json.dumps(record, sort_keys=True)),
    )
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
        " result, packer, device, scale, weighed_at, carrier, tracking, contents"
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
    """Record how far the consumer stored; never backwards, never past the end."""
    last = ctx.tx.value("SELECT seq FROM sqlite_sequence WHERE name = 'feed'") or 0
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
    # Retention: only what every consumer has acknowledged, and only once it is old.
    floor = ctx.tx.value("SELECT min(acked_seq) FROM feed_consumers") or 0
    horizon = (ctx.now - timedelta(days=ctx.cfg.retain_acked_days)).isoformat()
    pruned = ctx.tx.run("DELETE FROM feed WHERE seq <= ? AND created_at < ?", (floor, horizon))
    ctx.changed()
    return {"consumer": msg.consumer, "acked_seq": acked, "pruned": pruned}
