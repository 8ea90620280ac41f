"""Stock counts and receipts set by hand: a bin's on-hand quantity, then waiting orders."""

from __future__ import annotations

from edge.core import stock
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
    stock.set_count(ctx, msg.bin_label, msg.sku, msg.on_hand, msg.reason, msg.origin, "on_hand")
    release_waiting(ctx, msg.origin)
