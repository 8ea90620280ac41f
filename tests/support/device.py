"""A device for tests: a DeviceClient with its own broker user and an inbox to assert on."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

import paho.mqtt.client as mqtt

from edge.devices.client import DeviceClient
from tests.support.broker import Mosquitto
from tests.support.service_process import SITE

WAIT_S = 10.0

# What a device received: the topic and the decoded JSON payload.
Received = tuple[str, Any]


class TestDevice:
    """One device exactly as docs/mqtt.md asks (edge.devices.client.DeviceClient): username
    = client id = device id, retained Last Will, its own cmd and err topics, a retained
    `{"online": true}` on connect. The constructor returns once it is subscribed (SUBACK),
    so nothing sent to it afterwards is missed. What it receives waits in arrival order.

    A scanner that comes online is sent its current view by a running service: take it
    with `view()` before asserting on what follows.
    """

    __test__ = False  # a helper: not a test class for pytest to collect

    def __init__(
        self,
        broker: Mosquitto,
        kind: str,
        device_id: str,
        *,
        site: str = SITE,
        root: str = "wh",
        timeout: float = WAIT_S,
    ) -> None:
        self.kind, self.id, self.site = kind, device_id, site
        self._inbox: deque[Received] = deque()
        self._arrived = threading.Condition()
        self._gone = False
        self.client = DeviceClient(
            broker.host,
            broker.port,
            root,
            site,
            kind,
            device_id,
            broker.add_user(device_id),  # idempotent: the password of a known user
            on_command=self._receive,
            on_error=self._receive,
        )
        self.client.start()
        if not self.client.wait_connected(timeout):
            self.client.stop()
            raise AssertionError(
                f"{device_id} did not connect and subscribe within {timeout} s:\n"
                f"{broker.log_tail()}"
            )

    @property
    def evt_topic(self) -> str:
        return self.client.evt

    # --- sending (each waits for the broker's PUBACK) ------------------------------------

    def send(self, type_: str, *, msg_id: str | None = None, **fields: Any) -> str:
        """Publish one event (a fresh msg_id unless given); returns its msg_id."""
        msg_id = msg_id or uuid.uuid4().hex
        self._acknowledged(self.client.send(type_, fields, msg_id), self.evt_topic)
        return msg_id

    def publish(self, topic: str, payload: bytes | Mapping[str, Any], retain: bool = False) -> None:
        """Publish exactly this payload (a mapping as compact JSON) on any topic: a malformed
        event, a byte-identical redelivery, a forged topic the broker's ACL should drop."""
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self._acknowledged(self.client.client.publish(topic, body, qos=1, retain=retain), topic)

    def online(self) -> None:
        """Say online again (it already did on connect), retained."""
        self._acknowledged(self.client.publish_status(True), self.client.status_topic)

    def subscribe(self, topic_filter: str) -> None:
        """Also read `topic_filter`, from the moment the broker granted it."""
        if not self.client.subscribe(topic_filter, WAIT_S):
            raise AssertionError(f"{self.id}: subscription to {topic_filter} not granted")

    # --- receiving -----------------------------------------------------------------------

    def next_message(self, timeout: float = WAIT_S) -> Received:
        """The oldest message not taken yet: (topic, payload)."""
        return self._take(lambda topic, body: True, timeout, "anything")

    def next(self, channel: str, timeout: float = WAIT_S) -> dict[str, Any]:
        """The oldest payload received on `channel` ("cmd", "err"); others stay queued."""
        _, body = self._take(lambda topic, _: topic.endswith(f"/{channel}"), timeout, channel)
        assert isinstance(body, dict), body
        return body

    def view(self, timeout: float = WAIT_S) -> dict[str, Any]:
        """The next screen, past the brief 'planning' one while a trip is being routed."""
        while True:
            body = self.next("cmd", timeout)
            if body.get("screen") != "planning":
                return body

    def drain(self) -> list[Received]:
        """Everything received and not taken yet (and forget it)."""
        with self._arrived:
            out = list(self._inbox)
            self._inbox.clear()
            return out

    def arrivals_within(self, seconds: float) -> list[Received]:
        """Wait up to `seconds` for anything to arrive (returns at the first message): []
        means the device stayed quiet that long. Only for asserting that nothing comes."""
        with self._arrived:
            self._arrived.wait_for(lambda: bool(self._inbox), seconds)
        return self.drain()

    # --- going away ----------------------------------------------------------------------

    def drop(self) -> None:
        """Vanish without a goodbye (power loss): the broker publishes the Last Will."""
        self._gone = True
        self.client.drop()

    def close(self) -> None:
        """Say offline (retained) and disconnect; nothing to do once dropped or closed."""
        if not self._gone:
            self._gone = True
            self.client.close()

    # --- internals -----------------------------------------------------------------------

    def _receive(self, topic: str, data: Any, received: float) -> None:
        with self._arrived:
            self._inbox.append((topic, data))
            self._arrived.notify_all()

    def _take(self, wanted: Callable[[str, Any], bool], timeout: float, what: str) -> Received:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for item in self._inbox:
                    if wanted(*item):
                        self._inbox.remove(item)
                        return item
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"{self.id}: nothing ({what}) within {timeout} s; have {list(self._inbox)}"
                    )
                self._arrived.wait(left)

    def _acknowledged(self, info: mqtt.MQTTMessageInfo, topic: str) -> None:
        info.wait_for_publish(WAIT_S)
        if not info.is_published():
            raise AssertionError(f"{self.id}: no PUBACK for {topic} within {WAIT_S} s")
