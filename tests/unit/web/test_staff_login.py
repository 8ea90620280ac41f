"""Staff login over HTTP: lockouts (429), sessions that expire and end, streams and tokens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from edge.app import staff_sessions
from edge.config import load_settings
from edge.messages import LogoutRequested, NextRequested
from edge.staff import StaffSessions
from tests.support.harness import Harness
from tests.support.web import (
    PIN,
    handheld_warehouse,
    load_warehouse,
    login,
    open_stream,
    with_pins,
)


class FakeClock:
    """The session clock, moved by hand: no test sleeps for an expiry."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def pins(harness: Harness) -> Harness:
    """Ana (P-1) and Ines (S-1) have PINs; Bram (P-2) has none."""
    desc = with_pins(handheld_warehouse())
    load_warehouse(harness, desc)
    return harness


def api_login(client: TestClient, badge: str, pin: str | None = None, **more: Any) -> Any:
    return client.post("/api/v1/login", json={"badge": badge, "pin": pin, **more})


def test_api_login_locks_a_badge_out_after_five_failures(pins: Harness, client: TestClient) -> None:
    # A missing PIN is not a failure: the page asks for it on "pin:".
    r = api_login(client, "P-1")
    assert (r.status_code, r.json()["detail"]) == (401, "pin: this badge needs its PIN")
    for _ in range(4):
        r = api_login(client, "P-1", "0000")
        assert (r.status_code, r.json()["detail"]) == (401, "pin: wrong PIN")
    r = api_login(client, "P-1", "0000")
    assert r.status_code == 429 and r.headers["Retry-After"] == "30"
    assert "locked for 30 s" in r.json()["detail"]
    r = api_login(client, "P-1", PIN)  # the right PIN, too late
    assert r.status_code == 429 and 0 < int(r.headers["Retry-After"]) <= 30
    assert "try again in" in r.json()["detail"]
    # The caller is locked out too (Bram from here waits); Bram on a device of his own not.
    assert api_login(client, "P-2").status_code == 429
    assert api_login(client, "P-2", device="hh-1").status_code == 200


def test_a_free_text_device_name_does_not_dodge_the_device_lockout(
    pins: Harness, client: TestClient
) -> None:
    for n in range(5):  # unknown badges from one caller, each "device" named anew
        r = api_login(client, f"X-{n}", device=f"browser-{n}")
    assert r.status_code == 429 and "device http:testclient is locked" in r.json()["detail"]
    assert api_login(client, "P-2", device="browser-9").status_code == 429


def test_handheld_login_and_override_lock_out(pins: Harness, client: TestClient) -> None:
    body = {"device": "hh-1", "badge": "P-1", "pin": "1"}
    r = client.post("/ui/handheld/login", json={"device": "hh-1", "badge": "P-1"})
    assert (r.status_code, r.json()["detail"]) == (401, "pin: this badge needs its PIN")
    for _ in range(4):
        assert client.post("/ui/handheld/login", json=body).status_code == 401
    r = client.post("/ui/handheld/login", json=body)
    assert r.status_code == 429 and r.headers["Retry-After"] == "30"
    assert pins.service.queries.badge_on("hh-1") is None
    # The supervisor's override on Greta's handheld: badge + PIN, counted the same way.
    greta = login(client, "hh-pack", "K-1")
    override = {"order_id": 1, "badge": "S-1", "pin": "0000", "reason": "checked"}
    codes = [
        client.post("/ui/handheld/override", json=override, headers=greta.headers).status_code
        for _ in range(6)
    ]
    assert codes == [401, 401, 401, 401, 429, 429]
    with pins.service.read() as tx:
        rows = tx.all("SELECT badge, device, outcome FROM login_attempts WHERE badge = 'S-1'")
    assert {(r["device"], r["outcome"]) for r in rows} == {
        ("hh-pack", "wrong_pin"),
        ("hh-pack", "locked"),
    }


def test_a_session_ends_when_idle(pins: Harness, client: TestClient) -> None:
    clock = FakeClock()
    pins.service.sessions = StaffSessions(idle_s=60, max_s=3600, clock=clock)
    token = api_login(client, "P-2").json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    for _ in range(3):  # each use renews it
        clock.now += 59
        assert client.get("/api/v1/orders", headers=auth).status_code == 200
    clock.now += 61
    r = client.get("/api/v1/orders", headers=auth)
    assert r.status_code == 401


