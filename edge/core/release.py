"""Releasing orders to the floor: stock reserved from specific bins, all lines or none."""

from __future__ import annotations

from edge.core import stock, stockrules
from edge.core.context import Ctx, set_status
from edge.core.trips import offer_work
from edge.messages import Origin
from edge.model import Status


def release_order(ctx: Ctx, order_id: int) -> bool:
    """Reserve every line from specific bins and make its pick tasks; False (and stock left
    untouched) when some line cannot be served now."""
    lines = ctx.tx.all(
        "SELECT line_no, sku, qty FROM order_lines WHERE order_id = ? ORDER BY line_no",
        (order_id,),
    )
    plans: list[tuple[int, str, list[tuple[str, int]]]] = []
    for line in lines:
        sources = stock.plan_sources(ctx, line["sku"], line["qty"])
        if sum(q for _, q in sources) < line["qty"]:
            # Reserve may hold what no pick face has: the face gets a top-up.
            stockrules.wanted(ctx, line["sku"], line["qty"], Origin("system", ctx.now))
            # The savepoint of this message is not rolled back for a backorder: undo here.
            for _, sku, done in plans:
                for bin_label, q in done:
                    stock.unreserve(ctx, bin_label, sku, q)
            return False
        plans.append((line["line_no"], line["sku"], sources))
        for bin_label, q in sources:  # reserve as we go so two lines of one SKU do not share
            stock.reserve(ctx, bin_label, line["sku"], q)
    for line_no, sku, sources in plans:
        for bin_label, q in sources:
            ctx.tx.run(
                "INSERT INTO tasks(order_id, line_no, bin, sku, qty) VALUES (?, ?, ?, ?, ?)",
                (order_id, line_no, bin_label, sku, q),
            )
    return True


def release_waiting(ctx: Ctx, who: Origin) -> None:
    """Stock arrived: serve waiting orders, raised priority first, then in cut-off order."""
    waiting = ctx.tx.all(
        "SELECT id FROM orders WHERE status = 'awaiting_stock'"
        " ORDER BY priority DESC, cutoff_at, paid_at, id"
    )
    served = False
    for row in waiting:
        if release_order(ctx, row["id"]):
            set_status(ctx, row["id"], Status.RECEIVED, who, "stock available")
            served = True
    if served:
        offer_work(ctx)
