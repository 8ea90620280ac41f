"""MqttLink against a private Mosquitto with the shipped config and ACL."""

from __future__ import annotations

import json
import time

import pytest

from edge.devices.topics import (
    evt_topic,
    service_status_topic,
    status_topic,
)
from edge.messages import (
    DeadLetter,
    DeviceError,
    LightAck,
    LightOff,
    LightOn,
    PresenceChanged,
    QuantityConfirmed,
    ScannerView,
    ScanRead,
    StateChanged,
    WeightMeasured,
)
from tests.support.broker import Mosquitto
from tests.support.device import TestDevice
from tests.support.link import FIXED_NOW, WAIT_S, FakeRuntime, LinkFactory, unique

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


def test_device_event_arrives_decoded_and_is_acked(
    mosquitto: Mosquitto, links: LinkFactory, site: str
) -> None:
    runtime = FakeRuntime()
    link = links.make(site, runtime)
    dev = TestDevice(mosquitto, "scanner", unique("scanner"), site=site)
    msg_id = dev.send("scan", code="C-17-3-B")
    dev.send("confirm", qty=2, reason="")
    got = runtime.wait_for(lambda m: isinstance(m, ScanRead))
    assert got == ScanRead(dev.id, msg_id, FIXED_NOW, "C-17-3-B")
    confirm = runtime.wait_for(lambda m: isinstance(m, QuantityConfirmed))
    assert isinstance(confirm, QuantityConfirmed) and confirm.qty == 2
    deadline = time.monotonic() + WAIT_S
    while link.pending_acks and time.monotonic() < deadline:
        time.sleep(0.01)
    assert link.pending_acks == 0
    dev.close()


def test_reading_stops_while_too_many_messages_wait_for_their_commit(
    mosquitto: Mosquitto, links: LinkFactory, site: str
) -> None:
    # The broker's in-flight window does not bound what the service takes once PUBACKs
    # flow; the link does: at 20 uncommitted messages it reads no more until the writer
    # has caught up, and the rest wait in the broker. Nothing is lost or taken twice.
    runtime = FakeRuntime(commit=False)
    links.make(site, runtime, max_unacked=20)
    dev = TestDevice(mosquitto, "scanner", unique("scanner"), site=site)
    sent = [dev.send("scan", code=f"C-{n}") for n in range(60)]
    runtime.wait_for(lambda m: len(runtime.messages) >= 20)
    time.sleep(0.5)  # a held read waits up to a quarter of the keepalive (5 s here)
    assert len(runtime.messages) == 20
    with runtime._cond:
        runtime.commit = True
        held, runtime.uncommitted = runtime.uncommitted, []
    for on_committed in held:
        on_committed()

    def scans() -> list[str]:
        return [m.msg_id for m in runtime.messages if isinstance(m, ScanRead)]

    # Counted as scans: the device's online status is a message too, and waiting for 60 of
    # any kind could stop one scan short.
    runtime.wait_for(lambda m: len(scans()) >= 60)
    assert sorted(scans()) == sorted(sent)
    dev.close()


def test_malformed_payload_is_dead_lettered_and_the_link_keeps_working(
    mosquitto: Mosquitto, links: LinkFactory, site: str
) -> None:
    runtime = FakeRuntime()
    link = links.make(site, runtime)
    dev = TestDevice(mosquitto, "scale", unique("scale"), site=site)
    dev.publish(evt_topic("wh", site, "scale", dev.id), b"{not json")
    dev.send("weight", msg_id="w-1", grams=-3, stable=True)
    dev.send("weight", msg_id="w-2", grams=1234, stable=False)  # settling: ignored
    good = dev.send("weight", grams=1240, stable=True)

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
    shelf = TestDevice(mosquitto, "shelf", unique("ptl"), site=site)
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
    shelf.send("ack", cmd_id="c-1")
    ack = runtime.wait_for(lambda m: isinstance(m, LightAck))
    assert isinstance(ack, LightAck) and ack.cmd_id == "c-1" and ack.device_id == shelf.id
    shelf.close()


