"""The web seam: every route declares who may call it, and its dependencies can be swapped."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from edge.staff import StaffSession
from edge.web.deps import (
    KEY_GUARDS,
    current_staff,
    current_supervisor,
    key_or_login,
    shop_or_supervisor,
    stock_reader,
    supervisor_or_admin,
    supervisor_or_reader,
)
from tests.support.harness import Harness
from tests.support.web import held_at_the_pack_station
from tests.unit.web.access import ROUTES, app_routes

GUARDS = {
    *KEY_GUARDS.values(),
    key_or_login,
    shop_or_supervisor,
    stock_reader,
    current_staff,
    current_supervisor,
    supervisor_or_admin,
    supervisor_or_reader,
}


def _dependencies(route: APIRoute) -> set[Any]:
    found: set[Any] = set()
    pending = list(route.dependant.dependencies)
    while pending:
        dep = pending.pop()
        found.add(dep.call)
        pending += dep.dependencies
    return found


def test_every_route_but_the_open_ones_declares_a_guard(app: FastAPI) -> None:
    """Statically: a route the table does not call open depends on a guard of deps.py."""
    routes = [(m, p, r) for m, p, r in app_routes(app) if isinstance(r, APIRoute)]
    assert len(routes) > 20
    unguarded = {(m, p) for m, p, r in routes if not _dependencies(r) & GUARDS}
    assert unguarded == {(m, p) for (m, p), rule in ROUTES.items() if rule == "open"} - {
        ("GET", "/openapi.json"),  # FastAPI's own; /docs and /redoc are open APIRoutes
        ("GET", "/static"),
        ("GET", "/static-docs"),
    }


def test_the_supervisor_dependency_can_be_overridden(
    app: FastAPI, client: TestClient, harness: Harness
) -> None:
    """Routers declare Annotated dependencies, so a test (or a tool) can swap who calls."""
    oid, _ = held_at_the_pack_station(harness, client)
    body = {"reason": "checked by hand"}
    assert client.post(f"/api/v1/orders/{oid}/override", json=body).status_code == 401
    boss = StaffSession("S-1", "Ines", "supervisor", "desk-7")
    app.dependency_overrides[current_supervisor] = lambda: boss
    try:
        r = client.post(f"/api/v1/orders/{oid}/override", json=body)
    finally:
        app.dependency_overrides.clear()
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ready_to_ship"
    last = r.json()["history"][-1]
    assert (last["actor"], last["device"]) == ("S-1", "desk-7")
