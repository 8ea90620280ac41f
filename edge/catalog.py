"""The warehouse as the core reads it on every message: SKUs, barcodes, lights, devices, staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from edge.model import Box, Item
from edge.routing import RectLayout
from edge.warehouse import WarehouseDescription


@dataclass(frozen=True)
class SkuInfo:
    sku: str
    name: str
    gtins: tuple[str, ...]
    unit_weight_g: int
    weight_sd_g: int
    dims_mm: tuple[int, int, int]

    def item(self) -> Item:
        return Item(self.sku, self.unit_weight_g, self.weight_sd_g, self.dims_mm)


@dataclass(frozen=True)
class DeviceInfo:
    id: str
    kind: str
    station: str | None
    resolution_g: int
    transport: str = "mqtt"


@dataclass(frozen=True)
class StaffInfo:
    badge: str
    name: str
    role: str
    color: str
    pin_hash: str | None
    lang: str | None = None


class Catalog:
    """Read-mostly lookups built once from the stored warehouse description."""

    def __init__(self, desc: WarehouseDescription) -> None:
        self.description = desc
        self.site_id = desc.site.id
        self.timezone = desc.site.timezone
        self.cutoff: time = desc.site.cutoff
        self.carrier_pickups: list[time] = list(desc.site.carrier_pickups)
        self.layout: RectLayout = desc.layout.routing()
        self.skus = {
            s.sku: SkuInfo(s.sku, s.name, tuple(s.gtins), s.unit_weight_g, s.weight_sd_g, s.dims_mm)
            for s in desc.skus
        }
        self.sku_by_gtin = {g: s.sku for s in desc.skus for g in s.gtins}
        self.bins = frozenset(b.label for b in desc.bins)
        self.light_of_bin = {slot: d.id for d in desc.devices for slot in d.slots}
        self.devices = {
            d.id: DeviceInfo(d.id, d.kind, d.station, d.resolution_g, d.transport)
            for d in desc.devices
        }
        self.staff = {
            s.badge: StaffInfo(s.badge, s.name, s.role, s.color, s.pin_hash, s.lang)
            for s in desc.staff
        }
        self.boxes = [Box(b.id, b.inner_mm, b.tare_g, b.max_load_g) for b in desc.box_types]
        self.boxes_by_id = {b.id: b for b in self.boxes}
        self._depot_walk: dict[str, int] = {}
        self.scale_of_station = {
            d.station: d.id for d in desc.devices if d.kind == "scale" and d.station
        }

    def walk_from_depot(self, label: str) -> int:
        """Walking distance (dm) from the depot to a bin, cached: bins do not move."""
        found = self._depot_walk.get(label)
        if found is None:
            found = self.layout.distance(self.layout.depot, self.layout.point_of(label))
            self._depot_walk[label] = found
        return found

    def kind_of(self, device_id: str) -> str:
        dev = self.devices.get(device_id)
        return dev.kind if dev else ""
