"""The warehouse description: site, layout, SKUs, bins, stock, stations, boxes, devices, staff."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from edge.labels.config import Carrier, LabelPrinter, Labels
from edge.routing.labels import LabelError, parse_label
from edge.routing.rect_layout import RectLayout


class DescriptionError(Exception):
    """The description is not usable; the message names the place and the problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CountPolicy(_Strict):
    """Cycle counts: how often each ABC class is counted, and what difference needs a
    recount by someone else and a supervisor's approval."""

    a_every_days: int = Field(7, ge=1, le=366)  # the fastest movers: most picks, most errors
    b_every_days: int = Field(30, ge=1, le=366)
    c_every_days: int = Field(90, ge=1, le=366)
    # A difference of more than this many units (either way) is recounted, then approved.
    recount_above_units: int = Field(2, ge=0)


class Site(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")
    name: str
    timezone: str = "UTC"
    cutoff: time = time(13, 0)  # orders paid before this ship the same day
    carrier_pickups: list[time] = Field(default_factory=lambda: [time(15, 0), time(17, 0)])
    counts: CountPolicy = CountPolicy()


class Depot(_Strict):
    name: str = "front-left"
    x_dm: int = Field(0, ge=0)
    y_dm: int = Field(0, ge=0, le=0)


class Layout(_Strict):
    """A rectangular layout, in the shared routing format (integer decimetres)."""

    kind: Literal["rectangular"] = "rectangular"
    aisles: int = Field(ge=1, le=702)
    blocks: int = Field(1, ge=1, le=9)
    bays_per_block: int = Field(ge=1, le=99)
    aisle_pitch_dm: int = Field(ge=1)
    bay_width_dm: int = Field(ge=2)
    cross_aisle_width_dm: int = Field(ge=2)
    levels: int = Field(ge=1, le=99)
    depot: Depot = Depot()

    @model_validator(mode="after")
    def _fits(self) -> Layout:
        if self.blocks * self.bays_per_block > 99:
            raise ValueError("blocks * bays_per_block must be ≤ 99 (bays are two digits)")
        if self.bay_width_dm % 2 or self.cross_aisle_width_dm % 2:
            raise ValueError("bay_width_dm and cross_aisle_width_dm must be even")
        if self.depot.x_dm > (self.aisles - 1) * self.aisle_pitch_dm:
            raise ValueError("depot.x_dm lies beyond the last aisle")
        return self

    def routing(self) -> RectLayout:
        return RectLayout.from_dict(self.model_dump())


# A product picture is a file name in the pages' products/ folder (/static/products/NAME):
# no folder, no "..", no address. The service serves its own files and never fetches one.
PICTURE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,95}\.(svg|png|jpg|jpeg|webp)")


class Sku(_Strict):
    sku: str = Field(min_length=1, max_length=64)
    name: str
    gtins: list[str] = Field(min_length=1)
    unit_weight_g: int = Field(ge=1)
    weight_sd_g: int = Field(0, ge=0)  # spread of the unit weight (one standard deviation)
    dims_mm: tuple[int, int, int]
    image: str | None = None  # a picture on the handheld's screens; none: its initials

    @field_validator("image")
    @classmethod
    def _image(cls, v: str | None) -> str | None:
        if v is not None and not PICTURE_NAME.fullmatch(v):
            raise ValueError(
                f"image {v!r} must be a file name in the products folder"
                " (letters, digits, - and _; .svg, .png, .jpg or .webp), not a path or an address"
            )
        return v

    @field_validator("gtins")
    @classmethod
    def _gtins(cls, v: list[str]) -> list[str]:
        out = []
        for g in v:
            if not g.isdigit() or len(g) not in (8, 12, 13, 14):
                raise ValueError(f"GTIN {g!r} must be 8, 12, 13 or 14 digits")
            out.append(g.zfill(14))  # stored as GTIN-14 so EAN-13, UPC-A and GS1 scans agree
        return out

    @field_validator("dims_mm")
    @classmethod
    def _dims(cls, v: tuple[int, int, int]) -> tuple[int, int, int]:
        if min(v) < 1:
            raise ValueError("every dimension must be ≥ 1 mm")
        return v


