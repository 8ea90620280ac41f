"""The one MQTT client: device messages in (acknowledged after commit), effects out."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.reasoncodes import ReasonCode

from edge.acks import MAX_UNACKED, Delivery, OrderedAcks, bind_ack
from edge.config import MqttConfig
from edge.devices.codec import MAX_PAYLOAD_BYTES, DecodeError, decode, encode
from edge.devices.schema import dumps
from edge.devices.topics import (
    former_subscriptions,
    parse_topic,
    service_status_topic,
    service_subscriptions,
    topic_site,
)
from edge.messages import (
    DeadLetter,
    DeviceError,
    Effect,
    Inbound,
    LiveWeight,
    PresenceChanged,
    WeightMeasured,
)
from edge.paho_log import UnreachableBroker
from edge.strangers import Strangers

log = logging.getLogger(__name__)

Submit = Callable[[Inbound, Callable[[], None]], None]

# Outgoing QoS 1 messages in flight at once (paho's default is 20): a burst of light
# commands should not wait for PUBACK round trips.
_MAX_INFLIGHT = 100
_STOP_PUBLISH_TIMEOUT_S = 2.0


def _noop() -> None:
    return None


class MqttLink:
    """The service's MQTT client: decodes device messages, hands them to the runtime with an
    ack to call after commit, and publishes the effects the core returns.

    A persistent session (clean_session false, fixed client id, QoS 1) makes the broker keep
    device messages while the service is down; an unacknowledged message is redelivered.
    """

    def __init__(
        self,
        cfg: MqttConfig,
        site: str,
        submit: Submit,
        kind_of: Callable[[str], str],
        clock: Callable[[], datetime],
        on_weight: Callable[[LiveWeight], None] | None = None,
        on_stage: Callable[[str, float], None] | None = None,
        max_unacked: int = MAX_UNACKED,
    ) -> None:
        self._cfg = cfg
        self._max_unacked = max_unacked
        self._stalled = False  # the writer did not catch up within a hold: said once
        # Where decoding time is reported (the metrics' per-stage histogram).
        self._on_stage = on_stage
        self._on_weight = on_weight
        self._root = cfg.topic_root
        self._site = site
        self._submit = submit
        self._kind_of = kind_of
        self._clock = clock
        self._presence_topic = service_status_topic(self._root, site)
        self._ready = threading.Event()
        self._lifecycle = threading.Lock()
        self._started = False
        self._stopping = False
        self._subscribe_mid: int | None = None
        self.received = 0  # messages taken from the broker
        self.dead_letters = 0  # of which could not be decoded
        self.strangers_answered = 0  # from strangers, answered but not stored (throttled)
        self._strangers = Strangers(site)

        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=cfg.client_id,
            clean_session=False,
            protocol=MQTTProtocolVersion.MQTTv311,
            manual_ack=True,
            reconnect_on_failure=True,
        )
        if cfg.username:
            password = cfg.password.get_secret_value() if cfg.password is not None else None
            client.username_pw_set(cfg.username, password)
        paho_log = logging.getLogger("edge.mqtt.paho")
        paho_log.addFilter(UnreachableBroker(f"{cfg.host}:{cfg.port}"))
        client.enable_logger(paho_log)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.max_inflight_messages_set(_MAX_INFLIGHT)
        client.will_set(self._presence_topic, self._presence(False), qos=1, retain=True)
        client.on_socket_open = self._on_socket_open
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        self._client = client
        self._acks = OrderedAcks(client.ack)

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background; paho reconnects by itself whenever the link drops."""
        with self._lifecycle:
            if self._started:
                return
            self._started = True
            self._stopping = False
            self._client.connect_async(self._cfg.host, self._cfg.port, self._cfg.keepalive_s)
            self._client.loop_start()

    def stop(self) -> None:
        """Say offline (a clean disconnect does not fire the Last Will) and disconnect."""
        with self._lifecycle:
            if not self._started:
                return
            self._stopping = True
            if self._ready.is_set():
                try:
                    info = self._client.publish(
                        self._presence_topic, self._presence(False), qos=1, retain=True
                    )
                    if info.rc == MQTTErrorCode.MQTT_ERR_SUCCESS:
                        info.wait_for_publish(_STOP_PUBLISH_TIMEOUT_S)
                except (RuntimeError, ValueError) as exc:
                    log.warning("could not publish offline presence: %s", exc)
            # Stop the network thread first (it finishes sending what is queued), then
            # disconnect from this thread: paho writes the DISCONNECT itself, and its loop
            # does not run once more on a closed socket (which logs a spurious error).
            self._client.loop_stop()
            self._client.disconnect()
            self._acks.reset()
            self._ready.clear()
            self._started = False

    @property
    def connected(self) -> bool:
        """Connected and subscribed: device messages are flowing."""
        return self._ready.is_set()

    def wait_connected(self, timeout: float) -> bool:
        return self._ready.wait(timeout)

    @property
    def pending_acks(self) -> int:
        """Messages handed to the runtime whose PUBACK has not been sent yet."""
        return self._acks.pending()

    @property
    def reads_held(self) -> int:
        """Times reading waited for the writer to commit (too many unacknowledged)."""
        return self._acks.holds

    # --- outbound ------------------------------------------------------------------------

    def publish_effects(self, effects: Sequence[Effect]) -> None:
        """Publish the effects meant for devices at QoS 1, in order; never raises.

        While disconnected paho keeps QoS 1 messages in memory and sends them on reconnect;
        the core also re-sends the desired state when a device comes back.
        """
        for effect in effects:
            site = self._site
            if isinstance(effect, DeviceError) and effect.site:
                site = effect.site  # a device that published under another site's tree
            try:
                out = encode(self._root, site, effect, self._kind_of)
            except Exception:
                log.exception("cannot encode %s", type(effect).__name__)
                continue
            if out is None:
                continue
            topic, payload = out
            try:
                info = self._client.publish(topic, payload, qos=1)
            except ValueError as exc:
                log.error("cannot publish %s to %s: %s", type(effect).__name__, topic, exc)
                continue
            if info.rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
                log.warning("publish to %s failed: %s", topic, mqtt.error_string(info.rc))

    # --- paho callbacks (network thread: never raise, never block) -----------------------

    def _presence(self, online: bool) -> bytes:
        return dumps({"online": online, "client_id": self._cfg.client_id})

    def _on_socket_open(self, client: mqtt.Client, userdata: Any, sock: Any) -> None:
        # Nagle's algorithm delays small packets (a PUBACK, a light command) by up to
        # ~40 ms waiting for the peer's delayed ACK; a round trip then costs ~80 ms.
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except (OSError, AttributeError) as exc:
            log.debug("TCP_NODELAY not set: %s", exc)

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.ConnectFlags,
        reason_code: ReasonCode,
        properties: Any,
    ) -> None:
        try:
            if reason_code.is_failure:
                # Bad credentials or not authorised: paho keeps retrying with backoff.
                log.error("MQTT broker refused the connection: %s", reason_code)
                return
            # Acks from a previous connection must not reach this one (see OrderedAcks).
            self._acks.reset()
            log.info(
                "MQTT connected to %s:%d as %s (session present: %s)",
                self._cfg.host,
                self._cfg.port,
                self._cfg.client_id,
                flags.session_present,
            )
            # Always subscribe, even with a session present: the filters may have changed
            # with the config. The retained statuses that come with it are idempotent.
            client.unsubscribe(list(former_subscriptions(self._root, self._site)))
            filters = service_subscriptions(self._root, self._site)
            result, mid = client.subscribe([(f, 1) for f in filters])
            if result != MQTTErrorCode.MQTT_ERR_SUCCESS:
                log.error("subscribe failed: %s", mqtt.error_string(result))
                return
            self._subscribe_mid = mid
            client.publish(self._presence_topic, self._presence(True), qos=1, retain=True)
        except Exception:
            log.exception("error in MQTT on_connect")

    def _on_subscribe(
        self,
        client: mqtt.Client,
        userdata: Any,
        mid: int,
        reason_codes: list[ReasonCode],
        properties: Any,
    ) -> None:
        try:
            if mid != self._subscribe_mid:
                return
            refused = [rc for rc in reason_codes if rc.is_failure]
            if refused:
                log.error("MQTT subscription refused by the broker (check the ACL): %s", refused)
                return
            self._ready.set()
        except Exception:
            log.exception("error in MQTT on_subscribe")

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Any,
    ) -> None:
        try:
            self._ready.clear()
            self._acks.reset()
            if self._stopping:
                log.info("MQTT disconnected")
            else:
                log.warning("MQTT connection lost (%s); reconnecting", reason_code)
        except Exception:
            log.exception("error in MQTT on_disconnect")

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            self._receive(message)
        except Exception:
            log.exception("error handling an MQTT message")

    def _receive(self, message: mqtt.MQTTMessage) -> None:
        started = time.perf_counter()
        now = self._clock()
        self.received += 1
        ack: Callable[[], None] = _noop
        delivery: Delivery | None = None
        if message.qos > 0:
            delivery = self._acks.expect(message.mid, message.qos)
            ack = bind_ack(self._acks, delivery)
        try:
            topic = message.topic
        except UnicodeDecodeError:  # brokers refuse these; nothing to reply to
            log.warning("dropped a message with a topic that is not UTF-8")
            ack()
            return
        payload = bytes(message.payload)
        site = topic_site(self._root, topic) or self._site
        old_news = bool(message.retain)  # a retained status that came with the subscription
        inbound: Inbound | None
        try:
            decoded = decode(self._root, site, topic, payload, now)
        except DecodeError as exc:
            if site != self._site:
                inbound = self._stranger(
                    topic, payload, now, site, exc.device_id, exc.msg_id, exc.kind, old_news
                )
            else:
                self.dead_letters += 1
                log.info("dead letter on %s: %s", topic, exc.reason)
                kept = payload[:MAX_PAYLOAD_BYTES]
                inbound = DeadLetter(
                    topic, kept, exc.reason, exc.device_id, exc.msg_id, now, exc.kind, exc.code
                )
        except Exception as exc:  # a codec bug must not lose the message silently
            self.dead_letters += 1
            log.exception("decoder failed on %s", topic)
            reason = f"internal: decoder failed ({type(exc).__name__})"
            inbound = DeadLetter(topic, payload[:MAX_PAYLOAD_BYTES], reason, "", "", now)
        else:
            if decoded is None:
                ack()
                return
            if site != self._site or not self._kind_of(decoded.device_id):
                kind = parse_topic(self._root, site, topic).kind
                msg_id = "" if isinstance(decoded, LiveWeight | PresenceChanged) else decoded.msg_id
                inbound = self._stranger(
                    topic, payload, now, site, decoded.device_id, msg_id, kind, old_news
                )
            elif isinstance(decoded, LiveWeight):
                self._show_weight(decoded)
                ack()
                return
            else:
                if isinstance(decoded, WeightMeasured):
                    self._show_weight(LiveWeight(decoded.device_id, decoded.grams, stable=True))
                inbound = decoded
        if inbound is None:
            ack()
            return
        if self._on_stage is not None:
            self._on_stage("decode", time.perf_counter() - started)
        try:
            self._submit(inbound, ack)
        except Exception:
            log.exception("the runtime did not take a message; it stays unacknowledged")
            if delivery is not None:
                self._acks.complete(delivery, send=False)
        if delivery is not None:
            # Too many wait for their commit: this network thread waits (reads nothing) for
            # the writer; a quarter of the keepalive at most, so paho still pings.
            caught_up = self._acks.throttle(self._max_unacked, self._cfg.keepalive_s / 4)
            if not caught_up and not self._stalled:
                log.warning("the writer is not keeping up; reading from the broker slowly")
            self._stalled = not caught_up

    def _show_weight(self, reading: LiveWeight) -> None:
        """The pack station's screen shows the scale as it settles (not stored)."""
        if self._on_weight is None:
            return
        try:
            self._on_weight(reading)
        except Exception:
            log.exception("live weight display failed")

    def _stranger(
        self,
        topic: str,
        payload: bytes,
        now: datetime,
        site: str,
        device_id: str,
        msg_id: str,
        kind: str,
        old_news: bool,
    ) -> DeadLetter | None:
        """Another site's device or one not described: see edge.strangers. A retained
        status that came with the subscription is old news, not a device talking now."""
        if old_news:
            return None
        verdict = self._strangers.judge(topic, payload, now, site, device_id, msg_id, kind)
        if isinstance(verdict, DeadLetter):
            self.dead_letters += 1
            log.warning("dead letter on %s: %s", topic, verdict.reason)
            return verdict
        self.strangers_answered += 1
        if device_id and kind:
            self.publish_effects([verdict])
        return None
