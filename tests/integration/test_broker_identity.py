"""The broker ties the client id to the username: a device cannot take over another session."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from tests.support.broker import SERVICE_USER, Mosquitto, broker_or_skip

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

SITE = "demo"
ATTACKER, VICTIM = "scanner-01", "scanner-02"
WAIT_S = 10.0
SETTLE_S = 1.5  # long enough for a takeover to show (a kick is immediate)
PROTOCOLS = [
    pytest.param(MQTTProtocolVersion.MQTTv311, id="mqtt311"),
    pytest.param(MQTTProtocolVersion.MQTTv5, id="mqtt5"),
]


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    with broker_or_skip(tmp_path / "broker", SERVICE_USER, ATTACKER, VICTIM) as started:
        yield started


class Client:
    """A bare paho client that records its connects, disconnects and messages."""

    def __init__(
        self,
        broker: Mosquitto,
        user: str,
        client_id: str,
        *,
        protocol: MQTTProtocolVersion = MQTTProtocolVersion.MQTTv311,
        clean: bool = True,
    ) -> None:
        v5 = protocol == MQTTProtocolVersion.MQTTv5
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=protocol,
            clean_session=None if v5 else clean,  # v5: clean_start, at connect
        )
        self.client.username_pw_set(user, broker.password_for(user))
        self.connects = 0
        self.disconnects = 0
        self.subacks = 0
        self.messages: list[dict[str, Any]] = []
        self.topics: list[str] = []
        self._cond = threading.Condition()
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message
        first_only = mqtt.MQTT_CLEAN_START_FIRST_ONLY  # what v3.1.1 uses (clean_session above)
        self.client.connect(broker.host, broker.port, clean_start=clean if v5 else first_only)
        self.client.loop_start()
        self.wait(lambda: self.connects >= 1, f"{user} as {client_id!r} not connected")

    def subscribe(self, topic_filter: str) -> None:
        self.client.subscribe(topic_filter, qos=1)
        self.wait(lambda: self.subacks >= 1, "no SUBACK")

    def publish_event(self, topic: str, msg_id: str) -> None:
        info = self.client.publish(topic, json.dumps({"msg_id": msg_id, "type": "next"}), qos=1)
        info.wait_for_publish(WAIT_S)
        assert info.is_published()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def wait(self, condition: Any, what: str) -> None:
        with self._cond:
            assert self._cond.wait_for(condition, WAIT_S), what

    def _on_subscribe(self, client: Any, userdata: Any, mid: int, rcs: Any, props: Any) -> None:
        with self._cond:
            self.subacks += 1
            self._cond.notify_all()

    def _on_connect(self, client: Any, userdata: Any, flags: Any, rc: Any, props: Any) -> None:
        with self._cond:
            self.connects += 0 if rc.is_failure else 1
            self._cond.notify_all()

    def _on_disconnect(self, client: Any, userdata: Any, flags: Any, rc: Any, props: Any) -> None:
        with self._cond:
            self.disconnects += 1
            self._cond.notify_all()

    def _on_message(self, client: Any, userdata: Any, message: mqtt.MQTTMessage) -> None:
        with self._cond:
            self.topics.append(message.topic)
            self.messages.append(json.loads(message.payload))
            self._cond.notify_all()


def _evt(device: str) -> str:
    return f"wh/{SITE}/scanner/{device}/evt"


def _service(broker: Mosquitto) -> Client:
    """Connected like the service: its client id, a persistent session, every event."""
    service = Client(broker, SERVICE_USER, SERVICE_USER, clean=False)
    service.subscribe(f"wh/{SITE}/+/+/evt")
    return service


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_device_using_another_clients_id_disconnects_nobody(
    broker: Mosquitto, protocol: MQTTProtocolVersion
) -> None:
    service = _service(broker)
    victim = Client(broker, VICTIM, VICTIM)
    for target in (SERVICE_USER, VICTIM):
        intruder = Client(broker, ATTACKER, target, protocol=protocol)
        time.sleep(SETTLE_S)
        assert (service.disconnects, victim.disconnects) == (0, 0), broker.log_tail()
        assert f"Client {target} already connected" not in broker.log_tail(400)
        # The broker named the intruder's session after its username, not what it asked for.
        assert f"as {ATTACKER} (" in broker.log_tail(20)
        intruder.close()

    # Both still work: the service still gets the victim's events.
    victim.publish_event(_evt(VICTIM), "still-here")
    service.wait(lambda: any(m["msg_id"] == "still-here" for m in service.messages), "lost")
    victim.close()
    service.close()


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_clean_session_with_the_services_id_keeps_its_queued_events(
    broker: Mosquitto, protocol: MQTTProtocolVersion
) -> None:
    _service(broker).close()  # the service is down; its persistent session stays
    device = Client(broker, VICTIM, VICTIM)
    queued = [f"queued-{n}" for n in range(50)]
    for msg_id in queued:
        device.publish_event(_evt(VICTIM), msg_id)

    # A device's credentials, the service's client id, a clean session (v5: clean start):
    # before the fix this deleted the service's session and the 50 events with it.
    Client(broker, ATTACKER, SERVICE_USER, protocol=protocol, clean=True).close()

    service = Client(broker, SERVICE_USER, SERVICE_USER, clean=False)
    service.wait(lambda: len(service.messages) >= len(queued), f"got {len(service.messages)}")
    assert [m["msg_id"] for m in service.messages] == queued
    service.close()
    device.close()


def test_a_device_reads_the_service_status_but_not_another_devices_commands(
    broker: Mosquitto,
) -> None:
    service = _service(broker)
    status = f"wh/{SITE}/service/edge/status"
    for topic, body in ((status, {"online": True}), (f"wh/{SITE}/scanner/{VICTIM}/cmd", {})):
        info = service.client.publish(topic, json.dumps(body), qos=1, retain=True)
        info.wait_for_publish(WAIT_S)
    device = Client(broker, ATTACKER, ATTACKER)
    device.subscribe(status)
    device.client.subscribe(f"wh/{SITE}/scanner/{VICTIM}/cmd", qos=1)
    device.wait(lambda: device.subacks >= 2 and device.topics == [status], "no status")
    victim = Client(broker, VICTIM, VICTIM)  # its own command: delivered (the control)
    victim.subscribe(f"wh/{SITE}/scanner/{VICTIM}/cmd")
    victim.wait(lambda: bool(victim.topics), "the victim got no command")
    time.sleep(0.3)  # a retained command wrongly granted would have come with the status
    assert device.topics == [status]
    assert victim.topics == [f"wh/{SITE}/scanner/{VICTIM}/cmd"]
    for client in (victim, device, service):
        client.close()
