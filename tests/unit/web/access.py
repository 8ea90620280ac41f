"""Who may call each route of the app: the declared table the route walk checks, in docs/api.md."""

from __future__ import annotations

from collections.abc import Iterator

import fastapi.routing
from fastapi import FastAPI
from starlette.routing import BaseRoute, Mount

# Every kind of caller: no credentials, an API key of each role, a person of each staff role
# (the picker and the packer on handhelds, the supervisor on a browser).
KEYS = ("intake", "carrier", "feed", "admin", "metrics")
PEOPLE = ("picker", "packer", "supervisor")
CALLERS = ("nobody", *KEYS, *PEOPLE)

# A rule is the set of callers it lets through; every other caller gets 401 or 403.
RULES: dict[str, frozenset[str]] = {
    "open": frozenset(CALLERS),
    # Orders carry customer data: a key with a business role, or any person (not a scraper).
    "read": frozenset({"intake", "carrier", "feed", "admin", *PEOPLE}),
    "intake": frozenset({"intake", "admin"}),
    "carrier": frozenset({"carrier", "admin"}),
    "feed": frozenset({"feed", "admin"}),
    "metrics": frozenset({"metrics", "admin"}),  # Prometheus: a key with the metrics role
    # A feed consumer acknowledges for itself; an admin reads the feed but acknowledges nothing.
    "consumer": frozenset({"feed"}),
    "admin": frozenset({"admin"}),
    # Any person logged in (a token of the desk's browser is then refused by the handheld's
    # routes as not a scanner's, 409: the walk's supervisor is on a browser).
    "person": frozenset(PEOPLE),
    "supervisor": frozenset({"supervisor"}),
    # Stock quantities: as read, but of the people only a supervisor (counts are blind).
    "stock_read": frozenset({"intake", "carrier", "feed", "admin", "supervisor"}),
    # Counts asked for and decided: a supervisor at the desk, or the ERP with an admin key.
    "supervisor_or_admin": frozenset({"supervisor", "admin"}),
    # Returns announced: the shop's key, an admin key, or a supervisor at the counter.
    "shop_or_supervisor": frozenset({"intake", "admin", "supervisor"}),
    # Each person's pace: a key that may read, or a supervisor (not a picker or packer).
    "supervisor_or_reader": frozenset({"intake", "carrier", "feed", "admin", "supervisor"}),
    # A label printed again: the packers at the stations and the supervisor.
    "packer_or_supervisor": frozenset({"packer", "supervisor"}),
}