class Bin(_Strict):
    label: str
    # A pick face is picked from for orders; a reserve bin holds overstock that
    # replenishment moves to the SKU's pick face (never picked from for an order).
    kind: Literal["pick", "reserve"] = "pick"
    # Capacity, any of: units (of any SKUs), inner size, load. Unset: no limit of that kind.
    capacity_units: int | None = Field(None, ge=1)
    inner_mm: tuple[int, int, int] | None = None
    max_load_g: int | None = Field(None, ge=1)
    # A pick face's replenishment levels: below min_qty free units, top up to max_qty.
    # Unset: max is capacity_units, min a quarter of it; no capacity, no rule.
    min_qty: int | None = Field(None, ge=0)
    max_qty: int | None = Field(None, ge=1)

    @field_validator("label")
    @classmethod
    def _label(cls, v: str) -> str:
        # The one label grammar (edge.routing.labels): what routes and scans understand.
        try:
            parse_label(v)
        except LabelError as exc:
            raise ValueError(str(exc)) from None
        return v

    @model_validator(mode="after")
    def _levels(self) -> Bin:
        if self.min_qty is not None and self.max_qty is not None and self.min_qty >= self.max_qty:
            raise ValueError("min_qty must be below max_qty")
        if self.max_qty and self.capacity_units and self.max_qty > self.capacity_units:
            raise ValueError("max_qty must not exceed capacity_units")
        return self

    def levels(self) -> tuple[int, int] | None:
        """(min, max) free units of a pick face, or None when it has no replenishment rule."""
        top = self.max_qty or self.capacity_units
        if self.kind != "pick" or top is None:
            return None
        return (self.min_qty if self.min_qty is not None else top // 4), top


class StockLine(_Strict):
    bin: str
    sku: str
    qty: int = Field(ge=0)


class PackStation(_Strict):
    id: str
    name: str = ""
    # Where its labels print; none at a labelled site: each label fails loudly (no printer).
    printer: LabelPrinter | None = None


class BoxType(_Strict):
    id: str
    inner_mm: tuple[int, int, int]
    tare_g: int = Field(ge=0)
    max_load_g: int = Field(ge=1)


class Device(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
    kind: Literal["scanner", "scale", "shelf"]
    station: str | None = None  # pack-station scanners and scales
    resolution_g: int = Field(1, ge=1)  # scales
    slots: list[str] = Field(default_factory=list)  # shelf controllers: the bins they light
    # "http": a handheld running the service's own page (scans over HTTP, views by SSE)
    # rather than an MQTT device; the demo does not simulate these, people use them.
    transport: Literal["mqtt", "http"] = "mqtt"


class Staff(_Strict):
    badge: str = Field(pattern=r"^[A-Za-z0-9-]{2,32}$")
    name: str
    role: Literal["picker", "packer", "supervisor"]
    color: str = "#00a0ff"  # the picker's light colour on shared shelves
    # pbkdf2_sha256$rounds$salt$hex (edge.staff.hash_pin); when set, login needs the PIN.
    pin_hash: str | None = None
    # The screens' language for this person (en, ko, nl, ru, ja); unset: the browser's.
    lang: str | None = Field(None, pattern=r"^[a-z]{2}(-[A-Za-z]{2})?$")


class WarehouseDescription(_Strict):
    site: Site
    layout: Layout
    skus: list[Sku]
    bins: list[Bin]
    stock: list[StockLine] = Field(default_factory=list)
    pack_stations: list[PackStation] = Field(default_factory=list)
    box_types: list[BoxType] = Field(default_factory=list)
    devices: list[Device] = Field(default_factory=list)
    staff: list[Staff] = Field(default_factory=list)
    carriers: list[Carrier] = Field(default_factory=list)
    labels: Labels | None = None  # none: parcels get no label (tracking typed at hand-over)

    @model_validator(mode="after")
    def _consistent(self) -> WarehouseDescription:
        problems = _cross_check(self)
        if problems:
            raise ValueError(problems[0])
        return self


def _dupes(values: list[str]) -> str | None:
    seen: set[str] = set()
    for v in values:
        if v in seen:
            return v
        seen.add(v)
    return None


def _cross_check(d: WarehouseDescription) -> list[str]:
    """References between sections, each problem naming its place."""
    problems: list[str] = []
    lay = d.layout
    for name, values in (
        ("skus", [s.sku for s in d.skus]),
        ("bins", [b.label for b in d.bins]),
        ("devices", [x.id for x in d.devices]),
        ("staff", [s.badge for s in d.staff]),
        ("box_types", [b.id for b in d.box_types]),
        ("gtins", [g for s in d.skus for g in s.gtins]),
        ("carriers", [c.id for c in d.carriers]),
    ):
        dup = _dupes(values)
        if dup:
            problems.append(f"{name}: {dup!r} appears twice")
    for i, b in enumerate(d.bins):
        loc = parse_label(b.label)
        bay_count = lay.blocks * lay.bays_per_block
        if loc.aisle >= lay.aisles or not 1 <= loc.bay <= bay_count or loc.level > lay.levels:
            problems.append(f"bins[{i}]: {b.label!r} lies outside the layout")
    bins = {b.label for b in d.bins}
    skus = {s.sku for s in d.skus}
    for i, s in enumerate(d.stock):
        if s.bin not in bins:
            problems.append(f"stock[{i}].bin: unknown bin {s.bin!r}")
        if s.sku not in skus:
            problems.append(f"stock[{i}].sku: unknown SKU {s.sku!r}")
    stations = {p.id for p in d.pack_stations}
    for i, dev in enumerate(d.devices):
        if dev.station is not None and dev.station not in stations:
            problems.append(f"devices[{i}].station: unknown pack station {dev.station!r}")
        if dev.kind == "scale" and dev.station is None:
            problems.append(f"devices[{i}]: a scale needs a station")
        for slot in dev.slots:
            if slot not in bins:
                problems.append(f"devices[{i}].slots: unknown bin {slot!r}")
    if d.labels is not None and d.labels.default_carrier not in {c.id for c in d.carriers}:
        problems.append(f"labels.default_carrier: unknown carrier {d.labels.default_carrier!r}")
    lit = [slot for dev in d.devices for slot in dev.slots]
    dup = _dupes(lit)
    if dup:
        problems.append(f"devices: bin {dup!r} has two light modules")
    return problems


def _format(exc: ValidationError, source: str) -> str:
    lines = []
    for err in exc.errors()[:5]:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".")
        msg = err["msg"].removeprefix("Value error, ")
        lines.append(f"{source}: {where}: {msg}" if where else f"{source}: {msg}")
    if exc.error_count() > 5:
        lines.append(f"{source}: … and {exc.error_count() - 5} more problems")
    return "\n".join(lines)


# Every number of a description is grams, millimetres, decimetres, seconds or a count: a
# billion is far beyond any warehouse, and far below what SQLite or the routing overflow at.
LARGEST_NUMBER = 10**9


def too_large(data: Any, root: str) -> str | None:
    """Where the first number beyond LARGEST_NUMBER sits (body.stock[0].qty), if any."""
    if not _any_too_large(data):
        return None  # the usual case, without a path string per value (100,000 SKUs: 6x faster)
    pending: list[tuple[str, Any]] = [(root, data)]
    while pending:  # a loop, not recursion: a deeply nested body cannot exhaust the stack
        where, value = pending.pop()
        if isinstance(value, int | float) and not isinstance(value, bool):
            if abs(value) > LARGEST_NUMBER:
                return where
        elif isinstance(value, dict):
            pending += reversed([(f"{where}.{k}", v) for k, v in value.items()])
        elif isinstance(value, list):
            pending += reversed([(f"{where}[{i}]", v) for i, v in enumerate(value)])
    return None


def _any_too_large(data: Any) -> bool:
    pending: list[Any] = [data]
    while pending:  # a loop, not recursion: a deeply nested body cannot exhaust the stack
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and abs(value) > LARGEST_NUMBER
        ):
            return True
    return False


def parse_description(data: Any, source: str = "warehouse") -> WarehouseDescription:
    """Validate a parsed description; DescriptionError names the place and the problem."""
    where = too_large(data, source)
    if where is not None:
        raise DescriptionError(f"{where}: a number of at most {LARGEST_NUMBER:,} (either sign)")
    try:
        return WarehouseDescription.model_validate(data)
    except ValidationError as exc:
        raise DescriptionError(_format(exc, source)) from None


def load_description(path: Path) -> WarehouseDescription:
    """Read a JSON or TOML warehouse description file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DescriptionError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DescriptionError(
            f"{path}: not valid {path.suffix.lstrip('.') or 'JSON'}: {exc}"
        ) from None
    return parse_description(data, str(path.name))


def demo_description_path() -> Path:
    return Path(__file__).with_name("demo_warehouse.json")
