"""Loading a warehouse description: one site, recorded with who and when, stock kept valid."""

from __future__ import annotations

from edge.catalog import description_digest
from edge.core import stock
from edge.core.context import Ctx
from edge.messages import LoadWarehouse
from edge.model import DomainError
from edge.warehouse import WarehouseDescription


def load_warehouse(ctx: Ctx, msg: LoadWarehouse) -> None:
    """Store the description (the catalog is read from it) and the keys other tables
    reference; set the stock lines that differ from the store."""
    desc: WarehouseDescription = msg.description
    tx = ctx.tx
    # A store serves one site: its topics, feed and pages say that site's id, so a
    # description of another site is refused (the start-up check keeps the config's site
    # and the first description the same).
    stored = tx.value("SELECT json_extract(value, '$.site.id') FROM meta WHERE key = 'warehouse'")
    if stored is not None and stored != desc.site.id:
        raise DomainError(
            f"site.id: {desc.site.id!r} is not this service's site {stored!r}", "invalid"
        )
    text = desc.model_dump_json()
    tx.run(
        "INSERT INTO meta(key, value) VALUES ('warehouse', ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (text,),
    )
    # Which description was in force when, and who loaded it; its hash keys the catalog.
    tx.run(
        "INSERT INTO warehouse_loads(sha256, actor, device, at) VALUES (?, ?, ?, ?)",
        (description_digest(desc), msg.origin.actor, msg.origin.device, ctx.at),
    )
    tx.many("INSERT OR IGNORE INTO skus(sku) VALUES (?)", [(s.sku,) for s in desc.skus])
    tx.many("INSERT OR IGNORE INTO bins(label) VALUES (?)", [(b.label,) for b in desc.bins])
    tx.many(
        "INSERT INTO devices(id, kind, station) VALUES (?, ?, ?)"
        " ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, station = excluded.station",
        [(d.id, d.kind, d.station) for d in desc.devices],
    )
    for i, line in enumerate(desc.stock):
        if stock.on_hand(ctx, line.bin, line.sku) != line.qty:
            stock.set_count(
                ctx,
                line.bin,
                line.sku,
                line.qty,
                "warehouse description",
                msg.origin,
                f"stock[{i}]",
            )
    ctx.changed()
