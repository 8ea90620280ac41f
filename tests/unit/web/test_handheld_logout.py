"""A logout ends the session it was sent in, once: a late or repeated one ends no newer one."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.support.harness import Harness
from tests.support.web import badge_on, event_id, login, picker_at_a_stop, rows


def test_a_late_or_repeated_logout_does_not_end_the_newer_session(
    client: TestClient, harness: Harness
) -> None:
    _, ana = picker_at_a_stop(harness, client)
    # The page reloaded without its token and Ana scanned her badge again: a new session.
    newer = login(client, "hh-1", "P-1")
    late = event_id()
    r = ana.send("logout", late)  # the earlier page's logout, arriving late
    assert r.status_code == 401
    assert badge_on(harness, "hh-1") == "P-1"
    assert newer.send("next").status_code == 200
    events = rows(harness, "SELECT event FROM session_events WHERE device = 'hh-1'")
    assert [e["event"] for e in events][-1] == "login"

    # Her logout, applied once; sent again (the same id) after she logged in again: nothing.
    logout = event_id()
    assert newer.send("logout", logout).json()["outcome"] == "applied"
    again = login(client, "hh-1", "P-1")
    r = again.send("logout", logout)
    assert r.status_code == 200 and r.json()["outcome"] == "duplicate"
    assert r.json()["view"]["screen"] == "stop"
    assert badge_on(harness, "hh-1") == "P-1"
    assert again.send("next").status_code == 200
