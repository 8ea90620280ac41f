"""The harness: a small real warehouse on a real SQLite file, built by `edge.app.build`."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from edge.app import build
from edge.config import load_settings
from edge.messages import (
    Effect,
    IntakeOrder,
    LightButton,
    LoadWarehouse,
    OrderLineIn,
    Origin,
    QuantityConfirmed,
    ScannerView,
    ScanRead,
    WeightMeasured,
)
from edge.runtime import Runtime
from edge.service import Service
from edge.warehouse import parse_description

GTIN = {  # valid EAN-13s (check digit included)
    "MUG": "8710000000017",
    "CABLE": "8710000000024",
    "BOOK": "8710000000031",
    "PIN": "8710000000048",
}


def small_warehouse() -> dict[str, Any]:
    bins = [
        f"{a}-{b:02d}-{lvl}-{s}" for a in "ABC" for b in range(1, 7) for lvl in (1, 2) for s in "AB"
    ]
    return {
        "site": {"id": "t1", "name": "Test site", "timezone": "UTC", "cutoff": "13:00"},
        "layout": {
            "aisles": 3,
            "blocks": 1,
            "bays_per_block": 6,
            "aisle_pitch_dm": 30,
            "bay_width_dm": 10,
            "cross_aisle_width_dm": 20,
            "levels": 2,
        },
        "skus": [
            {
                "sku": "MUG",
                "name": "Mug",
                "gtins": [GTIN["MUG"]],
                "unit_weight_g": 340,
                "weight_sd_g": 8,
                "dims_mm": [120, 95, 95],
            },
            {
                "sku": "CABLE",
                "name": "Cable",
                "gtins": [GTIN["CABLE"]],
                "unit_weight_g": 40,
                "weight_sd_g": 2,
                "dims_mm": [120, 90, 20],
            },
            {
                "sku": "BOOK",
                "name": "Book",
                "gtins": [GTIN["BOOK"]],
                "unit_weight_g": 300,
                "weight_sd_g": 12,
                "dims_mm": [198, 129, 25],
            },
            {
                "sku": "PIN",
                "name": "Pin badge",
                "gtins": [GTIN["PIN"]],
                "unit_weight_g": 5,
                "weight_sd_g": 1,
                "dims_mm": [30, 30, 5],
            },
        ],
        "bins": [{"label": b} for b in bins],
        "stock": [
            {"bin": "A-02-1-A", "sku": "MUG", "qty": 10},
            {"bin": "C-05-2-B", "sku": "MUG", "qty": 10},
            {"bin": "B-03-1-B", "sku": "CABLE", "qty": 3},
            {"bin": "C-01-1-A", "sku": "BOOK", "qty": 5},
            {"bin": "B-06-2-A", "sku": "PIN", "qty": 50},
        ],
        "pack_stations": [{"id": "PS-1"}, {"id": "PS-2"}],
        "box_types": [
            {"id": "S", "inner_mm": [300, 200, 120], "tare_g": 160, "max_load_g": 5000},
            {"id": "M", "inner_mm": [400, 300, 200], "tare_g": 290, "max_load_g": 10000},
        ],
        "devices": [
            {"id": "scan-1", "kind": "scanner"},
            {"id": "scan-2", "kind": "scanner"},
            {"id": "pack-1", "kind": "scanner", "station": "PS-1"},
            {"id": "scale-1", "kind": "scale", "station": "PS-1", "resolution_g": 2},
            {"id": "pack-2", "kind": "scanner", "station": "PS-2"},
            {"id": "ptl-A", "kind": "shelf", "slots": [b for b in bins if b.startswith("A-")]},
        ],
        "staff": [
            {"badge": "P-1", "name": "Ana", "role": "picker", "color": "#00ff00"},
            {"badge": "P-2", "name": "Bram", "role": "picker", "color": "#ff0000"},
            {"badge": "K-1", "name": "Greta", "role": "packer"},
            {"badge": "K-2", "name": "Hiro", "role": "packer"},
            {"badge": "S-1", "name": "Ines", "role": "supervisor"},
        ],
    }


# API clients of the tests: an admin (X-API-Key: test-key) and one client per role, whose key
# is "<role>-key" (tests/unit/web/access.py walks every route with each).
TEST_CLIENTS: dict[str, dict[str, Any]] = {
    "test-admin": {"roles": ["admin"], "keys": ["test-key"]},
    **{
        role: {"roles": [role], "keys": [f"{role}-key"]}
        for role in ("intake", "carrier", "feed", "metrics")
    },
}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=250)
        return self.now


@dataclass
class Harness:
    service: Service
    runtime: Runtime
    clock: Clock
    effects: list[Effect] = field(default_factory=list)
    ids: Iterator[int] = field(default_factory=itertools.count)

    def origin(self, actor: str = "shop") -> Origin:
        return Origin(actor, self.clock.now, "http")

    def msg_id(self) -> str:
        return f"m{next(self.ids)}"

    def handle(self, msg: Any) -> Any:
        return self.runtime.handle(msg)

    def intake(self, shop_id: str, *lines: tuple[str, int], paid_h: int = 8) -> int:
        paid = datetime(2026, 11, 20, paid_h, 0, tzinfo=UTC)
        msg = IntakeOrder(self.origin(), shop_id, tuple(OrderLineIn(s, q) for s, q in lines), paid)
        result: dict[str, Any] = self.handle(msg)
        return int(result["order_id"])

    def scan(self, device: str, code: str, msg_id: str | None = None) -> Any:
        return self.handle(ScanRead(device, msg_id or self.msg_id(), self.clock.now, code))

    def confirm(self, device: str, qty: int, reason: str = "") -> Any:
        return self.handle(QuantityConfirmed(device, self.msg_id(), self.clock.now, qty, reason))

    def button(self, device: str, slot: str, qty: int) -> Any:
        return self.handle(LightButton(device, self.msg_id(), self.clock.now, slot, qty))

    def weigh(self, device: str, grams: int) -> Any:
        return self.handle(WeightMeasured(device, self.msg_id(), self.clock.now, grams))

    def view(self, device: str) -> dict[str, Any]:
        views = [e for e in self.effects if isinstance(e, ScannerView) and e.device_id == device]
        assert views, f"no view sent to {device}"
        return views[-1].view

    def order(self, order_id: int) -> dict[str, Any]:
        return self.service.queries.order(order_id)

    def stock(self, bin_label: str, sku: str) -> tuple[int, int]:
        with self.service.read() as tx:
            row = tx.one(
                "SELECT on_hand, reserved FROM stock WHERE bin = ? AND sku = ?", (bin_label, sku)
            )
        assert row is not None
        return row["on_hand"], row["reserved"]

    def pick_current_stop(self, device: str) -> dict[str, Any]:
        """Scan bin and one item (which takes one unit), then confirm the rest of the stop."""
        stop: dict[str, Any] = self.view(device)["stop"]
        self.scan(device, stop["bin"])
        self.scan(device, stop["gtins"][0][1:])  # as EAN-13 from the GTIN-14
        if stop["qty"] > 1:
            self.confirm(device, stop["qty"] - 1)
        return stop


def make_harness(data_dir: Path) -> Harness:
    """The service built as production builds it (not started: the writer and the planner
    run inline), the small warehouse loaded, every effect recorded."""
    clock = Clock()
    settings = load_settings(None, data_dir=data_dir, api={"clients": TEST_CLIENTS})
    service = build(settings, clock=clock)
    h = Harness(service, service.runtime, clock)
    # First, so a message's effects are recorded before those of a plan it caused inline.
    service.runtime.sinks.insert(0, h.effects.extend)
    desc = parse_description(small_warehouse())
    service.runtime.handle(LoadWarehouse(Origin("test", clock.now, "test"), desc))
    return h
