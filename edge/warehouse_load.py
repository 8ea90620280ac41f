"""Applies a validated warehouse description to the store (upserts; stock never below reserved)."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from edge.messages import LoadWarehouse, StateChanged
from edge.model import DomainError
from edge.warehouse import WarehouseDescription

if TYPE_CHECKING:
    from edge.core import Ctx


def load(ctx: Ctx, msg: LoadWarehouse) -> None:
    desc: WarehouseDescription = msg.description
    tx, o = ctx.tx, msg.origin
    text = desc.model_dump_json()
    tx.run(
        "INSERT INTO meta(key, value) VALUES ('warehouse', ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (text,),
    )
    # Which description was in force when, and who loaded it.
    tx.run(
        "INSERT INTO warehouse_loads(sha256, actor, device, at) VALUES (?, ?, ?, ?)",
        (hashlib.sha256(text.encode()).hexdigest(), o.actor, o.device, ctx.at),
    )
    tx.many(
        "INSERT INTO skus(sku, name, unit_weight_g, weight_sd_g, dims_mm) VALUES (?,?,?,?,?)"
        " ON CONFLICT(sku) DO UPDATE SET name = excluded.name,"
        " unit_weight_g = excluded.unit_weight_g, weight_sd_g = excluded.weight_sd_g,"
        " dims_mm = excluded.dims_mm",
        [
            (s.sku, s.name, s.unit_weight_g, s.weight_sd_g, json.dumps(list(s.dims_mm)))
            for s in desc.skus
        ],
    )
    tx.run("DELETE FROM gtins")
    tx.many(
        "INSERT INTO gtins(gtin14, sku) VALUES (?, ?)",
        [(g, s.sku) for s in desc.skus for g in s.gtins],
    )
    lights = {slot: d.id for d in desc.devices for slot in d.slots}
    tx.many(
        "INSERT INTO bins(label, light_device) VALUES (?, ?)"
        " ON CONFLICT(label) DO UPDATE SET light_device = excluded.light_device",
        [(b.label, lights.get(b.label)) for b in desc.bins],
    )
    tx.many(
        "INSERT INTO devices(id, kind, station, resolution_g) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, station = excluded.station,"
        " resolution_g = excluded.resolution_g",
        [(d.id, d.kind, d.station, d.resolution_g) for d in desc.devices],
    )
    tx.run("DELETE FROM staff")
    tx.many(
        "INSERT INTO staff(badge, name, role, color) VALUES (?, ?, ?, ?)",
        [(s.badge, s.name, s.role, s.color) for s in desc.staff],
    )
    tx.run("DELETE FROM box_types")
    tx.many(
        "INSERT INTO box_types(id, inner_mm, tare_g, max_load_g) VALUES (?, ?, ?, ?)",
        [(b.id, json.dumps(list(b.inner_mm)), b.tare_g, b.max_load_g) for b in desc.box_types],
    )
    tx.run("DELETE FROM pack_stations")
    tx.many(
        "INSERT INTO pack_stations(id, name) VALUES (?, ?)",
        [(p.id, p.name or p.id) for p in desc.pack_stations],
    )
    for i, line in enumerate(desc.stock):
        row = tx.one(
            "SELECT on_hand, reserved FROM stock WHERE bin = ? AND sku = ?", (line.bin, line.sku)
        )
        if row is not None and row["on_hand"] == line.qty:
            continue
        if row is not None and line.qty < row["reserved"]:
            raise DomainError(
                f"stock[{i}]: {line.bin} holds {row['reserved']} of {line.sku} reserved"
                f" for orders; cannot set {line.qty}",
                "conflict",
            )
        before = row["on_hand"] if row else 0
        tx.run(
            "INSERT INTO stock(bin, sku, on_hand) VALUES (?, ?, ?)"
            " ON CONFLICT(bin, sku) DO UPDATE SET on_hand = excluded.on_hand",
            (line.bin, line.sku, line.qty),
        )
        tx.run(
            "INSERT INTO stock_moves(bin, sku, delta, on_hand_after, reason, actor, device, at)"
            " VALUES (?, ?, ?, ?, 'warehouse description', ?, ?, ?)",
            (line.bin, line.sku, line.qty - before, line.qty, o.actor, o.device, ctx.at),
        )
    ctx.emit(StateChanged("warehouse"))
