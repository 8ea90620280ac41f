"""Devices the warehouse does not know, or under the wrong kind: kept and answered (finding 3)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
import pytest

from edge.config import MqttConfig
from edge.devices.codec import encode
from edge.messages import DeadLetter, DeviceError, Inbound, LightButton, PresenceChanged, ScanRead
from edge.model import DomainError
from edge.mqtt import MqttLink
from edge.strangers import Strangers
from tests.support.harness import Harness

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _dead_letters(harness: Harness) -> list[dict[str, object]]:
    with harness.service.read() as tx:
        return tx.all("SELECT device, msg_id, reason FROM dead_letters ORDER BY id")


def _errors(harness: Harness) -> list[DeviceError]:
    return [e for e in harness.effects if isinstance(e, DeviceError)]


def test_a_known_device_under_another_kind_is_unknown_kept_and_answered_there(
    harness: Harness,
) -> None:
    # scan-1 is a scanner; a button press under shelf/scan-1/evt is not its message.
    msg = LightButton("scan-1", "b-1", harness.clock.now, "A-01-1-A", 1)
    with pytest.raises(DomainError, match=r"^device 'scan-1' is a scanner, not a shelf$") as err:
        harness.handle(msg)
    assert err.value.code == "unknown"
    assert _dead_letters(harness) == [
        {"device": "scan-1", "msg_id": "b-1", "reason": "device 'scan-1' is a scanner, not a shelf"}
    ]
    (error,) = _errors(harness)
    assert (error.kind, error.code, error.ref_msg_id) == ("shelf", "unknown", "b-1")
    topic, _ = encode("wh", "t1", error, lambda _d: "scanner") or ("", b"")
    assert topic == "wh/t1/shelf/scan-1/err"  # the topic it published under


def test_a_device_not_in_the_description_is_kept_and_answered(harness: Harness) -> None:
    with pytest.raises(DomainError) as err:
        harness.handle(ScanRead("ghost-7", "g-1", harness.clock.now, "P-1"))
    assert err.value.code == "unknown"
    assert [d["device"] for d in _dead_letters(harness)] == ["ghost-7"]
    (error,) = _errors(harness)
    assert (error.device_id, error.kind, error.code) == ("ghost-7", "scanner", "unknown")


def test_presence_under_the_wrong_kind_is_unknown(harness: Harness) -> None:
    with pytest.raises(DomainError) as err:
        harness.handle(PresenceChanged("scan-1", "scale", True, harness.clock.now))
    assert err.value.code == "unknown"
    (error,) = _errors(harness)
    assert (error.kind, error.code) == ("scale", "unknown")
    with harness.service.read() as tx:
        assert tx.value("SELECT online FROM devices WHERE id = 'scan-1'") in (0, None)


def test_a_dead_letter_of_another_site_is_answered_on_that_sites_err_topic(
    harness: Harness,
) -> None:
    reason = "site 'dc-north' is not this service's site 't1'"
    topic = "wh/dc-north/scanner/scan-1/evt"
    harness.handle(
        DeadLetter(topic, b"{}", reason, "scan-1", "x-1", NOW, "scanner", "unknown", "dc-north")
    )
    (error,) = _errors(harness)
    assert (error.site, error.code, error.reason) == ("dc-north", "unknown", reason)


def test_a_stranger_is_dead_lettered_once_per_interval_and_always_answered() -> None:
    strangers = Strangers("demo", every_s=60)
    topic = "wh/demo/scanner/ghost/evt"
    first = strangers.judge(topic, b"{}", NOW, "demo", "ghost", "m1", "scanner")
    again = strangers.judge(topic, b"{}", NOW, "demo", "ghost", "m2", "scanner")
    other = strangers.judge(topic, b"{}", NOW, "north", "ghost", "m3", "scanner")
    assert isinstance(first, DeadLetter) and first.code == "unknown" and first.site == ""
    assert first.reason == "unknown device 'ghost': not in the warehouse description"
    assert isinstance(again, DeviceError) and again.ref_msg_id == "m2"
    assert again.code == "unknown"
    assert isinstance(other, DeadLetter) and other.site == "north"
    assert other.reason == "site 'north' is not this service's site 'demo'"


class _Link:
    """A link never started (no broker): messages go straight into its paho callback."""

    def __init__(self) -> None:
        self.submitted: list[Inbound] = []
        known = {"sc-1": "scanner"}
        self.link = MqttLink(
            MqttConfig(), "demo", self._take, lambda d: known.get(d, ""), lambda: NOW
        )

    def _take(self, msg: Inbound, ack: Callable[[], None]) -> None:
        self.submitted.append(msg)
        ack()

    def deliver(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        message = mqtt.MQTTMessage(mid=1, topic=topic.encode())
        message.payload, message.qos, message.retain = payload, 1, retain
        self.link._on_message(self.link._client, None, message)


def test_the_link_keeps_a_stranger_once_and_answers_every_message() -> None:
    h = _Link()
    scan = b'{"msg_id":"m1","type":"scan","code":"X"}'
    h.deliver("wh/demo/scanner/ghost/evt", scan)
    h.deliver("wh/demo/scanner/ghost/evt", scan.replace(b"m1", b"m2"))
    h.deliver("wh/north/scanner/sc-1/evt", scan)
    h.deliver("wh/north/scanner/sc-1/status", b'{"online":true}', retain=True)  # old news
    h.deliver("wh/north/service/edge/status", b'{"online":true}')  # another site's service
    h.deliver("wh/demo/scanner/sc-1/evt", scan)
    assert [type(m).__name__ for m in h.submitted] == ["DeadLetter", "DeadLetter", "ScanRead"]
    ghost, north = h.submitted[0], h.submitted[1]
    assert isinstance(ghost, DeadLetter) and isinstance(north, DeadLetter)
    assert (ghost.device_id, ghost.code, ghost.site, ghost.msg_id) == ("ghost", "unknown", "", "m1")
    assert (north.device_id, north.site, north.kind) == ("sc-1", "north", "scanner")
    assert north.reason == "site 'north' is not this service's site 'demo'"
    assert h.link.strangers_answered == 1  # ghost's second message: answered, not stored
    assert h.link.pending_acks == 0
