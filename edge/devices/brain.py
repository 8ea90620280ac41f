"""A simulated person at a device, pure: each view in, the next actions out (seeded)."""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

log = logging.getLogger(__name__)

_GS1_PREFIX: Final = "]C1"  # symbology identifier of a GS1-128 read


@dataclass(frozen=True)
class SimDevice:
    """One simulated device. A scanner with a station is a pack-station scanner; a scale
    belongs to its station; a shelf controller drives one light module per slot (bin label)."""

    id: str
    kind: str
    badge: str | None = None
    station: str | None = None
    slots: tuple[str, ...] = ()
    # The badge holder's PIN, typed when the scanner asks for it (the demo's people only).
    pin: str | None = field(default=None, repr=False)
    # A floor scanner's work instead of picking: "inbound" (receive, put away) or "stock"
    # (top up pick faces, count bins); see edge.devices.floor_brain.
    floor: str | None = None


@dataclass(frozen=True)
class SimOptions:
    """How the simulated people behave; times in seconds, (low, high) drawn uniformly."""

    step_s: tuple[float, float] = (0.3, 1.0)  # thinking between two scans
    walk_s: tuple[float, float] = (0.3, 1.0)  # walking to the next bin
    idle_retry_s: float = 3.0  # no work: ask again after this long
    login_after_s: float = 2.0  # no view this long after connecting: scan the badge anyway
    button_prob: float = 0.3  # a lit stop is confirmed on the light module, not by scans
    short_prob: float = 0.02  # a stop is picked one short, reason "damaged"
    gs1_prob: float = 0.5  # an item scan reads a GS1 element string, not plain EAN/UPC
    wrong_weight_prob: float = 0.05  # a parcel weighs clearly wrong (the demo shows holds)
    unstable_first: bool = True  # the scale sends a settling reading before the stable one
    max_repeats: int = 3  # the same screen acted on this often, then wait for a new one
    seed: int | None = None  # decisions repeat with a seed; msg_ids are always fresh
    keepalive_s: int = 30

    @classmethod
    def instant(cls, seed: int = 0, **changes: Any) -> SimOptions:
        """No think or walk time: for tests and load runs."""
        values: dict[str, Any] = {
            "step_s": (0.0, 0.0),
            "walk_s": (0.0, 0.0),
            "idle_retry_s": 0.5,
            "login_after_s": 1.0,
            "seed": seed,
        }
        values.update(changes)
        return cls(**values)


@dataclass(frozen=True)
class SimStats:
    events_sent: int
    errors_received: int
    views_received: int
    commands_received: int
    stuck: int  # times a scanner gave up on a screen it kept getting
    connected: int
    devices: int


# --- what a simulated person decides (pure: view in, actions out) ------------------------------


@dataclass(frozen=True)
class Send:
    """Publish an event from the scanner itself."""

    delay_s: float
    type: str
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Press:
    """Press confirm on the light module of `slot` of shelf controller `device_id`."""

    delay_s: float
    device_id: str
    slot: str
    qty: int


@dataclass(frozen=True)
class Weigh:
    """Put the parcel on the station's scale: it publishes these (grams, stable) readings."""

    delay_s: float
    station: str
    readings: tuple[tuple[int, bool], ...]


@dataclass(frozen=True)
class Again:
    """Look at the current screen again after a pause (after an error reply)."""

    delay_s: float


Action = Send | Press | Weigh | Again


def _uniform(rng: random.Random, span: tuple[float, float]) -> float:
    low, high = span
    return low if high <= low else rng.uniform(low, high)


