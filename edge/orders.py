"""Order use cases: intake, stock reservation, cancel, hold override, shipping and the feed."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from edge.messages import (
    AckFeed,
    AdjustStock,
    CancelOrder,
    IntakeOrder,
    OverrideHold,
    ShipOrder,
    StateChanged,
)
from edge.model import DomainError, Status, cutoff_for

if TYPE_CHECKING:
    from edge.core import Ctx


def _request_hash(msg: IntakeOrder) -> str:
    canonical = json.dumps(
        {
            "lines": [[line.sku, line.qty] for line in msg.lines],
            "paid_at": msg.paid_at.isoformat(),
            "cutoff_at": msg.cutoff_at.isoformat() if msg.cutoff_at else None,
        },
        sort_keys=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def intake(ctx: Ctx, msg: IntakeOrder) -> dict[str, Any]:
    """Create the order, or return the existing one for a retry of the same request."""
    from edge.core import set_status

    digest = _request_hash(msg)
    existing = ctx.tx.one(
        "SELECT id, request_hash FROM orders WHERE shop_order_id = ?", (msg.shop_order_id,)
    )
    if existing is not None:
        if existing["request_hash"] != digest:
            raise DomainError(
                f"shop order {msg.shop_order_id!r} exists with other lines or times", "conflict"
            )
        return {"order_id": existing["id"], "created": False}
    if not msg.lines:
        raise DomainError("lines: an order needs at least one line", "invalid")
    for i, line in enumerate(msg.lines):
        if line.sku not in ctx.cat.skus:
            raise DomainError(f"lines[{i}].sku: unknown SKU {line.sku!r}", "invalid")
        if line.qty < 1:
            raise DomainError(f"lines[{i}].qty: must be at least 1", "invalid")
    cutoff = msg.cutoff_at or cutoff_for(msg.paid_at, ctx.cat.timezone, ctx.cat.cutoff)
    o = msg.origin
    order_id = ctx.tx.run(
        "INSERT INTO orders(shop_order_id, status, paid_at, cutoff_at, created_at, updated_at,"
        " request_hash, customer) VALUES (?, 'received', ?, ?, ?, ?, ?, ?)",
        (
            msg.shop_order_id,
            msg.paid_at.isoformat(),
            cutoff.isoformat(),
            ctx.at,
            ctx.at,
            digest,
            json.dumps(msg.customer),
        ),
    )
    ctx.tx.many(
        "INSERT INTO order_lines(order_id, line_no, sku, qty) VALUES (?, ?, ?, ?)",
        [(order_id, n, line.sku, line.qty) for n, line in enumerate(msg.lines, start=1)],
    )
    ctx.tx.run(
        "INSERT INTO order_events(order_id, from_status, to_status, reason, actor, device, at)"
        " VALUES (?, NULL, 'received', 'intake', ?, ?, ?)",
        (order_id, o.actor, o.device, ctx.at),
    )
    if not reserve_order(ctx, order_id):
        set_status(ctx, order_id, Status.AWAITING_STOCK, o.actor, o.device, "not enough stock")
    else:
        from edge.picking import offer_work

        offer_work(ctx)
    ctx.emit(StateChanged("orders", str(order_id)))
    return {"order_id": order_id, "created": True}


def _bins_for(ctx: Ctx, sku: str, exclude: str | None = None) -> list[dict[str, Any]]:
    rows = ctx.tx.all(
        "SELECT bin, on_hand - reserved AS free FROM stock"
        " WHERE sku = ? AND on_hand > reserved AND bin IS NOT ?",
        (sku, exclude),
    )
    # Nearest the depot first: short trips (plan_sources prefers a bin covering the whole need).
    rows.sort(key=lambda r: (ctx.cat.walk_from_depot(r["bin"]), r["bin"]))
    return rows


def plan_sources(ctx: Ctx, sku: str, qty: int, exclude: str | None = None) -> list[tuple[str, int]]:
    """Bins (and quantities) that can serve qty of sku now; may cover less than qty."""
    rows = _bins_for(ctx, sku, exclude)
    whole = [r for r in rows if r["free"] >= qty]
    if whole:
        return [(whole[0]["bin"], qty)]
    out, need = [], qty
    for r in sorted(rows, key=lambda r: -r["free"]):
        take = min(need, r["free"])
        out.append((r["bin"], take))
        need -= take
        if need == 0:
            break
    return out


def reserve(ctx: Ctx, bin_label: str, sku: str, qty: int) -> None:
    ctx.tx.run(
        "UPDATE stock SET reserved = reserved + ? WHERE bin = ? AND sku = ?", (qty, bin_label, sku)
    )


def reserve_order(ctx: Ctx, order_id: int) -> bool:
    """Reserve every line from specific bins, all or nothing; False leaves stock untouched."""
    lines = ctx.tx.all(
        "SELECT line_no, sku, qty FROM order_lines WHERE order_id = ? ORDER BY line_no",
        (order_id,),
    )
    plans: list[tuple[int, str, list[tuple[str, int]]]] = []
    for line in lines:
        sources = plan_sources(ctx, line["sku"], line["qty"])
        if sum(q for _, q in sources) < line["qty"]:
            return False
        plans.append((line["line_no"], line["sku"], sources))
        for bin_label, q in sources:  # reserve as we go so two lines of one SKU do not share
            reserve(ctx, bin_label, line["sku"], q)
    for line_no, sku, sources in plans:
        for bin_label, q in sources:
            ctx.tx.run(
                "INSERT INTO tasks(order_id, line_no, bin, sku, qty) VALUES (?, ?, ?, ?, ?)",
                (order_id, line_no, bin_label, sku, q),
            )
    return True


def retry_awaiting(ctx: Ctx, actor: str, device: str) -> None:
    """Stock arrived: serve waiting orders in cut-off order."""
    from edge.core import set_status

    waiting = ctx.tx.all(
        "SELECT id FROM orders WHERE status = 'awaiting_stock' ORDER BY cutoff_at, paid_at, id"
    )
    served = False
    for row in waiting:
        if reserve_order(ctx, row["id"]):
            set_status(ctx, row["id"], Status.RECEIVED, actor, device, "stock available")
            served = True
    if served:
        from edge.picking import offer_work

        offer_work(ctx)


def adjust_stock(ctx: Ctx, msg: AdjustStock) -> None:
    if msg.bin_label not in ctx.cat.bins:
        raise DomainError(f"bin: unknown bin {msg.bin_label!r}", "invalid")
    if msg.sku not in ctx.cat.skus:
        raise DomainError(f"sku: unknown SKU {msg.sku!r}", "invalid")
    if msg.on_hand < 0:
        raise DomainError("on_hand: must be ≥ 0", "invalid")
    row = ctx.tx.one(
        "SELECT on_hand, reserved FROM stock WHERE bin = ? AND sku = ?", (msg.bin_label, msg.sku)
    )
    before, reserved = (row["on_hand"], row["reserved"]) if row else (0, 0)
    if msg.on_hand < reserved:
        raise DomainError(
            f"on_hand: {reserved} are reserved for orders in {msg.bin_label}; count those picks"
            " first or set at least that",
            "conflict",
        )
    ctx.tx.run(
        "INSERT INTO stock(bin, sku, on_hand) VALUES (?, ?, ?)"
        " ON CONFLICT(bin, sku) DO UPDATE SET on_hand = excluded.on_hand",
        (msg.bin_label, msg.sku, msg.on_hand),
    )
    o = msg.origin
    ctx.tx.run(
        "INSERT INTO stock_moves(bin, sku, delta, on_hand_after, reason, actor, device, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            msg.bin_label,
            msg.sku,
            msg.on_hand - before,
            msg.on_hand,
            msg.reason,
            o.actor,
            o.device,
            ctx.at,
        ),
    )
    retry_awaiting(ctx, o.actor, o.device)
    ctx.emit(StateChanged("stock", msg.bin_label))


def release_open_tasks(ctx: Ctx, order_id: int) -> None:
    """Give back the stock reserved for an order's unpicked tasks."""
    from edge import picking

    for t in ctx.tx.all(
        "SELECT id, bin, sku, qty, picked FROM tasks WHERE order_id = ? AND status = 'open'",
        (order_id,),
    ):
        ctx.tx.run(
            "UPDATE stock SET reserved = reserved - ? WHERE bin = ? AND sku = ?",
            (t["qty"] - t["picked"], t["bin"], t["sku"]),
        )
        ctx.tx.run("UPDATE tasks SET status = 'cancelled' WHERE id = ?", (t["id"],))
        picking.task_gone(ctx, t["id"])


