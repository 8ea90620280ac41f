"""MqttLink and the device simulator against a private Mosquitto with the shipped config."""

from __future__ import annotations

import json
import queue
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from pydantic import SecretStr

from edge.config import MqttConfig
from edge.devices.simulator import SimDevice, SimOptions, Simulator
from edge.devices.topics import (
    device_subscriptions,
    evt_topic,
    service_status_topic,
    status_topic,
)
from edge.messages import (
    DeadLetter,
    DeviceError,
    Inbound,
    LightAck,
    LightButton,
    LightOff,
    LightOn,
    PresenceChanged,
    QuantityConfirmed,
    ScannerView,
    ScanRead,
    StateChanged,
    WeightMeasured,
)
from edge.mqtt import MqttLink
from tests.support.broker import Mosquitto

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

FIXED_NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
WAIT_S = 10.0


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class FakeRuntime:
    """Stands in for the runtime: a writer thread that records each message and, when
    commit is on, calls on_committed (the real one does after its transaction committed)."""

    def __init__(self, commit: bool = True) -> None:
        self.commit = commit
        self.messages: list[Inbound] = []
        self.uncommitted: list[Callable[[], None]] = []
        self._cond = threading.Condition()
        self._queue: queue.Queue[tuple[Inbound, Callable[[], None]] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def submit(self, msg: Inbound, on_committed: Callable[[], None]) -> None:
        self._queue.put((msg, on_committed))

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            msg, on_committed = item
            with self._cond:
                self.messages.append(msg)
                if self.commit:
                    on_committed()
                else:
                    self.uncommitted.append(on_committed)
                self._cond.notify_all()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)

    def wait_for(self, pred: Callable[[Inbound], bool], timeout: float = WAIT_S) -> Inbound:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for msg in self.messages:
                    if pred(msg):
                        return msg
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no matching message; got {self.messages!r}")
                self._cond.wait(left)

    def of_device(self, device_id: str) -> list[Inbound]:
        with self._cond:
            return [m for m in self.messages if getattr(m, "device_id", None) == device_id]


class Device:
    """A bare device client for the tests: its own user, Last Will, own cmd/err topics."""

    def __init__(self, broker: Mosquitto, site: str, kind: str, device_id: str) -> None:
        broker.add_user(device_id)
        self.site, self.kind, self.id = site, kind, device_id
        self.inbox: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.ready = threading.Event()
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=device_id,
            protocol=MQTTProtocolVersion.MQTTv311,
        )
        client.username_pw_set(device_id, broker.password_for(device_id))
        client.will_set(
            status_topic("wh", site, kind, device_id), b'{"online":false}', qos=1, retain=True
        )
        client.on_connect = self._on_connect
        client.on_subscribe = lambda *args: self.ready.set()
        client.on_message = lambda c, u, m: self.inbox.put((m.topic, json.loads(m.payload)))
        client.connect(broker.host, broker.port, keepalive=10)
        client.loop_start()
        self.client = client
        assert self.ready.wait(WAIT_S), "device did not connect"

    def _on_connect(self, client: mqtt.Client, *args: Any) -> None:
        client.subscribe(
            [(f, 1) for f in device_subscriptions("wh", self.site, self.kind, self.id)]
        )

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(WAIT_S)

    def evt(self, type_: str, msg_id: str | None = None, **fields: Any) -> str:
        msg_id = msg_id or uuid.uuid4().hex
        body = json.dumps({"msg_id": msg_id, "type": type_, **fields}).encode()
        self.publish(evt_topic("wh", self.site, self.kind, self.id), body)
        return msg_id

    def online(self) -> None:
        topic = status_topic("wh", self.site, self.kind, self.id)
        self.publish(topic, b'{"online":true}', retain=True)

    def next_message(self, timeout: float = WAIT_S) -> tuple[str, Any]:
        return self.inbox.get(timeout=timeout)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def vanish(self) -> None:
        """Drop off the network: stop the loop and close the socket without DISCONNECT."""
        self.client.loop_stop()
        sock = self.client.socket()
        assert sock is not None
        sock.close()


