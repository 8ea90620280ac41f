"""The supervisor's exceptions queue: everything open that needs a person, with its action."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from edge.catalog import Catalog
from edge.messages import LIGHT_MAX_RESENDS
from edge.ports import Reader
from edge.queries import labels

KINDS = (
    "light_unacked",
    "device_offline",
    "label_failed",
    "weight_hold",
    "short",
    "cutoff_miss",
    "dead_letter",
)
# Most urgent first: someone waits at a shelf or a device is gone; then orders stopped; then
# what only needs a look. Within a tier, the newest first.
_TIER = {
    "light_unacked": 0,
    "device_offline": 0,
    "label_failed": 0,
    "weight_hold": 1,
    "short": 1,
    "cutoff_miss": 1,
    "dead_letter": 2,
}
# Rows read per kind at most; a kind with more says so (`capped`), never silently.
READ_PER_KIND = 2000


def _item(
    kind: str,
    ref: Any,
    at: str | None,
    what: str,
    where: str | None,
    who: str | None = None,
    order: int | None = None,
    actions: tuple[str, ...] = (),
    **detail: Any,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "id": f"{kind}:{ref}",
        "ref": ref,
        "at": at,
        "what": what,
        "where": where,
        "who": who,
        "order": order,
        "actions": list(actions),
        "detail": detail,
    }


def shorts(tx: Reader, limit: int) -> list[dict[str, Any]]:
    """Stops confirmed short that nobody acknowledged yet, with the count correction made."""
    rows = tx.all(
        "SELECT t.id, t.order_id, t.bin, t.sku, t.qty - t.picked AS missing, o.shop_order_id,"
        " o.status, m.at, m.actor, m.device, m.reason FROM tasks t"
        " JOIN orders o ON o.id = t.order_id"
        " LEFT JOIN stock_moves m ON m.id = (SELECT max(id) FROM stock_moves WHERE bin = t.bin"
        "  AND sku = t.sku AND order_id = t.order_id AND reason LIKE 'count correction:%')"
        " WHERE t.status = 'short' AND NOT EXISTS (SELECT 1 FROM exception_acks a"
        "  WHERE a.kind = 'short' AND a.ref = CAST(t.id AS TEXT))"
        " ORDER BY t.id DESC LIMIT ?",
        (limit,),
    )
    reason = "count correction: "
    return [
        _item(
            "short",
            r["id"],
            r["at"],
            f"{r['sku']} short by {r['missing']} at {r['bin']}",
            r["bin"],
            r["actor"],
            r["order_id"],
            (
                "acknowledge",
                "schedule_count",
                *(("release_hold",) if r["status"] == "on_hold" else ()),
            ),
            sku=r["sku"],
            bin=r["bin"],
            missing=r["missing"],
            device=r["device"],
            shop_order_id=r["shop_order_id"],
            order_status=r["status"],
            reason=(r["reason"] or "")[len(reason) :]
            if (r["reason"] or "").startswith(reason)
            else r["reason"],
        )
        for r in rows
    ]


def weight_holds(tx: Reader, limit: int) -> list[dict[str, Any]]:
    """Parcels the scale held whose order is still on hold."""
    rows = tx.all(
        "SELECT p.id, p.order_id, p.n, p.box_type, p.expected_g, p.tolerance_g, p.measured_g,"
        " p.station, p.packer, p.device, p.weighed_at, o.shop_order_id, o.hold_reason"
        " FROM parcels p JOIN orders o ON o.id = p.order_id"
        " WHERE p.result = 'hold' AND o.status = 'on_hold' ORDER BY p.id DESC LIMIT ?",
        (limit,),
    )
    return [
        _item(
            "weight_hold",
            r["id"],
            r["weighed_at"],
            r["hold_reason"] or "weight off",
            r["station"],
            r["packer"],
            r["order_id"],
            ("release_hold", "priority"),
            n=r["n"],
            box_type=r["box_type"],
            expected_g=r["expected_g"],
            tolerance_g=r["tolerance_g"],
            measured_g=r["measured_g"],
            device=r["device"],
            shop_order_id=r["shop_order_id"],
            reason=r["hold_reason"],
        )
        for r in rows
    ]


def dead_letters(tx: Reader, limit: int) -> list[dict[str, Any]]:
    """Device messages that could not be applied, not yet acknowledged."""
    rows = tx.all(
        "SELECT d.id, d.at, d.device, d.msg_id, d.topic, d.reason, d.payload FROM dead_letters d"
        " WHERE NOT EXISTS (SELECT 1 FROM exception_acks a WHERE a.kind = 'dead_letter'"
        "  AND a.ref = CAST(d.id AS TEXT)) ORDER BY d.id DESC LIMIT ?",
        (limit,),
    )
    return [
        _item(
            "dead_letter",
            r["id"],
            r["at"],
            r["reason"],
            r["device"] or None,
            None,
            None,
            ("acknowledge",),
            msg_id=r["msg_id"],
            topic=r["topic"],
            reason=r["reason"],
            payload=bytes(r["payload"]).decode("utf-8", "replace")[:300],
        )
        for r in rows
    ]


def devices_offline(tx: Reader, limit: int) -> list[dict[str, Any]]:
    """Devices that were seen and are gone (never seen: not set up yet, not an exception);
    a scanner gone with a pick list open offers to release it."""
    rows = tx.all(
        "SELECT d.id, d.kind, d.station, d.status_since, d.last_seen, s.badge, s.trip_id"
        " FROM devices d LEFT JOIN sessions s ON s.device = d.id"
        " WHERE d.online = 0 AND d.last_seen IS NOT NULL"
        " ORDER BY coalesce(d.status_since, d.last_seen) DESC LIMIT ?",
        (limit,),
    )
    return [
        _item(
            "device_offline",
            r["id"],
            r["status_since"] or r["last_seen"],
            f"{r['kind']} {r['id']} offline",
            r["id"],
            r["badge"],
            None,
            ("release_trip",) if r["trip_id"] is not None else (),
            device_kind=r["kind"],
            station=r["station"],
            last_seen=r["last_seen"],
            trip_id=r["trip_id"],
        )
        for r in rows
    ]


def lights_unacked(
    tx: Reader, limit: int, max_resends: int = LIGHT_MAX_RESENDS
) -> list[dict[str, Any]]:
    """Light commands their module never acknowledged, after every re-send."""
    rows = tx.all(
        "SELECT l.device, l.slot, l.qty, l.cmd_id, l.sent_at, l.resends, l.work, l.task_id,"
        " t.order_id, k.picker FROM lights l"
        " LEFT JOIN tasks t ON t.id = l.task_id AND l.work = 'pick'"
        " LEFT JOIN trips k ON k.id = t.trip_id"
        " WHERE l.acked_at IS NULL AND l.resends >= ? ORDER BY l.sent_at DESC LIMIT ?",
        (max_resends, limit),
    )
    return [
        _item(
            "light_unacked",
            f"{r['device']}:{r['slot']}",
            r["sent_at"],
            f"light {r['slot']} on {r['device']} not acknowledged after {r['resends']} re-sends",
            f"{r['device']} {r['slot']}",
            r["picker"],
            r["order_id"],
            ("resend_light",),
            device=r["device"],
            slot=r["slot"],
            qty=r["qty"],
            cmd_id=r["cmd_id"],
            resends=r["resends"],
            work=r["work"],
        )
        for r in rows
    ]


def label_failed(tx: Reader, limit: int) -> list[dict[str, Any]]:
    """Parcels whose last label print failed, not shipped (the labels' own read)."""
    return [
        _item(
            "label_failed",
            r["parcel_id"],
            r["at"],
            f"label of parcel {r['n']} not printed: {r['result']}"
            + (f" ({r['error']})" if r["error"] else ""),
            r["station"],
            r["actor"],
            r["order_id"],
            ("reprint",),
            parcel_id=r["parcel_id"],
            n=r["n"],
            result=r["result"],
            error=r["error"],
            printer=r["printer"],
            station=r["station"],
            device=r["device"],
        )
        for r in labels.label_failures(tx, limit)
    ]


def cutoff_misses(forecast: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Orders the forecast says will miss their cut-off, and those that missed it."""
    out = []
    for f in forecast:
        if f["makes_cutoff"]:
            continue
        missed = datetime.fromisoformat(f["cutoff_at"]) <= now
        actions = ("priority", *(("release_hold",) if f["status"] == "on_hold" else ()))
        what = "missed the cut-off" if missed else "will miss the cut-off"
        out.append(
            _item(
                "cutoff_miss",
                f["order_id"],
                f["cutoff_at"],
                what,
                None,
                None,
                f["order_id"],
                actions,
                missed=missed,
                shop_order_id=f["shop_order_id"],
                order_status=f["status"],
                finish=f["finish"],
                basis=f["basis"],
                carrier_pickup=f["carrier_pickup"],
                makes_pickup=f["makes_pickup"],
            )
        )
    return out


def _words(item: dict[str, Any]) -> str:
    """What a search looks in: order, SKU, bin, device, person, station, the text."""
    d = item["detail"]
    bits = [item["what"], item["where"], item["who"], item.get("who_name")]
    bits += [str(item["order"]) if item["order"] is not None else None, d.get("shop_order_id")]
    bits += [d.get(k) for k in ("sku", "bin", "device", "slot", "station", "topic")]
    return " ".join(str(b) for b in bits if b).lower()


def _urgency(item: dict[str, Any]) -> tuple[int, float]:
    tier = _TIER[item["kind"]]
    if item["kind"] == "cutoff_miss" and not item["detail"]["missed"]:
        tier = 2  # it may still make it: after what already stopped
    at = datetime.fromisoformat(item["at"]).timestamp() if item["at"] else 0.0
    # A missed or coming cut-off: the nearest first; anything else: the newest first.
    return (tier, at if item["kind"] == "cutoff_miss" else -at)


def queue(
    tx: Reader,
    cat: Catalog,
    now: datetime,
    forecast: list[dict[str, Any]],
    q: str | None,
    kind: str | None,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    """One page of the open exceptions (most urgent, then newest first) matching q (words
    over order, SKU, bin, device, person) and kind; `counts` per kind match q, `total` also
    kind; a kind with more than READ_PER_KIND open is named in `capped`."""
    found = {
        "light_unacked": lights_unacked(tx, READ_PER_KIND),
        "device_offline": devices_offline(tx, READ_PER_KIND),
        "label_failed": label_failed(tx, READ_PER_KIND),
        "weight_hold": weight_holds(tx, READ_PER_KIND),
        "short": shorts(tx, READ_PER_KIND),
        "cutoff_miss": cutoff_misses(forecast, now)[:READ_PER_KIND],
        "dead_letter": dead_letters(tx, READ_PER_KIND),
    }
    words = (q or "").lower().split()
    counts: dict[str, int] = {}
    matching: list[dict[str, Any]] = []
    for k in KINDS:
        hits = []
        for item in found[k]:
            item["who_name"] = cat.staff_name(item["who"]) if item["who"] else None
            at = item["at"]
            item["age_s"] = int((now - datetime.fromisoformat(at)).total_seconds()) if at else None
            hay = _words(item)
            if all(w in hay for w in words):
                hits.append(item)
        counts[k] = len(hits)
        if kind is None or kind == k:
            matching += hits
    matching.sort(key=_urgency)
    return {
        "at": now.isoformat(timespec="seconds"),
        "total": len(matching),
        "offset": offset,
        "limit": limit,
        "items": matching[offset : offset + limit],
        "counts": counts,
        "kinds": list(KINDS),
        "capped": [k for k in KINDS if len(found[k]) >= READ_PER_KIND],
    }