def cancel(ctx: Ctx, msg: CancelOrder) -> None:
    from edge.core import set_status

    release_open_tasks(ctx, msg.order_id)
    set_status(ctx, msg.order_id, Status.CANCELLED, msg.origin.actor, msg.origin.device, msg.reason)


def override_hold(ctx: Ctx, msg: OverrideHold) -> None:
    """A supervisor sends an order on from hold to where its work stands."""
    from edge.core import set_status

    if not msg.reason.strip():
        raise DomainError("reason: an override needs a reason", "invalid")
    row = ctx.tx.one("SELECT status FROM orders WHERE id = ?", (msg.order_id,))
    if row is None:
        raise DomainError(f"order {msg.order_id} does not exist", "not_found")
    if row["status"] != Status.ON_HOLD:
        raise DomainError(f"order {msg.order_id} is {row['status']}, not on hold", "conflict")
    open_tasks = ctx.tx.value(
        "SELECT count(*) FROM tasks WHERE order_id = ? AND status = 'open'", (msg.order_id,)
    )
    parcels = ctx.tx.all("SELECT id, result FROM parcels WHERE order_id = ?", (msg.order_id,))
    if open_tasks:
        in_trip = ctx.tx.value(
            "SELECT count(*) FROM tasks WHERE order_id = ? AND status = 'open'"
            " AND trip_id IS NOT NULL",
            (msg.order_id,),
        )
        target = Status.PICKING if in_trip else Status.RECEIVED
    elif parcels and all(p["result"] in ("pass", "hold", "override") for p in parcels):
        ctx.tx.run(
            "UPDATE parcels SET result = 'override' WHERE order_id = ? AND result = 'hold'",
            (msg.order_id,),
        )
        target = Status.READY_TO_SHIP
    else:
        target = Status.PACKING
    set_status(
        ctx, msg.order_id, target, msg.origin.actor, msg.origin.device, f"override: {msg.reason}"
    )
    from edge.picking import resend_view

    # A pack station showing the held order shows it released.
    for sess in ctx.tx.all("SELECT device FROM sessions WHERE order_id = ?", (msg.order_id,)):
        resend_view(ctx, sess["device"])


