"""Shipping labels at the pack station: numbers issued as a parcel passes, prints, reprints."""

from __future__ import annotations

from typing import Any

from edge.core.context import Ctx
from edge.core.labelviews import carrier_of, shipping_label
from edge.core.views import resend_view
from edge.labels.sscc import make_sscc, serial_room
from edge.labels.tracking import tracking_number
from edge.labels.zpl import render_zpl
from edge.messages import DeviceError, LabelPrinted, Origin, PrintLabel, ReprintLabel, ScanRead
from edge.model import DomainError

# Scanned at a pack station (a code on the station's card): print the last label again.
REPRINT_CODE = "REPRINT"


def _take(ctx: Ctx, name: str, first: int, last: int, used_up: str) -> int:
    """The next number of a counter, never one issued before (the counter only moves
    forward, in the transaction that uses the number)."""
    stored = ctx.tx.value("SELECT next FROM label_counters WHERE name = ?", (name,))
    value = max(first, int(stored) if stored is not None else first)
    if value > last:
        raise DomainError(used_up, "exhausted")
    ctx.tx.run(
        "INSERT INTO label_counters(name, next) VALUES (?, ?)"
        " ON CONFLICT(name) DO UPDATE SET next = excluded.next",
        (name, value + 1),
    )
    return value


def label_parcel(ctx: Ctx, parcel_id: int, who: Origin) -> None:
    """A parcel passed its weight check: its SSCC and (from a carrier's range) its tracking
    number are issued, and its label goes to the station's printer after the commit. A
    site without `labels` in its description makes none."""
    labels = ctx.cat.description.labels
    if labels is None:
        return
    parcel = ctx.tx.one(
        "SELECT p.id, p.order_id, p.sscc, o.carrier FROM parcels p JOIN orders o"
        " ON o.id = p.order_id WHERE p.id = ?",
        (parcel_id,),
    )
    if parcel is None or parcel["sscc"] is not None:
        return  # labelled already: a reprint is asked for, never made by a second pass
    carrier_id = parcel["carrier"] or labels.default_carrier
    carrier = carrier_of(ctx.cat, carrier_id)
    if carrier is None:
        raise DomainError(
            f"order {parcel['order_id']}: carrier {carrier_id!r} is not in the warehouse"
            " description; ask a supervisor",
            "invalid",
        )
    tracking = None
    if carrier.range is not None:
        rng = carrier.range
        serial = _take(
            ctx,
            f"tracking:{carrier.id}:{rng.prefix}:{rng.suffix}",
            rng.first,
            rng.last,
            f"carrier {carrier.id}: its tracking numbers are used up (last {rng.last});"
            " a supervisor must give it a new range in the warehouse description",
        )
        tracking = tracking_number(rng, serial)
    prefix = labels.gs1_company_prefix
    serial = _take(
        ctx,
        f"sscc:{labels.sscc_extension}{prefix}",
        1,
        serial_room(prefix) - 1,
        f"SSCC serials of company prefix {prefix} are used up; configure another extension digit",
    )
    sscc = make_sscc(labels.sscc_extension, prefix, serial)
    ctx.tx.run(
        "UPDATE parcels SET sscc = ?, carrier = ?, tracking = ?, labelled_at = ? WHERE id = ?",
        (sscc, carrier.id, tracking, ctx.at, parcel_id),
    )
    send_label(ctx, parcel_id, who)


