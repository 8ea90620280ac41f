"""Packing: order scan at a station, the suggested boxes, and the parcel weight check."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from edge.messages import DeviceError, StateChanged, WeightMeasured
from edge.model import DomainError, Item, Status, expected_weight, suggest_boxes, weight_passes

if TYPE_CHECKING:
    from edge.core import Ctx

ORDER_CODE = re.compile(r"^ORD-(\d+)$")


def order_code(order_id: int) -> str:
    """The code printed on the pick list / tote label that a packer scans."""
    return f"ORD-{order_id}"


def _order_from_code(ctx: Ctx, code: str) -> dict[str, Any]:
    m = ORDER_CODE.match(code)
    if m:
        row = ctx.tx.one("SELECT * FROM orders WHERE id = ?", (int(m.group(1)),))
    else:  # the shop's own order number also works
        row = ctx.tx.one("SELECT * FROM orders WHERE shop_order_id = ?", (code,))
    if row is None:
        raise DomainError(f"no order {code!r}: scan the order code on the tote (ORD-…)")
    return row


def on_pack_scan(ctx: Ctx, sess: dict[str, Any], code: str) -> None:
    from edge.core import set_status
    from edge.picking import resend_view

    device = sess["device"]
    station = ctx.cat.devices[device].station
    if station is None:
        raise DomainError("this scanner is not at a pack station")
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
        who = ctx.cat.staff.get(elsewhere["badge"])
        raise DomainError(
            f"order {oid} is being packed at {elsewhere['station']}"
            f" by {who.name if who else elsewhere['badge']}",
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
        set_status(ctx, oid, Status.PACKING, sess["badge"], device, "re-weigh")
    elif status != Status.PACKING:
        raise DomainError(f"order {oid} is {status.replace('_', ' ')}, not waiting for packing")
    if not ctx.tx.value("SELECT count(*) FROM parcels WHERE order_id = ?", (oid,)):
        _create_parcels(ctx, oid, station, sess["badge"], device)
    ctx.tx.run(
        "UPDATE parcels SET station = ?, packer = ?, device = ? WHERE order_id = ?"
        " AND result = 'waiting'",
        (station, sess["badge"], device, oid),
    )
    ctx.tx.run("UPDATE sessions SET stage = 'weight', order_id = ? WHERE device = ?", (oid, device))
    ctx.emit(StateChanged("packing", str(oid)))
    resend_view(ctx, device)
    refresh_queues(ctx)


def refresh_queues(ctx: Ctx) -> None:
    """Stations waiting for an order show the queue as it is now (one was taken, or came)."""
    from edge.picking import resend_view

    for sess in ctx.tx.all("SELECT device FROM sessions WHERE role = 'packer' AND stage = 'order'"):
        resend_view(ctx, sess["device"])


def _create_parcels(ctx: Ctx, order_id: int, station: str, packer: str, device: str) -> None:
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
                packer,
                device,
            ),
        )


def on_weight(ctx: Ctx, msg: WeightMeasured) -> None:
    from edge.core import set_status
    from edge.picking import resend_view

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
    from edge.model import WeightExpectation

    exp = WeightExpectation(parcel["expected_g"], parcel["tolerance_g"], parcel["lightest_g"])
    ok = weight_passes(exp, msg.grams)
    ctx.tx.run(
        "UPDATE parcels SET measured_g = ?, result = ?, weighed_at = ?, scale = ? WHERE id = ?",
        (msg.grams, "pass" if ok else "hold", ctx.at, msg.device_id, parcel["id"]),
    )
    packer = sess["badge"]
    if not ok:
        set_status(
            ctx,
            oid,
            Status.ON_HOLD,
            packer,
            msg.device_id,
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
        set_status(ctx, oid, Status.READY_TO_SHIP, packer, msg.device_id, "weight ok")
        _back_to_queue(ctx, sess["device"])
    ctx.tx.run("UPDATE sessions SET order_id = ? WHERE device = ?", (oid, sess["device"]))
    ctx.emit(StateChanged("packing", str(oid)))
    resend_view(ctx, sess["device"])


def _back_to_queue(ctx: Ctx, device: str) -> None:
    ctx.tx.run("UPDATE sessions SET stage = 'order' WHERE device = ?", (device,))


def parcel_views(ctx: Ctx, order_id: int) -> list[dict[str, Any]]:
    rows = ctx.tx.all(
        "SELECT id, n, box_type, expected_g, tolerance_g, lightest_g, measured_g, result"
        " FROM parcels WHERE order_id = ? ORDER BY n",
        (order_id,),
    )
    return [
        {
            "parcel_id": r["id"],
            "n": r["n"],
            "box": r["box_type"],
            "expected_g": r["expected_g"],
            "tolerance_g": r["tolerance_g"],
            "measured_g": r["measured_g"],
            "state": r["result"],
            # The scale cannot see this item missing; its scan vouches for it.
            "scale_blind_to_lightest_item": r["lightest_g"] <= r["tolerance_g"],
        }
        for r in rows
    ]


def view(ctx: Ctx, sess: dict[str, Any]) -> dict[str, Any]:
    station = ctx.cat.devices[sess["device"]].station
    if sess["stage"] == "weight" and sess["order_id"] is not None:
        return {
            "screen": "pack_weigh",
            "expect": "weight",
            "order_id": sess["order_id"],
            "station": station,
            "parcels": parcel_views(ctx, sess["order_id"]),
            "message": "Pack into the suggested box and put it on the scale",
        }
    queue = ctx.tx.all(
        "SELECT id FROM orders WHERE status = 'packing' AND id NOT IN"
        " (SELECT order_id FROM sessions WHERE stage = 'weight' AND order_id IS NOT NULL)"
        " ORDER BY cutoff_at, paid_at, id LIMIT 10"
    )
    out: dict[str, Any] = {
        "screen": "pack_order",
        "expect": "order",
        "station": station,
        "queue": [{"order_id": r["id"], "code": order_code(r["id"])} for r in queue],
        "message": "Scan the order code on the tote",
    }
    last = sess["order_id"]
    if last is not None:
        order = ctx.tx.one("SELECT status, hold_reason FROM orders WHERE id = ?", (last,))
        assert order is not None
        out["last"] = {
            "order_id": last,
            "status": order["status"],
            "hold_reason": order["hold_reason"],
            "parcels": parcel_views(ctx, last),
        }
    return out
