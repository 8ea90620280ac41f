"""What a scanner's screen shows: the whole view, built from the store (MQTT and the page)."""

from __future__ import annotations

from typing import Any

from edge.catalog import Catalog
from edge.core.context import Ctx, Reader, session_of
from edge.core.labelviews import parcel_label
from edge.core.packviews import current_parcel, parcel_contents, still_to_scan
from edge.core.returnviews import return_view
from edge.core.stockviews import modes_for, stock_view
from edge.messages import ScannerView
from edge.model import DomainError, order_code

# How many orders a pack station's screen lists, most urgent first.
PACK_QUEUE_LENGTH = 10


def resend_view(ctx: Ctx, device: str, error: DomainError | None = None) -> None:
    """Send a scanner its current screen (after a change, a refusal, or when it came back)."""
    if ctx.cat.kind_of(device) != "scanner":
        return
    view = view_for(ctx.tx, ctx.cat, device)
    if error is not None:
        # The text for simple screens; the code and details for screens that translate it.
        view = {
            **view,
            "error": str(error),
            "error_code": error.code,
            "error_details": error.details,
        }
    ctx.emit(ScannerView(device, view))


def refresh_work_lists(ctx: Ctx) -> None:
    """Floor workers choosing their next task see the lists that changed, once per message
    (a device already sent its screen by this message is not sent it twice)."""
    if not ctx.lists:
        return
    sent = {e.device_id for e in ctx.effects if isinstance(e, ScannerView)}
    marks = ", ".join("?" * len(ctx.lists))
    for row in ctx.tx.all(
        f"SELECT device FROM sessions WHERE mode IN ({marks}) AND work_id IS NULL",
        tuple(sorted(ctx.lists)),
    ):
        if row["device"] not in sent:
            resend_view(ctx, row["device"])
    ctx.lists.clear()


def refresh_pack_queues(ctx: Ctx) -> None:
    """Stations waiting for an order show the queue as it is now (one was taken, or came)."""
    for sess in ctx.tx.all("SELECT device FROM sessions WHERE role = 'packer' AND stage = 'order'"):
        resend_view(ctx, sess["device"])


def can_skip(tx: Reader, trip_id: int, bin_label: str) -> bool:
    """Skipping needs another bin still to visit: the last one cannot go to the end."""
    return bool(
        tx.value(
            "SELECT 1 FROM tasks WHERE trip_id = ? AND status = 'open' AND bin != ? LIMIT 1",
            (trip_id, bin_label),
        )
    )


def task(tx: Reader, task_id: int | None) -> dict[str, Any]:
    """The stop a session stands on."""
    found = tx.one("SELECT * FROM tasks WHERE id = ?", (task_id,)) if task_id else None
    if found is None:
        raise DomainError("no stop is open")
    return found


def view_for(tx: Reader, cat: Catalog, device: str) -> dict[str, Any]:
    """The whole screen of a scanner now (MQTT views and the handheld page share it)."""
    sess = session_of(tx, device)
    if sess is None:
        pending = tx.one("SELECT badge FROM pin_pending WHERE device = ?", (device,))
        if pending is not None:  # a badge whose holder has a PIN was scanned
            holder = cat.staff.get(pending["badge"])
            return {
                "screen": "pin",
                "expect": "pin",
                "who": holder.name if holder else pending["badge"],
                "badge": pending["badge"],
                "message": "Enter your PIN",
            }
        return {"screen": "login", "expect": "badge", "message": "Scan your badge to log in"}
    who = cat.staff.get(sess["badge"])
    base: dict[str, Any] = {
        "who": who.name if who else sess["badge"],
        "badge": sess["badge"],
        # The colour pick-to-light shows this person's bins in (edge.core.lights), so the
        # screen can say which lit bins are theirs.
        "light_color": who.color if who else "#ffffff",
        "mode": sess["mode"],
        "modes": modes_for(cat, sess),
    }
    if sess["role"] == "packer":
        return {**base, **_pack_view(tx, cat, sess)}
    if sess["mode"] == "return":
        return {**base, **return_view(tx, cat, sess)}
    if sess["mode"] != "pick":
        return {**base, **stock_view(tx, cat, sess)}
    stage = sess["stage"]
    if stage == "idle":
        return {
            **base,
            "screen": "idle",
            "expect": "none",
            "message": "No orders waiting. Ask again in a moment.",
        }
    if stage == "planning":
        return {
            **base,
            "screen": "planning",
            "expect": "none",
            "message": "Finding your next pick list…",
        }
    if stage == "trip_done":
        return {
            **base,
            "screen": "trip_done",
            "expect": "none",
            "trip_id": sess["order_id"],
            "message": "Pick list done: take the cart to packing.",
        }
    return {**base, **_stop_view(tx, cat, sess)}