class LinkFactory:
    def __init__(self, broker: Mosquitto) -> None:
        self.broker = broker
        self.links: list[MqttLink] = []
        self.kinds: dict[str, str] = {}

    def make(self, site: str, runtime: FakeRuntime, client_id: str | None = None) -> MqttLink:
        cfg = MqttConfig(
            host=self.broker.host,
            port=self.broker.port,
            username="edge-service",
            password=SecretStr(self.broker.password_for("edge-service") or ""),
            client_id=client_id or unique("edge-service"),
            keepalive_s=5,
            topic_root="wh",
        )
        link = MqttLink(cfg, site, runtime.submit, lambda d: self.kinds.get(d, "scanner"), _clock)
        self.links.append(link)
        link.start()
        assert link.wait_connected(WAIT_S), f"link did not connect:\n{self.broker.log_tail()}"
        return link


def _clock() -> datetime:
    return FIXED_NOW


@pytest.fixture
def links(mosquitto: Mosquitto) -> Iterator[LinkFactory]:
    factory = LinkFactory(mosquitto)
    yield factory
    for link in factory.links:
        link.stop()


@pytest.fixture
def site() -> str:
    # One site per test keeps retained statuses and queued messages of other tests away.
    return unique("t")


def test_device_event_arrives_decoded_and_is_acked(
    mosquitto: Mosquitto, links: LinkFactory, site: str
) -> None:
    runtime = FakeRuntime()
    link = links.make(site, runtime)
    dev = Device(mosquitto, site, "scanner", unique("scanner"))
    msg_id = dev.evt("scan", code="C-17-3-B")
    dev.evt("confirm", qty=2, reason="")
    got = runtime.wait_for(lambda m: isinstance(m, ScanRead))
    assert got == ScanRead(dev.id, msg_id, FIXED_NOW, "C-17-3-B")
    confirm = runtime.wait_for(lambda m: isinstance(m, QuantityConfirmed))
    assert isinstance(confirm, QuantityConfirmed) and confirm.qty == 2
    deadline = time.monotonic() + WAIT_S
    while link.pending_acks and time.monotonic() < deadline:
        time.sleep(0.01)
    assert link.pending_acks == 0
    dev.close()


def test_malformed_payload_is_dead_lettered_and_the_link_keeps_working(
    mosquitto: Mosquitto, links: LinkFactory, site: str
) -> None:
    runtime = FakeRuntime()
    link = links.make(site, runtime)
    dev = Device(mosquitto, site, "scale", unique("scale"))
    dev.publish(evt_topic("wh", site, "scale", dev.id), b"{not json")
    dev.evt("weight", msg_id="w-1", grams=-3, stable=True)
    dev.evt("weight", msg_id="w-2", grams=1234, stable=False)  # settling: ignored
    good = dev.evt("weight", grams=1240, stable=True)

    weight = runtime.wait_for(lambda m: isinstance(m, WeightMeasured))
    assert weight == WeightMeasured(dev.id, good, FIXED_NOW, 1240)
    dead = [m for m in runtime.messages if isinstance(m, DeadLetter)]
    assert [d.reason.split(":")[0] for d in dead] == ["payload is not JSON", "grams"]
    assert dead[0].device_id == dev.id and dead[0].payload == b"{not json"
    assert dead[1].msg_id == "w-1" and "integer ≥ 0" in dead[1].reason
    assert not any(getattr(m, "msg_id", "") == "w-2" for m in runtime.messages)

    # The core answers a dead letter with a DeviceError; it reaches the device's err topic.
    link.publish_effects([DeviceError(dev.id, "scale", "w-1", dead[1].reason, "malformed")])
    topic, body = dev.next_message()
    assert topic == f"wh/{site}/scale/{dev.id}/err"
    assert body == {
        "type": "error",
        "ref_msg_id": "w-1",
        "code": "malformed",
        "reason": dead[1].reason,
    }
    dev.close()


def test_light_on_reaches_the_shelf_and_its_ack_comes_back(
    mosquitto: Mosquitto, links: LinkFactory, site: str
) -> None:
    runtime = FakeRuntime()
    link = links.make(site, runtime)
    shelf = Device(mosquitto, site, "shelf", unique("ptl"))
    link.publish_effects(
        [
            StateChanged(),  # not for MQTT: skipped
            LightOn(shelf.id, "A-01-1-A", 3, "#00a0ff", "c-1"),
            LightOff(shelf.id, "A-01-1-B", "c-2"),
        ]
    )
    assert shelf.next_message() == (
        f"wh/{site}/shelf/{shelf.id}/cmd",
        {"type": "light", "cmd_id": "c-1", "slot": "A-01-1-A", "qty": 3, "color": "#00a0ff"},
    )
    assert shelf.next_message()[1] == {"type": "off", "cmd_id": "c-2", "slot": "A-01-1-B"}
    shelf.evt("ack", cmd_id="c-1")
    ack = runtime.wait_for(lambda m: isinstance(m, LightAck))
    assert isinstance(ack, LightAck) and ack.cmd_id == "c-1" and ack.device_id == shelf.id
    shelf.close()


