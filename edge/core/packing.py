"""Packing: the order scan at a station, the suggested boxes, and the parcel weight check."""

from __future__ import annotations

import json
from typing import Any

from edge.core import labelling, packcheck
from edge.core.context import Ctx, set_status
from edge.core.packviews import stage_for
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

# The stages of a packer with an order open: its parcels' contents scanned, then weighed.
PACKING_STAGES = ("contents", "weight")

# What a held parcel's packer does next, in the words of an MQTT scanner's error line.
HOLD_STEPS = {
    packcheck.RE_WEIGH: "put it on the scale again: scan the order to re-weigh",
    packcheck.SCAN_CONTENTS: "open it: scan the order, then each item in it",
    packcheck.SUPERVISOR: "call a supervisor",
}


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
    if sess["stage"] in PACKING_STAGES and packcheck.on_item_scan(ctx, sess, code, who):
        ctx.changed()
        resend_view(ctx, device)
        return
    order = _order_from_code(ctx, code)
    oid = order["id"]
    status = order["status"]
    elsewhere = ctx.tx.one(
        "SELECT s.badge, d.station FROM sessions s JOIN devices d ON d.id = s.device"
        " WHERE s.order_id = ? AND s.stage IN ('contents', 'weight') AND s.device != ?",
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
        # The packer fixed the parcel: weigh it again (opened: scan what is in it first).
        packcheck.reopen_held(ctx, oid)
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
    ctx.tx.run(
        "UPDATE sessions SET stage = ?, order_id = ? WHERE device = ?",
        (stage_for(ctx.tx, oid), oid, device),
    )
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
    verify_all = bool(ctx.tx.value("SELECT verify_contents FROM orders WHERE id = ?", (order_id,)))
    weights = {sku: info.unit_weight_g for sku, info in ctx.cat.skus.items()}
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
            " tolerance_g, lightest_g, packer, device, must_scan)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
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
                json.dumps(packcheck.items_to_scan(counts, weights, exp.tolerance_g, verify_all)),
            ),
        )


def on_weight(ctx: Ctx, msg: WeightMeasured) -> None:
    """The station's scale settled: the waiting parcel passes or the order goes on hold."""
    dev = ctx.cat.devices[msg.device_id]
    if dev.kind != "scale" or dev.station is None:
        raise DomainError(f"{msg.device_id} is not a pack-station scale", "unknown")
    sess = ctx.tx.one(
        "SELECT s.* FROM sessions s JOIN devices d ON d.id = s.device"
        " WHERE d.station = ? AND s.stage IN ('contents', 'weight')",
        (dev.station,),
    )
    if sess is None:
        raise DomainError(f"no parcel is waiting to be weighed at {dev.station}")
    oid = sess["order_id"]
    if sess["stage"] == "contents":
        raise packcheck.contents_first(ctx, oid, msg.grams)
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
    if ok:  # its label: numbers issued now, printed after the commit
        labelling.label_parcel(ctx, parcel["id"], who)
    if not ok:
        step = packcheck.record_hold(ctx, parcel, msg.grams)
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
                f"parcel {parcel['n']} held: {msg.grams - exp.expected_g:+d} g; {HOLD_STEPS[step]}",
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
    else:  # the next parcel may need its contents scanned first
        ctx.tx.run(
            "UPDATE sessions SET stage = ? WHERE device = ?",
            (stage_for(ctx.tx, oid), sess["device"]),
        )
    ctx.tx.run("UPDATE sessions SET order_id = ? WHERE device = ?", (oid, sess["device"]))
    ctx.changed()
    resend_view(ctx, sess["device"])


def weight_refused(ctx: Ctx, msg: WeightMeasured, err: DomainError) -> None:
    """A weight refused because the contents are not scanned yet: the packer's scanner says
    what to scan (the scale, which has no screen, only gets the error)."""
    station = ctx.cat.station_of(msg.device_id)
    if err.code != "contents_first" or station is None:
        return
    for sess in ctx.tx.all(
        "SELECT s.device FROM sessions s JOIN devices d ON d.id = s.device"
        " WHERE d.station = ? AND s.stage = 'contents'",
        (station,),
    ):
        ctx.emit(DeviceError(sess["device"], "scanner", msg.msg_id, str(err), err.code))
        resend_view(ctx, sess["device"], error=err)


def _back_to_queue(ctx: Ctx, device: str) -> None:
    ctx.tx.run("UPDATE sessions SET stage = 'order' WHERE device = ?", (device,))
