"""Serves the pages and the read models behind them (no build step: plain HTML/JS/CSS)."""

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse

from edge.http_api import staff_dependency

if TYPE_CHECKING:
    from edge.service import Service

STATIC = Path(__file__).with_name("static")


# The forecast routes and batches the waiting work: refresh it at most this often.
FORECAST_TTL_S = 15.0


def build_router(service: "Service") -> APIRouter:
    router = APIRouter(include_in_schema=False)
    forecast_cache: dict[str, Any] = {"at": -FORECAST_TTL_S, "value": []}

    def forecast() -> list[dict[str, Any]]:
        if time.monotonic() - forecast_cache["at"] > FORECAST_TTL_S:
            forecast_cache["value"] = service.cutoff_risk(datetime.now(UTC))
            forecast_cache["at"] = time.monotonic()
        value: list[dict[str, Any]] = forecast_cache["value"]
        return value

    @router.get("/")
    def supervisor_page() -> FileResponse:
        return FileResponse(STATIC / "supervisor.html")

    supervisor = staff_dependency(service.sessions, "supervisor")

    @router.get("/ui/overview", dependencies=[Depends(supervisor)])
    def overview() -> dict[str, Any]:
        """Everything the supervisor screen shows, in one read."""
        with service.read() as tx:
            counts = {
                r["status"]: r["n"]
                for r in tx.all("SELECT status, count(*) AS n FROM orders GROUP BY status")
            }
            holds = tx.all(
                "SELECT id, shop_order_id, hold_reason, updated_at FROM orders"
                " WHERE status = 'on_hold' ORDER BY updated_at DESC LIMIT 20"
            )
            pickers = tx.all(
                "SELECT s.device, s.badge, st.name, s.role, s.stage, s.trip_id, t.bin"
                " FROM sessions s LEFT JOIN staff st ON st.badge = s.badge"
                " LEFT JOIN tasks t ON t.id = s.task_id ORDER BY s.device"
            )
            devices = tx.all("SELECT id, kind, online, last_seen FROM devices ORDER BY kind, id")
            acked = tx.value("SELECT min(acked_seq) FROM feed_consumers") or 0
            feed = tx.one(
                "SELECT count(*) AS unacked, min(created_at) AS oldest FROM feed WHERE seq > ?",
                (acked,),
            )
            recent = tx.all(
                "SELECT e.order_id, e.from_status, e.to_status, e.actor, e.device, e.at"
                " FROM order_events e ORDER BY e.id DESC LIMIT 15"
            )
        return {
            "counts": counts,
            "holds": holds,
            "pickers": pickers,
            "devices": devices,
            "feed": feed,
            "recent": recent,
            "at_risk": [f for f in forecast() if not f["makes_cutoff"]],
        }

    return router