def test_presence_online_then_last_will_when_the_device_vanishes(
    mosquitto: Mosquitto, links: LinkFactory, site: str
) -> None:
    runtime = FakeRuntime()
    links.make(site, runtime)
    dev = Device(mosquitto, site, "scanner", unique("scanner"))
    dev.online()
    online = runtime.wait_for(lambda m: isinstance(m, PresenceChanged) and m.online)
    assert online == PresenceChanged(dev.id, "scanner", True, FIXED_NOW)
    dev.vanish()
    offline = runtime.wait_for(lambda m: isinstance(m, PresenceChanged) and not m.online)
    assert offline == PresenceChanged(dev.id, "scanner", False, FIXED_NOW)


def test_retained_status_is_delivered_to_a_service_that_starts_later(
    mosquitto: Mosquitto, links: LinkFactory, site: str
) -> None:
    dev = Device(mosquitto, site, "shelf", unique("ptl"))
    dev.online()
    runtime = FakeRuntime()
    links.make(site, runtime)
    got = runtime.wait_for(lambda m: isinstance(m, PresenceChanged))
    assert got == PresenceChanged(dev.id, "shelf", True, FIXED_NOW)
    dev.close()


def test_acl_refuses_a_device_publishing_as_another_device(
    mosquitto: Mosquitto, links: LinkFactory, site: str
) -> None:
    runtime = FakeRuntime()
    link = links.make(site, runtime)
    mallory = Device(mosquitto, site, "scanner", unique("scanner"))
    victim = unique("scanner")
    mosquitto.add_user(victim)
    body = json.dumps({"msg_id": "forged", "type": "scan", "code": "P-1001"}).encode()
    mallory.publish(evt_topic("wh", site, "scanner", victim), body)
    mallory.publish(status_topic("wh", site, "scanner", victim), b'{"online":false}', True)
    # Per-client order is kept, so once this one arrives the forged ones would have too.
    marker = mallory.evt("next")
    runtime.wait_for(lambda m: getattr(m, "msg_id", None) == marker)
    assert runtime.of_device(victim) == []

    # Nor can it read another device's commands. Mosquitto grants a v3.1.1 subscription
    # whatever the ACL says, but delivers nothing it may not read; commands to one client
    # keep their order, so its own later command arrives first and alone.
    subscribed = threading.Event()
    mallory.client.on_subscribe = lambda *args: subscribed.set()
    mallory.client.subscribe(f"wh/{site}/scanner/{victim}/cmd", qos=1)
    assert subscribed.wait(WAIT_S)
    link.publish_effects(
        [
            ScannerView(victim, {"screen": "login", "secret": True}),
            ScannerView(mallory.id, {"screen": "login", "marker": True}),
        ]
    )
    topic, body = mallory.next_message()
    assert topic.endswith(f"/{mallory.id}/cmd") and body.get("marker") is True
    assert mallory.inbox.empty()
    mallory.close()


def test_unacknowledged_messages_are_redelivered_after_a_restart(
    mosquitto: Mosquitto, links: LinkFactory, site: str
) -> None:
    client_id = unique("edge-service")
    first = FakeRuntime(commit=False)
    link = links.make(site, first, client_id)
    dev = Device(mosquitto, site, "scanner", unique("scanner"))
    ids = [dev.evt("scan", code=f"code-{n}") for n in range(4)]
    first.wait_for(lambda m: getattr(m, "msg_id", None) == ids[-1])
    assert [m.msg_id for m in first.messages if isinstance(m, ScanRead)] == ids
    # Commit the first, and the last two out of order: PUBACKs go out in arrival order, so
    # only the first is acknowledged; the second holds back the third and fourth.
    first.uncommitted[0]()
    first.uncommitted[3]()
    first.uncommitted[2]()
    time.sleep(0.3)
    assert link.pending_acks == 3
    link.stop()
    first.close()

    second = FakeRuntime()
    links.make(site, second, client_id)
    second.wait_for(lambda m: getattr(m, "msg_id", None) == ids[-1])
    time.sleep(0.3)
    again = [m.msg_id for m in second.messages if isinstance(m, ScanRead)]
    assert again == ids[1:]
    dev.close()


