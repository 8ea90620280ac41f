"""Stock counts and receipts set by hand: a bin's on-hand quantity, then waiting orders."""

from __future__ import annotations

from edge.core import feed, stock
from edge.core.context import Ctx
from edge.core.release import release_waiting
from edge.messages import AdjustStock
from edge.model import DomainError


def adjust_stock(ctx: Ctx, msg: AdjustStock) -> None:
    if msg.bin_label not in ctx.cat.bins:
        raise DomainError(f"bin: unknown bin {msg.bin_label!r}", "invalid")
    if msg.sku not in ctx.cat.skus:
        raise DomainError(f"sku: unknown SKU {msg.sku!r}", "invalid")
    if msg.on_hand < 0:
        raise DomainError("on_hand: must be ≥ 0", "invalid")
    before = stock.on_hand(ctx, msg.bin_label, msg.sku) or 0
    stock.set_count(ctx, msg.bin_label, msg.sku, msg.on_hand, msg.reason, msg.origin, "on_hand")
    if msg.on_hand != before:
        # The shop's inventory follows the warehouse's: the change goes to the cloud feed.
        feed.append(
            ctx,
            "stock_adjustment",
            {
                "bin": msg.bin_label,
                "sku": msg.sku,
                "delta": msg.on_hand - before,
                "on_hand_after": msg.on_hand,
                "reason": msg.reason,
                "ref": "http",
                "actor": msg.origin.actor,
                "device": msg.origin.device,
                "at": ctx.at,
            },
        )
    release_waiting(ctx, msg.origin)
