"""What a packer's parcels hold and what is scanned into them, as the screens show it."""

from __future__ import annotations

import json
from typing import Any

from edge.catalog import Catalog
from edge.core.context import Reader


def current_parcel(tx: Reader, order_id: int) -> dict[str, Any] | None:
    """The parcel being packed now: the first still waiting for its weight."""
    return tx.one(
        "SELECT * FROM parcels WHERE order_id = ? AND result = 'waiting' ORDER BY n LIMIT 1",
        (order_id,),
    )


def scanned(tx: Reader, parcel: dict[str, Any]) -> dict[str, int]:
    """Units scanned into the parcel in its current round, by SKU."""
    rows = tx.all(
        "SELECT sku, count(*) AS n FROM pack_scans WHERE parcel_id = ? AND round = ? GROUP BY sku",
        (parcel["id"], parcel["check_round"]),
    )
    return {r["sku"]: r["n"] for r in rows}


def still_to_scan(tx: Reader, parcel: dict[str, Any]) -> dict[str, int]:
    """Units the parcel needs scanned that are not yet."""
    done = scanned(tx, parcel)
    need: dict[str, int] = json.loads(parcel["must_scan"])
    return {sku: qty - done.get(sku, 0) for sku, qty in need.items() if qty > done.get(sku, 0)}


def stage_for(tx: Reader, order_id: int) -> str:
    """The packer's stage: 'contents' while the parcel being packed needs scans, else 'weight'."""
    parcel = current_parcel(tx, order_id)
    return "contents" if parcel is not None and still_to_scan(tx, parcel) else "weight"


def parcel_contents(tx: Reader, cat: Catalog, parcel: dict[str, Any]) -> list[dict[str, Any]]:
    """What belongs in a parcel: each item with its picture, the units, how many of them
    must be scanned in (the scale cannot see them missing) and how many are."""
    need: dict[str, int] = json.loads(parcel["must_scan"])
    done = scanned(tx, parcel)
    contents: dict[str, int] = json.loads(parcel["contents"])
    return [
        {
            "sku": sku,
            "name": cat.skus[sku].name,
            "image": cat.skus[sku].image,
            "qty": qty,
            "must_scan": need.get(sku, 0),
            "scanned": done.get(sku, 0),
        }
        for sku, qty in sorted(contents.items(), key=lambda kv: (-need.get(kv[0], 0), kv[0]))
    ]
