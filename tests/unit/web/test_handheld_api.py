"""The handheld page's API through TestClient: login, events applied once, the override."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from edge.staff import hash_pin
from tests.support.harness import GTIN, Harness
from tests.support.web import (
    badge_on,
    event_id,
    handheld_warehouse,
    held_at_the_pack_station,
    load_warehouse,
    login,
    picker_at_a_stop,
    rows,
    without_version,
)

# --- login ---


@pytest.mark.parametrize("device", ["hh-9", "scale-2"])
def test_login_on_something_that_is_not_a_scanner_of_the_site_names_the_device(
    client: TestClient, device: str
) -> None:
    r = client.post("/ui/handheld/login", json={"device": device, "badge": "P-1"})
    assert r.status_code == 422
    assert r.json()["detail"].startswith("device:")
    assert device in r.json()["detail"]


def test_login_with_an_unknown_badge_is_401_naming_the_badge(
    client: TestClient, harness: Harness
) -> None:
    r = client.post("/ui/handheld/login", json={"device": "hh-1", "badge": "X-99"})
    assert r.status_code == 401
    assert r.json()["detail"].startswith("badge: ")
    assert badge_on(harness, "hh-1") is None


def test_login_of_a_staff_entry_with_a_pin_hash_needs_the_right_pin(
    client: TestClient, harness: Harness
) -> None:
    desc = handheld_warehouse()
    desc["staff"].append(
        {"badge": "P-3", "name": "Pia", "role": "picker", "pin_hash": hash_pin("1234")}
    )
    load_warehouse(harness, desc)
    for pin in (None, "9999"):
        body = {"device": "hh-1", "badge": "P-3"} | ({"pin": pin} if pin else {})
        r = client.post("/ui/handheld/login", json=body)
        assert r.status_code == 401, pin
        assert r.json()["detail"].startswith("pin: ")
        assert badge_on(harness, "hh-1") is None  # no session without the PIN
    pia = login(client, "hh-1", "P-3", pin="1234")
    assert pia.login["badge"] == "P-3" and pia.token
    assert badge_on(harness, "hh-1") == "P-3"


@pytest.mark.parametrize(
    ("device", "badge"),
    [("hh-1", "K-1"), ("hh-pack", "P-1")],  # a packer on the floor, a picker at PS-2
)
def test_login_the_rules_refuse_is_409_naming_the_badge(
    client: TestClient, harness: Harness, device: str, badge: str
) -> None:
    r = client.post("/ui/handheld/login", json={"device": device, "badge": badge})
    assert r.status_code == 409
    assert r.json()["detail"].startswith("badge:")
    assert badge_on(harness, device) is None


def test_a_good_login_returns_a_working_token_the_person_and_the_current_view(
    client: TestClient, harness: Harness
) -> None:
    oid = harness.intake("SHOP-1", ("MUG", 2))
    r = client.post("/ui/handheld/login", json={"device": "hh-1", "badge": "P-1"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert isinstance(body["token"], str) and len(body["token"]) >= 16
    assert (body["badge"], body["name"], body["role"]) == ("P-1", "Ana", "picker")
    assert (body["device"], body["station"]) == ("hh-1", None)
    # The view is the one the store holds for hh-1 now: Ana's pick list of the new order.
    view = body["view"]
    assert view["screen"] == "stop" and view["stop"]["order_id"] == oid
    assert without_version(view) == without_version(harness.service.queries.scanner_view("hh-1"))
    assert badge_on(harness, "hh-1") == "P-1"
    assert harness.order(oid)["status"] == "picking"
    # The token identifies Ana on hh-1: her pick list's map is hers to fetch.
    auth = {"Authorization": f"Bearer {body['token']}"}
    svg = client.get("/ui/handheld/map.svg", headers=auth)
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert client.get("/ui/handheld/map.svg").status_code == 401


# --- events ---


def test_a_scan_is_applied_once_and_its_retry_answers_duplicate(
    client: TestClient, harness: Harness
) -> None:
    oid, picker = picker_at_a_stop(harness, client)
    at_bin = picker.applied("scan", code="A-02-1-A")
    assert at_bin["view"]["expect"] == "item"
    item = event_id()
    first = picker.send("scan", item, code=GTIN["MUG"])
    assert first.status_code == 200
    assert first.json()["outcome"] == "applied" and first.json()["id"] == item
    assert first.json()["view"]["stop"]["picked"] == 1
    # The answer to the first try was lost: the page sends the same event again.
    again = picker.send("scan", item, code=GTIN["MUG"])
    assert again.status_code == 200
    assert again.json()["outcome"] == "duplicate"
    assert again.json()["first_outcome"] == "applied"
    assert again.json()["view"]["stop"]["picked"] == 1  # not a second unit
    picks = rows(harness, "SELECT order_id, bin, qty, device FROM picks WHERE msg_id = ?", item)
    assert picks == [{"order_id": oid, "bin": "A-02-1-A", "qty": 1, "device": "hh-1"}]
    seen = rows(harness, "SELECT device, outcome FROM inbound_seen WHERE msg_id = ?", item)
    assert seen == [{"device": "hh-1", "outcome": "applied"}]
    assert harness.stock("A-02-1-A", "MUG") == (9, 1)


def test_a_refused_scan_answers_200_with_the_code_and_what_was_expected(
    client: TestClient, harness: Harness
) -> None:
    oid, picker = picker_at_a_stop(harness, client)
    wrong = event_id()
    r = picker.send("scan", wrong, code="B-04-1-B")
    assert r.status_code == 200
    answer = r.json()
    assert answer["outcome"] == "refused"
    assert answer["error"]["code"] == "wrong_bin"
    assert answer["error"]["details"] == {"expected": "A-02-1-A", "scanned": "B-04-1-B"}
    assert "wrong bin" in answer["error"]["text"]
    # The refusal is in the answer; the view itself does not repeat it.
    assert not any(k.startswith("error") for k in answer["view"])
    assert answer["view"]["expect"] == "bin"
    # The retry of a refused event is recognised too, and still changes nothing.
    again = picker.send("scan", wrong, code="B-04-1-B").json()
    assert again["outcome"] == "duplicate" and again["first_outcome"].startswith("refused")
    assert harness.order(oid)["picks"] == []


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"type": "confirm", "qty": "2"}, "qty"),
        ({"type": "confirm", "qty": True}, "qty"),
        ({"type": "confirm", "qty": -1}, "qty"),
        ({"type": "scan"}, "code"),
        ({"type": "teleport"}, "type"),
    ],
)
def test_an_event_that_can_never_apply_is_422_naming_the_field_and_is_not_recorded(
    client: TestClient, harness: Harness, fields: dict[str, Any], named: str
) -> None:
    _, picker = picker_at_a_stop(harness, client)
    picker.applied("scan", code="A-02-1-A")
    picker.applied("scan", code=GTIN["MUG"])  # one taken: a confirm would apply now
    bad = event_id()
    r = client.post("/ui/handheld/events", json={"id": bad, **fields}, headers=picker.headers)
    assert r.status_code == 422
    assert r.json()["detail"].startswith(f"{named}:")
    assert rows(harness, "SELECT * FROM inbound_seen WHERE msg_id = ?", bad) == []
    assert harness.service.queries.scanner_view("hh-1")["stop"]["picked"] == 1


def test_an_event_id_of_the_wrong_shape_is_422_naming_the_id(
    client: TestClient, harness: Harness
) -> None:
    _, picker = picker_at_a_stop(harness, client)
    r = client.post(
        "/ui/handheld/events",
        json={"id": "x", "type": "scan", "code": "A-02-1-A"},
        headers=picker.headers,
    )
    assert r.status_code == 422 and r.json()["detail"].startswith("id:")


def test_an_event_of_someone_no_longer_logged_in_on_the_device_is_409(
    client: TestClient, harness: Harness
) -> None:
    _, ana = picker_at_a_stop(harness, client)
    bram = login(client, "hh-1", "P-2")  # Bram takes the handheld: Ana's token for it ends
    late = event_id()
    r = ana.send("scan", late, code="A-02-1-A")
    assert r.status_code == 401
    assert "session expired" in r.json()["detail"]
    assert rows(harness, "SELECT * FROM inbound_seen WHERE msg_id = ?", late) == []
    assert bram.send("next").status_code == 200  # Bram's own token works
    # Bram moves to an MQTT scanner: his token is for a handheld he is no longer on.
    harness.scan("scan-2", "P-2")
    assert badge_on(harness, "hh-1") is None
    assert bram.send("next").status_code == 401  # his token ended when he moved


def test_another_persons_badge_scanned_mid_session_is_refused(
    client: TestClient, harness: Harness
) -> None:
    _, ana = picker_at_a_stop(harness, client)
    r = ana.send("scan", code="P-2")
    assert r.status_code == 200
    answer = r.json()
    assert answer["outcome"] == "refused" and answer["error"]["code"] == "other_badge"
    assert answer["error"]["details"] == {"scanned": "Bram"}
    assert answer["view"]["who"] == "Ana"
    assert badge_on(harness, "hh-1") == "P-1"  # Bram was not logged in past his PIN
    with harness.service.read() as tx:
        assert tx.value("SELECT count(*) FROM sessions WHERE badge = 'P-2'") == 0


def test_logging_out_ends_the_token(client: TestClient, harness: Harness) -> None:
    _, ana = picker_at_a_stop(harness, client)
    out = ana.applied("logout")
    assert out["view"]["screen"] == "login"
    assert badge_on(harness, "hh-1") is None
    assert ana.send("next").status_code == 401


# --- the supervisor's override at a pack station ---


def test_a_held_order_is_released_only_with_a_supervisors_badge_recorded_on_the_handheld(
    client: TestClient, harness: Harness
) -> None:
    oid, packer = held_at_the_pack_station(harness, client)
    body = {"order_id": oid, "reason": "heavy filler, checked"}
    as_packer = client.post(
        "/ui/handheld/override", json={**body, "badge": "K-2"}, headers=packer.headers
    )
    assert as_packer.status_code == 403
    assert as_packer.json()["detail"].startswith("badge:")
    unknown = client.post(
        "/ui/handheld/override", json={**body, "badge": "X-1"}, headers=packer.headers
    )
    assert unknown.status_code == 401
    assert harness.order(oid)["status"] == "on_hold"
    r = client.post("/ui/handheld/override", json={**body, "badge": "S-1"}, headers=packer.headers)
    assert r.status_code == 200, r.text
    assert (r.json()["order_id"], r.json()["status"], r.json()["by"]) == (
        oid,
        "ready_to_ship",
        "Ines",
    )
    detail = harness.order(oid)
    assert detail["status"] == "ready_to_ship"
    last = detail["history"][-1]
    assert (last["from_status"], last["actor"], last["device"]) == ("on_hold", "S-1", "hh-pack")
    assert "heavy filler" in last["reason"]


def test_an_override_with_a_supervisor_who_has_a_pin_needs_the_pin(
    client: TestClient, harness: Harness
) -> None:
    desc = handheld_warehouse()
    boss = next(s for s in desc["staff"] if s["badge"] == "S-1")
    boss["pin_hash"] = hash_pin("4321")
    load_warehouse(harness, desc)
    oid, packer = held_at_the_pack_station(harness, client)
    body = {"order_id": oid, "badge": "S-1", "reason": "checked"}
    r = client.post("/ui/handheld/override", json=body, headers=packer.headers)
    assert r.status_code == 401 and r.json()["detail"].startswith("pin:")
    assert harness.order(oid)["status"] == "on_hold"
    r = client.post("/ui/handheld/override", json={**body, "pin": "4321"}, headers=packer.headers)
    assert r.status_code == 200 and harness.order(oid)["status"] == "ready_to_ship"
