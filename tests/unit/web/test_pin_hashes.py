"""PIN hashes never leave the service (finding 11): not in any GET, the feed or dead letters;
the warehouse description says whether a person has a PIN, not its hash."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from edge.messages import DeadLetter
from edge.staff import hash_pin
from tests.support.harness import Harness
from tests.support.web import handheld_warehouse, held_at_the_pack_station, load_warehouse

ADMIN = {"X-API-Key": "test-key"}


def _with_pins(harness: Harness) -> None:
    desc = handheld_warehouse()
    for person in desc["staff"]:
        if person["badge"] in ("S-1", "P-2"):
            person["pin_hash"] = hash_pin("4821", rounds=1000)
    load_warehouse(harness, desc)


def test_the_warehouse_says_pin_true_never_the_hash(client: TestClient, harness: Harness) -> None:
    _with_pins(harness)
    staff = client.get("/api/v1/warehouse", headers=ADMIN).json()["staff"]
    assert {p["badge"]: p["pin"] for p in staff} == {
        "P-1": False,
        "P-2": True,
        "K-1": False,
        "K-2": False,
        "S-1": True,
    }
    assert all("pin_hash" not in p for p in staff)


def test_no_answer_carries_a_pin_hash(app: FastAPI, client: TestClient, harness: Harness) -> None:
    """Every GET of the API and the supervisor's screen, read by a key and by a supervisor,
    after a shipment reached the feed and a device message was dead-lettered."""
    _with_pins(harness)
    oid, packer = held_at_the_pack_station(harness, client)
    r = client.post(
        "/ui/handheld/override",
        json={"order_id": oid, "badge": "S-1", "pin": "4821", "reason": "weighed by hand"},
        headers=packer.headers,
    )
    assert r.status_code == 200, r.text
    parcel = harness.order(oid)["parcels"][0]["parcel_id"]
    ship = {"carrier": "DHL", "parcels": [{"parcel_id": parcel, "tracking": "T-1"}]}
    assert client.post(f"/api/v1/orders/{oid}/ship", json=ship, headers=ADMIN).status_code == 200
    topic = "wh/demo/scanner/scan-1/evt"
    harness.handle(
        DeadLetter(topic, b"{not json", "payload: not JSON", "scan-1", "", harness.clock.now)
    )
    boss = client.post("/api/v1/login", json={"badge": "S-1", "pin": "4821"})
    assert boss.status_code == 200, boss.text
    readers = (ADMIN, {"Authorization": f"Bearer {boss.json()['token']}"})
    paths = [p for p, ops in app.openapi()["paths"].items() if "get" in ops and "{" not in p]
    paths += [f"/api/v1/orders/{oid}", "/ui/supervisor/overview", "/ui/handheld/devices"]
    assert "/api/v1/feed" in paths and "/api/v1/dead-letters" in paths
    for path in paths:
        for headers in readers:
            r = client.get(path, headers=headers)
            assert "pbkdf2" not in r.text and "pin_hash" not in r.text, path
    feed = client.get("/api/v1/feed", headers=ADMIN).json()["records"]
    assert [record["order_id"] for record in feed] == [oid]
    letters = client.get("/api/v1/dead-letters", headers=ADMIN).json()["dead_letters"]
    assert [letter["device"] for letter in letters] == ["scan-1"]
