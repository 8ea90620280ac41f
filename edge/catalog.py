"""The warehouse as the core reads it on every message: SKUs, barcodes, lights, devices, staff."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime, time
from functools import cached_property

from edge.model import Box, DomainError, Item
from edge.ports import Reader
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
    image: str | None = None  # a file in the pages' products/ folder (edge.warehouse.Sku)

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
            s.sku: SkuInfo(
                s.sku, s.name, tuple(s.gtins), s.unit_weight_g, s.weight_sd_g, s.dims_mm, s.image
            )
            for s in desc.skus
        }
        self.sku_by_gtin = {g: s.sku for s in desc.skus for g in s.gtins}
        self.bins = frozenset(b.label for b in desc.bins)
        self.bin_info = {b.label: b for b in desc.bins}
        # Overstock: never picked for an order; replenishment moves it to a pick face.
        self.reserve_bins = frozenset(b.label for b in desc.bins if b.kind == "reserve")
        self.count_policy = desc.site.counts
        # Picks per SKU over the last 30 days, cached by the writer (edge.core.slotting): a
        # put-away suggestion or a count schedule must not scan a month of picks each time.
        self.pick_stats: tuple[datetime, int, dict[str, int]] | None = None
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

    @cached_property
    def pick_bins_by_walk(self) -> tuple[str, ...]:
        """Every pick face, nearest the depot first (put-away slotting ranks bins by it)."""
        faces = (b for b in self.bins if b not in self.reserve_bins)
        return tuple(sorted(faces, key=lambda b: (self.walk_from_depot(b), b)))

    def staff_name(self, badge: str) -> str:
        """The person's name, or the badge of someone no longer in the staff list."""
        person = self.staff.get(badge)
        return person.name if person else badge

    def kind_of(self, device_id: str) -> str:
        dev = self.devices.get(device_id)
        return dev.kind if dev else ""

    def transport_of(self, device_id: str) -> str:
        """How a device is reached: "mqtt", or "http" for a handheld running the page. A
        device the description does not know spoke MQTT (it is answered there)."""
        dev = self.devices.get(device_id)
        return dev.transport if dev else "mqtt"

    def station_of(self, device_id: str) -> str | None:
        dev = self.devices.get(device_id)
        return dev.station if dev else None


class Catalogs:
    """The warehouse description in force, parsed once and shared by every part.

    The writer and every reader ask with their own snapshot (`of`), so each sees the
    description its data belongs to, and a reload is seen by all at once. Catalogs are keyed
    by the description's hash (recorded with every load), not by load id: a load that rolled
    back may leave its id to the next one. `current` is the newest committed one, for parts
    that run outside a snapshot (the MQTT link, the effect router); the runtime refreshes it
    after each commit.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_hash: dict[str, Catalog] = {}
        self.current: Catalog | None = None

    def of(self, tx: Reader) -> Catalog | None:
        digest = tx.value("SELECT sha256 FROM warehouse_loads ORDER BY id DESC LIMIT 1")
        if digest is None:
            return None
        found = self._by_hash.get(digest)
        if found is None:
            raw = tx.value("SELECT value FROM meta WHERE key = 'warehouse'")
            # Stored by a load that validated it (numbers checked, too): parse the JSON in
            # pydantic's core, not Python's json module (a 100,000-SKU site restarts faster).
            found = Catalog(WarehouseDescription.model_validate_json(raw))
            self._keep(digest, found)
        return found

    def remember(self, cat: Catalog) -> Catalog:
        """A catalog built from a description being loaded: keyed as `of` will look it up."""
        self._keep(description_digest(cat.description), cat)
        return cat

    def _keep(self, digest: str, cat: Catalog) -> None:
        with self._lock:
            # Keep the newest few: a reload replaces the catalog for good.
            while len(self._by_hash) >= 4:
                del self._by_hash[next(iter(self._by_hash))]
            self._by_hash[digest] = cat

    def require(self, tx: Reader) -> Catalog:
        cat = self.of(tx)
        if cat is None:
            raise DomainError("no warehouse description is loaded yet", "not_ready")
        return cat

    def refresh(self, tx: Reader) -> None:
        """After a commit: what the store holds now is what `current` says."""
        self.current = self.of(tx)


def description_digest(desc: WarehouseDescription) -> str:
    """The hash a load records (edge.core.load): the same text, the same catalog."""
    return hashlib.sha256(desc.model_dump_json().encode()).hexdigest()
