"""Simulated scanners, pack stations, scales and pick-to-light controllers as real MQTT clients."""

from __future__ import annotations

import contextlib
import functools
import heapq
import itertools
import json
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.reasoncodes import ReasonCode

from edge.devices.topics import (
    KINDS,
    device_subscriptions,
    evt_topic,
    status_topic,
    valid_device_id,
)

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


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _scalar(value: Any) -> str | int | float | bool | None:
    """A view field as a hashable key part, whatever shape a faulty view gives it."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


def _str(value: Any) -> str:
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
        screen, expect = _str(view.get("screen")), _str(view.get("expect"))
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
            "idle": self._idle,
            "trip_done": self._trip_done,
            "stop": self._stop,
            "pack_order": self._pack_order,
            "pack_weigh": self._pack_weigh,
        }.get(screen)
        return handler(view) if handler else []

    def _login(self, view: dict[str, Any]) -> list[Action]:
        return self.first_login()

    def _idle(self, view: dict[str, Any]) -> list[Action]:
        return [Send(self.options.idle_retry_s, "next")]

    def _trip_done(self, view: dict[str, Any]) -> list[Action]:
        return [Send(self.step(), "next")]

    def _stop(self, view: dict[str, Any]) -> list[Action]:
        stop = view.get("stop")
        if not isinstance(stop, dict):
            return []
        bin_label, qty = _str(stop.get("bin")), max(0, _int(stop.get("qty")))
        plan_key = (_scalar(view.get("trip_id")), _scalar(stop.get("n")), bin_label)
        if plan_key not in self._stop_plan:
            light = _str(stop.get("light_device"))
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
                return [Press(walk, _str(stop.get("light_device")), bin_label, take)]
            return [Send(walk, "scan", {"code": bin_label})] if bin_label else []
        if expect == "item":
            if short and qty == 1:  # an item scan would take the only unit: report it empty
                return [Send(self.step(), "confirm", {"qty": 0, "reason": "not found"})]
            gtins = [g for g in stop.get("gtins") or [] if isinstance(g, str) and g]
            if gtins:
                code = item_code(self.rng.choice(gtins), self.rng, self.options.gs1_prob)
            else:
                code = _str(stop.get("sku"))
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

    def _pack_weigh(self, view: dict[str, Any]) -> list[Action]:
        station = _str(view.get("station")) or (self.device.station or "")
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
        if isinstance(entry, dict) and _str(entry.get("code")):
            return _str(entry.get("code"))
    return ""


def _waiting_parcel(view: dict[str, Any]) -> tuple[int, int] | None:
    """(expected_g, tolerance_g) of the first parcel still waiting for the scale."""
    if view.get("screen") != "pack_weigh":
        return None
    parcels = view.get("parcels")
    for parcel in parcels if isinstance(parcels, list) else []:
        if not isinstance(parcel, dict):
            continue
        if parcel.get("state") in (None, "", "waiting"):
            expected = _int(parcel.get("expected_g"), -1)
            if expected >= 0:
                return expected, max(0, _int(parcel.get("tolerance_g")))
    return None


# --- the machinery: one paho client per device, one scheduler thread for all -----------------


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


class _SimClient:
    """One device's MQTT client: its own user, retained status and Last Will, own topics."""

    def __init__(self, sim: Simulator, device: SimDevice) -> None:
        self.sim = sim
        self.device = device
        self.connected = threading.Event()
        self.lock = threading.Lock()
        root, site = sim.root, sim.site
        self.evt = evt_topic(root, site, device.kind, device.id)
        self.status = status_topic(root, site, device.kind, device.id)
        self.filters = device_subscriptions(root, site, device.kind, device.id)
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=device.id,
            clean_session=True,  # the service re-sends the desired state when we come back
            protocol=MQTTProtocolVersion.MQTTv311,
        )
        password = sim.password_for(device.id)
        client.username_pw_set(device.id, password)
        client.will_set(self.status, _dumps({"online": False}), qos=1, retain=True)
        client.reconnect_delay_set(min_delay=1, max_delay=5)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        self.client = client

    def start(self) -> None:
        self.client.connect_async(self.sim.host, self.sim.port, self.sim.options.keepalive_s)
        self.client.loop_start()

    def say_offline(self) -> mqtt.MQTTMessageInfo | None:
        if not self.connected.is_set():
            return None
        return self.client.publish(self.status, _dumps({"online": False}), qos=1, retain=True)

    def stop(self, offline: mqtt.MQTTMessageInfo | None, deadline: float) -> None:
        if offline is not None:
            with contextlib.suppress(RuntimeError, ValueError):  # not sent: the will covers it
                offline.wait_for_publish(max(0.0, deadline - time.monotonic()))
        self.client.loop_stop()  # first, so the DISCONNECT is written from here (see MqttLink)
        self.client.disconnect()
        self.connected.clear()

    def send(self, type_: str, fields: Mapping[str, Any]) -> None:
        # A fresh msg_id per event; a resend of the same event would reuse it.
        body = {"msg_id": uuid.uuid4().hex, "type": type_, "ts": _now_iso(), **fields}
        self.client.publish(self.evt, _dumps(body), qos=1)
        with self.sim.counters.lock:
            self.sim.counters.events_sent += 1

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: ReasonCode, props: Any
    ) -> None:
        try:
            if reason_code.is_failure:
                log.warning("%s: broker refused the connection: %s", self.device.id, reason_code)
                return
            client.subscribe([(f, 1) for f in self.filters])
            client.publish(self.status, self._online_status(), qos=1, retain=True)
            self.connected.set()
            self.on_connected()
        except Exception:
            log.exception("%s: on_connect failed", self.device.id)

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: ReasonCode, props: Any
    ) -> None:
        self.connected.clear()

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            data = json.loads(message.payload)
        except ValueError:
            log.warning("%s: payload on %s is not JSON", self.device.id, message.topic)
            return
        try:
            if message.topic.endswith("/err"):
                with self.sim.counters.lock:
                    self.sim.counters.errors_received += 1
                log.info("%s: error reply: %s", self.device.id, data)
                self.on_error(data)
            elif isinstance(data, dict):
                self.on_command(data)
        except Exception:
            log.exception("%s: could not handle %s", self.device.id, message.topic)

    def _online_status(self) -> bytes:
        return _dumps({"online": True, "kind": self.device.kind, "sim": True})

    def on_connected(self) -> None:
        return None

    def on_command(self, data: dict[str, Any]) -> None:
        return None

    def on_error(self, data: Any) -> None:
        return None