def test_presence_online_then_last_will_when_the_device_vanishes(
    mosquitto: Mosquitto, links: LinkFactory, site: str
) -> None:
    runtime = FakeRuntime()
    links.make(site, runtime)
    dev = TestDevice(mosquitto, "scanner", unique("scanner"), site=site)
    dev.online()
    online = runtime.wait_for(lambda m: isinstance(m, PresenceChanged) and m.online)
    assert online == PresenceChanged(dev.id, "scanner", True, FIXED_NOW)
    dev.drop()
    offline = runtime.wait_for(lambda m: isinstance(m, PresenceChanged) and not m.online)
    assert offline == PresenceChanged(dev.id, "scanner", False, FIXED_NOW)


def test_retained_status_is_delivered_to_a_service_that_starts_later(
    mosquitto: Mosquitto, links: LinkFactory, site: str
) -> None:
    dev = TestDevice(mosquitto, "shelf", unique("ptl"), site=site)
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
    mallory = TestDevice(mosquitto, "scanner", unique("scanner"), site=site)
    victim = unique("scanner")
    mosquitto.add_user(victim)
    body = json.dumps({"msg_id": "forged", "type": "scan", "code": "P-1001"}).encode()
    mallory.publish(evt_topic("wh", site, "scanner", victim), body)
    mallory.publish(status_topic("wh", site, "scanner", victim), b'{"online":false}', True)
    # Per-client order is kept, so once this one arrives the forged ones would have too.
    marker = mallory.send("next")
    runtime.wait_for(lambda m: getattr(m, "msg_id", None) == marker)
    assert runtime.of_device(victim) == []

    # Nor can it read another device's commands. Mosquitto grants a v3.1.1 subscription
    # whatever the ACL says, but delivers nothing it may not read; commands to one client
    # keep their order, so its own later command arrives first and alone.
    mallory.subscribe(f"wh/{site}/scanner/{victim}/cmd")
    link.publish_effects(
        [
            ScannerView(victim, {"screen": "login", "secret": True}),
            ScannerView(mallory.id, {"screen": "login", "marker": True}),
        ]
    )
    topic, body = mallory.next_message()
    assert topic.endswith(f"/{mallory.id}/cmd") and body.get("marker") is True
    assert mallory.drain() == []
    mallory.close()


def test_unacknowledged_messages_are_redelivered_after_a_restart(
    mosquitto: Mosquitto, links: LinkFactory, site: str
) -> None:
    client_id = unique("edge-service")
    first = FakeRuntime(commit=False)
    link = links.make(site, first, client_id)
    dev = TestDevice(mosquitto, "scanner", unique("scanner"), site=site)
    # Its online status (sent on connect) comes first: commit it, so only the scans wait.
    first.wait_for(lambda m: isinstance(m, PresenceChanged) and m.device_id == dev.id)
    first.uncommitted.pop(0)()
    ids = [dev.send("scan", code=f"code-{n}") for n in range(4)]
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
    watcher = TestDevice(mosquitto, "scanner", unique("scanner"), site=site)
    watcher.subscribe(service_status_topic("wh", site))
    assert watcher.next_message()[1]["online"] is True
    link.stop()
    assert watcher.next_message()[1]["online"] is False
    assert not [m for m in runtime.messages if isinstance(m, DeadLetter)]
    watcher.close()


def test_scanner_view_reaches_the_scanner(
    mosquitto: Mosquitto, links: LinkFactory, site: str
) -> None:
    runtime = FakeRuntime()
    link = links.make(site, runtime)
    dev = TestDevice(mosquitto, "scanner", unique("scanner"), site=site)
    link.publish_effects([ScannerView(dev.id, {"screen": "login", "expect": "badge"})])
    topic, body = dev.next_message()
    assert topic == f"wh/{site}/scanner/{dev.id}/cmd"
    assert body == {"type": "view", "screen": "login", "expect": "badge"}
    dev.close()
