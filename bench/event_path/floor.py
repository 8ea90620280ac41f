"""The simulated floor: pickers (ScannerBrain) and shelf controllers on DeviceClient, paced."""

from __future__ import annotations

import functools
import random
import time
import uuid
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt

from bench._bench_broker import Broker
from bench._bench_mqtt import Hub
from bench.event_path.warehouse import ROOT, SITE, badge, picker_color, scanner_id
from edge.devices.brain import Action, Again, Press, ScannerBrain, Send, SimDevice, SimOptions
from edge.devices.client import DeviceClient
from edge.devices.schema import dumps

LIGHT_WAIT_S = 2.0  # a module still dark after this long: the picker scans the bin instead
# DeviceClient's `ts` is fixed-width, so any such value gives an event's exact wire size.
_TS_SAMPLE = "2026-01-01T00:00:00.000+00:00"


@dataclass
class Picker:
    """A person with a scanner: the brain decides what to do, the floor paces the sending."""

    n: int
    device: DeviceClient
    brain: ScannerBrain
    color: str
    view_seq: int = 0  # bumped per view: a delayed action meant for an older view is dropped
    view_lit: bool = False  # the current view is a lit stop: its confirm completes it
    sent_at: float | None = None  # an event is out, waiting for the view it causes
    waiting_light: tuple[str, str, int] | None = None  # (controller, slot, qty) to press
    has_stop: bool = False

    @property
    def stuck(self) -> bool:
        return self.brain.stuck > 0


@dataclass
class Shelf:
    device: DeviceClient
    lit: dict[str, str] = field(default_factory=dict)  # slot -> colour


@dataclass
class Outgoing:
    """One device event waiting for the pacer."""

    device: DeviceClient
    type: str
    fields: Mapping[str, Any]
    picker: Picker | None = None  # whose action it is (a button press is the picker's too)
    completes: bool = False  # finishes a lit stop: the picker's next LightOn is timed from it
    seq: int = 0  # the picker's view it answers: a newer view makes it stale (not sent)


def _settled(info: mqtt.MQTTMessageInfo) -> bool:
    """PUBACK received, or never going to be (then it shows up as missing in inbound_seen)."""
    try:
        return info.is_published()
    except (RuntimeError, ValueError):
        return True