def as_int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _scalar(value: Any) -> str | int | float | bool | None:
    """A view field as a hashable key part, whatever shape a faulty view gives it."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


def as_str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def item_code(gtin: str, rng: random.Random, gs1_prob: float) -> str:
    """What a scanner reads off an item: plain EAN-13/UPC-A digits or a GS1 element string."""
    digits = gtin.strip()
    if not digits.isdigit():
        return digits
    gtin14 = digits.zfill(14)
    if rng.random() < gs1_prob:
        lot = f"L{rng.randrange(10000):04d}"
        return f"{_GS1_PREFIX}01{gtin14}10{lot}"  # lot is last, so no FNC1 separator needed
    if gtin14.startswith("00") and rng.random() < 0.5:
        return gtin14[2:]  # UPC-A
    return gtin14.removeprefix("0")


class ScannerBrain:
    """The person holding a scanner: reacts to each view with the next actions. Pure."""

    def __init__(
        self,
        device: SimDevice,
        options: SimOptions,
        rng: random.Random,
        shelves: frozenset[str] = frozenset(),
        scale_stations: frozenset[str] = frozenset(),
    ) -> None:
        self.device = device
        self.options = options
        self.rng = rng
        self.shelves = shelves
        self.scale_stations = scale_stations
        self.view: dict[str, Any] | None = None
        self.stuck = 0
        self._last_key: tuple[Any, ...] | None = None
        self._repeats = 0
        self._stop_plan: dict[tuple[Any, ...], tuple[bool, bool]] = {}  # (button?, short?)

    def step(self) -> float:
        return _uniform(self.rng, self.options.step_s)

    def on_view(self, view: Any) -> list[Action]:
        """A new view arrived; odd or unknown views yield no action, never an exception."""
        if not isinstance(view, dict):
            return []
        self.view = view
        return self._act(view)

    def on_error(self) -> list[Action]:
        """An err reply: look at the screen again in a moment (a new view may follow)."""
        return [Again(max(self.options.idle_retry_s / 2, self.step()))]

    def again(self) -> list[Action]:
        return self._act(self.view) if self.view is not None else self.first_login()

    def first_login(self) -> list[Action]:
        """No view yet: a person with a badge scans it."""
        if self.device.badge:
            return [Send(self.step(), "scan", {"code": self.device.badge})]
        return []

    def _act(self, view: dict[str, Any]) -> list[Action]:
        screen, expect = as_str(view.get("screen")), as_str(view.get("expect"))
        stop = view.get("stop") if isinstance(view.get("stop"), dict) else {}
        assert isinstance(stop, dict)
        key = (
            screen,
            expect,
            _scalar(view.get("trip_id")),
            _scalar(stop.get("n")),
            _scalar(stop.get("bin")),
            _scalar(view.get("order_id")),
            _waiting_parcel(view),
            _packing_progress(view),
        )
        # Asking again on an idle screen is the normal loop, not a stuck scanner; a packing
        # queue is re-sent whenever an order joins or leaves it, so it repeats by design.
        waiting_for_work = screen in ("idle", "pack_order")
        if key == self._last_key and not waiting_for_work:
            self._repeats += 1
            if self._repeats >= self.options.max_repeats:
                if self._repeats == self.options.max_repeats:
                    self.stuck += 1
                    log.warning("%s: stuck on screen %s/%s", self.device.id, screen, expect)
                return []
        else:
            self._last_key, self._repeats = key, 0
        handler = {
            "login": self._login,
            "pin": self._pin,
            "idle": self._idle,
            "trip_done": self._trip_done,
            "stop": self._stop,
            "pack_order": self._pack_order,
            "pack_contents": self._pack_contents,
            "pack_weigh": self._pack_weigh,
        }.get(screen)
        return handler(view) if handler else []

    def _login(self, view: dict[str, Any]) -> list[Action]:
        return self.first_login()

    def _pin(self, view: dict[str, Any]) -> list[Action]:
        # A person without the PIN cannot log in: they stay on this screen.
        return [Send(self.step(), "pin", {"pin": self.device.pin})] if self.device.pin else []

    def _idle(self, view: dict[str, Any]) -> list[Action]:
        return [Send(self.options.idle_retry_s, "next")]

    def _trip_done(self, view: dict[str, Any]) -> list[Action]:
        return [Send(self.step(), "next")]

    def _stop(self, view: dict[str, Any]) -> list[Action]:
        stop = view.get("stop")
        if not isinstance(stop, dict):
            return []
        bin_label, qty = as_str(stop.get("bin")), max(0, as_int(stop.get("qty")))
        plan_key = (_scalar(view.get("trip_id")), _scalar(stop.get("n")), bin_label)
        if plan_key not in self._stop_plan:
            light = as_str(stop.get("light_device"))
            button = (
                stop.get("lit") is True
                and light in self.shelves
                and self.rng.random() < self.options.button_prob
            )
            short = qty > 0 and self.rng.random() < self.options.short_prob
            self._stop_plan[plan_key] = (button, short)
            if len(self._stop_plan) > 64:  # only the current trip matters
                del self._stop_plan[next(iter(self._stop_plan))]
        button, short = self._stop_plan[plan_key]
        take = qty - 1 if short else qty
        expect = view.get("expect")
        if expect == "bin":
            walk = _uniform(self.rng, self.options.walk_s)
            if button:
                return [Press(walk, as_str(stop.get("light_device")), bin_label, take)]
            return [Send(walk, "scan", {"code": bin_label})] if bin_label else []
        if expect == "item":
            if short and qty == 1:  # an item scan would take the only unit: report it empty
                return [Send(self.step(), "confirm", {"qty": 0, "reason": "not found"})]
            gtins = [g for g in stop.get("gtins") or [] if isinstance(g, str) and g]
            if gtins:
                code = item_code(self.rng.choice(gtins), self.rng, self.options.gs1_prob)
            else:
                code = as_str(stop.get("sku"))
            return [Send(self.step(), "scan", {"code": code})] if code else []
        if expect == "qty":
            fields: dict[str, Any] = {"qty": take, "reason": "damaged" if short else ""}
            return [Send(self.step(), "confirm", fields)]
        return []

    def _pack_order(self, view: dict[str, Any]) -> list[Action]:
        code = _queue_code(view)
        if code:
            return [Send(self.step(), "scan", {"code": code})]
        return [Send(self.options.idle_retry_s, "next")]

    def _pack_contents(self, view: dict[str, Any]) -> list[Action]:
        # The items the scale cannot see missing, scanned into the box one at a time (the
        # SKU as typed from the label: the screen lists SKUs, not barcodes).
        missing = view.get("missing")
        for item in missing if isinstance(missing, list) else []:
            if isinstance(item, dict) and as_str(item.get("sku")):
                return [Send(self.step(), "scan", {"code": as_str(item.get("sku"))})]
        return []

    def _pack_weigh(self, view: dict[str, Any]) -> list[Action]:
        station = as_str(view.get("station")) or (self.device.station or "")
        parcel = _waiting_parcel(view)
        if parcel is None or station not in self.scale_stations:
            return []
        expected, tolerance = parcel
        if self.rng.random() < self.options.wrong_weight_prob:
            off = max(3 * tolerance, 150)
            grams = expected + off if self.rng.random() < 0.5 or expected < off else expected - off
        else:
            noise = max(1, tolerance // 3)
            grams = max(0, expected + self.rng.randint(-noise, noise))
        readings: list[tuple[int, bool]] = []
        if self.options.unstable_first:
            readings.append((max(0, grams + self.rng.randint(-50, 50)), False))
        readings.append((grams, True))
        return [Weigh(self.step(), station, tuple(readings))]


def _queue_code(view: dict[str, Any]) -> str:
    """The code of the first order in a pack station's queue, or ""."""
    queue = view.get("queue")
    for entry in queue if isinstance(queue, list) else []:
        if isinstance(entry, dict) and as_str(entry.get("code")):
            return as_str(entry.get("code"))
    return ""


def _packing_progress(view: dict[str, Any]) -> str:
    """What moves on a pack screen without changing its order or waiting parcel: items
    scanned into the box, a parcel weighed, a label printed. A view re-sent with any of
    these changed is progress, not the same screen again."""
    parcels = view.get("parcels")
    return repr(
        (
            view.get("progress"),
            view.get("missing"),
            [
                (p.get("n"), p.get("state"), p.get("label"))
                for p in (parcels if isinstance(parcels, list) else [])
                if isinstance(p, dict)
            ],
        )
    )


def _waiting_parcel(view: dict[str, Any]) -> tuple[int, int] | None:
    """(expected_g, tolerance_g) of the first parcel still waiting for the scale."""
    if view.get("screen") != "pack_weigh":
        return None
    parcels = view.get("parcels")
    for parcel in parcels if isinstance(parcels, list) else []:
        if not isinstance(parcel, dict):
            continue
        if parcel.get("state") in (None, "", "waiting"):
            expected = as_int(parcel.get("expected_g"), -1)
            if expected >= 0:
                return expected, max(0, as_int(parcel.get("tolerance_g")))
    return None
