"""Order use cases: intake, a supervisor's hold override, carrier hand-over."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from edge.core import feed, stockrules
from edge.core.context import Ctx, order_status, set_status
from edge.core.release import release_order
from edge.core.trips import offer_work
from edge.core.views import resend_view
from edge.messages import IntakeOrder, OverrideHold, ShipOrder
from edge.model import DomainError, Status, cutoff_for


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
    digest = _request_hash(msg)
    existing = ctx.tx.one(
        "SELECT id, request_hash, customer FROM orders WHERE shop_order_id = ?",
        (msg.shop_order_id,),
    )
    if existing is not None:
        # The same request is the same lines, times (the hash) and customer, field by field.
        if existing["request_hash"] != digest:
            raise DomainError(
                f"shop order {msg.shop_order_id!r} exists with other lines or times", "conflict"
            )
        if json.loads(existing["customer"]) != msg.customer:
            raise DomainError(
                f"customer: shop order {msg.shop_order_id!r} exists with another customer",
                "conflict",
            )
        verify = ctx.tx.value("SELECT verify_contents FROM orders WHERE id = ?", (existing["id"],))
        if bool(verify) != msg.verify_contents:
            raise DomainError(
                f"verify_contents: shop order {msg.shop_order_id!r} exists with another value",
                "conflict",
            )
        return {"order_id": existing["id"], "created": False}
    if not msg.lines:
        raise DomainError("lines: an order needs at least one line", "invalid")
    for i, line in enumerate(msg.lines):
        if line.sku not in ctx.cat.skus:
            raise DomainError(f"lines[{i}].sku: unknown SKU {line.sku!r}", "invalid")
        if line.qty < 1:
            raise DomainError(f"lines[{i}].qty: must be at least 1", "invalid")
    if msg.carrier is not None and msg.carrier not in {c.id for c in ctx.cat.description.carriers}:
        raise DomainError(f"carrier: unknown carrier {msg.carrier!r}", "invalid")
    cutoff = msg.cutoff_at or cutoff_for(msg.paid_at, ctx.cat.timezone, ctx.cat.cutoff)
    who = msg.origin
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
    if msg.carrier is not None:  # its parcels' labels name this carrier (edge.core.labelling)
        ctx.tx.run("UPDATE orders SET carrier = ? WHERE id = ?", (msg.carrier, order_id))
    if msg.verify_contents:  # every unit is scanned into its parcel (edge.core.packcheck)
        ctx.tx.run("UPDATE orders SET verify_contents = 1 WHERE id = ?", (order_id,))
    ctx.tx.run(
        "INSERT INTO order_events(order_id, from_status, to_status, reason, actor, device, at)"
        " VALUES (?, NULL, 'received', 'intake', ?, ?, ?)",
        (order_id, who.actor, who.device, ctx.at),
    )
    if release_order(ctx, order_id):
        offer_work(ctx)
    else:
        set_status(ctx, order_id, Status.AWAITING_STOCK, who, "not enough stock")
        stockrules.refresh_priorities(ctx, order_id)
    ctx.changed()
    return {"order_id": order_id, "created": True}


def override_hold(ctx: Ctx, msg: OverrideHold) -> None:
    """A supervisor sends an order on from hold to where its work stands."""
    if not msg.reason.strip():
        raise DomainError("reason: an override needs a reason", "invalid")
    status = order_status(ctx.tx, msg.order_id)
    if status != Status.ON_HOLD:
        raise DomainError(f"order {msg.order_id} is {status}, not on hold", "conflict")
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
    set_status(ctx, msg.order_id, target, msg.origin, f"override: {msg.reason}")
    # A pack station showing the held order shows it released.
    for sess in ctx.tx.all("SELECT device FROM sessions WHERE order_id = ?", (msg.order_id,)):
        resend_view(ctx, sess["device"])


def ship(ctx: Ctx, msg: ShipOrder) -> None:
    """Carrier hand-over; the feed record is appended in this same transaction. A parcel
    with a label keeps its carrier and tracking number (a typed one must be the same);
    any other parcel needs a typed number (a `manual` carrier, or a site without labels)."""
    status = order_status(ctx.tx, msg.order_id)
    if status != Status.READY_TO_SHIP:
        raise DomainError(f"order {msg.order_id} is {status}, not ready to ship", "conflict")
    carrier = (msg.carrier or "").strip()
    rows = ctx.tx.all(
        "SELECT id, carrier, tracking, sscc FROM parcels WHERE order_id = ? ORDER BY n",
        (msg.order_id,),
    )
    typed = {p.parcel_id: (p.tracking or "").strip() for p in msg.parcels}
    if set(typed) - {r["id"] for r in rows}:
        raise DomainError(
            f"parcels: give a tracking number for each parcel {sorted(r['id'] for r in rows)}"
            " (and only those)",
            "invalid",
        )
    for r in rows:
        number = typed.get(r["id"], "")
        if r["sscc"] is not None and r["tracking"]:
            if number and number != r["tracking"]:
                raise DomainError(
                    f"parcels: parcel {r['id']} carries the label's tracking number"
                    f" {r['tracking']}, not {number}",
                    "invalid",
                )
            continue
        if not number:
            missing = [x["id"] for x in rows if not (x["sscc"] and x["tracking"])]
            raise DomainError(
                f"parcels: give a tracking number for each parcel {missing}", "invalid"
            )
        if not (carrier or r["carrier"]):
            raise DomainError("carrier: required", "invalid")
        ctx.tx.run(
            "UPDATE parcels SET carrier = ?, tracking = ? WHERE id = ?",
            (carrier or r["carrier"], number, r["id"]),
        )
    carriers = sorted({str(x["carrier"]) for x in rows if x["carrier"]} | ({carrier} - {""}))
    set_status(ctx, msg.order_id, Status.SHIPPED, msg.origin, f"handed to {', '.join(carriers)}")
    feed.append_shipment(ctx, msg.order_id)
