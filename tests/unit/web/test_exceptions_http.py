"""The exceptions queue over HTTP on the real store: who may look and act, bad input, paging."""

from __future__ import annotations

from fastapi.testclient import TestClient

from edge.messages import LIGHT_MAX_RESENDS, DeadLetter, LightOn, ResendLights
from tests.support.harness import Harness

ADMIN = {"X-API-Key": "test-key"}


def _login(client: TestClient, badge: str) -> dict[str, str]:
    r = client.post("/api/v1/login", json={"badge": badge, "device": "desk-1"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _dead_letters(h: Harness, n: int) -> None:
    for k in range(n):
        h.handle(DeadLetter("wh/t1/scanner/scan-1/evt", b"{", f"payload: bad ({k})", "scan-1",
                            h.msg_id(), h.clock.now))  # fmt: skip


def test_only_a_supervisor_or_an_admin_key_reads_the_queue(
    client: TestClient, harness: Harness
) -> None:
    assert client.get("/api/v1/exceptions").status_code == 401
    assert client.get("/api/v1/exceptions", headers=_login(client, "P-1")).status_code == 403
    assert client.get("/api/v1/exceptions", headers={"X-API-Key": "feed-key"}).status_code == 403
    assert client.get("/api/v1/exceptions", headers=ADMIN).status_code == 200
    _dead_letters(harness, 1)
    url = "/api/v1/dead-letters/1/ack"
    assert client.post(url, json={"reason": "x"}, headers=_login(client, "P-1")).status_code == 403
    # An admin key may read the queue, but an acknowledgement is a person's act.
    assert client.post(url, json={"reason": "x"}, headers=ADMIN).status_code == 401


def test_bad_parameters_are_4xx_naming_the_field(client: TestClient, harness: Harness) -> None:
    boss = _login(client, "S-1")
    for query, field in (
        ("kind=parcel", "kind"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("offset=-1", "offset"),
        ("q=" + "x" * 101, "q"),
    ):
        r = client.get(f"/api/v1/exceptions?{query}", headers=boss)
        assert r.status_code == 422 and field in r.text, (query, r.text)
    r = client.post("/api/v1/shorts/0/ack", json={"reason": "x"}, headers=boss)
    assert r.status_code == 422 and "task_id" in r.text
    r = client.post("/api/v1/shorts/1/ack", json={"reason": "x", "extra": 1}, headers=boss)
    assert r.status_code == 422
    r = client.post("/api/v1/shorts/1/ack", json={"reason": "   "}, headers=boss)
    assert r.status_code == 422 and "reason" in r.text
    r = client.post("/api/v1/shorts/77/ack", json={"reason": "seen"}, headers=boss)
    assert r.status_code == 404


def test_paged_with_a_total_and_acknowledged_once(client: TestClient, harness: Harness) -> None:
    boss = _login(client, "S-1")
    _dead_letters(harness, 7)
    page = client.get("/api/v1/exceptions?kind=dead_letter&limit=3", headers=boss).json()
    assert (page["total"], len(page["items"]), page["offset"]) == (7, 3, 0)
    assert page["counts"]["dead_letter"] == 7 and page["items"][0]["what"] == "payload: bad (6)"
    assert client.get("/api/v1/exceptions?q=bad%20(2)", headers=boss).json()["total"] == 1
    ref = page["items"][0]["ref"]
    url = f"/api/v1/dead-letters/{ref}/ack"
    r = client.post(url, json={"reason": "scanner re-flashed"}, headers=boss)
    assert r.status_code == 200 and r.json()["acknowledged_by"] == "S-1"
    assert client.post(url, json={"reason": "again"}, headers=boss).status_code == 409
    after = client.get("/api/v1/exceptions?kind=dead_letter&limit=3", headers=boss).json()
    assert after["total"] == 6 and ref not in [i["ref"] for i in after["items"]]
    audit = client.get("/api/v1/supervision", headers=boss).json()["actions"][0]
    assert (audit["action"], audit["reason"]) == ("acknowledge_dead_letter", "scanner re-flashed")


def test_a_light_is_resent_by_the_supervisor(client: TestClient, harness: Harness) -> None:
    boss = _login(client, "S-1")
    url = "/api/v1/lights/ptl-A/A-02-1-A/resend"
    assert client.post(url, json={"reason": "x"}, headers=boss).status_code == 404
    harness.intake("SHOP-1", ("MUG", 2))
    harness.scan("scan-1", "P-1")
    assert [e for e in harness.effects if isinstance(e, LightOn)]
    tick = ResendLights(harness.origin("system"), 0.0, LIGHT_MAX_RESENDS)
    for _ in range(LIGHT_MAX_RESENDS):
        harness.handle(tick)
    [item] = client.get("/api/v1/exceptions?kind=light_unacked", headers=boss).json()["items"]
    device, slot = item["detail"]["device"], item["detail"]["slot"]
    r = client.post(f"/api/v1/lights/{device}/{slot}/resend", json={"reason": "new module"},
                    headers=boss)  # fmt: skip
    assert r.status_code == 200
    assert client.get("/api/v1/exceptions?kind=light_unacked", headers=boss).json()["total"] == 0
