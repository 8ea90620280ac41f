"""The web seam: every route declares who may call it, and its dependencies can be swapped."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

import cloud_sync
import edge.web
import handheld_ui
from edge.staff import StaffSession
from edge.web.deps import api_client, current_staff, current_supervisor, key_or_login
from tests.support.harness import Harness
from tests.support.web import held_at_the_pack_station

# Open on purpose: monitoring, the login itself, the pages and what they need before a login.
OPEN = {
    "/api/v1/health",
    "/api/v1/login",
    "/",
    "/handheld",
    "/supervisor",
    "/ui/handheld/devices",
    "/ui/handheld/login",
    "/ui/supervisor/logout",
}
GUARDS = {api_client, key_or_login, current_staff, current_supervisor}


def _dependencies(route: APIRoute) -> set[Any]:
    found: set[Any] = set()
    pending = list(route.dependant.dependencies)
    while pending:
        dep = pending.pop()
        found.add(dep.call)
        pending += dep.dependencies
    return found


def _routes() -> Iterator[tuple[str, APIRoute]]:
    """(full path, route) of every route of every router module of the three packages."""
    for package in (edge.web, cloud_sync, handheld_ui):
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            router = getattr(importlib.import_module(info.name), "router", None)
            if not isinstance(router, APIRouter):
                continue
            # edge.web's resource routers are mounted on /api/v1 by edge.web.api.
            mount = "/api/v1" if package is edge.web and info.name != "edge.web.api" else ""
            for route in router.routes:
                if isinstance(route, APIRoute):
                    yield mount + route.path, route


def test_every_route_but_the_open_ones_requires_a_key_or_a_login() -> None:
    routes = list(_routes())
    assert len(routes) > 20
    unguarded = {path for path, route in routes if not _dependencies(route) & GUARDS}
    assert unguarded == OPEN


def test_the_supervisor_dependency_can_be_overridden(
    app: FastAPI, client: TestClient, harness: Harness
) -> None:
    """Routers declare Annotated dependencies, so a test (or a tool) can swap who calls."""
    oid, _ = held_at_the_pack_station(harness, client)
    body = {"reason": "checked by hand"}
    assert client.post(f"/api/v1/orders/{oid}/override", json=body).status_code == 401
    boss = StaffSession("S-1", "Ines", "supervisor", "desk-7", expires=float("inf"))
    app.dependency_overrides[current_supervisor] = lambda: boss
    try:
        r = client.post(f"/api/v1/orders/{oid}/override", json=body)
    finally:
        app.dependency_overrides.clear()
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ready_to_ship"
    last = r.json()["history"][-1]
    assert (last["actor"], last["device"]) == ("S-1", "desk-7")
