"""The people of the stock-invariant test on their scanners: what each does next, by the
screen it shows (mostly the usual next move, sometimes a skip or a mistake)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import strategies as st

from edge.messages import (
    CloseRequested,
    DeviceMessage,
    LightButton,
    ModeRequested,
    NextRequested,
    QuantityConfirmed,
    ScanRead,
    SkipRequested,
)
from edge.model import DomainError
from tests.support.harness import GTIN, Harness
from tests.unit.core.test_stock_flows import stocked_warehouse

DEVICES = ("scan-1", "scan-2")
BADGES = ("P-1", "P-2", "S-1")
SKUS = ("MUG", "CABLE", "BOOK", "PIN")
UNKNOWN_GTIN = "8710000000055"  # a valid EAN-13 that no SKU carries
LOTS = (None, "L1", "L2")
MODES = ("pick", "receive", "putaway", "replenish", "count")
# Screens where a person has nothing in hand (a new kind of work can start).
# Work a person turns to, the kinds that wait on others first.
TURN_TO = ("putaway", "replenish", "receive", "pick", "count")
STEP_KINDS = (*("work",) * 10, *("office",) * 3, "change work", "redeliver")
IDLE = ("idle", "trip_done", "receive_select", "putaway_select", "replenish_select", "count_select")
OFFICE = (
    *("announce_delivery",) * 3,
    *("intake_order",) * 3,
    "schedule_count",
    *("decide_count",) * 2,
)
BINS = tuple(stocked_warehouse()["bins"][i]["label"] for i in range(0, 72, 5))

# Every step kind taken, across all sequences of a run, as "<kind> applied|refused".
TALLY: Counter[str] = Counter()


class FloorMoves:
    """Sending, reading and each screen's moves; the state machine supplies the rest."""

    h: Harness
    log: list[str]
    sent: list[DeviceMessage]
    wanted: dict[str, str]
    stalled: dict[str, bool]

    def office(self, data: st.DataObject) -> None:
        raise NotImplementedError

    # --- sending -------------------------------------------------------------------------

    def _do(self, kind: str, msg: Any) -> Any:
        """Apply one message; a refusal is an answer (counted), any other error a failure."""
        if isinstance(msg, DeviceMessage):
            self.sent.append(msg)
        try:
            result = self.h.handle(msg)
        except DomainError as err:
            TALLY[f"{kind} refused"] += 1
            self.log.append(f"{kind} {brief(msg)} -> refused {err.code}")
            return None
        TALLY[f"{kind} applied"] += 1
        self.log.append(f"{kind} {brief(msg)}")
        return result

    def _dev(self, device: str, kind: str, cls: type[DeviceMessage], *args: Any) -> Any:
        return self._do(kind, cls(device, self.h.msg_id(), self.h.clock.now, *args))

    def _scan(self, device: str, kind: str, code: str) -> Any:
        return self._dev(device, kind, ScanRead, code)

    def _view(self, device: str) -> dict[str, Any]:
        try:
            return self.h.view(device)
        except AssertionError:
            return {"screen": "login"}

    def _has_work(self, device: str, mode: str) -> bool:
        if mode == "count":
            return bool(
                self._read(
                    "SELECT 1 FROM counts c WHERE status = 'open' OR (status = 'recount' AND"
                    " first_by != (SELECT badge FROM sessions WHERE device = ?)) UNION ALL"
                    " SELECT 1 FROM stock s WHERE on_hand > 0 AND NOT EXISTS (SELECT 1 FROM"
                    " counts c WHERE c.bin = s.bin AND c.sku = s.sku)",
                    (device,),
                )
            )
        waiting = {
            "pick": "SELECT 1 FROM tasks WHERE status = 'open' AND trip_id IS NULL",
            "receive": "SELECT 1 FROM receipts WHERE status != 'closed'",
            "putaway": "SELECT 1 FROM putaway_tasks WHERE status = 'open'"
            " AND assigned_device IS NULL",
            "replenish": "SELECT 1 FROM replen_tasks WHERE status = 'open'"
            " AND assigned_device IS NULL",
        }[mode]
        return bool(self._read(waiting))

    def _read(self, sql: str, args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self.h.service.read() as tx:
            return tx.all(sql, args)

    def _switch(self, device: str, mode: str, data: st.DataObject) -> None:
        if data.draw(st.booleans(), "by code"):  # a printed command code
            self._scan(device, "mode switch", f"MODE-{mode.upper()}")
        else:
            self._dev(device, "mode switch", ModeRequested, mode)

    def next_action(self, device: str, data: st.DataObject) -> None:
        """The next thing the person on this scanner does, by the screen it shows."""
        view = self._view(device)
        screen = view["screen"]
        # Reversed: Hypothesis favours small draws, and a high roll is the usual next move
        # of each screen (the rare ones, skips and mistakes, sit at low rolls).
        roll = 99 - data.draw(st.integers(0, 99), "roll")
        if screen in ("login", "pin"):
            self._scan(device, "login", data.draw(st.sampled_from(BADGES), "badge"))
        elif view.get("mode", "pick") != self.wanted[device] and screen != "stop":
            self._switch(device, self.wanted[device], data)
        elif screen in (*IDLE, "count_done") and (
            roll < 20 or self.stalled[device] or not self._has_work(device, view["mode"])
        ):
            # Nothing of this kind to do: the person turns to other work, or the office
            # makes some (a delivery, an order).
            self.stalled[device] = False
            waiting = [m for m in TURN_TO if m != view["mode"] and self._has_work(device, m)]
            if not waiting:
                self.office(data)
                return
            self.wanted[device] = data.draw(st.sampled_from(waiting), "turn to")
            self._switch(device, self.wanted[device], data)
        elif screen in ("idle", "trip_done", "replenish_select", "count_select"):
            self._dev(device, "next", NextRequested)
            # Still nothing in hand after asking: next time, other work.
            self.stalled[device] = self._view(device)["screen"] in IDLE
        elif screen in ("receive_done", "count_done"):
            self._dev(device, "next", NextRequested)
        elif screen == "stop":
            self._pick(device, view, roll, data)
        elif screen in ("receive_select", "receive"):
            self._receive(device, view, roll, data)
        elif screen in ("putaway_select", "putaway"):
            self._putaway(device, view, roll, data)
        elif screen == "replenish":
            self._replenish(device, view, roll, data)
        elif screen == "count":
            self._count(device, view, roll, data)
        else:  # a screen of other work (packing, planning): ask for what is next
            self._dev(device, "next", NextRequested)

    def _pick(self, device: str, view: dict[str, Any], roll: int, data: st.DataObject) -> None:
        stop = view["stop"]
        if roll < 10:
            self._dev(device, "pick skip", SkipRequested)
        elif view["expect"] == "bin":
            self._scan(device, "pick bin scan", stop["bin"])
        elif stop["lit"] and roll < 25:
            qty = data.draw(st.integers(0, stop["qty"]), "qty")
            light = LightButton(
                stop["light_device"], self.h.msg_id(), self.h.clock.now, stop["bin"], qty
            )
            self._do("pick light button", light)
        elif view["expect"] == "item" and roll < 40:
            self._dev(device, "short pick (bin empty)", QuantityConfirmed, 0, "bin empty")
        elif view["expect"] == "item":
            self._scan(device, "pick item scan", stop["gtins"][0][1:])
        elif roll < 60:
            short = data.draw(st.integers(0, max(0, stop["qty"] - 1)), "short")
            self._dev(device, "short pick", QuantityConfirmed, short, "short")
        else:
            self._dev(device, "pick confirm", QuantityConfirmed, stop["qty"])

    def _receive(self, device: str, view: dict[str, Any], roll: int, data: st.DataObject) -> None:
        if view["screen"] == "receive_select":
            listed = [d["delivery_id"] for d in view["deliveries"]]
            if listed and roll >= 10:
                self._scan(device, "delivery scan", data.draw(st.sampled_from(listed), "dlv"))
            else:
                self._scan(device, "delivery scan (unknown)", "DLV-NONE")
            return
        sku = data.draw(st.sampled_from(SKUS), "sku")
        lines = view["delivery"]["lines"]
        kind = "receive item scan" if any(ln["sku"] == sku for ln in lines) else "unexpected SKU"
        gtin14 = GTIN[sku].zfill(14)
        complete = sum(ln["received"] for ln in lines) >= sum(ln["expected"] for ln in lines)
        if roll < 14 or (complete and roll < 70):
            self._dev(device, "receive close", CloseRequested)
        elif roll < 18:
            self._scan(device, "receive unknown GTIN", UNKNOWN_GTIN)
        elif roll < 25:
            lot = data.draw(st.sampled_from(("L1", "L2", "LX")), "lot")
            self._scan(device, f"{kind} GS1 lot/expiry", f"]C101{gtin14}17270630" + f"10{lot}")
        elif roll < 33:
            self._scan(device, "receive split GS1 extras", "]C110L2")
        elif view["expect"] == "qty" and roll < 55:
            qty = data.draw(st.integers(0, 12), "qty")
            reason = data.draw(st.sampled_from(("damaged", "", "")), "condition")
            label = "receive damaged" if reason else "receive confirm N"
            self._dev(device, label, QuantityConfirmed, qty, reason)
        else:
            self._scan(device, kind, GTIN[sku])

    def _putaway(self, device: str, view: dict[str, Any], roll: int, data: st.DataObject) -> None:
        if view["screen"] == "putaway_select":
            tasks = view["tasks"]
            if tasks and roll < 50:
                sku = data.draw(st.sampled_from(tasks), "task")["sku"]
                self._scan(device, "put-away item scan", GTIN[sku])
            else:
                self._dev(device, "next", NextRequested)
            return
        task = view["task"]
        if roll < 10:
            self._dev(device, "put-away skip", SkipRequested)
        elif roll < 35 or not task["suggested_bin"]:
            target = data.draw(st.sampled_from(BINS), "bin")
            self._scan(device, "put-away other bin", target)
        else:
            self._scan(device, "put-away suggested bin", task["suggested_bin"])

    def _replenish(self, device: str, view: dict[str, Any], roll: int, data: st.DataObject) -> None:
        task, step = view["task"], view["step"]
        if roll < 8:
            self._dev(device, "top-up skip", SkipRequested)
        elif step == "from":
            wrong = roll < 15
            code = task["to_bin"] if wrong else task["from_bin"]
            self._scan(device, "top-up wrong bin" if wrong else "top-up from bin", code)
        elif step == "item" and roll < 35:
            qty = data.draw(st.integers(0, task["qty"]), "qty")
            self._dev(device, "top-up fewer", QuantityConfirmed, qty)
        elif step == "item":
            self._scan(device, "top-up item scan", GTIN[task["sku"]])
        elif task["lit"] and roll < 40:
            light = LightButton(
                "ptl-A", self.h.msg_id(), self.h.clock.now, task["to_bin"], task["qty"]
            )
            self._do("top-up light button", light)
        else:
            self._scan(device, "top-up to bin", task["to_bin"])

    def _count(self, device: str, view: dict[str, Any], roll: int, data: st.DataObject) -> None:
        count = view["count"]
        if roll < 8:
            self._dev(device, "count skip", SkipRequested)
        elif view["expect"] == "bin":
            self._scan(device, "count bin scan", count["bin"])
        elif roll < 25:
            self._scan(device, "count item scan", GTIN[count["sku"]])
        else:
            held = self._read(
                "SELECT on_hand FROM stock WHERE bin = ? AND sku = ?", (count["bin"], count["sku"])
            )
            true = held[0]["on_hand"] if held else 0
            # A recount finds the first count's big difference again more often than not,
            # so supervisors get counts to approve or reject.
            offsets = (7, -4, 0, 1) if count["recount"] else (7, 0, -4, 1, 0, -1, 2)
            off = data.draw(st.sampled_from(offsets), "difference")
            kind = "count submit (match)" if off == 0 else f"count submit ({off:+d})"
            self._dev(device, kind, QuantityConfirmed, max(0, true + off))


def brief(msg: Any) -> str:
    fields = {k: v for k, v in vars(msg).items() if k not in ("at", "origin", "lines")}
    return f"{type(msg).__name__}{fields}"
