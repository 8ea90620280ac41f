"""Packing: the order scan at a station, the suggested boxes, and the parcel weight check."""

from __future__ import annotations

import json
from typing import Any

from edge.core.context import Ctx, set_status
from edge.core.views import refresh_pack_queues, resend_view
from edge.messages import DeviceError, Origin, ScanRead, WeightMeasured
from edge.model import (
    ORDER_CODE,
    DomainError,
    Item,
    Status,
    WeightExpectation,
    expected_weight,
    suggest_boxes,
    weight_passes,
)


def _order_from_code(ctx: Ctx, code: str) -> dict[str, Any]:
    m = ORDER_CODE.match(code)
    if m:
        row = ctx.tx.one("SELECT * FROM orders WHERE id = ?", (int(m.group(1)),))
    else:  # the shop's own order number also works
        row = ctx.tx.one("SELECT * FROM orders WHERE shop_order_id = ?", (code,))
    if row is None:
        raise DomainError(f"no order {code!r}: scan the order code on the tote (ORD-…)")
    return row


def on_pack_scan(ctx: Ctx, msg: ScanRead, sess: dict[str, Any], code: str) -> None:
    """A packer scans an order: its parcels (boxes suggested) wait for the station's scale."""
    device = sess["device"]
    station = ctx.cat.station_of(device)
    if station is None:
        raise DomainError("this scanner is not at a pack station")
    who = msg.origin(sess["badge"])
    order = _order_from_code(ctx, code)
    oid = order["id"]
    status = order["status"]
    elsewhere = ctx.tx.one(
        "SELECT s.badge, d.station FROM sessions s JOIN devices d ON d.id = s.device"
        " WHERE s.order_id = ? AND s.stage = 'weight' AND s.device != ?",
        (oid, device),
    )
    if elsewhere is not None:
        # Two stations packing one order would weigh one box against the other's parcels.
        raise DomainError(
            f"order {oid} is being packed at {elsewhere['station']}"
            f" by {ctx.cat.staff_name(elsewhere['badge'])}",
            "in_use",
        )
    if status == Status.ON_HOLD and ctx.tx.value(
        "SELECT count(*) FROM parcels WHERE order_id = ? AND result = 'hold'", (oid,)
    ):
        # The packer fixed the parcel: weigh it again.
        ctx.tx.run(
            "UPDATE parcels SET result = 'waiting', measured_g = NULL"
            " WHERE order_id = ? AND result = 'hold'",
            (oid,),
        )
        set_status(ctx, oid, Status.PACKING, who, "re-weigh")
    elif status != Status.PACKING:
        raise DomainError(f"order {oid} is {status.replace('_', ' ')}, not waiting for packing")
    if not ctx.tx.value("SELECT count(*) FROM parcels WHERE order_id = ?", (oid,)):
        _create_parcels(ctx, oid, station, who)
    ctx.tx.run(
        "UPDATE parcels SET station = ?, packer = ?, device = ? WHERE order_id = ?"
        " AND result = 'waiting'",
        (station, who.actor, device, oid),
    )
    ctx.tx.run("UPDATE sessions SET stage = 'weight', order_id = ? WHERE device = ?", (oid, device))
    ctx.changed()
    resend_view(ctx, device)
    refresh_pack_queues(ctx)


def _create_parcels(ctx: Ctx, order_id: int, station: str, who: Origin) -> None:
    items: list[Item] = []
    for line in ctx.tx.all(
        "SELECT sku, picked FROM order_lines WHERE order_id = ? ORDER BY line_no", (order_id,)
    ):
        items += [ctx.cat.skus[line["sku"]].item()] * line["picked"]
    if not items:
        raise DomainError(f"order {order_id} has no picked items to pack")
    scale = ctx.cat.scale_of_station.get(station)
    resolution = ctx.cat.devices[scale].resolution_g if scale else 1
    for n, (box, content) in enumerate(suggest_boxes(items, ctx.cat.boxes), start=1):
        exp = expected_weight(
            content, box, resolution, ctx.cfg.weight_floor_g, ctx.cfg.box_tare_sd_g
        )
        counts: dict[str, int] = {}
        for item in content:
            counts[item.sku] = counts.get(item.sku, 0) + 1
        ctx.tx.run(
            "INSERT INTO parcels(order_id, n, station, box_type, contents, expected_g,"
            " tolerance_g, lightest_g, packer, device) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                order_id,
                n,
                station,
                box.id,
                json.dumps(counts, sort_keys=True),
                exp.expected_g,
                exp.tolerance_g,
                exp.lightest_item_g,
                who.actor,
                who.device,
            ),
        )


def on_weight(ctx: Ctx, msg: WeightMeasured) -> None:
    """The station's scale settled: the waiting parcel passes or the order goes on hold."""
    dev = ctx.cat.devices[msg.device_id]
    if dev.kind != "scale" or dev.station is None:
        raise DomainError(f"{msg.device_id} is not a pack-station scale", "unknown")
    sess = ctx.tx.one(
        "SELECT s.* FROM sessions s JOIN devices d ON d.id = s.device"
        " WHERE d.station = ? AND s.stage = 'weight'",
        (dev.station,),
    )
    if sess is None:
        raise DomainError(f"no parcel is waiting to be weighed at {dev.station}")
    oid = sess["order_id"]
    parcel = ctx.tx.one(
        "SELECT * FROM parcels WHERE order_id = ? AND result = 'waiting' ORDER BY n LIMIT 1",
        (oid,),
    )
    if parcel is None:
        raise DomainError(f"order {oid} has no parcel waiting for its weight")
    exp = WeightExpectation(parcel["expected_g"], parcel["tolerance_g"], parcel["lightest_g"])
    ok = weight_passes(exp, msg.grams)
    ctx.tx.run(
        "UPDATE parcels SET measured_g = ?, result = ?, weighed_at = ?, scale = ? WHERE id = ?",
        (msg.grams, "pass" if ok else "hold", ctx.at, msg.device_id, parcel["id"]),
    )
    # The packer's decision, made on the scale.
    who = msg.origin(sess["badge"])
    if not ok:
        set_status(
            ctx,
            oid,
            Status.ON_HOLD,
            who,
            f"weight: parcel {parcel['n']} expected {exp.expected_g} g ± {exp.tolerance_g} g,"
            f" measured {msg.grams} g",
        )
        ctx.emit(
            DeviceError(
                sess["device"],
                "scanner",
                msg.msg_id,
                f"parcel {parcel['n']} held: weight off",
                "weight_hold",
            )
        )
        _back_to_queue(ctx, sess["device"])
    elif not ctx.tx.value(
        "SELECT count(*) FROM parcels WHERE order_id = ? AND result IN ('waiting', 'hold')",
        (oid,),
    ):
        set_status(ctx, oid, Status.READY_TO_SHIP, who, "weight ok")
        _back_to_queue(ctx, sess["device"])
    ctx.tx.run("UPDATE sessions SET order_id = ? WHERE device = ?", (oid, sess["device"]))
    ctx.changed()
    resend_view(ctx, sess["device"])


def _back_to_queue(ctx: Ctx, device: str) -> None:
    ctx.tx.run("UPDATE sessions SET stage = 'order' WHERE device = ?", (device,))
