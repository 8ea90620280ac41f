"""A simulated person at the returns desk: opens announced returns, grades each unit (pure)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Final

from edge.devices.brain import Action, ScannerBrain, Send, SimDevice, SimOptions, as_int, as_str

# Screens of picking with no pick list open: the desk's person switches to returns there.
_BETWEEN_PICK_LISTS: Final = ("idle", "trip_done")
GRADE_CODES: Final = {
    "resellable": "GRADE-RESELLABLE",
    "damaged": "GRADE-DAMAGED",
    "wrong_item": "GRADE-WRONG",
    "missing": "GRADE-MISSING",
}


@dataclass(frozen=True)
class ReturnsOptions:
    """How the simulated desk grades: most units go back on the shelf."""

    damaged_prob: float = 0.3
    missing_prob: float = 0.05
    # Returns announced for people trying the demo: the simulated desk leaves them alone.
    people_prefix: str = "RMA-TRY-"


class ReturnsBrain(ScannerBrain):
    """The person at the returns desk: a pick list given at login is picked to the end, then
    every announced return is opened, each unit scanned and graded, and the return closed."""

    def __init__(
        self,
        device: SimDevice,
        options: SimOptions,
        rng: random.Random,
        shelves: frozenset[str] = frozenset(),
        scale_stations: frozenset[str] = frozenset(),
        returns: ReturnsOptions | None = None,
    ) -> None:
        super().__init__(device, options, rng, shelves, scale_stations)
        self.returns = returns or ReturnsOptions()
        self.graded: dict[str, int] = {}  # grade -> units, for tests and the demo's log

    def _act(self, view: dict[str, Any]) -> list[Action]:
        screen = as_str(view.get("screen"))
        if screen in _BETWEEN_PICK_LISTS:
            return [Send(self.step(), "mode", {"mode": "return"})]
        if screen == "return_select":
            return self._choose(view)
        if screen == "return":
            return self._inspect(view)
        if screen == "return_done":
            return [Send(self.step(), "next")]
        return super()._act(view)

    def _choose(self, view: dict[str, Any]) -> list[Action]:
        # The list is pushed again whenever a return is announced: no need to ask.
        for entry in view.get("returns") or []:
            rma = as_str(entry.get("rma_id")) if isinstance(entry, dict) else ""
            if rma and not rma.startswith(self.returns.people_prefix):
                return [Send(self.step(), "scan", {"code": rma})]
        return []

    def _grade(self) -> str:
        roll, r = self.rng.random(), self.returns
        if roll < r.missing_prob:
            return "missing"
        return "damaged" if roll < r.missing_prob + r.damaged_prob else "resellable"

    def _inspect(self, view: dict[str, Any]) -> list[Action]:
        if view.get("error"):
            return []  # refused: wait for the next view rather than repeat it
        if view.get("expect") == "grade":
            grade = self._grade()
            self.graded[grade] = self.graded.get(grade, 0) + 1
            return [Send(self.step(), "scan", {"code": GRADE_CODES[grade]})]
        ret = view.get("return") if isinstance(view.get("return"), dict) else {}
        assert isinstance(ret, dict)
        for line in ret.get("lines") or []:
            if not isinstance(line, dict) or not line.get("in_order"):
                continue
            gtins = line.get("gtins") or []
            if as_int(line.get("scanned")) < as_int(line.get("expected")) and gtins:
                code = as_str(gtins[0]).removeprefix("0")  # the EAN-13 printed on the box
                return [Send(self.step(), "scan", {"code": code})]
        return [Send(self.step(), "close")]