def test_service_presence_is_retained_and_its_own_status_is_not_a_dead_letter(
    mosquitto: Mosquitto, links: LinkFactory, site: str
) -> None:
    runtime = FakeRuntime()
    link = links.make(site, runtime)
    watcher = Device(mosquitto, site, "scanner", unique("scanner"))
    seen: queue.Queue[dict[str, Any]] = queue.Queue()
    watcher.client.message_callback_add(
        service_status_topic("wh", site), lambda c, u, m: seen.put(json.loads(m.payload))
    )
    watcher.client.subscribe(service_status_topic("wh", site), qos=1)
    assert seen.get(timeout=WAIT_S)["online"] is True
    link.stop()
    assert seen.get(timeout=WAIT_S)["online"] is False
    assert not [m for m in runtime.messages if isinstance(m, DeadLetter)]
    watcher.close()


def test_scanner_view_reaches_the_scanner(
    mosquitto: Mosquitto, links: LinkFactory, site: str
) -> None:
    runtime = FakeRuntime()
    link = links.make(site, runtime)
    dev = Device(mosquitto, site, "scanner", unique("scanner"))
    link.publish_effects([ScannerView(dev.id, {"screen": "login", "expect": "badge"})])
    topic, body = dev.next_message()
    assert topic == f"wh/{site}/scanner/{dev.id}/cmd"
    assert body == {"type": "view", "screen": "login", "expect": "badge"}
    dev.close()


# --- the simulator driven through the link ------------------------------------------------------


@pytest.fixture
def simulator_factory(mosquitto: Mosquitto) -> Iterator[Callable[..., Simulator]]:
    sims: list[Simulator] = []

    def make(site: str, devices: list[SimDevice], **options: Any) -> Simulator:
        for device in devices:
            mosquitto.add_user(device.id)
        sim = Simulator(
            mosquitto.host,
            mosquitto.port,
            "wh",
            site,
            devices,
            mosquitto.password_for,
            SimOptions.instant(seed=7, **options),
        )
        sims.append(sim)
        sim.start()
        assert sim.wait_connected(WAIT_S)
        return sim

    yield make
    for sim in sims:
        sim.stop()


def test_simulated_picker_logs_in_scans_and_uses_the_light_module(
    links: LinkFactory, site: str, simulator_factory: Callable[..., Simulator]
) -> None:
    runtime = FakeRuntime()
    link = links.make(site, runtime)
    scanner, ptl = unique("scanner"), unique("ptl")
    sim = simulator_factory(
        site,
        [SimDevice(scanner, "scanner", badge="P-1001"), SimDevice(ptl, "shelf", slots=("A-1",))],
        button_prob=1.0,
        short_prob=0.0,
        login_after_s=30.0,
    )
    runtime.wait_for(lambda m: isinstance(m, PresenceChanged) and m.device_id == ptl)

    link.publish_effects([ScannerView(scanner, {"screen": "login", "expect": "badge"})])
    badge = runtime.wait_for(lambda m: isinstance(m, ScanRead) and m.device_id == scanner)
    assert isinstance(badge, ScanRead) and badge.code == "P-1001"

    stop = {"n": 1, "of": 1, "bin": "A-1", "sku": "S", "gtins": ["08712345678906"], "qty": 2}
    lit_stop = {**stop, "lit": True, "light_device": ptl}
    view = {"screen": "stop", "expect": "bin", "trip_id": 1, "stop": lit_stop, "extra": [1]}
    link.publish_effects([LightOn(ptl, "A-1", 2, "#00a0ff", "c-9"), ScannerView(scanner, view)])
    ack = runtime.wait_for(lambda m: isinstance(m, LightAck))
    assert isinstance(ack, LightAck) and ack.cmd_id == "c-9"
    press = runtime.wait_for(lambda m: isinstance(m, LightButton))
    assert press == LightButton(ptl, press.msg_id, FIXED_NOW, "A-1", 2)  # type: ignore[union-attr]
    assert sim.lit_slots(ptl) == {"A-1": (2, "#00a0ff")}

    # Without a light the picker scans: bin, item, quantity.
    def scans() -> list[str]:
        return [m.code for m in runtime.of_device(scanner) if isinstance(m, ScanRead)]

    for n, expect in enumerate(("bin", "item"), start=2):
        view = {"screen": "stop", "expect": expect, "trip_id": 2, "stop": stop}
        link.publish_effects([ScannerView(scanner, view)])
        runtime.wait_for(lambda m, n=n: len(scans()) >= n)  # type: ignore[misc]
    view = {"screen": "stop", "expect": "qty", "trip_id": 2, "stop": stop}
    link.publish_effects([ScannerView(scanner, view)])
    confirm = runtime.wait_for(lambda m: isinstance(m, QuantityConfirmed))
    assert isinstance(confirm, QuantityConfirmed) and confirm.qty == 2
    assert scans()[1] == "A-1"
    assert re.fullmatch(r"8712345678906|\]C1010871234567890610L\d{4}", scans()[2])
    assert sim.stats().events_sent >= 5