def send_label(ctx: Ctx, parcel_id: int, who: Origin, reason: str = "") -> int:
    """Record a print (who, when, device, printer, reason) and ask for it after the commit."""
    label = shipping_label(ctx.tx, ctx.cat, parcel_id)
    station_id = ctx.tx.value("SELECT station FROM parcels WHERE id = ?", (parcel_id,))
    if label is None:
        raise DomainError(
            f"parcel {parcel_id} has no label yet: it gets one when it passes the weight check",
            "conflict",
        )
    station = next((s for s in ctx.cat.description.pack_stations if s.id == station_id), None)
    printer = station.printer if station is not None else None
    if printer is None:
        # Nothing to send to: a failed print at once, as loud as a printer that is offline.
        print_id = ctx.tx.run(
            "INSERT INTO label_prints(parcel_id, station, printer, actor, device, at, reason,"
            " result, error, done_at) VALUES (?, ?, '', ?, ?, ?, ?, 'offline', ?, ?)",
            (
                parcel_id,
                station_id,
                who.actor,
                who.device,
                ctx.at,
                reason,
                f"pack station {station_id} has no label printer in the warehouse description",
                ctx.at,
            ),
        )
        _show_station(
            ctx, station_id, _failure(ctx, parcel_id, "(none)", "offline", "no printer configured")
        )
        ctx.changed()
        return print_id
    print_id = ctx.tx.run(
        "INSERT INTO label_prints(parcel_id, station, printer, actor, device, at, reason)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            parcel_id,
            station_id,
            f"{printer.host}:{printer.port}",
            who.actor,
            who.device,
            ctx.at,
            reason,
        ),
    )
    ctx.emit(
        PrintLabel(
            print_id,
            parcel_id,
            station_id,
            printer.host,
            printer.port,
            printer.timeout_ms,
            render_zpl(label),
        )
    )
    ctx.changed()
    return print_id


def on_label_printed(ctx: Ctx, msg: LabelPrinted) -> None:
    """The printer's answer: recorded on the print; a failure fills the station's screens."""
    row = ctx.tx.one("SELECT * FROM label_prints WHERE id = ?", (msg.print_id,))
    if row is None:
        raise DomainError(f"print {msg.print_id} does not exist", "not_found")
    if row["result"] != "sending":
        return  # answered already
    ctx.tx.run(
        "UPDATE label_prints SET result = ?, error = ?, done_at = ? WHERE id = ?",
        (msg.result, msg.error[:500], ctx.at, msg.print_id),
    )
    ctx.changed()
    failure = None
    if msg.result != "printed":
        failure = _failure(ctx, row["parcel_id"], row["printer"], msg.result, msg.error)
    _show_station(ctx, row["station"], failure)


def _failure(ctx: Ctx, parcel_id: int, printer: str, result: str, error: str) -> DomainError:
    n = ctx.tx.value("SELECT n FROM parcels WHERE id = ?", (parcel_id,))
    return DomainError(
        f"label of parcel {n} NOT printed: printer {printer} {result}"
        f" ({error or 'no answer'}); fix the printer, then press Reprint",
        "label_failed",
        {"parcel_id": str(parcel_id), "result": result, "printer": printer},
    )


def _show_station(ctx: Ctx, station: str, failure: DomainError | None) -> None:
    for device in ctx.cat.devices.values():
        if device.kind != "scanner" or device.station != station:
            continue
        if not ctx.tx.value("SELECT count(*) FROM sessions WHERE device = ?", (device.id,)):
            continue
        if failure is not None:
            ctx.emit(DeviceError(device.id, "scanner", "", str(failure), "label_failed"))
        resend_view(ctx, device.id, error=failure)


def reprint(ctx: Ctx, msg: ReprintLabel) -> dict[str, Any]:
    """Print a parcel's label again (audited with the reason)."""
    if not msg.reason.strip():
        raise DomainError("reason: a reprint needs a reason", "invalid")
    parcel = ctx.tx.one(
        "SELECT p.station, o.status FROM parcels p JOIN orders o ON o.id = p.order_id"
        " WHERE p.id = ?",
        (msg.parcel_id,),
    )
    if parcel is None:
        raise DomainError(f"parcel {msg.parcel_id} does not exist", "not_found")
    if parcel["status"] == "cancelled":
        raise DomainError(f"parcel {msg.parcel_id}: its order is cancelled", "conflict")
    print_id = send_label(ctx, msg.parcel_id, msg.origin, msg.reason.strip())
    _show_station(ctx, parcel["station"], None)
    return {"parcel_id": msg.parcel_id, "print_id": print_id}


def reprint_scan(ctx: Ctx, msg: ScanRead, sess: dict[str, Any]) -> None:
    """REPRINT scanned at a pack station: the station's last label prints again."""
    station = ctx.cat.station_of(msg.device_id)
    last = ctx.tx.value(
        "SELECT parcel_id FROM label_prints WHERE station = ? ORDER BY id DESC LIMIT 1",
        (station,),
    )
    if station is None or last is None:
        raise DomainError("no label has been printed at this station yet")
    send_label(ctx, int(last), msg.origin(sess["badge"]), f"{REPRINT_CODE} scanned")
    _show_station(ctx, station, None)
