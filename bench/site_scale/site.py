"""The site-scale warehouse: 2,000 devices on a generated layout, every bin with a light module."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.event_path.warehouse import SITE, badge, picker_color, scanner_id
from bench.site_data import site_description


@dataclass(frozen=True)
class SiteShape:
    """How many devices of each kind the site has (DOMAIN.md's large site by default)."""

    scanners: int = 1500
    shelves: int = 200
    scales: int = 150
    status_only: int = 150  # pack-station handhelds that only report presence here
    # x 300 bins: 15,000 as in DOMAIN.md, one SKU each. With 1,500 pickers on the floor,
    # fewer bins would have pickers queueing for the same light module at most stops.
    aisles: int = 50

    @classmethod
    def quick(cls) -> SiteShape:
        return cls(scanners=150, shelves=20, scales=15, status_only=15, aisles=5)

    @property
    def devices(self) -> int:
        return self.scanners + self.shelves + self.scales + self.status_only


def shelf_id(n: int) -> str:
    return f"ptl-{n + 1:03d}"


def station_id(n: int) -> str:
    return f"PS-{n + 1}"


def scale_id(n: int) -> str:
    return f"scale-{n + 1:03d}"


def status_only_id(n: int) -> str:
    return f"pack-{n + 1:03d}"


def site_warehouse(shape: SiteShape) -> dict[str, Any]:
    """bench.site_data's generated layout, with this benchmark's devices and staff: one
    picker (badge, own light colour) per scanner, a light module on every bin (the bins dealt
    round-robin over the controllers), a scale per pack station, and stock that never runs
    out (the run measures the event path, not replenishment)."""
    desc = site_description(shape.aisles, shape.aisles * 300)
    desc["site"] = {**desc["site"], "id": SITE, "name": "Site-scale benchmark"}
    bins = [b["label"] for b in desc["bins"]]
    desc["stock"] = [
        {"bin": label, "sku": sku["sku"], "qty": 1_000_000}
        for label, sku in zip(bins, desc["skus"], strict=False)
    ]
    stations = max(shape.scales, shape.status_only, 1)
    desc["pack_stations"] = [{"id": station_id(n)} for n in range(stations)]
    devices: list[dict[str, Any]] = [
        {"id": scanner_id(n), "kind": "scanner"} for n in range(shape.scanners)
    ]
    devices += [
        {"id": shelf_id(n), "kind": "shelf", "slots": bins[n :: shape.shelves]}
        for n in range(shape.shelves)
    ]
    devices += [
        {"id": scale_id(n), "kind": "scale", "station": station_id(n)} for n in range(shape.scales)
    ]
    devices += [
        {"id": status_only_id(n), "kind": "scanner", "station": station_id(n)}
        for n in range(shape.status_only)
    ]
    desc["devices"] = devices
    desc["staff"] = [
        {"badge": badge(n), "name": f"Picker {n + 1}", "role": "picker", "color": picker_color(n)}
        for n in range(shape.scanners)
    ] + [{"badge": "S-3001", "name": "Supervisor", "role": "supervisor"}]
    return desc


def device_ids(desc: dict[str, Any], kind: str, station: bool | None = None) -> list[str]:
    """The ids of one kind (scanners: with or without a pack station, or both with None)."""
    return [
        d["id"]
        for d in desc["devices"]
        if d["kind"] == kind and (station is None or ("station" in d) == station)
    ]