# (method, path) → rule, for every route of the app. A route missing here fails the walk.
ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/openapi.json"): "open",
    ("GET", "/docs"): "open",
    ("GET", "/docs/oauth2-redirect"): "open",
    ("GET", "/redoc"): "open",
    ("GET", "/static-docs"): "open",  # Swagger UI and ReDoc files: no CDN on a gateway
    ("POST", "/api/v1/login"): "open",
    ("POST", "/api/v1/orders"): "intake",
    ("GET", "/api/v1/orders"): "read",
    ("GET", "/api/v1/orders/{order_id}"): "read",
    ("POST", "/api/v1/orders/{order_id}/override"): "supervisor",
    ("POST", "/api/v1/orders/{order_id}/cancel"): "supervisor",
    ("POST", "/api/v1/orders/{order_id}/priority"): "supervisor_or_admin",
    ("GET", "/api/v1/supervision"): "supervisor_or_admin",
    ("POST", "/api/v1/trips/{trip_id}/release"): "supervisor",
    ("POST", "/api/v1/trips/{trip_id}/reassign"): "supervisor",
    ("POST", "/api/v1/holds/release"): "supervisor",
    ("POST", "/api/v1/staff/{badge}/role"): "supervisor",
    ("GET", "/api/v1/exceptions"): "supervisor_or_admin",
    ("POST", "/api/v1/dead-letters/{letter_id}/ack"): "supervisor",
    ("POST", "/api/v1/shorts/{task_id}/ack"): "supervisor",
    ("POST", "/api/v1/lights/{device}/{slot}/resend"): "supervisor",
    ("POST", "/api/v1/orders/{order_id}/ship"): "carrier",
    ("GET", "/api/v1/orders-at-risk"): "read",
    ("POST", "/api/v1/parcels/{parcel_id}/reprint"): "packer_or_supervisor",
    ("GET", "/api/v1/parcels/{parcel_id}/label.svg"): "read",
    ("GET", "/api/v1/parcels/{parcel_id}/label.zpl"): "read",
    ("GET", "/api/v1/stock"): "stock_read",
    ("POST", "/api/v1/stock"): "supervisor",
    ("GET", "/api/v1/shift"): "supervisor_or_reader",
    ("POST", "/api/v1/deliveries"): "intake",
    ("GET", "/api/v1/deliveries"): "read",
    ("GET", "/api/v1/deliveries/{delivery_id}"): "read",
    ("POST", "/api/v1/returns"): "shop_or_supervisor",
    ("GET", "/api/v1/returns"): "read",
    ("GET", "/api/v1/returns/{rma_id}"): "read",
    ("GET", "/api/v1/putaway"): "read",
    ("GET", "/api/v1/replenishment"): "read",
    ("GET", "/api/v1/counts"): "read",
    ("POST", "/api/v1/counts"): "supervisor_or_admin",
    ("POST", "/api/v1/counts/{count_id}/approve"): "supervisor_or_admin",
    ("POST", "/api/v1/counts/{count_id}/reject"): "supervisor_or_admin",
    ("GET", "/api/v1/warehouse"): "read",
    ("PUT", "/api/v1/warehouse"): "admin",
    ("GET", "/api/v1/devices"): "read",
    ("GET", "/api/v1/dead-letters"): "read",
    ("GET", "/api/v1/health"): "open",
    ("GET", "/api/v1/metrics"): "metrics",
    ("GET", "/api/v1/feed"): "feed",
    ("POST", "/api/v1/feed/ack"): "consumer",
    ("GET", "/api/v1/feed/backlog"): "feed",
    ("GET", "/"): "open",
    ("GET", "/supervisor"): "open",
    ("GET", "/handheld"): "open",
    ("GET", "/favicon.ico"): "open",
    ("GET", "/handheld-sw.js"): "open",
    ("GET", "/handheld.webmanifest"): "open",
    ("GET", "/ui/supervisor/overview"): "supervisor",
    ("POST", "/ui/supervisor/logout"): "open",  # ends the token it is given, if any
    ("GET", "/ui/supervisor/stream"): "supervisor",
    ("GET", "/ui/handheld/devices"): "open",
    ("POST", "/ui/handheld/login"): "open",
    ("POST", "/ui/handheld/events"): "person",
    ("POST", "/ui/handheld/override"): "person",  # + a supervisor's badge (and PIN)
    ("GET", "/ui/handheld/map.svg"): "person",
    ("GET", "/ui/handheld/stream"): "person",
    ("GET", "/static"): "open",
}


def app_routes(app: FastAPI) -> Iterator[tuple[str, str, BaseRoute]]:
    """(method, full path, route) of every route the app serves, mounts as GET."""
    # FastAPI ≥ 0.16x keeps included routers as branches; older versions copied their routes.
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    for found in flatten(app.routes) if flatten else app.routes:
        route = getattr(found, "original_route", found)
        path: str = getattr(found, "path", "")
        methods = {"GET"} if isinstance(route, Mount) else set(getattr(found, "methods", ()) or ())
        for method in sorted(methods - {"HEAD"}):
            yield method, path, route


def allowed(method: str, path: str) -> frozenset[str]:
    return RULES[ROUTES[(method, path)]]


def markdown() -> str:
    """The table as docs/api.md shows it: a row per route, a column per caller."""
    head = "| method and path | " + " | ".join(CALLERS) + " |"
    rows = [head, "| --- |" + " :-: |" * len(CALLERS)]
    for (method, path), rule in ROUTES.items():
        cells = " | ".join("✓" if c in RULES[rule] else "·" for c in CALLERS)
        rows.append(f"| `{method} {path}` | {cells} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
