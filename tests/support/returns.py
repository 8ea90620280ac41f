"""Shipped orders for the returns tests: picked, packed, weighed and handed to the carrier."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from edge.messages import (
    IntakeOrder,
    LogoutRequested,
    OrderLineIn,
    Origin,
    ParcelHandover,
    QuantityConfirmed,
    ScanRead,
    ShipOrder,
    WeightMeasured,
)
from edge.service import Service
from tests.support.harness import Harness


def shipped_order(h: Harness, shop_id: str = "SHOP-R", tracking: str = "TRK-1") -> int:
    """2 mugs and a book through scan-1 (P-1) and pack-1 (K-1); parcel n's tracking number
    is `<tracking>-<n>`."""
    oid = h.intake(shop_id, ("MUG", 2), ("BOOK", 1))
    h.scan("scan-1", "P-1")
    while h.view("scan-1")["screen"] == "stop":
        h.pick_current_stop("scan-1")
    h.scan("pack-1", "K-1")
    h.scan("pack-1", f"ORD-{oid}")
    for parcel in h.view("pack-1")["parcels"]:
        h.weigh("scale-1", parcel["expected_g"])
    parcels = h.order(oid)["parcels"]
    handover = tuple(ParcelHandover(p["parcel_id"], f"{tracking}-{p['n']}") for p in parcels)
    h.handle(ShipOrder(h.origin("carrier"), oid, "DemoPost", handover))
    assert h.order(oid)["status"] == "shipped"
    return oid


def ship_on_live(
    service: Service, shop_id: str, lines: tuple[tuple[str, int], ...], tracking: str
) -> int:
    """An order through a running service (demo warehouse): picked on handheld-1 by Jun,
    packed at pack-handheld-3 by Lena, weighed on scale-3, handed to the carrier. Returns
    its id; parcel n's tracking number is its label's, else `<tracking>-<n>`."""
    rt, q = service.runtime, service.queries
    ids = itertools.count()

    def now() -> datetime:  # every message its own time
        return datetime.now(UTC)

    def send(cls: Any, device: str, *args: Any) -> Any:
        return rt.handle(cls(device, f"{shop_id}-{next(ids)}", now(), *args))

    oid = int(
        rt.handle(
            IntakeOrder(
                Origin("shop", now(), "test"),
                shop_id,
                tuple(OrderLineIn(s, n) for s, n in lines),
                now() - timedelta(hours=1),
            )
        )["order_id"]
    )
    send(ScanRead, "handheld-1", "P-1007")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        view = q.scanner_view("handheld-1")
        if view["screen"] == "stop":
            stop = view["stop"]
            send(ScanRead, "handheld-1", stop["bin"])
            send(ScanRead, "handheld-1", stop["gtins"][0][1:])
            if stop["qty"] > 1:
                send(QuantityConfirmed, "handheld-1", stop["qty"] - 1, "")
        elif q.order(oid)["status"] == "packing":
            break
        else:
            time.sleep(0.05)  # the planner is working out the pick list
    send(ScanRead, "pack-handheld-3", "K-2003")
    send(ScanRead, "pack-handheld-3", f"ORD-{oid}")
    for parcel in q.scanner_view("pack-handheld-3").get("parcels", []):
        send(WeightMeasured, "scale-3", parcel["expected_g"])
    # A station that prints labels gave the parcel its tracking number; else it is typed.
    parcels = q.order(oid)["parcels"]
    handover = tuple(
        ParcelHandover(p["parcel_id"], None if p.get("tracking") else f"{tracking}-{p['n']}")
        for p in parcels
    )
    rt.handle(ShipOrder(Origin("carrier", now(), "test"), oid, "DemoPost", handover))
    send(LogoutRequested, "handheld-1")
    send(LogoutRequested, "pack-handheld-3")
    assert q.order(oid)["status"] == "shipped", q.order(oid)
    return oid
