"""MqttLink without a broker: PUBACK ordering and what on_message hands to the runtime."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt
import pytest

from edge.acks import OrderedAcks as _OrderedAcks
from edge.config import MqttConfig
from edge.messages import DeadLetter, Inbound, ScanRead
from edge.mqtt import MqttLink

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


class Sent:
    def __init__(self) -> None:
        self.acks: list[int] = []
        self.lock = threading.Lock()

    def __call__(self, mid: int, qos: int) -> None:
        with self.lock:
            self.acks.append(mid)


def test_acks_go_out_in_arrival_order() -> None:
    sent = Sent()
    acks = _OrderedAcks(sent)
    d1, d2, d3 = (acks.expect(mid, 1) for mid in (1, 2, 3))
    acks.complete(d3)
    acks.complete(d2)
    assert sent.acks == [] and acks.pending() == 3
    acks.complete(d1)
    assert sent.acks == [1, 2, 3] and acks.pending() == 0


def test_completing_twice_sends_once() -> None:
    sent = Sent()
    acks = _OrderedAcks(sent)
    d = acks.expect(5, 1)
    acks.complete(d)
    acks.complete(d)
    assert sent.acks == [5]


def test_acks_of_a_lost_connection_are_dropped() -> None:
    sent = Sent()
    acks = _OrderedAcks(sent)
    old = acks.expect(1, 1)
    acks.reset()  # reconnected: the broker redelivers, possibly reusing mid 1
    new = acks.expect(1, 1)
    acks.complete(old)
    assert sent.acks == []
    acks.complete(new)
    assert sent.acks == [1]


def test_a_skipped_message_does_not_block_the_ones_behind_it() -> None:
    sent = Sent()
    acks = _OrderedAcks(sent)
    d1, d2 = acks.expect(1, 1), acks.expect(2, 1)
    acks.complete(d2)
    acks.complete(d1, send=False)
    assert sent.acks == [2]


def test_acks_from_many_threads_still_go_out_in_order() -> None:
    sent = Sent()
    acks = _OrderedAcks(sent)
    deliveries = [acks.expect(mid, 1) for mid in range(1, 501)]
    random.Random(3).shuffle(deliveries)
    chunks = [deliveries[i::8] for i in range(8)]

    def work(chunk: list[Any]) -> None:
        for delivery in chunk:
            acks.complete(delivery)

    threads = [threading.Thread(target=work, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sent.acks == list(range(1, 501))


def test_throttle_waits_until_half_of_the_waiting_messages_are_acked() -> None:
    sent = Sent()
    acks = _OrderedAcks(sent)
    deliveries = [acks.expect(mid, 1) for mid in range(1, 9)]
    assert acks.throttle(9, timeout=0.0)  # below the limit: no wait at all
    assert not acks.throttle(8, timeout=0.05)  # at it, nothing acked: gives up after timeout
    waited: list[bool] = []
    reader = threading.Thread(target=lambda: waited.append(acks.throttle(8, timeout=10)))
    reader.start()
    for delivery in deliveries[:4]:
        acks.complete(delivery)  # 4 still wait: not below half of 8 yet
    reader.join(timeout=0.2)
    assert reader.is_alive()
    acks.complete(deliveries[4])
    reader.join(timeout=5)
    assert waited == [True] and acks.pending() == 3 and acks.holds == 2


class Harness:
    """A link that is never started: messages are fed to its paho callback directly."""

    def __init__(self, submit: Callable[[Inbound, Callable[[], None]], None] | None = None):
        self.submitted: list[tuple[Inbound, Callable[[], None]]] = []
        self.sent = Sent()
        cfg = MqttConfig(username="edge-test")
        self.link = MqttLink(cfg, "demo", submit or self._submit, lambda d: "scanner", lambda: NOW)
        self.link._acks._send = self.sent  # observe PUBACKs without a socket

    def _submit(self, msg: Inbound, ack: Callable[[], None]) -> None:
        self.submitted.append((msg, ack))

    def deliver(self, mid: int, topic: str, payload: bytes, qos: int = 1) -> None:
        message = mqtt.MQTTMessage(mid=mid, topic=topic.encode())
        message.payload = payload
        message.qos = qos
        self.link._on_message(self.link._client, None, message)


def test_a_decoded_message_is_acked_only_when_committed() -> None:
    h = Harness()
    h.deliver(1, "wh/demo/scanner/sc-1/evt", b'{"msg_id":"m1","type":"scan","code":"X"}')
    [(msg, ack)] = h.submitted
    assert msg == ScanRead("sc-1", "m1", NOW, "X")
    assert h.sent.acks == []
    ack()
    assert h.sent.acks == [1]


def test_a_bad_payload_becomes_a_dead_letter_with_an_ack() -> None:
    h = Harness()
    h.deliver(4, "wh/demo/scale/sc-9/evt", b'{"msg_id":"m9","type":"weight","grams":"1"}')
    [(msg, ack)] = h.submitted
    assert isinstance(msg, DeadLetter)
    assert (msg.device_id, msg.msg_id, msg.topic, msg.at) == ("sc-9", "m9", msg.topic, NOW)
    assert msg.reason.startswith("grams: must be an integer")
    ack()
    assert h.sent.acks == [4]


def test_an_ignorable_message_is_acked_in_turn() -> None:
    h = Harness()
    h.deliver(1, "wh/demo/scanner/sc-1/evt", b'{"msg_id":"m1","type":"next"}')
    h.deliver(2, "wh/demo/scale/s/evt", b'{"msg_id":"m2","type":"weight","grams":1,"stable":false}')
    assert len(h.submitted) == 1 and h.sent.acks == []  # waits for the one before it
    h.submitted[0][1]()
    assert h.sent.acks == [1, 2]


def test_qos0_messages_need_no_ack() -> None:
    h = Harness()
    h.deliver(0, "wh/demo/scanner/sc-1/evt", b'{"msg_id":"m1","type":"next"}', qos=0)
    h.submitted[0][1]()
    assert h.sent.acks == [] and h.link.pending_acks == 0


def test_a_failing_runtime_never_breaks_the_callback(caplog: pytest.LogCaptureFixture) -> None:
    def refuse(msg: Inbound, ack: Callable[[], None]) -> None:
        raise RuntimeError("queue full")

    h = Harness(refuse)
    h.deliver(1, "wh/demo/scanner/sc-1/evt", b'{"msg_id":"m1","type":"next"}')
    h.deliver(2, "wh/demo/scanner/sc-1/status", b'{"online":true}')
    assert "did not take a message" in caplog.text
    assert h.sent.acks == [] and h.link.pending_acks == 0  # left for redelivery, not blocking


def test_the_password_is_not_in_the_link_repr() -> None:
    from pydantic import SecretStr

    cfg = MqttConfig(password=SecretStr("hunter2"))
    link = MqttLink(cfg, "demo", lambda m, a: None, lambda d: "scanner", lambda: NOW)
    assert "hunter2" not in repr(link) and "hunter2" not in repr(cfg)
