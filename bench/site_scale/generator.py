"""One load-generator process: a share of the site's devices on one Hub, paced open loop."""

# The parent (bench.site_scale.fleet) starts N of these with multiprocessing (spawn) and
# drives them over a pipe. Each holds its share of the pickers (a ScannerBrain each, through
# bench.event_path.floor), shelf controllers, scales and status-only devices, all on one
# selector thread. Open loop: the pacer fires at fixed scheduled times (rate / N per process);
# each slot sends the oldest ready event, and every latency is measured from the slot's
# scheduled time, so a stall of the service or of this process shows up in full instead of
# thinning out the samples (coordinated omission). A slot with no ready event (every picker
# waiting for an answer) is counted as unfilled and reported.

from __future__ import annotations

import contextlib
import logging
import random
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from bench._bench_mqtt import Hub
from bench.event_path.floor import Floor, Picker, Shelf
from bench.event_path.warehouse import ROOT, SITE
from edge.devices.client import DeviceClient

RECONNECT_EVERY_S = 1.0
SAME_VIEW_PATIENCE_S = 10.0  # an unchanged screen while an event is out: ignored this long


@dataclass(frozen=True)
class BrokerAddress:
    """What Floor needs of the broker: where it is and the devices' passwords."""

    host: str
    port: int
    passwords: dict[str, str]


@dataclass(frozen=True)
class GeneratorSpec:
    index: int
    broker: BrokerAddress
    pickers: list[int]
    shelves: list[str]
    scales: list[str]
    status_only: list[str]
    seed: int
    status_every_s: float  # status-only devices and scales re-publish their status this often
    weight_every_s: float  # every scale sends a settling (unstable) reading this often
    status_all: bool = False  # pickers' scanners and controllers re-publish theirs too


LATE_S = 0.020  # the scan→light target: a slot this late has missed it before it is sent


class _Ledger:
    """Stands in for Floor.pending_complete: instead of pairing a completing event with the
    LightOn in this process (the controller may live in another one), it logs when a
    picker's lit stop was completed (the slot's scheduled time) and when the pairing was
    called off; the parent merges the logs of all processes with their LightOn receipts."""

    def __init__(self) -> None:
        # (when it happened, colour, the start it sets or None when it calls one off); the
        # order is by real time, the start is the slot's scheduled time (possibly earlier).
        self.entries: list[tuple[float, str, float | None]] = []

    def __setitem__(self, color: str, scheduled: float) -> None:
        self.entries.append((time.monotonic(), color, scheduled))

    def pop(self, color: str, default: Any = None) -> Any:
        self.entries.append((time.monotonic(), color, None))
        return default


class SiteFloor(Floor):
    """Floor with an open-loop pacer that timestamps by schedule, and logged LightOns."""

    def __init__(self, hub: Hub, spec: GeneratorSpec) -> None:
        # No button presses: a controller may live in another process than the picker.
        broker: Any = spec.broker
        super().__init__(hub, broker, spec.pickers, spec.shelves, 0.0, spec.seed)
        self.ledger = _Ledger()
        self.pending_complete = self.ledger  # type: ignore[assignment]
        self.lights: list[tuple[float, str]] = []  # (received, colour)
        self.unfilled = 0  # scheduled slots with no ready event
        # Slots fired more than LATE_S after their time: the generator's own share of a tail.
        self.late = 0
        self.same_views = 0  # unchanged screens ignored while an event was under way

    def pump(self, now: float) -> float:
        if self.mode != "rate" or self.rate <= 0:
            return now + 1.0
        step = 1.0 / self.rate
        while self.next_t <= now:
            scheduled = self.next_t
            self.next_t += step
            self.max_lag = max(self.max_lag, now - scheduled)
            if now - scheduled > LATE_S:
                self.late += 1
            before = self.sent
            while self.queue and self.sent == before:
                # A stale event (its picker's screen moved on) is dropped by send(): the
                # slot goes to the next ready one.
                self.send(self.queue.popleft(), scheduled)
            if self.sent == before:
                self.unfilled += 1
        return self.next_t

    def on_view(self, picker: Picker, view: dict[str, Any], now: float) -> None:
        # The service re-sends a scanner its screen whenever the scanner says online (after
        # a broker restart every one does) and the resend window repeats recent events. A
        # person whose scan is under way just keeps waiting on an unchanged screen; the
        # brain would act again and, after a few repeats, give up (stuck).
        waiting = picker.sent_at is not None and now - picker.sent_at < SAME_VIEW_PATIENCE_S
        if waiting and view == picker.brain.view:
            self.same_views += 1
            return
        super().on_view(picker, view, now)

    def _shelf_command(self, shelf: Shelf, topic: str, data: Any, received: float) -> None:
        if isinstance(data, dict) and data.get("type") == "light":
            self.lights.append((received, str(data.get("color", ""))))
        super()._shelf_command(shelf, topic, data, received)