class _Scanner(_SimClient):
    def __init__(self, sim: Simulator, device: SimDevice, brain: ScannerBrain) -> None:
        super().__init__(sim, device)
        self.brain = brain
        self.seq = 0  # bumped per view: a scheduled action for an older view is dropped

    def on_connected(self) -> None:
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


class _Scale(_SimClient):
    def weigh(self, readings: Sequence[tuple[int, bool]]) -> None:
        for grams, stable in readings:
            self.send("weight", {"grams": grams, "stable": stable})


class _Shelf(_SimClient):
    """A pick-to-light controller: carries out and acks every command, tracks lit slots."""

    def __init__(self, sim: Simulator, device: SimDevice) -> None:
        super().__init__(sim, device)
        self.lit: dict[str, tuple[int, str]] = {}

    def on_command(self, data: dict[str, Any]) -> None:
        with self.sim.counters.lock:
            self.sim.counters.commands_received += 1
        kind, slot = data.get("type"), _str(data.get("slot"))
        with self.lock:
            if kind == "light" and slot:
                self.lit[slot] = (max(0, _int(data.get("qty"))), _str(data.get("color")))
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


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode("utf-8")


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


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
    ) -> None:
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
        self._clients: dict[str, _SimClient] = {}
        self._scales: dict[str, _Scale] = {}
        self._brains: list[ScannerBrain] = []
        for device in devices:
            seed = None if self.options.seed is None else f"{self.options.seed}:{device.id}"
            client: _SimClient
            if device.kind == "scanner":
                brain = ScannerBrain(device, self.options, random.Random(seed), shelves, stations)
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
            client.start()

    def stop(self) -> None:
        """Each device says offline (retained) and disconnects cleanly."""
        if not self._started:
            return
        self._started = False
        self.scheduler.stop()
        # Every device says offline at once, then all wait on one shared deadline: a broker
        # that is slow to acknowledge costs one second in all, not one per device.
        offline = {name: client.say_offline() for name, client in self._clients.items()}
        deadline = time.monotonic() + 1.0

        def stop_one(name: str, client: _SimClient) -> None:
            try:
                client.stop(offline[name], deadline)
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