def test_a_session_ends_at_its_absolute_limit_however_busy(
    pins: Harness, client: TestClient
) -> None:
    clock = FakeClock()
    pins.service.sessions = StaffSessions(idle_s=60, max_s=300, clock=clock)
    token = api_login(client, "P-2").json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    for _ in range(6):
        clock.now += 50
        assert client.get("/api/v1/orders", headers=auth).status_code == 200
    clock.now += 1  # 301 s after login
    assert client.get("/api/v1/orders", headers=auth).status_code == 401


def test_the_session_limits_come_from_the_config(tmp_path: Path) -> None:
    settings = load_settings(
        None, data_dir=tmp_path, staff={"session_idle_minutes": 1, "session_max_hours": 2}
    )
    clock = FakeClock()
    sessions = staff_sessions(settings, clock)
    token = sessions.open("P-2", "Bram", "picker", "hh-1")
    clock.now += 59
    assert sessions.get(token) is not None
    clock.now += 61
    assert sessions.get(token) is None


def test_logout_ends_the_token_at_once(pins: Harness, client: TestClient) -> None:
    bram = login(client, "hh-1", "P-2")
    assert bram.applied("logout")["view"]["screen"] == "login"
    assert client.get("/api/v1/orders", headers=bram.headers).status_code == 401


def test_a_stale_logout_resent_after_a_new_login_is_harmless(
    pins: Harness, client: TestClient
) -> None:
    bram = login(client, "hh-1", "P-2")
    bram.applied("logout", event="logout-0000000001")
    again = login(client, "hh-1", "P-2")
    # The offline queue sends the same logout again, with the new token.
    r = again.send("logout", event="logout-0000000001")
    assert r.status_code == 200 and r.json()["outcome"] == "duplicate"
    assert pins.service.queries.badge_on("hh-1") == "P-2"
    assert again.applied("next")["view"]["who"] == "Bram"


def test_a_logout_by_another_path_ends_the_stream_and_its_token(
    pins: Harness, client: TestClient
) -> None:
    bram = login(client, "hh-1", "P-2")
    stream = open_stream(bram)
    assert stream.next().data["who"] == "Bram"
    pins.handle(LogoutRequested("hh-1", pins.msg_id(), pins.clock.now))  # not via this page
    assert stream.ends(timeout=5.0)
    assert pins.service.sessions.get(bram.token) is None


def test_a_logout_over_mqtt_ends_the_tokens_for_that_device_at_once(
    pins: Harness, client: TestClient
) -> None:
    bram = login(client, "hh-1", "P-2")
    assert client.get("/api/v1/orders", headers=bram.headers).status_code == 200
    pins.handle(LogoutRequested("hh-1", pins.msg_id(), pins.clock.now))  # no stream open
    assert client.get("/api/v1/orders", headers=bram.headers).status_code == 401


def test_a_live_stream_keeps_its_session_alive(pins: Harness, client: TestClient) -> None:
    clock = FakeClock()
    pins.service.sessions = StaffSessions(idle_s=60, max_s=3600, clock=clock)
    bram = login(client, "hh-1", "P-2")
    stream = open_stream(bram)
    assert stream.next().data["who"] == "Bram"
    clock.now += 59
    pins.handle(NextRequested("hh-1", pins.msg_id(), pins.clock.now))  # a view: the stream wakes
    applied = pins.service.runtime.committed
    # Skip a view the login itself may still have queued: wait for the one of this request.
    while (view := stream.next().data)["v"] < applied:
        pass
    assert view["who"] == "Bram"
    clock.now += 59  # 118 s after login, 59 s after the stream's last use
    assert client.get("/api/v1/orders", headers=bram.headers).status_code == 200


def test_a_token_of_api_login_on_the_stream_is_a_clean_refusal(
    pins: Harness, client: TestClient
) -> None:
    token = api_login(client, "P-2").json()["token"]
    r = client.get("/ui/handheld/stream", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 409
    assert r.json()["detail"] == "session: 'browser' is not a scanner; log in on the handheld page"