@dataclass
class Ambient:
    """Status heartbeats of every device and the scales' settling readings."""

    devices: list[DeviceClient]
    scales: list[DeviceClient]
    status_every_s: float
    weight_every_s: float
    rng: random.Random
    next_status: dict[int, float] = field(default_factory=dict)
    next_weight: dict[int, float] = field(default_factory=dict)
    statuses: int = 0
    weights: int = 0
    running: bool = False

    def start(self, now: float) -> None:
        # Spread over the period: a site's devices do not report in step.
        self.next_status = {
            i: now + self.rng.uniform(0, self.status_every_s) for i in range(len(self.devices))
        }
        self.next_weight = {
            i: now + self.rng.uniform(0, self.weight_every_s) for i in range(len(self.scales))
        }
        self.running = True

    def pump(self, now: float) -> float:
        if not self.running:
            return now + 1.0
        wake = now + 1.0
        for i, due in self.next_status.items():
            if due <= now:
                device = self.devices[i]
                if device.connected.is_set():
                    device.publish_status(True)
                    self.statuses += 1
                due = self.next_status[i] = due + self.status_every_s
            wake = min(wake, due)
        for i, due in self.next_weight.items():
            if due <= now:
                scale = self.scales[i]
                if scale.connected.is_set():
                    grams = self.rng.randint(200, 9000)
                    scale.send("weight", {"grams": grams, "stable": False})
                    self.weights += 1
                due = self.next_weight[i] = due + self.weight_every_s
            wake = min(wake, due)
        return wake


