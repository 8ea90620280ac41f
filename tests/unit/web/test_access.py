"""Every route × every caller against the declared table (tests/unit/web/access.py): allowed
callers get past authentication, the others get 401 (no or wrong credentials) or 403 (a
wrong role, named in the answer)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from edge.web.bodies import ErrorBody
from tests.support.harness import Harness
from tests.support.web import SseReader, login
from tests.unit.web.access import CALLERS, KEYS, ROUTES, allowed, app_routes, markdown

DOCS = Path(__file__).resolve().parents[3] / "docs" / "api.md"
HANDHELDS = {"picker": ("hh-1", "P-1"), "packer": ("hh-pack", "K-1")}
STREAMS = {("GET", "/ui/supervisor/stream"), ("GET", "/ui/handheld/stream")}  # endless if allowed
LAST = ("POST", "/ui/supervisor/logout")  # ends the token it is given: walked last


def _headers(client: TestClient, caller: str) -> dict[str, str]:
    if caller == "nobody":
        return {}
    if caller in KEYS:
        return {"X-API-Key": "test-key" if caller == "admin" else f"{caller}-key"}
    if caller in HANDHELDS:
        device, badge = HANDHELDS[caller]
        return login(client, device, badge).headers
    r = client.post("/api/v1/login", json={"badge": "S-1"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _call(
    app: FastAPI, client: TestClient, method: str, path: str, headers: dict[str, str]
) -> httpx.Response | int:
    url = path.replace("{order_id}", "1")
    if path == "/static":
        url = "/static/handheld.js"
    if (method, path) in STREAMS:
        reader = SseReader(client, url, headers)
        reader.wait_started()
        app.state.hub.close()  # the stream (if it opened) ends
        assert reader.ends()
        assert reader.status_code is not None, reader.error
        return reader.status_code
    body: dict[str, Any] | None = {} if method in ("POST", "PUT") else None
    response: httpx.Response = client.request(method, url, json=body, headers=headers)
    return response


def test_every_route_and_caller_as_declared(
    app: FastAPI, client: TestClient, harness: Harness
) -> None:
    served = {(method, path) for method, path, _ in app_routes(app)}
    assert served == set(ROUTES), "declare who may call each route in tests/unit/web/access.py"
    callers = {caller: _headers(client, caller) for caller in CALLERS}
    wrong: list[str] = []
    for method, path in sorted(served, key=lambda route: route == LAST):
        for caller, headers in callers.items():
            answer = _call(app, client, method, path, headers)
            status = answer if isinstance(answer, int) else answer.status_code
            ok = caller in allowed(method, path)
            if ok and (status in (401, 403) or status >= 500):
                wrong.append(f"{method} {path} as {caller}: {status}, expected through")
            elif not ok and status not in ((401,) if caller == "nobody" else (401, 403)):
                wrong.append(f"{method} {path} as {caller}: {status}, expected 401/403")
    assert wrong == []


def test_a_key_with_the_wrong_role_is_told_which_role(client: TestClient) -> None:
    for key, method, path, needed in (
        ("feed-key", "POST", "/api/v1/orders", "intake (or admin)"),
        ("intake-key", "POST", "/api/v1/orders/1/ship", "carrier (or admin)"),
        ("intake-key", "GET", "/api/v1/feed", "feed (or admin)"),
        ("carrier-key", "POST", "/api/v1/feed/ack", "feed (or admin)"),
        ("feed-key", "PUT", "/api/v1/warehouse", "admin"),
    ):
        r = client.request(method, path, json={}, headers={"X-API-Key": key})
        assert r.status_code == 403, (path, r.text)
        detail = ErrorBody.model_validate(r.json()).detail
        assert detail.endswith(f"needs the role {needed}"), detail


def test_the_docs_show_the_table() -> None:
    """docs/api.md carries the table as `python -m tests.unit.web.access` prints it."""
    assert markdown() in DOCS.read_text(encoding="utf-8")
