"""One device's MQTT connection per docs/mqtt.md, shared by the simulator, tests and benchmarks."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.reasoncodes import ReasonCode

from edge.devices.topics import device_subscriptions, evt_topic, status_topic

log = logging.getLogger(__name__)

# (topic, payload decoded from JSON, monotonic receive time)
OnMessage = Callable[[str, Any, float], None]


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode("utf-8")


class DeviceClient:
    """A device of `kind` with id `device_id`: username and client id are the device id, the
    Last Will is a retained `{"online": false}`, and on every connect it subscribes to its
    own `cmd` and `err` topics and then publishes a retained `{"online": true}`.

    `connected` is set (and `on_ready` called) only once the broker confirmed the
    subscriptions (SUBACK): from then on nothing sent to the device is lost. `on_command` and
    `on_error` run on paho's thread with the decoded payload; they must not block.
    """

    def __init__(
        self,
        host: str,
        port: int,
        root: str,
        site: str,
        kind: str,
        device_id: str,
        password: str | None,
        *,
        keepalive_s: int = 30,
        status: Mapping[str, Any] | None = None,
        on_command: OnMessage | None = None,
        on_error: OnMessage | None = None,
        on_ready: Callable[[], None] | None = None,
    ) -> None:
        self.host, self.port, self.keepalive_s = host, port, keepalive_s
        self.kind, self.id = kind, device_id
        self.evt = evt_topic(root, site, kind, device_id)
        self.status_topic = status_topic(root, site, kind, device_id)
        self.filters = device_subscriptions(root, site, kind, device_id)
        self.on_command = on_command
        self.on_error = on_error
        self.on_ready = on_ready
        self.connected = threading.Event()
        self._status_extra = dict(status or {})
        self._subscribe_mid: int | None = None
        self._extra_filters: list[str] = []  # subscribe(): renewed on every connect
        self._subacks: dict[int, bool] = {}  # SUBACKs of extra filters: mid -> granted
        self._subacked = threading.Condition()
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=device_id,
            clean_session=True,  # the service re-sends the desired state when we come back
            protocol=MQTTProtocolVersion.MQTTv311,
        )
        client.username_pw_set(device_id, password)
        client.will_set(self.status_topic, dumps({"online": False}), qos=1, retain=True)
        client.reconnect_delay_set(min_delay=1, max_delay=5)
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        self.client = client

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background; paho reconnects whenever the link drops."""
        self.client.connect_async(self.host, self.port, self.keepalive_s)
        self.client.loop_start()

    def wait_connected(self, timeout: float) -> bool:
        return self.connected.wait(timeout)

    def say_offline(self) -> mqtt.MQTTMessageInfo | None:
        """A planned shutdown: a retained offline status (a clean DISCONNECT fires no will)."""
        if not self.connected.is_set():
            return None
        return self.client.publish(self.status_topic, dumps({"online": False}), qos=1, retain=True)

    def stop(self, offline: mqtt.MQTTMessageInfo | None = None, deadline: float = 0.0) -> None:
        """Disconnect cleanly, after the offline status (if given) went out or the deadline."""
        if offline is not None:
            with contextlib.suppress(RuntimeError, ValueError):  # not sent: the will covers it
                offline.wait_for_publish(max(0.0, deadline - time.monotonic()))
        self.client.loop_stop()  # first, so the DISCONNECT is written from here (see MqttLink)
        self.client.disconnect()
        self.connected.clear()

    def close(self, timeout: float = 1.0) -> None:
        """Say offline, then disconnect."""
        self.stop(self.say_offline(), time.monotonic() + timeout)

    def drop(self) -> None:
        """Vanish without a goodbye (power loss): the broker publishes the Last Will."""
        sock = self.client.socket()
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()
        self.client.loop_stop()
        self.connected.clear()

    def subscribe(self, topic_filter: str, timeout: float) -> bool:
        """Also read `topic_filter` at QoS 1, now and after every reconnect (a device may
        watch the service's presence, `service_status_topic`). Its messages go to on_command
        (on_error for an `err` topic). True once the broker granted it (SUBACK) in time.
        Blocks: never call it from a callback (it runs on the thread that reads the SUBACK)."""
        self._extra_filters.append(topic_filter)
        result, mid = self.client.subscribe(topic_filter, qos=1)
        if result != MQTTErrorCode.MQTT_ERR_SUCCESS or mid is None:
            return False  # not connected now: the next connect subscribes it
        with self._subacked:
            if not self._subacked.wait_for(lambda: mid in self._subacks, timeout):
                return False
            return self._subacks.pop(mid)

    # --- outbound ------------------------------------------------------------------------

    def send(
        self, type_: str, fields: Mapping[str, Any] | None = None, msg_id: str | None = None
    ) -> mqtt.MQTTMessageInfo:
        """Publish one event at QoS 1; a fresh msg_id unless a resend names the old one."""
        body = {
            "msg_id": msg_id or uuid.uuid4().hex,
            "type": type_,
            "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
            **(fields or {}),
        }
        return self.client.publish(self.evt, dumps(body), qos=1)

    def publish_status(self, online: bool) -> mqtt.MQTTMessageInfo:
        body = {"online": online, **(self._status_extra if online else {})}
        return self.client.publish(self.status_topic, dumps(body), qos=1, retain=True)

    # --- paho callbacks (network thread: never raise, never block) -----------------------

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: ReasonCode, props: Any
    ) -> None:
        try:
            if reason_code.is_failure:
                log.warning("%s: broker refused the connection: %s", self.id, reason_code)
                return
            result, mid = client.subscribe([(f, 1) for f in self.filters])
            if result == MQTTErrorCode.MQTT_ERR_SUCCESS:
                self._subscribe_mid = mid
            if self._extra_filters:  # apart, so that a refused one cannot keep us unready
                with self._subacked:
                    self._subacks.clear()  # packet ids of an old connection mean nothing now
                client.subscribe([(f, 1) for f in self._extra_filters])
            self.publish_status(True)
        except Exception:
            log.exception("%s: on_connect failed", self.id)

    def _on_subscribe(
        self, client: mqtt.Client, userdata: Any, mid: int, reason_codes: Any, props: Any
    ) -> None:
        if mid == self._subscribe_mid:
            if any(rc.is_failure for rc in reason_codes):
                log.warning("%s: subscriptions refused (check the ACL)", self.id)
                return
            self.connected.set()
            if self.on_ready is not None:
                try:
                    self.on_ready()
                except Exception:
                    log.exception("%s: on_ready failed", self.id)
        else:  # an extra filter's (see subscribe)
            with self._subacked:
                self._subacks[mid] = not any(rc.is_failure for rc in reason_codes)
                self._subacked.notify_all()

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: ReasonCode, props: Any
    ) -> None:
        self.connected.clear()

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        received = time.monotonic()
        try:
            data = json.loads(message.payload)
        except ValueError:
            log.warning("%s: payload on %s is not JSON", self.id, message.topic)
            return
        handler = self.on_error if message.topic.endswith("/err") else self.on_command
        if handler is None:
            return
        try:
            handler(message.topic, data, received)
        except Exception:
            log.exception("%s: could not handle %s", self.id, message.topic)