class Generator:
    def __init__(self, spec: GeneratorSpec) -> None:
        self.spec = spec
        self.hub = Hub()
        self.floor = SiteFloor(self.hub, spec)
        self.extra: list[DeviceClient] = []
        for kind, ids in (("scale", spec.scales), ("scanner", spec.status_only)):
            for device_id in ids:
                device = DeviceClient(
                    spec.broker.host,
                    spec.broker.port,
                    ROOT,
                    SITE,
                    kind,
                    device_id,
                    spec.broker.passwords[device_id],
                    status={"sim": True, "battery": 80},
                )
                self.hub.add(device.client)
                self.extra.append(device)
        scales = [d for d in self.extra if d.kind == "scale"]
        # A working scanner or controller says online on connect (docs/mqtt.md) and lives on
        # MQTT keepalives; each re-published online status makes the service re-send its
        # view or re-light all its slots, so only --status-all adds that to the load.
        reporting = [*self.floor.devices, *self.extra] if spec.status_all else self.extra
        self.ambient = Ambient(
            reporting,
            scales,
            spec.status_every_s,
            spec.weight_every_s,
            random.Random(spec.seed * 7919 + spec.index),
        )
        self.hub.pumps += [self.ambient.pump, self._reconnect]
        self.reconnecting = False
        self.reconnects = 0
        self._next_reconnect = 0.0

    def connect(self, timeout: float) -> None:
        for device in self.extra:
            self.hub.connect(device.client, device.host, device.port, device.keepalive_s)
        self.floor.connect(timeout)
        everyone = [*self.floor.devices, *self.extra]
        if not self.hub.run(lambda: all(d.connected.is_set() for d in everyone), timeout):
            raise RuntimeError(f"generator {self.spec.index}: not every device connected")
        self.reconnecting = True
        self.ambient.start(time.monotonic())

    def _reconnect(self, now: float) -> float:
        """The Hub drives paho's external loop, which never reconnects by itself: after a
        broker restart every client whose socket closed connects again (its DeviceClient
        then subscribes, says online and re-publishes its recent events)."""
        if not self.reconnecting or now < self._next_reconnect:
            return now + RECONNECT_EVERY_S
        self._next_reconnect = now + RECONNECT_EVERY_S
        for client in self.hub.clients:
            if client.socket() is None:
                with contextlib.suppress(OSError, ValueError):
                    client.reconnect()
                    self.reconnects += 1
        return self._next_reconnect

    def status(self) -> dict[str, Any]:
        floor = self.floor
        everyone = [*floor.devices, *self.extra]
        return {
            "sent": floor.sent,
            "queued": len(floor.queue),
            "connected": sum(1 for d in everyone if d.connected.is_set()),
            "devices": len(everyone),
            "with_stop": sum(1 for p in floor.pickers if p.has_stop),
            "pickers": len(floor.pickers),
            "outstanding": floor.outstanding(),
            "acked": floor.all_acknowledged(),
            "unfilled": floor.unfilled,
            "max_lag_s": floor.max_lag,
            "late": floor.late,
            "errors": floor.errors,
            "stuck": sum(1 for p in floor.pickers if p.stuck),
            "same_views": floor.same_views,
            "statuses": self.ambient.statuses,
            "weights": self.ambient.weights,
            "reconnects": self.reconnects,
            "resent": sum(d.resent for d in everyone),
            "disconnects": self.hub.disconnects,
        }

    def collect(self) -> dict[str, Any]:
        """Everything logged since the last collect (then forgotten: memory stays bounded)."""
        floor = self.floor
        out = {
            "ledger": floor.ledger.entries,
            "lights": floor.lights,
            "sent_ids": floor.sent_ids,
            "views": floor.view_samples,
            **self.status(),
        }
        floor.ledger.entries, floor.lights, floor.sent_ids, floor.view_samples = [], [], [], []
        floor.light_samples, floor.idle_views = [], []
        return out

    def command(self, cmd: tuple[Any, ...]) -> Any:
        name = cmd[0]
        if name == "rate":
            rate = float(cmd[1])
            if rate > 0:
                self.floor.set_mode("rate", rate)
            else:
                self.floor.set_mode("paused")
            return True
        if name == "reset_lag":
            self.floor.max_lag = 0.0
            self.floor.unfilled = 0
            self.floor.late = 0
            return True
        if name == "status":
            return self.status()
        if name == "collect":
            return self.collect()
        raise ValueError(f"unknown command {name!r}")


def generator_main(spec: GeneratorSpec, conn: Connection) -> None:
    """The process's body: connect, say ready, then turn the Hub and answer the parent."""
    # A stuck picker is counted in status(); a warning line each would flood the output.
    logging.getLogger("edge.devices.brain").setLevel(logging.ERROR)
    gen = Generator(spec)
    try:
        gen.connect(timeout=180)
        conn.send(("ready", gen.status()))
    except Exception as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        gen.hub.close()
        return
    try:
        while True:
            gen.hub.turn(0.01)
            while conn.poll():
                cmd = conn.recv()
                if cmd[0] == "stop":
                    conn.send(("ok", gen.status()))
                    return
                try:
                    conn.send(("ok", gen.command(cmd)))
                except Exception as exc:
                    conn.send(("error", f"{type(exc).__name__}: {exc}"))
    except (EOFError, KeyboardInterrupt):
        pass
    finally:
        gen.hub.close()
