"""GET /api/v1/shift: the shift's numbers for a supervisor or a reading key, not for a picker."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from tests.support.harness import Harness


def _login(client: TestClient, badge: str) -> dict[str, str]:
    r = client.post("/api/v1/login", json={"badge": badge})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_the_shift_over_http(harness: Harness, client: TestClient) -> None:
    harness.clock.now = datetime.now(UTC)  # the route reads the last hours of the real clock
    harness.intake("A", ("MUG", 1))
    harness.scan("scan-1", "P-1")
    while harness.view("scan-1")["screen"] == "stop":
        harness.pick_current_stop("scan-1")

    r = client.get("/api/v1/shift?hours=2", headers=_login(client, "S-1"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["hours"] == 2 and len(body["hourly"]) == 2
    assert body["floor"]["lines"] == 1
    assert body["floor"]["scans"] == 3  # the badge, the bin, the item
    assert [(p["badge"], p["lines"]) for p in body["pickers"]] == [("P-1", 1)]
    assert client.get("/api/v1/shift", headers={"X-API-Key": "intake-key"}).json()["hours"] == 8

    assert client.get("/api/v1/shift").status_code == 401
    picker = client.get("/api/v1/shift", headers=_login(client, "P-2"))
    assert picker.status_code == 403
    assert "for a supervisor" in picker.json()["detail"]
    assert client.get("/api/v1/shift", headers={"X-API-Key": "metrics-key"}).status_code == 403
    for bad in ("0", "25", "x"):
        r = client.get(f"/api/v1/shift?hours={bad}", headers={"X-API-Key": "test-key"})
        assert r.status_code == 422, r.text
        assert "hours" in r.text
