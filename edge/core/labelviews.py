"""Reads of shipping labels: a parcel's label and print state, the label itself, failures."""

from __future__ import annotations

import json
from typing import Any

from edge.catalog import Catalog
from edge.core.context import Reader
from edge.labels.config import Carrier
from edge.labels.content import ShippingLabel, ship_to_lines
from edge.model import order_code

# What the packer's screen fetches for the picture of a parcel's label.
PREVIEW_URL = "/api/v1/parcels/{}/label.svg"
FAILED = ("refused", "timeout", "offline", "no_printer")


def carrier_of(cat: Catalog, carrier_id: str | None) -> Carrier | None:
    for carrier in cat.description.carriers:
        if carrier.id == carrier_id:
            return carrier
    return None


def last_print(tx: Reader, parcel_id: int) -> dict[str, Any] | None:
    return tx.one(
        "SELECT id, station, printer, actor, device, at, reason, result, error, done_at"
        " FROM label_prints WHERE parcel_id = ? ORDER BY id DESC LIMIT 1",
        (parcel_id,),
    )


def parcel_label(tx: Reader, parcel_id: int) -> dict[str, Any] | None:
    """A parcel's label for its screen: numbers, the last print's state and the preview's
    address; None before the parcel passed its weight check (or where labels are off)."""
    row = tx.one("SELECT sscc, carrier, tracking FROM parcels WHERE id = ?", (parcel_id,))
    if row is None or row["sscc"] is None:
        return None
    printed = last_print(tx, parcel_id)
    prints = tx.value("SELECT count(*) FROM label_prints WHERE parcel_id = ?", (parcel_id,))
    return {
        "sscc": row["sscc"],
        "carrier": row["carrier"],
        "tracking": row["tracking"],
        "preview": PREVIEW_URL.format(parcel_id),
        "print": printed["result"] if printed else "none",
        "error": printed["error"] if printed else "",
        "printer": printed["printer"] if printed else "",
        "prints": prints,
        "failed": bool(printed and printed["result"] in FAILED),
    }


def shipping_label(tx: Reader, cat: Catalog, parcel_id: int) -> ShippingLabel | None:
    """The label of a labelled parcel, as printed (None: no such parcel, or no label)."""
    parcel = tx.one(
        "SELECT p.*, o.shop_order_id, o.customer FROM parcels p JOIN orders o"
        " ON o.id = p.order_id WHERE p.id = ?",
        (parcel_id,),
    )
    if parcel is None or parcel["sscc"] is None:
        return None
    of = tx.value("SELECT count(*) FROM parcels WHERE order_id = ?", (parcel["order_id"],))
    carrier = carrier_of(cat, parcel["carrier"])
    return ShippingLabel(
        carrier=(carrier.name or carrier.id) if carrier else str(parcel["carrier"]),
        tracking=parcel["tracking"],
        sscc=parcel["sscc"],
        ship_from=cat.description.site.name,
        ship_to=ship_to_lines(json.loads(parcel["customer"] or "{}")),
        order=f"{order_code(parcel['order_id'])} / {parcel['shop_order_id']}",
        parcel_n=parcel["n"],
        parcel_of=int(of),
        weight_g=parcel["measured_g"] or parcel["expected_g"],
        packer=cat.staff_name(parcel["packer"]),
    )


def label_failures(tx: Reader, limit: int = 100) -> list[dict[str, Any]]:
    """Parcels whose last label print failed and that are not shipped yet: for the
    supervisor's exceptions queue (oldest first)."""
    return tx.all(
        "SELECT lp.parcel_id, p.order_id, p.n, lp.station, lp.printer, lp.result, lp.error,"
        " lp.at, lp.actor, lp.device, p.sscc, p.tracking FROM label_prints lp"
        " JOIN parcels p ON p.id = lp.parcel_id JOIN orders o ON o.id = p.order_id"
        " WHERE lp.id = (SELECT max(id) FROM label_prints WHERE parcel_id = lp.parcel_id)"
        " AND lp.result IN ('refused', 'timeout', 'offline', 'no_printer')"
        " AND o.status NOT IN ('shipped', 'cancelled') ORDER BY lp.id LIMIT ?",
        (limit,),
    )