def test_simulated_pack_station_weighs_the_waiting_parcel(
    links: LinkFactory, site: str, simulator_factory: Callable[..., Simulator]
) -> None:
    runtime = FakeRuntime()
    link = links.make(site, runtime)
    packer, scale = unique("pack-scanner"), unique("scale")
    simulator_factory(
        site,
        [
            SimDevice(packer, "scanner", badge="K-2001", station="PS-1"),
            SimDevice(scale, "scale", station="PS-1"),
        ],
        wrong_weight_prob=0.0,
        login_after_s=30.0,
    )
    view: dict[str, Any] = {
        "screen": "pack_order",
        "expect": "order",
        "queue": [{"order_id": 17, "code": "ORD-17"}],
    }
    link.publish_effects([ScannerView(packer, view)])
    scan = runtime.wait_for(lambda m: isinstance(m, ScanRead) and m.device_id == packer)
    assert isinstance(scan, ScanRead) and scan.code == "ORD-17"

    parcels = [
        {"parcel_id": 4, "box": "S", "expected_g": 900, "tolerance_g": 30, "state": "pass"},
        {"parcel_id": 5, "box": "M", "expected_g": 1234, "tolerance_g": 30, "state": "waiting"},
    ]
    view = {
        "screen": "pack_weigh",
        "expect": "weight",
        "order_id": 17,
        "station": "PS-1",
        "parcels": parcels,
    }
    link.publish_effects([ScannerView(packer, view)])
    weight = runtime.wait_for(lambda m: isinstance(m, WeightMeasured))
    assert isinstance(weight, WeightMeasured) and weight.device_id == scale
    assert abs(weight.grams - 1234) <= 10


def test_simulator_survives_odd_views_and_counts_errors(
    links: LinkFactory, site: str, simulator_factory: Callable[..., Simulator]
) -> None:
    runtime = FakeRuntime()
    link = links.make(site, runtime)
    scanner = unique("scanner")
    sim = simulator_factory(site, [SimDevice(scanner, "scanner", badge="P-1")], login_after_s=30.0)
    odd: list[dict[str, Any]] = [
        {"screen": 5},
        {"screen": "stop", "expect": "bin", "stop": "nope"},
        {"screen": "stop", "expect": "item", "stop": {"gtins": [None, 3]}},
        {"screen": "pack_weigh", "parcels": [{"state": "waiting", "expected_g": "x"}]},
        {"screen": "martian", "expect": "???"},
    ]
    link.publish_effects([ScannerView(scanner, v) for v in odd])
    link.publish_effects([DeviceError(scanner, "scanner", "x", "refused for a test", "refused")])
    link.publish_effects([ScannerView(scanner, {"screen": "login", "expect": "badge"})])
    scan = runtime.wait_for(lambda m: isinstance(m, ScanRead) and m.device_id == scanner)
    assert isinstance(scan, ScanRead) and scan.code == "P-1"
    # The scan can leave before the simulator's counters are updated: let them settle.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        stats = sim.stats()
        if stats.views_received == len(odd) + 1 and stats.errors_received == 1:
            break
        time.sleep(0.05)
    assert stats.errors_received == 1 and stats.views_received == len(odd) + 1


def test_simulator_reconnects_after_a_broker_restart(
    mosquitto: Mosquitto,
    links: LinkFactory,
    site: str,
    simulator_factory: Callable[..., Simulator],
) -> None:
    runtime = FakeRuntime()
    link = links.make(site, runtime)
    scanner = unique("scanner")
    sim = simulator_factory(site, [SimDevice(scanner, "scanner", badge="P-9")], login_after_s=30.0)
    mosquitto.restart()
    assert link.wait_connected(20) and sim.wait_connected(20)
    link.publish_effects([ScannerView(scanner, {"screen": "login", "expect": "badge"})])
    scan = runtime.wait_for(lambda m: isinstance(m, ScanRead) and m.device_id == scanner, 20)
    assert isinstance(scan, ScanRead) and scan.code == "P-9"