def _stop_view(tx: Reader, cat: Catalog, sess: dict[str, Any]) -> dict[str, Any]:
    stage, trip_id = sess["stage"], sess["trip_id"]
    current = task(tx, sess["task_id"])
    counts = tx.one(
        "SELECT count(*) AS total, sum(CASE WHEN seq < ? AND status != 'cancelled' THEN 1"
        " ELSE 0 END) AS before FROM tasks WHERE trip_id = ? AND status != 'cancelled'",
        (current["seq"] or 0, trip_id),
    )
    assert counts is not None
    sku = cat.skus[current["sku"]]
    light = tx.one(
        "SELECT device FROM lights WHERE task_id = ? AND work = 'pick'", (current["id"],)
    )
    need = current["qty"] - current["picked"]
    prompts = {
        "bin": f"Go to {current['bin']} and scan the bin label",
        "item": f"Scan the item: {sku.name}",
        "qty": f"{current['picked']} of {current['qty']} taken: scan the next, or confirm {need}",
    }
    upcoming = tx.all(
        "SELECT bin, sku, qty - picked AS qty FROM tasks WHERE trip_id = ? AND status = 'open'"
        " AND id != ? ORDER BY seq LIMIT 3",
        (trip_id, current["id"]),
    )
    for row in upcoming:
        row["name"] = cat.skus[row["sku"]].name
    return {
        "screen": "stop",
        "expect": stage,
        "trip_id": trip_id,
        "message": prompts[stage],
        "stop": {
            "n": (counts["before"] or 0) + 1,
            "of": counts["total"],
            "bin": current["bin"],
            "sku": sku.sku,
            "name": sku.name,
            "gtins": list(sku.gtins),
            "image": sku.image,  # a file in the pages' products/ folder, or None
            "qty": need,
            "picked": current["picked"],
            "qty_total": current["qty"],
            "tote": current["tote"],
            "order_id": current["order_id"],
            "lit": light is not None,
            "light_device": light["device"] if light else None,
        },
        "upcoming": upcoming,
        "can_skip": can_skip(tx, trip_id, current["bin"]),
    }


def parcel_views(tx: Reader, cat: Catalog, order_id: int) -> list[dict[str, Any]]:
    rows = tx.all("SELECT * FROM parcels WHERE order_id = ? ORDER BY n", (order_id,))
    return [
        {
            "parcel_id": r["id"],
            "n": r["n"],
            "of": len(rows),
            "box": r["box_type"],
            "expected_g": r["expected_g"],
            "tolerance_g": r["tolerance_g"],
            "measured_g": r["measured_g"],
            # measured - expected, signed: what a held parcel's packer looks for
            "diff_g": None if r["measured_g"] is None else r["measured_g"] - r["expected_g"],
            "state": r["result"],
            # The scale cannot see this item missing; its scan vouches for it.
            "scale_blind_to_lightest_item": r["lightest_g"] <= r["tolerance_g"],
            "contents": parcel_contents(tx, cat, r),
            "holds": r["holds"],
            # a held parcel: re_weigh, scan_contents or supervisor (edge.core.packcheck)
            "next": r["hold_next"] if r["result"] == "hold" else None,
            "label": parcel_label(tx, r["id"]),  # numbers, print state, preview (or None)
        }
        for r in rows
    ]


def _contents_view(tx: Reader, cat: Catalog, order_id: int) -> dict[str, Any]:
    """The parcel being packed needs items scanned in before it is weighed."""
    parcel = current_parcel(tx, order_id)
    assert parcel is not None  # the 'contents' stage has a parcel that needs scans
    left = still_to_scan(tx, parcel)
    missing = [{"sku": sku, "name": cat.skus[sku].name, "qty": qty} for sku, qty in left.items()]
    need = sum(c["must_scan"] for c in parcel_contents(tx, cat, parcel))
    said = ", ".join(f"{m['name']} × {m['qty']}" for m in missing)
    return {
        "screen": "pack_contents",
        "expect": "item",
        "parcel_n": parcel["n"],
        "missing": missing,
        "progress": {"scanned": need - sum(left.values()), "of": need},
        "message": f"Scan each item into parcel {parcel['n']}: still to scan {said}",
    }


def _pack_items(tx: Reader, cat: Catalog, order_id: int) -> list[dict[str, Any]]:
    """What goes into the parcels: each picked line with its name and picture."""
    rows = tx.all(
        "SELECT sku, picked FROM order_lines WHERE order_id = ? AND picked > 0 ORDER BY line_no",
        (order_id,),
    )
    return [
        {
            "sku": r["sku"],
            "name": cat.skus[r["sku"]].name,
            "image": cat.skus[r["sku"]].image,
            "qty": r["picked"],
        }
        for r in rows
    ]


def _pack_view(tx: Reader, cat: Catalog, sess: dict[str, Any]) -> dict[str, Any]:
    station = cat.station_of(sess["device"])
    if sess["stage"] in ("contents", "weight") and sess["order_id"] is not None:
        weigh = {
            "screen": "pack_weigh",
            "expect": "weight",
            "order_id": sess["order_id"],
            "station": station,
            "parcels": parcel_views(tx, cat, sess["order_id"]),
            "items": _pack_items(tx, cat, sess["order_id"]),
            "message": "Pack into the suggested box and put it on the scale",
        }
        if sess["stage"] == "contents":
            return {**weigh, **_contents_view(tx, cat, sess["order_id"])}
        return weigh
    queue = tx.all(
        "SELECT id FROM orders WHERE status = 'packing' AND id NOT IN"
        " (SELECT order_id FROM sessions WHERE stage IN ('contents', 'weight')"
        " AND order_id IS NOT NULL)"
        " ORDER BY priority DESC, cutoff_at, paid_at, id LIMIT ?",
        (PACK_QUEUE_LENGTH,),
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
        order = tx.one("SELECT status, hold_reason FROM orders WHERE id = ?", (last,))
        assert order is not None
        out["last"] = {
            "order_id": last,
            "status": order["status"],
            "hold_reason": order["hold_reason"],
            "parcels": parcel_views(tx, cat, last),
        }
    return out
