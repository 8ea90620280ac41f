"""Stock per bin: every write to `stock` and its audit trail `stock_moves` happens here."""

from __future__ import annotations

from typing import Any

from edge.core.context import Ctx
from edge.messages import Origin
from edge.model import DomainError


def free_bins(ctx: Ctx, sku: str, exclude: str | None = None) -> list[dict[str, Any]]:
    """Pick faces holding unreserved units of sku, nearest the depot first (short trips).
    Reserve bins are not picked from: replenishment brings their stock to a pick face."""
    rows = ctx.tx.all(
        "SELECT bin, on_hand - reserved AS free FROM stock"
        " WHERE sku = ? AND on_hand > reserved AND bin IS NOT ?",
        (sku, exclude),
    )
    rows = [r for r in rows if r["bin"] not in ctx.cat.reserve_bins]
    rows.sort(key=lambda r: (ctx.cat.walk_from_depot(r["bin"]), r["bin"]))
    return rows


def plan_sources(ctx: Ctx, sku: str, qty: int, exclude: str | None = None) -> list[tuple[str, int]]:
    """Bins (and quantities) that can serve qty of sku now; may cover less than qty. One bin
    covering the whole need is preferred; otherwise the fullest bins first."""
    rows = free_bins(ctx, sku, exclude)
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


def unreserve(ctx: Ctx, bin_label: str, sku: str, qty: int) -> None:
    ctx.tx.run(
        "UPDATE stock SET reserved = reserved - ? WHERE bin = ? AND sku = ?", (qty, bin_label, sku)
    )


def take(ctx: Ctx, bin_label: str, sku: str, qty: int, order_id: int, who: Origin) -> None:
    """Reserved units picked from a bin for an order."""
    ctx.tx.run(
        "UPDATE stock SET on_hand = on_hand - ?, reserved = reserved - ? WHERE bin = ? AND sku = ?",
        (qty, qty, bin_label, sku),
    )
    _move(ctx, bin_label, sku, -qty, f"pick for order {order_id}", order_id, who)


def empty(ctx: Ctx, bin_label: str, sku: str, reason: str, order_id: int, who: Origin) -> None:
    """A picker found the bin empty: the count becomes zero (reservations released first)."""
    left = ctx.tx.value("SELECT on_hand FROM stock WHERE bin = ? AND sku = ?", (bin_label, sku))
    ctx.tx.run("UPDATE stock SET on_hand = 0 WHERE bin = ? AND sku = ?", (bin_label, sku))
    _move(ctx, bin_label, sku, -(left or 0), f"count correction: {reason}", order_id, who)


def put(ctx: Ctx, bin_label: str, sku: str, qty: int, reason: str, who: Origin, ref: str) -> None:
    """Units put into a bin (a put-away, a replenishment's arrival, a return)."""
    ctx.tx.run(
        "INSERT INTO stock(bin, sku, on_hand) VALUES (?, ?, ?)"
        " ON CONFLICT(bin, sku) DO UPDATE SET on_hand = on_hand + excluded.on_hand",
        (bin_label, sku, qty),
    )
    _move(ctx, bin_label, sku, qty, reason, None, who, ref)


def remove(
    ctx: Ctx, bin_label: str, sku: str, qty: int, reason: str, who: Origin, ref: str
) -> None:
    """Units taken out of a bin for a move (a replenishment's departure, a count)."""
    ctx.tx.run(
        "UPDATE stock SET on_hand = on_hand - ? WHERE bin = ? AND sku = ?", (qty, bin_label, sku)
    )
    _move(ctx, bin_label, sku, -qty, reason, None, who, ref)


def on_hand(ctx: Ctx, bin_label: str, sku: str) -> int | None:
    """Units of sku in a bin, or None when the bin never held it."""
    value = ctx.tx.value("SELECT on_hand FROM stock WHERE bin = ? AND sku = ?", (bin_label, sku))
    return int(value) if value is not None else None


def set_count(
    ctx: Ctx, bin_label: str, sku: str, count: int, reason: str, who: Origin, where: str
) -> None:
    """A count, receipt or description sets a bin's on-hand quantity (a count that confirms
    the number is recorded too); never below what is reserved for orders. `where` names the
    field for the refusal."""
    row = ctx.tx.one(
        "SELECT on_hand, reserved FROM stock WHERE bin = ? AND sku = ?", (bin_label, sku)
    )
    before, reserved = (row["on_hand"], row["reserved"]) if row else (0, 0)
    if count < reserved:
        raise DomainError(
            f"{where}: {reserved} of {sku} are reserved for orders in {bin_label};"
            f" count those picks first or set at least that",
            "conflict",
        )
    ctx.tx.run(
        "INSERT INTO stock(bin, sku, on_hand) VALUES (?, ?, ?)"
        " ON CONFLICT(bin, sku) DO UPDATE SET on_hand = excluded.on_hand",
        (bin_label, sku, count),
    )
    _move(ctx, bin_label, sku, count - before, reason, None, who)


def row(ctx: Ctx, bin_label: str, sku: str) -> tuple[int, int]:
    """(on_hand, reserved) of sku in a bin; (0, 0) when it never held it."""
    found = ctx.tx.one(
        "SELECT on_hand, reserved FROM stock WHERE bin = ? AND sku = ?", (bin_label, sku)
    )
    return (found["on_hand"], found["reserved"]) if found else (0, 0)


def _move(
    ctx: Ctx,
    bin_label: str,
    sku: str,
    delta: int,
    reason: str,
    order_id: int | None,
    who: Origin,
    ref: str | None = None,
) -> None:
    after = ctx.tx.value("SELECT on_hand FROM stock WHERE bin = ? AND sku = ?", (bin_label, sku))
    ctx.tx.run(
        "INSERT INTO stock_moves(bin, sku, delta, on_hand_after, reason, order_id, actor, device,"
        " at, ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (bin_label, sku, delta, after, reason, order_id, who.actor, who.device, ctx.at, ref),
    )
    ctx.changed()