class Floor:
    """Pickers and controllers reacting to what the service sends, through one pacer.

    Every device is an edge.devices.client.DeviceClient (the contract's connection), but all
    their paho clients are driven by one Hub thread instead of a network thread each: on a
    2-core box a hundred paho threads would take CPU from the service being measured.
    """

    def __init__(
        self,
        hub: Hub,
        broker: Broker,
        pickers: int | Sequence[int],
        shelves: list[str],
        button_prob: float,
        seed: int,
    ) -> None:
        self.hub = hub
        self.broker = broker
        # Instant, repeatable people: no think or walk time, no short picks, plain EANs.
        options = SimOptions.instant(
            seed=seed, button_prob=button_prob, short_prob=0.0, gs1_prob=0.0
        )
        self.queue: deque[Outgoing] = deque()
        self.mode = "paused"
        self.rate = 0.0
        self.next_t = 0.0
        self.max_lag = 0.0
        self.sent = 0
        self.sent_ids: list[tuple[str, str]] = []
        self.unacked: deque[mqtt.MQTTMessageInfo] = deque()
        self.pending_complete: dict[str, float] = {}  # colour -> when the completing event left
        self.light_samples: list[tuple[float, float]] = []  # (sent at, seconds to LightOn)
        self.view_samples: list[tuple[float, float]] = []  # (sent at, seconds to the view)
        self.idle_views: list[float] = []
        self.errors = 0
        self.event_sizes: list[int] = []
        self.view_sizes: list[int] = []
        self.devices: list[DeviceClient] = []
        self.pickers: list[Picker] = []
        self.shelves: dict[str, Shelf] = {}
        self.waiting: dict[tuple[str, str], Picker] = {}
        shelf_ids = frozenset(shelves)
        # A count, or the picker numbers themselves (the site-scale benchmark splits them
        # over several load-generator processes).
        for n in range(pickers) if isinstance(pickers, int) else pickers:
            device_id = scanner_id(n)
            person = SimDevice(device_id, "scanner", badge=badge(n))
            brain = ScannerBrain(person, options, random.Random(f"{seed}:{device_id}"), shelf_ids)
            picker = Picker(n, self._device("scanner", device_id), brain, picker_color(n))
            picker.device.on_command = functools.partial(self._scanner_command, picker)
            picker.device.on_error = functools.partial(self._scanner_error, picker)
            self.pickers.append(picker)
        for device_id in shelves:
            shelf = Shelf(self._device("shelf", device_id))
            shelf.device.on_command = functools.partial(self._shelf_command, shelf)
            shelf.device.on_error = self._shelf_error
            self.shelves[device_id] = shelf
        hub.pumps.append(self.pump)

    # --- connections ---

    def _device(self, kind: str, device_id: str) -> DeviceClient:
        password = self.broker.passwords[device_id]
        device = DeviceClient(
            self.broker.host,
            self.broker.port,
            ROOT,
            SITE,
            kind,
            device_id,
            password,
            status={"sim": True},
        )
        self.hub.add(device.client)
        self.devices.append(device)
        return device

    def connect(self, timeout: float = 30.0) -> None:
        """Connect every device; ready once each one's subscriptions are confirmed (SUBACK)."""
        for device in self.devices:
            self.hub.connect(device.client, device.host, device.port, device.keepalive_s)
        if not self.hub.run(lambda: self.ready() == len(self.devices), timeout):
            raise RuntimeError(f"only {self.ready()} of {len(self.devices)} devices connected")

    def ready(self) -> int:
        return sum(1 for d in self.devices if d.connected.is_set())

    # --- sending ---

    def send(self, out: Outgoing, now: float) -> None:
        if out.picker is not None and out.seq != out.picker.view_seq:
            # The screen changed while the event waited for the pacer (work was pushed to
            # an idle picker, say): a person acts on what the screen shows now.
            return
        msg_id = uuid.uuid4().hex
        self.unacked.append(out.device.send(out.type, out.fields, msg_id=msg_id))
        self.sent += 1
        self.sent_ids.append((out.device.id, msg_id))
        if len(self.event_sizes) < 20000:
            body = {"msg_id": msg_id, "type": out.type, "ts": _TS_SAMPLE, **out.fields}
            self.event_sizes.append(len(dumps(body)))
        picker = out.picker
        if picker is not None:
            picker.sent_at = now
            if out.completes:
                self.pending_complete[picker.color] = now
            elif out.type == "next":
                self.pending_complete.pop(picker.color, None)

    def all_acknowledged(self) -> bool:
        """No QoS 1 event is waiting for the broker's PUBACK."""
        while self.unacked and _settled(self.unacked[0]):
            self.unacked.popleft()
        return not self.unacked

    def pump(self, now: float) -> float:
        """Send what is due; returns when to be called again."""
        if self.mode == "paused" or not self.queue:
            return now + 1.0
        if self.mode == "closed":
            while self.queue:
                self.send(self.queue.popleft(), now)
            return now + 1.0
        step = 1.0 / self.rate
        while self.queue and self.next_t <= now:
            self.max_lag = max(self.max_lag, now - self.next_t)
            self.send(self.queue.popleft(), now)
            self.next_t += step
        return self.next_t if self.queue else now + 1.0

    def set_mode(self, mode: str, rate: float = 0.0) -> None:
        self.mode, self.rate = mode, rate
        self.next_t = time.monotonic()
        self.max_lag = 0.0

    def _enqueue(
        self,
        device: DeviceClient,
        type_: str,
        fields: Mapping[str, Any],
        picker: Picker | None = None,
        completes: bool = False,
    ) -> None:
        seq = picker.view_seq if picker is not None else 0
        self.queue.append(Outgoing(device, type_, fields, picker, completes, seq))

    # --- pickers: views in, the brain's actions out ---

    def _scanner_command(self, picker: Picker, topic: str, data: Any, received: float) -> None:
        if not isinstance(data, dict) or data.get("type") != "view":
            return
        if len(self.view_sizes) < 5000:
            self.view_sizes.append(len(dumps(data)))
        self.on_view(picker, data, received)

    def _scanner_error(self, picker: Picker, topic: str, data: Any, received: float) -> None:
        self.errors += 1
        # A refused completing event lights nothing: no sample may start from it.
        self.pending_complete.pop(picker.color, None)
        self._carry_out(picker, picker.brain.on_error())

    def on_view(self, picker: Picker, view: dict[str, Any], now: float) -> None:
        if picker.sent_at is not None:
            self.view_samples.append((picker.sent_at, now - picker.sent_at))
            picker.sent_at = None
        picker.view_seq += 1
        if view.get("error"):
            self.errors += 1
        screen, expect = view.get("screen"), view.get("expect")
        stop = view.get("stop") if isinstance(view.get("stop"), dict) else {}
        assert isinstance(stop, dict)
        picker.view_lit = screen == "stop" and bool(stop.get("lit"))
        if screen != "stop" or (expect == "bin" and not stop.get("lit")):
            # No LightOn follows for this picker: a stale start time must not pair with a
            # later one (the trip's first light comes after `next`, not after a completion).
            self.pending_complete.pop(picker.color, None)
        if screen == "idle":
            self.idle_views.append(now)
        elif screen == "stop":
            picker.has_stop = True
        self._carry_out(picker, picker.brain.on_view(view))

    def _carry_out(self, picker: Picker, actions: list[Action]) -> None:
        seq = picker.view_seq
        for action in actions:
            if action.delay_s > 0:  # only an idle screen's retry and an error's second look
                self.hub.after(action.delay_s, functools.partial(self._run, picker, seq, action))
            else:
                self._run(picker, seq, action)

    def _run(self, picker: Picker, seq: int, action: Action) -> None:
        if seq != picker.view_seq:
            return  # a newer view replaced the one this action was for
        if isinstance(action, Send):
            completes = picker.view_lit and action.type == "confirm"
            self._enqueue(picker.device, action.type, action.fields, picker, completes)
        elif isinstance(action, Press):
            self._wait_for_light(picker, action)
        elif isinstance(action, Again):
            self._carry_out(picker, picker.brain.again())

    def _wait_for_light(self, picker: Picker, press: Press) -> None:
        # A person presses a module only once it shows their colour.
        shelf = self.shelves.get(press.device_id)
        if shelf is None:
            self._enqueue(picker.device, "scan", {"code": press.slot}, picker)
            return
        wait = (press.device_id, press.slot, press.qty)
        if picker.waiting_light == wait:
            return  # the same stop's view again: already waiting
        picker.waiting_light = wait
        self.waiting[(press.device_id, press.slot)] = picker
        if shelf.lit.get(press.slot) == picker.color:
            self._release(picker)
        else:
            self.hub.after(LIGHT_WAIT_S, functools.partial(self._light_timeout, picker, wait))

    def _release(self, picker: Picker) -> None:
        if picker.waiting_light is None:
            return
        device, slot, qty = picker.waiting_light
        picker.waiting_light = None
        self.waiting.pop((device, slot), None)
        shelf = self.shelves[device].device
        self._enqueue(shelf, "button", {"slot": slot, "qty": qty}, picker, completes=True)

    def _light_timeout(self, picker: Picker, key: tuple[str, str, int]) -> None:
        # The light never came (another picker's stop holds the slot): scan instead.
        if picker.waiting_light == key:
            picker.waiting_light = None
            self.waiting.pop((key[0], key[1]), None)
            self._enqueue(picker.device, "scan", {"code": key[1]}, picker)

    # --- shelf controllers: carry out and ack every command ---

    def _shelf_command(self, shelf: Shelf, topic: str, data: Any, received: float) -> None:
        if not isinstance(data, dict):
            return
        slot, color = str(data.get("slot", "")), str(data.get("color", ""))
        if data.get("type") == "light":
            shelf.lit[slot] = color
            started = self.pending_complete.pop(color, None)
            if started is not None:
                self.light_samples.append((started, received - started))
            picker = self.waiting.get((shelf.device.id, slot))
            if picker is not None and picker.color == color:
                self._release(picker)
        elif data.get("type") == "off":
            shelf.lit.pop(slot, None)
        if data.get("cmd_id"):
            self._enqueue(shelf.device, "ack", {"cmd_id": data["cmd_id"]})

    def _shelf_error(self, topic: str, data: Any, received: float) -> None:
        self.errors += 1

    def outstanding(self) -> int:
        """Pickers with an event out and no view back yet."""
        return sum(1 for p in self.pickers if p.sent_at is not None and not p.stuck)

    def drained(self) -> bool:
        return self.outstanding() == 0 and self.all_acknowledged()
