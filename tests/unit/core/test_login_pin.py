"""Scanner login with PINs over MQTT, no switching users by badge, lockouts and their audit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from edge.devices.codec import DecodeError, decode
from edge.messages import (
    CheckLogin,
    DeadLetter,
    DeviceError,
    LoginRequested,
    LogoutRequested,
    Origin,
    PinEntered,
)
from edge.model import DomainError
from edge.staff import LoginOutcome, redact_pin
from tests.support.harness import Harness, small_warehouse
from tests.support.web import PIN, load_warehouse, with_pins


@pytest.fixture
def pins(harness: Harness) -> Harness:
    """The small warehouse with PINs for Ana (P-1) and Ines (S-1); Bram (P-2) has none."""
    desc = with_pins(small_warehouse())
    load_warehouse(harness, desc)
    return harness


def pin(h: Harness, device: str, typed: str) -> Any:
    return h.handle(PinEntered(device, h.msg_id(), h.clock.now, typed))


def badge_on(h: Harness, device: str) -> str | None:
    with h.service.read() as tx:
        value = tx.value("SELECT badge FROM sessions WHERE device = ?", (device,))
    return None if value is None else str(value)


def last_error(h: Harness, device: str) -> DeviceError:
    errors = [e for e in h.effects if isinstance(e, DeviceError) and e.device_id == device]
    assert errors, f"no error sent to {device}"
    return errors[-1]


def attempts(h: Harness) -> list[dict[str, Any]]:
    with h.service.read() as tx:
        return tx.all("SELECT at, badge, device, outcome FROM login_attempts ORDER BY id")


def at(h: Harness, device: str) -> Origin:
    return Origin("test", h.clock.now, device)


def wait(h: Harness, seconds: float) -> None:
    h.clock.now += timedelta(seconds=seconds)


def test_a_badge_with_a_pin_asks_for_it_and_logs_in_only_with_it(pins: Harness) -> None:
    pins.scan("scan-1", "P-1")
    view = pins.view("scan-1")
    assert (view["screen"], view["expect"], view["who"]) == ("pin", "pin", "Ana")
    assert badge_on(pins, "scan-1") is None  # the badge alone is not a login
    pin(pins, "scan-1", "0000")
    err = last_error(pins, "scan-1")
    assert (err.code, err.reason) == ("refused", "pin: wrong PIN")
    assert pins.view("scan-1")["screen"] == "pin" and pins.view("scan-1")["error"]
    assert badge_on(pins, "scan-1") is None
    pin(pins, "scan-1", PIN)
    assert badge_on(pins, "scan-1") == "P-1"
    assert pins.view("scan-1")["screen"] == "idle"
    assert [a["outcome"] for a in attempts(pins)] == ["wrong_pin", "ok"]


def test_a_badge_without_a_pin_still_logs_in_at_once(pins: Harness) -> None:
    pins.scan("scan-2", "P-2")
    assert badge_on(pins, "scan-2") == "P-2"
    assert pins.view("scan-2")["screen"] == "idle"


def test_a_pin_without_a_badge_first_is_refused(pins: Harness) -> None:
    with pytest.raises(DomainError, match="scan your badge first"):
        pin(pins, "scan-1", PIN)
    pins.scan("scan-1", "P-1")
    pins.handle(LogoutRequested("scan-1", pins.msg_id(), pins.clock.now))  # back to login
    assert pins.view("scan-1")["screen"] == "login"
    with pytest.raises(DomainError, match="scan your badge first"):
        pin(pins, "scan-1", PIN)


def test_another_badge_does_not_switch_the_user_mid_trip_or_idle(pins: Harness) -> None:
    pins.intake("SHOP-1", ("MUG", 2))
    pins.scan("scan-1", "P-2")  # Bram, no PIN, gets the pick list
    assert pins.view("scan-1")["screen"] == "stop"
    for other in ("P-1", "S-1"):  # with a PIN or without, it is not a way in
        with pytest.raises(DomainError, match="Bram is logged in on this scanner; log out"):
            pins.scan("scan-1", other)
        assert badge_on(pins, "scan-1") == "P-2"
        assert pins.view("scan-1")["screen"] == "stop"
    pins.scan("scan-2", "P-1")
    pin(pins, "scan-2", PIN)  # Ana on the other scanner, idle
    with pytest.raises(DomainError, match="Ana is logged in"):
        pins.scan("scan-2", "P-2")
    assert badge_on(pins, "scan-2") == "P-1"


def test_the_same_badge_again_changes_nothing(pins: Harness) -> None:
    pins.intake("SHOP-1", ("MUG", 2))
    pins.scan("scan-1", "P-1")
    pin(pins, "scan-1", PIN)
    before = pins.view("scan-1")
    with pins.service.read() as tx:
        since = tx.value("SELECT since FROM sessions WHERE device = 'scan-1'")
    pins.scan("scan-1", "P-1")
    assert pins.view("scan-1") == before
    with pins.service.read() as tx:
        assert tx.value("SELECT since FROM sessions WHERE device = 'scan-1'") == since
        assert not tx.value("SELECT count(*) FROM pin_pending")


def test_five_wrong_pins_lock_the_badge_with_a_growing_wait(pins: Harness) -> None:
    pins.scan("scan-1", "P-1")
    for _ in range(4):
        pin(pins, "scan-1", "0000")
        assert last_error(pins, "scan-1").reason == "pin: wrong PIN"
    pin(pins, "scan-1", "0000")
    assert "pin: wrong PIN; P-1 is locked for 30 s" in last_error(pins, "scan-1").reason
    assert pins.view("scan-1")["screen"] == "login"  # locked: back to the login screen
    # Locked: the right PIN does not help, on this scanner or another.
    with pytest.raises(DomainError, match=r"badge: P-1 is locked .* try again in \d+ s"):
        pins.scan("scan-2", "P-1")
    wait(pins, 31)
    pins.scan("scan-2", "P-1")
    pin(pins, "scan-2", "1234")  # the sixth failure: the wait doubles
    assert "pin: wrong PIN; P-1 is locked for 60 s" in last_error(pins, "scan-2").reason
    wait(pins, 45)
    with pytest.raises(DomainError, match=r"try again in 1[0-9] s"):
        pins.scan("scan-2", "P-1")
    wait(pins, 20)
    pins.scan("scan-2", "P-1")
    pin(pins, "scan-2", PIN)
    assert badge_on(pins, "scan-2") == "P-1"
    # The success reset the count: one failure more is one failure, not a lockout.
    pins.handle(LogoutRequested("scan-2", pins.msg_id(), pins.clock.now))
    pins.scan("scan-2", "P-1")
    pin(pins, "scan-2", "0000")
    assert last_error(pins, "scan-2").reason == "pin: wrong PIN"
    outcomes = [a["outcome"] for a in attempts(pins)]
    assert outcomes == ["wrong_pin"] * 6 + ["ok", "wrong_pin"]


def test_failures_of_any_badge_lock_the_device(pins: Harness) -> None:
    for badge, typed in [("P-1", "1"), ("S-1", "2"), ("X-9", None), ("P-1", "3"), ("S-1", "4")]:
        outcome = pins.handle(CheckLogin(at(pins, "hh-9"), badge, typed))
        assert isinstance(outcome, LoginOutcome) and not outcome.ok
    assert outcome.retry_after_s == 30 and "device hh-9 is locked for 30 s" in outcome.reason
    # Bram has no PIN and no failures, but the device is locked; elsewhere he is welcome.
    locked = pins.handle(CheckLogin(at(pins, "hh-9"), "P-2", None))
    assert not locked.ok and 0 < locked.retry_after_s <= 30
    assert "device hh-9 is locked" in locked.reason
    welcome = pins.handle(LoginRequested("scan-1", pins.msg_id(), pins.clock.now, "P-2"))
    assert welcome.ok and badge_on(pins, "scan-1") == "P-2"
    # Ana's badge has two failures of its own: not locked on a scanner of its own either.
    pins.scan("scan-2", "P-1")
    assert pins.view("scan-2")["screen"] == "pin"


def test_every_failure_and_lockout_is_audited_without_the_pin(pins: Harness) -> None:
    pins.scan("scan-1", "P-1")
    for _ in range(5):
        pin(pins, "scan-1", "8642")
    with pytest.raises(DomainError, match="locked"):
        pins.scan("scan-1", "P-1")
    rows = attempts(pins)
    assert [(r["badge"], r["device"], r["outcome"]) for r in rows] == [
        ("P-1", "scan-1", "wrong_pin")
    ] * 5
    assert all(r["at"].startswith("2026-11-20T") for r in rows)
    refused = pins.handle(CheckLogin(at(pins, "scan-1"), "P-1", PIN))
    assert refused.retry_after_s > 0
    assert attempts(pins)[-1]["outcome"] == "locked"
    # Neither the wrong PIN nor the right one is anywhere in the database.
    with pins.service.read() as tx:
        tables = [r["name"] for r in tx.all("SELECT name FROM sqlite_master WHERE type='table'")]
        dump = repr([tx.all(f"SELECT * FROM {t}") for t in tables if t != "meta"])
    assert "8642" not in dump and PIN not in dump


def test_a_pin_never_lands_in_a_dead_letter(pins: Harness) -> None:
    topic = "wh/t1/scanner/scan-1/evt"
    payload = b'{"msg_id": "p1", "type": "pin", "pin": 86420}'  # a number: malformed
    with pytest.raises(DecodeError) as caught:
        decode("wh", "t1", topic, payload, pins.clock.now)
    exc = caught.value
    assert "86420" not in exc.reason
    pins.handle(DeadLetter(topic, payload, exc.reason, exc.device_id, exc.msg_id, pins.clock.now))
    broken = b'{"msg_id": "p2", "type": "pin", "pin": "86420"'  # not JSON at all
    pins.handle(DeadLetter(topic, broken, "not JSON", "scan-1", "", pins.clock.now))
    with pins.service.read() as tx:
        stored = [bytes(r["payload"]) for r in tx.all("SELECT payload FROM dead_letters")]
    assert len(stored) == 2 and all(b"86420" not in p for p in stored)
    assert b'"pin":"***"' in stored[0]
    assert "86420" not in repr(PinEntered("scan-1", "p3", pins.clock.now, "86420"))


@pytest.mark.parametrize(
    "payload",
    [
        b'{"msg_id":"a","type":"pin","pin":"86420"}',
        b'{"PIN": 86420}',
        b'{"\\u0070in": "86420"}',
        b'{"a": {"pin": "86420"}}',
        b'{"pin": [86, 420]',
        b"{'pin': '86420'}",
        b"\xff" + b'{"pin":"86420"}',
        b"[" * 5000 + b'"pin:86420"',
    ],
)
def test_redaction_keeps_no_pin_in_any_form(payload: bytes) -> None:
    assert b"86420" not in redact_pin(payload)
    assert b"420" not in redact_pin(payload)
