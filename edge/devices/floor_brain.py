"""A simulated floor worker: receives and puts away, or tops up pick faces and counts (pure)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from edge.devices.brain import (
    Action,
    ScannerBrain,
    Send,
    SimDevice,
    SimOptions,
    _uniform,
    as_int,
    as_str,
)

_GS1_PREFIX: Final = "]C1"

# What a floor worker does, in turn: each kind of work until its queue is empty, then the
# next. The receiver also takes a waiting count, so a recount finds someone other than the
# person who counted first (the stock worker counts most).
CYCLES: Final = {
    "inbound": ("receive", "putaway", "count"),
    "stock": ("replenish", "count"),
}
# Screens of picking with no pick list open: a floor worker switches to floor work there.
_BETWEEN_PICK_LISTS: Final = ("idle", "trip_done")
_SELECT_SCREENS: Final = ("receive_select", "putaway_select", "replenish_select", "count_select")

# (bin label, SKU) -> the units physically there; None when the simulation cannot tell.
CountOracle = Callable[[str, str], int | None]


@dataclass(frozen=True)
class FloorOptions:
    """How simulated floor workers behave (probabilities per delivery, task or count)."""

    case_prob: float = 0.6  # a line's units scanned once and confirmed as a case of N
    gs1_prob: float = 0.3  # an item scan reads a GS1 code with lot and expiry
    split_prob: float = 0.25  # ... split over two barcodes: GTIN first, lot/expiry second
    short_prob: float = 0.3  # a delivery arrives with one line one unit short
    damaged_prob: float = 0.3  # a delivery has one damaged unit
    unexpected_prob: float = 0.2  # a delivery holds one unit nobody announced
    other_bin_prob: float = 0.15  # put away into a bin beside the suggested one
    miscount_prob: float = 0.1  # a count is off by a few units
    counts_per_round: int = 3  # the stock worker's counts before topping up again
    # Deliveries announced for people trying the demo: the simulated receivers leave them.
    people_prefix: str = "DN-TRY-"

    @classmethod
    def always(cls, **changes: Any) -> FloorOptions:
        """Every variation on every delivery (tests: one delivery shows them all)."""
        values: dict[str, Any] = {
            "short_prob": 1.0,
            "damaged_prob": 1.0,
            "unexpected_prob": 1.0,
            "split_prob": 0.5,
        }
        values.update(changes)
        return cls(**values)


@dataclass
class _ReceiptPlan:
    short_line: int | None
    damaged_line: int | None
    unexpected: bool
    lots: dict[int, str] = field(default_factory=dict)


@dataclass
class _Intent:
    """What the last item scan stands for, applied once its view comes back."""

    sku: str
    qty: int
    damaged: bool = False
    tail: str | None = None  # the second barcode of a split GS1 code


class FloorBrain(ScannerBrain):
    """The person on a floor scanner: picks a pick list it was given at login to the end,
    then works its cycle (CYCLES[device.floor]), acting on each view."""

    def __init__(
        self,
        device: SimDevice,
        options: SimOptions,
        rng: random.Random,
        shelves: frozenset[str] = frozenset(),
        scale_stations: frozenset[str] = frozenset(),
        floor: FloorOptions | None = None,
        oracle: CountOracle | None = None,
    ) -> None:
        super().__init__(device, options, rng, shelves, scale_stations)
        self.floor = floor or FloorOptions()
        self.oracle = oracle
        cycle = CYCLES.get(device.floor or "", ("count",))
        # Counting needs to know what a bin physically holds: without an oracle (`edge
        # simulate` against a real service) the worker leaves the counts to people.
        self.cycle = cycle if oracle else tuple(m for m in cycle if m != "count") or ("putaway",)
        self.counted_this_round = 0
        self._plans: dict[str, _ReceiptPlan] = {}
        self._intent: _Intent | None = None
        self._seen_gtins: dict[str, str] = {}  # gtin -> sku, from every view (unexpected items)
        self._other_bin_tried: set[int] = set()
        self._floor_key: str | None = None
        self._floor_repeats = 0
        self._asked_for_count = False  # `next` sent on count_select: the same screen = none due

    def _act(self, view: dict[str, Any]) -> list[Action]:
        screen = as_str(view.get("screen"))
        if screen in _BETWEEN_PICK_LISTS:
            return [self._switch(self.cycle[0], self.step())]
        handler = {
            "receive_select": self._receive_select,
            "receive": self._receive,
            "receive_done": self._done,
            "putaway_select": self._putaway_select,
            "putaway": self._putaway,
            "replenish_select": self._replenish_select,
            "replenish": self._replenish,
            "count_select": self._count_select,
            "count": self._count,
            "count_done": self._count_done,
        }.get(screen)
        if handler is None:
            return super()._act(view)
        if screen not in _SELECT_SCREENS and self._stuck_on(view):
            return []
        return handler(view)

    def _stuck_on(self, view: dict[str, Any]) -> bool:
        # The same view again means our action changed nothing (an error reply): try again
        # a few times, then wait for a new view, as a picker does.
        key = json.dumps(
            {k: v for k, v in view.items() if k not in ("message", "version")},
            sort_keys=True,
            default=repr,
        )
        if key != self._floor_key:
            self._floor_key, self._floor_repeats = key, 0
            return False
        self._floor_repeats += 1
        if self._floor_repeats == self.options.max_repeats:
            self.stuck += 1
        return self._floor_repeats >= self.options.max_repeats

    def _switch(self, mode: str, delay_s: float) -> Send:
        self.counted_this_round = 0
        self._asked_for_count = False
        return Send(delay_s, "mode", {"mode": mode})

    def _after(self, mode: str) -> Send:
        """Nothing left of this work: the next kind of work of the cycle, after a pause
        (longer than a picker's: each switch is a session event)."""
        at = self.cycle.index(mode) if mode in self.cycle else -1
        return self._switch(self.cycle[(at + 1) % len(self.cycle)], 3 * self.options.idle_retry_s)

    def _done(self, view: dict[str, Any]) -> list[Action]:
        return [Send(self.step(), "next")]

    # --- receiving ----------------------------------------------------------------------------

    def _receive_select(self, view: dict[str, Any]) -> list[Action]:
        for entry in _list(view.get("deliveries")):
            did = as_str(entry.get("delivery_id")) if isinstance(entry, dict) else ""
            if did and not did.startswith(self.floor.people_prefix):
                return [Send(_uniform(self.rng, self.options.walk_s), "scan", {"code": did})]
        return [self._after("receive")]

    def _plan(self, delivery: dict[str, Any], lines: list[dict[str, Any]]) -> _ReceiptPlan:
        did = as_str(delivery.get("delivery_id"))
        if did not in self._plans:
            numbers = [as_int(ln.get("line_no")) for ln in lines if as_int(ln.get("expected")) > 0]
            f, rng = self.floor, self.rng
            short = [n for n in numbers if n] if rng.random() < f.short_prob else []
            damaged = numbers if rng.random() < f.damaged_prob else []
            self._plans[did] = _ReceiptPlan(
                short_line=rng.choice(short) if short else None,
                damaged_line=rng.choice(damaged) if damaged else None,
                unexpected=rng.random() < f.unexpected_prob,
            )
            if len(self._plans) > 16:  # only the delivery at hand matters
                del self._plans[next(iter(self._plans))]
        return self._plans[did]

    def _receive(self, view: dict[str, Any]) -> list[Action]:
        delivery = view.get("delivery") if isinstance(view.get("delivery"), dict) else {}
        assert isinstance(delivery, dict)
        lines = [ln for ln in _list(delivery.get("lines")) if isinstance(ln, dict)]
        for ln in lines:
            for g in _list(ln.get("gtins")):
                self._seen_gtins.setdefault(as_str(g), as_str(ln.get("sku")))
        last = view.get("last") if isinstance(view.get("last"), dict) else None
        intent = self._intent
        if view.get("expect") == "qty" and last and intent and last.get("sku") == intent.sku:
            if intent.tail and view.get("awaiting_lot") is True:
                tail, intent.tail = intent.tail, None
                return [Send(self.step(), "scan", {"code": tail})]
            self._intent = None
            if intent.damaged:
                return [Send(self.step(), "confirm", {"qty": intent.qty, "reason": "damaged"})]
            if intent.qty != as_int(last.get("qty"), 1):
                return [Send(self.step(), "confirm", {"qty": intent.qty})]
        plan = self._plan(delivery, lines)
        for ln in lines:
            # Sound units first: the line's quantity less the unit short and the damaged one.
            expected, line_no = as_int(ln.get("expected")), ln.get("line_no")
            target = expected - (line_no == plan.short_line) - (line_no == plan.damaged_line)
            left = target - (as_int(ln.get("received")) - as_int(ln.get("damaged")))
            if expected > 0 and left > 0:
                qty = left if left >= 3 and self.rng.random() < self.floor.case_prob else 1
                return self._scan_item(plan, ln, qty, damaged=False)
        for ln in lines:
            if ln.get("line_no") == plan.damaged_line and as_int(ln.get("damaged")) == 0:
                return self._scan_item(plan, ln, 1, damaged=True)
        if plan.unexpected and all(as_int(ln.get("expected")) > 0 for ln in lines):
            announced = {as_str(ln.get("sku")) for ln in lines}
            others = sorted(g for g, s in self._seen_gtins.items() if s not in announced)
            if others:
                gtin = self.rng.choice(others)
                plan.unexpected = False
                self._intent = _Intent(self._seen_gtins[gtin], 1)
                return [Send(self.step(), "scan", {"code": gtin.removeprefix("0")})]
        return [Send(self.step(), "close")]

    def _scan_item(
        self, plan: _ReceiptPlan, line: dict[str, Any], qty: int, damaged: bool
    ) -> list[Action]:
        gtins = [as_str(g) for g in _list(line.get("gtins")) if as_str(g).isdigit()]
        sku = as_str(line.get("sku"))
        if not gtins:
            self._intent = _Intent(sku, qty, damaged)
            return [Send(self.step(), "scan", {"code": sku})]
        gtin14 = gtins[0].zfill(14)
        line_no = as_int(line.get("line_no"))
        # One lot per line: a scan naming another lot than the line's would open a new line.
        lot = as_str(line.get("lot")) or plan.lots.setdefault(
            line_no, f"L{self.rng.randrange(10000):04d}"
        )
        expiry = _yymmdd(as_str(line.get("expiry"))) or plan.lots.setdefault(
            -line_no, f"{self.rng.randint(27, 29)}{self.rng.randint(1, 12):02d}28"
        )
        tail = None
        draw = self.rng.random()
        if damaged or draw >= self.floor.gs1_prob + self.floor.split_prob:
            code = gtin14.removeprefix("0")  # the plain EAN-13 on the unit
        elif draw < self.floor.split_prob:
            code, tail = f"{_GS1_PREFIX}01{gtin14}", f"{_GS1_PREFIX}17{expiry}10{lot}"
        else:
            code = f"{_GS1_PREFIX}01{gtin14}17{expiry}10{lot}"
        self._intent = _Intent(sku, qty, damaged, tail)
        return [Send(self.step(), "scan", {"code": code})]

    # --- put-away -----------------------------------------------------------------------------

    def _putaway_select(self, view: dict[str, Any]) -> list[Action]:
        if view.get("tasks"):
            return [Send(self.step(), "next")]
        return [self._after("putaway")]

    def _putaway(self, view: dict[str, Any]) -> list[Action]:
        task = view.get("task") if isinstance(view.get("task"), dict) else {}
        assert isinstance(task, dict)
        task_id, suggested = as_int(task.get("task_id")), as_str(task.get("suggested_bin"))
        if not suggested:
            return [Send(self.step(), "skip")]  # no bin has room: a supervisor sorts it out
        target = suggested
        if task_id not in self._other_bin_tried:
            self._other_bin_tried.add(task_id)
            if self.rng.random() < self.floor.other_bin_prob:
                target = beside(suggested)  # no room there: the error sends us to the suggestion
        return [Send(_uniform(self.rng, self.options.walk_s), "scan", {"code": target})]

    # --- replenishment ------------------------------------------------------------------------

    def _replenish_select(self, view: dict[str, Any]) -> list[Action]:
        if view.get("tasks"):
            return [Send(self.step(), "next")]
        return [self._after("replenish")]

    def _replenish(self, view: dict[str, Any]) -> list[Action]:
        task = view.get("task") if isinstance(view.get("task"), dict) else {}
        assert isinstance(task, dict)
        walk = _uniform(self.rng, self.options.walk_s)
        step = view.get("step")
        if step == "from":
            return [Send(walk, "scan", {"code": as_str(task.get("from_bin"))})]
        if step == "item":
            gtins = [as_str(g) for g in _list(task.get("gtins")) if as_str(g)]
            code = gtins[0].removeprefix("0") if gtins else as_str(task.get("sku"))
            return [Send(self.step(), "scan", {"code": code})]
        if step == "to":
            return [Send(walk, "scan", {"code": as_str(task.get("to_bin"))})]
        return []

    # --- counts -------------------------------------------------------------------------------

    def _round_over(self) -> bool:
        limit = self.floor.counts_per_round if self.cycle[0] == "replenish" else 1
        return self.counted_this_round >= limit

    def _count_select(self, view: dict[str, Any]) -> list[Action]:
        # The stock worker also counts the schedule's bins; the receiver only waiting counts.
        wanted = self.cycle[0] == "replenish" or as_int(view.get("waiting")) > 0
        if wanted and not self._round_over() and not self._asked_for_count:
            self._asked_for_count = True
            return [Send(self.step(), "next")]
        return [self._after("count")]

    def _count(self, view: dict[str, Any]) -> list[Action]:
        count = view.get("count") if isinstance(view.get("count"), dict) else {}
        assert isinstance(count, dict)
        bin_label, sku = as_str(count.get("bin")), as_str(count.get("sku"))
        self._asked_for_count = False
        if view.get("expect") == "bin":
            return [Send(_uniform(self.rng, self.options.walk_s), "scan", {"code": bin_label})]
        there = self.oracle(bin_label, sku) if self.oracle else None
        if there is None:
            return [Send(self.step(), "skip")]
        if self.rng.random() < self.floor.miscount_prob:
            there = max(0, there + self.rng.choice((-4, -3, 3, 4)))
        self.counted_this_round += 1
        # Counting every unit in a bin takes a while (nothing in the instant options).
        return [Send(4 * self.step(), "confirm", {"qty": there})]

    def _count_done(self, view: dict[str, Any]) -> list[Action]:
        if self._round_over():
            return [self._after("count")]
        return [Send(self.step(), "next")]


def _list(value: Any) -> list[Any]:
    """A view field that should be a list; anything else (a faulty view) as empty."""
    return value if isinstance(value, list) else []


def beside(label: str) -> str:
    """The bin on the other side of the same bay and level (A-03-2-A -> A-03-2-B)."""
    head, _, side = label.rpartition("-")
    return f"{head}-{'B' if side == 'A' else 'A'}" if head else label


def _yymmdd(iso: str) -> str:
    """2027-06-30 -> 270630 (a GS1 (17) date); anything else -> ''."""
    parts = iso.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return ""
    return f"{parts[0][-2:]}{parts[1]}{parts[2]}"
