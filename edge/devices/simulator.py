"""Simulated scanners, scales and pick-to-light controllers, each a DeviceClient on the broker."""

from __future__ import annotations

import functools
import heapq
import itertools
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from edge.devices.brain import (
    Action,
    Again,
    Press,
    ScannerBrain,
    Send,
    SimDevice,
    SimOptions,
    SimStats,
    Weigh,
    as_int,
    as_str,
)
from edge.devices.client import DeviceClient
from edge.devices.floor_brain import CountOracle, FloorBrain, FloorOptions
from edge.devices.returns_brain import ReturnsBrain
from edge.devices.topics import KINDS, valid_device_id

__all__ = ["SimDevice", "SimOptions", "SimStats", "Simulator"]

log = logging.getLogger(__name__)


# --- the machinery: one DeviceClient per device, one scheduler thread for all ---------------


class _Scheduler:
    """Runs callables at their due time on one thread, so device callbacks never sleep."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._counter = itertools.count()
        self._cond = threading.Condition()
        self._running = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._running = True
        self._thread = threading.Thread(target=self._run, name="sim-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._running = False
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def at(self, delay_s: float, fn: Callable[[], None]) -> None:
        with self._cond:
            heapq.heappush(self._heap, (time.monotonic() + delay_s, next(self._counter), fn))
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._running and (not self._heap or self._heap[0][0] > time.monotonic()):
                    timeout = self._heap[0][0] - time.monotonic() if self._heap else None
                    self._cond.wait(timeout)
                if not self._running:
                    return
                _, _, fn = heapq.heappop(self._heap)
            try:
                fn()
            except Exception:
                log.exception("simulator action failed")


class _Counters:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.events_sent = 0
        self.errors_received = 0
        self.views_received = 0
        self.commands_received = 0


class _SimulatedDevice:
    """One simulated device: its contract connection (DeviceClient) and what it does."""

    def __init__(self, sim: Simulator, device: SimDevice) -> None:
        self.sim = sim
        self.device = device
        self.lock = threading.Lock()
        self.link = DeviceClient(
            sim.host,
            sim.port,
            sim.root,
            sim.site,
            device.kind,
            device.id,
            sim.password_for(device.id),
            keepalive_s=sim.options.keepalive_s,
            status={"kind": device.kind, "sim": True},
            on_command=self._command,
            on_error=self._error,
            on_ready=self.on_ready,
        )

    @property
    def connected(self) -> threading.Event:
        """Set once subscribed (SUBACK): a view sent from then on reaches this device."""
        return self.link.connected

    def send(self, type_: str, fields: Mapping[str, Any]) -> None:
        # A fresh msg_id per event; a resend of the same event would reuse it.
        self.link.send(type_, fields)
        with self.sim.counters.lock:
            self.sim.counters.events_sent += 1

    def _command(self, topic: str, data: Any, received: float) -> None:
        if isinstance(data, dict):
            self.on_command(data)

    def _error(self, topic: str, data: Any, received: float) -> None:
        with self.sim.counters.lock:
            self.sim.counters.errors_received += 1
        log.info("%s: error reply: %s", self.device.id, data)
        self.on_error(data)

    def on_ready(self) -> None:
        return None

    def on_command(self, data: dict[str, Any]) -> None:
        return None

    def on_error(self, data: Any) -> None:
        return None


class _Scanner(_SimulatedDevice):
    def __init__(self, sim: Simulator, device: SimDevice, brain: ScannerBrain) -> None:
        super().__init__(sim, device)
        self.brain = brain
        self.seq = 0  # bumped per view: a scheduled action for an older view is dropped

    def on_ready(self) -> None:
        # Only once subscribed: a view sent now arrives, so "no view yet" means no view.
        with self.lock:
            seq = self.seq
        if seq == 0:
            self.sim.scheduler.at(self.sim.options.login_after_s, self._login_if_quiet)

    def _login_if_quiet(self) -> None:
        with self.lock:
            if self.seq != 0 or not self.connected.is_set():
                return
            actions = self.brain.first_login()
        self._schedule(0, actions)

    def on_command(self, data: dict[str, Any]) -> None:
        if data.get("type") != "view":
            return
        with self.sim.counters.lock:
            self.sim.counters.views_received += 1
        with self.lock:
            self.seq += 1
            seq = self.seq
            actions = self.brain.on_view(data)
        self._schedule(seq, actions)

    def on_error(self, data: Any) -> None:
        with self.lock:
            seq = self.seq
            actions = self.brain.on_error()
        self._schedule(seq, actions)

    def _schedule(self, seq: int, actions: Sequence[Action]) -> None:
        for action in actions:
            self.sim.scheduler.at(action.delay_s, functools.partial(self._run, seq, action))

    def _run(self, seq: int, action: Action) -> None:
        with self.lock:
            if seq != self.seq:
                return  # a newer view replaced the one this action was for
            if isinstance(action, Again):
                self._schedule(seq, self.brain.again())
                return
        if isinstance(action, Send):
            self.send(action.type, action.fields)
        elif isinstance(action, Press):
            shelf = self.sim.shelf(action.device_id)
            if shelf is not None:
                shelf.press(action.slot, action.qty)
        elif isinstance(action, Weigh):
            scale = self.sim.scale_at(action.station)
            if scale is not None:
                scale.weigh(action.readings)


class _Scale(_SimulatedDevice):
    def weigh(self, readings: Sequence[tuple[int, bool]]) -> None:
        for grams, stable in readings:
            self.send("weight", {"grams": grams, "stable": stable})


class _Shelf(_SimulatedDevice):
    """A pick-to-light controller: carries out and acks every command, tracks lit slots."""

    def __init__(self, sim: Simulator, device: SimDevice) -> None:
        super().__init__(sim, device)
        self.lit: dict[str, tuple[int, str]] = {}

    def on_command(self, data: dict[str, Any]) -> None:
        with self.sim.counters.lock:
            self.sim.counters.commands_received += 1
        kind, slot = data.get("type"), as_str(data.get("slot"))
        with self.lock:
            if kind == "light" and slot:
                self.lit[slot] = (max(0, as_int(data.get("qty"))), as_str(data.get("color")))
            elif kind == "off" and slot:
                self.lit.pop(slot, None)
        cmd_id = data.get("cmd_id")
        if isinstance(cmd_id, str) and cmd_id:
            self.send("ack", {"cmd_id": cmd_id})

    def lit_slots(self) -> dict[str, tuple[int, str]]:
        with self.lock:
            return dict(self.lit)

    def press(self, slot: str, qty: int, tries: int = 20) -> None:
        # The light command may still be on its way: a person waits for the module to light.
        with self.lock:
            lit = slot in self.lit
        if not lit and tries > 0:
            self.sim.scheduler.at(0.05, lambda: self.press(slot, qty, tries - 1))
            return
        self.send("button", {"slot": slot, "qty": qty})


class Simulator:
    """A set of simulated devices on one broker, driven by the views the service sends."""

    def __init__(
        self,
        host: str,
        port: int,
        root: str,
        site: str,
        devices: Sequence[SimDevice],
        password_for: Callable[[str], str | None],
        options: SimOptions | None = None,
        floor: FloorOptions | None = None,
        count_oracle: CountOracle | None = None,
    ) -> None:
        """`floor` and `count_oracle` drive the scanners whose device has a floor role: the
        oracle tells a counting person what is physically in a bin."""
        self.host, self.port, self.root, self.site = host, port, root, site
        self.password_for = password_for
        self.options = options or SimOptions()
        self.scheduler = _Scheduler()
        self.counters = _Counters()
        for device in devices:
            if device.kind not in KINDS:
                raise ValueError(f"device {device.id!r}: unknown kind {device.kind!r}")
            if not valid_device_id(device.id):
                raise ValueError(f"invalid device id {device.id!r}")
        shelves = frozenset(d.id for d in devices if d.kind == "shelf")
        stations = frozenset(d.station for d in devices if d.kind == "scale" and d.station)
        self._clients: dict[str, _SimulatedDevice] = {}
        self._scales: dict[str, _Scale] = {}
        self._brains: list[ScannerBrain] = []
        for device in devices:
            seed = None if self.options.seed is None else f"{self.options.seed}:{device.id}"
            client: _SimulatedDevice
            if device.kind == "scanner":
                rng = random.Random(seed)
                brain: ScannerBrain
                if device.floor == "returns":  # the returns desk (edge.devices.returns_brain)
                    brain = ReturnsBrain(device, self.options, rng, shelves, stations)
                elif device.floor:
                    brain = FloorBrain(
                        device, self.options, rng, shelves, stations, floor, count_oracle
                    )
                else:
                    brain = ScannerBrain(device, self.options, rng, shelves, stations)
                self._brains.append(brain)
                client = _Scanner(self, device, brain)
            elif device.kind == "scale":
                scale = _Scale(self, device)
                if device.station:
                    self._scales.setdefault(device.station, scale)
                client = scale
            else:
                client = _Shelf(self, device)
            self._clients[device.id] = client
        self._started = False

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        self.scheduler.start()
        for client in self._clients.values():
            client.link.start()

    def stop(self) -> None:
        """Each device says offline (retained) and disconnects cleanly."""
        if not self._started:
            return
        self._started = False
        self.scheduler.stop()
        # Every device says offline at once, then all wait on one shared deadline: a broker
        # that is slow to acknowledge costs one second in all, not one per device.
        offline = {name: client.link.say_offline() for name, client in self._clients.items()}
        deadline = time.monotonic() + 1.0

        def stop_one(name: str, client: _SimulatedDevice) -> None:
            try:
                client.link.stop(offline[name], deadline)
            except Exception:
                log.exception("%s: stop failed", client.device.id)

        # paho's loop thread notices a stop only at its next select timeout (up to a second):
        # stopping the clients side by side keeps a demo's Ctrl-C quick.
        stoppers = [
            threading.Thread(target=stop_one, args=item, daemon=True)
            for item in self._clients.items()
        ]
        for t in stoppers:
            t.start()
        for t in stoppers:
            t.join(timeout=5)

    def wait_connected(self, timeout: float) -> bool:
        """True once every device is subscribed (SUBACK): nothing sent to them is lost."""
        deadline = time.monotonic() + timeout
        for client in self._clients.values():
            if not client.connected.wait(max(0.0, deadline - time.monotonic())):
                return False
        return True

    def shelf(self, device_id: str) -> _Shelf | None:
        client = self._clients.get(device_id)
        return client if isinstance(client, _Shelf) else None

    def scale_at(self, station: str) -> _Scale | None:
        return self._scales.get(station)

    def lit_slots(self, device_id: str) -> dict[str, tuple[int, str]]:
        """What a simulated controller shows now: slot -> (qty, colour)."""
        shelf = self.shelf(device_id)
        return shelf.lit_slots() if shelf is not None else {}

    def stats(self) -> SimStats:
        with self.counters.lock:
            c = self.counters
            return SimStats(
                events_sent=c.events_sent,
                errors_received=c.errors_received,
                views_received=c.views_received,
                commands_received=c.commands_received,
                stuck=sum(b.stuck for b in self._brains),
                connected=sum(1 for x in self._clients.values() if x.connected.is_set()),
                devices=len(self._clients),
            )

    @property
    def events_sent(self) -> int:
        return self.stats().events_sent

    @property
    def errors_received(self) -> int:
        return self.stats().errors_received
