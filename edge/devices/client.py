"""One device's MQTT connection per docs/mqtt.md, shared by the simulator, tests and benchmarks."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.reasoncodes import ReasonCode

from edge.devices.topics import device_subscriptions, evt_topic, status_topic

log = logging.getLogger(__name__)

# (topic, payload decoded from JSON, monotonic receive time)
OnMessage = Callable[[str, Any, float], None]


# docs/mqtt.md: a device keeps what it published in the last 10 s and re-publishes it after
# any loss of its broker connection (the broker snapshots its queues every ~2 s).
RESEND_WINDOW_S = 10.0
RESEND_MAX_EVENTS = 20_000  # bounds memory (~a few MB) for a device far beyond normal rates


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True, slots=True)
class SentEvent:
    """One event as published: re-publishing it repeats its msg_id, so the service's
    deduplication makes a resend harmless."""

    msg_id: str
    topic: str
    payload: bytes
    sent_at: float  # monotonic


class ResendWindow:
    """The events published during the last `window_s` seconds, oldest first, at most
    `max_events` of them. After a connection loss the window stops sliding: it keeps what
    was published from `window_s` before the loss on, however long the outage lasts, until
    `take_after_loss` hands it out. Thread-safe: filled by the sender, read on paho's thread."""

    def __init__(
        self, window_s: float = RESEND_WINDOW_S, max_events: int = RESEND_MAX_EVENTS
    ) -> None:
        self.window_s = window_s
        self._events: deque[SentEvent] = deque(maxlen=max_events)
        self._lost_at: float | None = None
        self._lock = threading.Lock()

    def add(self, event: SentEvent) -> None:
        with self._lock:
            self._events.append(event)
            anchor = event.sent_at if self._lost_at is None else self._lost_at
            self._prune(anchor - self.window_s)

    def lost(self, at: float) -> None:
        """The connection was lost; `at` is the last moment the broker answered before."""
        with self._lock:
            if self._lost_at is None:
                self._lost_at = at

    def take_after_loss(self) -> list[SentEvent]:
        """After a loss: what to publish again (the events stay for a later loss too).
        Without one: nothing."""
        with self._lock:
            if self._lost_at is None:
                return []
            self._prune(self._lost_at - self.window_s)
            self._lost_at = None
            return list(self._events)

    def clear(self) -> None:
        """An intended disconnect: forget everything."""
        with self._lock:
            self._events.clear()
            self._lost_at = None

    def __len__(self) -> int:
        with self._lock:
            return len(self._events)

    def _prune(self, cutoff: float) -> None:
        while self._events and self._events[0].sent_at < cutoff:
            self._events.popleft()


class DeviceClient:
    """A device of `kind` with id `device_id`: username and client id are the device id, the
    Last Will is a retained `{"online": false}`, and on every connect it subscribes to its
    own `cmd` and `err` topics and then publishes a retained `{"online": true}`.

    `connected` is set (and `on_ready` called) only once the broker confirmed the
    subscriptions (SUBACK): from then on nothing sent to the device is lost. `on_command` and
    `on_error` run on paho's thread with the decoded payload; they must not block.

    Every event sent is kept for `resend_window_s` seconds (`ResendWindow`). After any loss
    of the connection that `stop`/`close` did not ask for, the events published from that
    long before the last PUBACK on are published again, same msg_id, once reconnected: a
    broker that crashed may have acknowledged them without having saved them yet.
    `resend_window_s=0` turns this off (tests use it to show what is lost without it).
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
        resend_window_s: float = RESEND_WINDOW_S,
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
        self.window = ResendWindow(resend_window_s)
        self.resent = 0  # events re-published after connection losses, in all
        self._closing = False  # stop()/close(): a disconnect we asked for
        self._last_ack = time.monotonic()  # the broker's last PUBACK
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
        client.on_publish = self._on_publish
        self.client = client

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background; paho reconnects whenever the link drops."""
        self._closing = False
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
        """Disconnect cleanly, after the offline status (if given) went out or the deadline.
        An intended disconnect: nothing is re-published afterwards."""
        self._closing = True
        if offline is not None:
            with contextlib.suppress(RuntimeError, ValueError):  # not sent: the will covers it
                offline.wait_for_publish(max(0.0, deadline - time.monotonic()))
        self.client.loop_stop()  # first, so the DISCONNECT is written from here (see MqttLink)
        self.client.disconnect()
        self.connected.clear()
        self.window.clear()

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
        """Publish one event at QoS 1; a fresh msg_id unless a resend names the old one. The
        event joins the resend window (a send while disconnected too: paho queues it)."""
        msg_id = msg_id or uuid.uuid4().hex
        body = {
            "msg_id": msg_id,
            "type": type_,
            "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
            **(fields or {}),
        }
        payload = dumps(body)
        if self.window.window_s > 0:
            self.window.add(SentEvent(msg_id, self.evt, payload, time.monotonic()))
        return self.client.publish(self.evt, payload, qos=1)

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
            self._resend_after_loss(client)
        except Exception:
            log.exception("%s: on_connect failed", self.id)

    def _resend_after_loss(self, client: mqtt.Client) -> None:
        """Re-publish the window after a connection loss (nothing after a first connect)."""
        if self.window.window_s <= 0:
            return
        events = self.window.take_after_loss()
        for event in events:
            client.publish(event.topic, event.payload, qos=1)
        self.resent += len(events)
        if events:
            log.info("%s: re-published %d recent events after reconnecting", self.id, len(events))

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
        if not self._closing:
            # What the broker acknowledged shortly before may not be on its disk yet.
            self.window.lost(self._last_ack)

    def _on_publish(
        self, client: mqtt.Client, userdata: Any, mid: int, reason_code: Any, props: Any
    ) -> None:
        self._last_ack = time.monotonic()

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