def ship(ctx: Ctx, msg: ShipOrder) -> None:
    """Carrier hand-over; the feed record is appended in this same transaction."""
    from edge.core import set_status

    row = ctx.tx.one("SELECT status FROM orders WHERE id = ?", (msg.order_id,))
    if row is None:
        raise DomainError(f"order {msg.order_id} does not exist", "not_found")
    if row["status"] != Status.READY_TO_SHIP:
        raise DomainError(f"order {msg.order_id} is {row['status']}, not ready to ship", "conflict")
    if not msg.carrier.strip():
        raise DomainError("carrier: required", "invalid")
    parcels = {
        p["id"] for p in ctx.tx.all("SELECT id FROM parcels WHERE order_id = ?", (msg.order_id,))
    }
    given = {p.parcel_id for p in msg.parcels}
    if given != parcels:
        raise DomainError(
            f"parcels: give a tracking number for each parcel {sorted(parcels)}", "invalid"
        )
    for p in msg.parcels:
        if not p.tracking.strip():
            raise DomainError(f"parcels: parcel {p.parcel_id} needs a tracking number", "invalid")
        ctx.tx.run(
            "UPDATE parcels SET carrier = ?, tracking = ? WHERE id = ?",
            (msg.carrier, p.tracking, p.parcel_id),
        )
    o = msg.origin
    set_status(ctx, msg.order_id, Status.SHIPPED, o.actor, o.device, f"handed to {msg.carrier}")
    record = shipment_record(ctx, msg.order_id)
    ctx.tx.run(
        "INSERT INTO feed(order_id, shop_order_id, created_at, record) VALUES (?, ?, ?, ?)",
        (msg.order_id, record["shop_order_id"], ctx.at, json.dumps(record, sort_keys=True)),
    )
    ctx.emit(StateChanged("feed"))


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


def ack_feed(ctx: Ctx, msg: AckFeed) -> dict[str, Any]:
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
    ctx.emit(StateChanged("feed"))
    return {"consumer": msg.consumer, "acked_seq": acked, "pruned": pruned}
