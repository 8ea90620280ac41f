"""The supervisor screen's data: one overview read, served once and streamed live."""

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Header, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from edge.http_api import staff_dependency
from edge.model import Status, cutoff_for
from edge.staff_auth import StaffSession
from handheld_ui.live import HEARTBEAT_S, Hub, Subscriber, sse

if TYPE_CHECKING:
    from edge.service import Service

# The forecast routes and batches the waiting work: refresh it at most this often.
FORECAST_TTL_S = 15.0
# A burst of changes (a cart of picks, a wave of orders) redraws the screen at most this often.
MIN_REDRAW_S = 0.5


def _age_s(iso: str | None, now: datetime) -> int | None:
    return int((now - datetime.fromisoformat(iso)).total_seconds()) if iso else None


class Overview:
    """Everything the supervisor screen shows, read in one go."""

    def __init__(self, service: "Service") -> None:
        self.service = service
        self._forecast: tuple[float, list[dict[str, Any]]] = (-FORECAST_TTL_S, [])

    def forecast(self, now: datetime) -> list[dict[str, Any]]:
        at, value = self._forecast
        if time.monotonic() - at > FORECAST_TTL_S:
            value = self.service.cutoff_risk(now)
            self._forecast = (time.monotonic(), value)
        return value

    def read(self, viewer: StaffSession | None = None) -> dict[str, Any]:
        now = datetime.now(UTC)
        cat = self.service.catalog()
        site = cat.description.site
        with self.service.read() as tx:
            counts = {s.value: 0 for s in Status}
            for r in tx.all("SELECT status, count(*) AS n FROM orders GROUP BY status"):
                counts[r["status"]] = r["n"]
            holds = tx.all(
                "SELECT id AS order_id, shop_order_id, hold_reason AS reason, updated_at AS since"
                " FROM orders WHERE status = 'on_hold' ORDER BY updated_at DESC LIMIT 30"
            )
            for hold in holds:
                hold["parcels"] = tx.all(
                    "SELECT n, box_type, expected_g, tolerance_g, measured_g, station, packer"
                    " FROM parcels WHERE order_id = ? AND result = 'hold' ORDER BY n",
                    (hold["order_id"],),
                )
                for parcel in hold["parcels"]:
                    packer = cat.staff.get(parcel["packer"] or "")
                    parcel["packer_name"] = packer.name if packer else parcel["packer"]
            people = tx.all(
                "SELECT s.device, s.badge, s.role, s.stage, s.trip_id, s.order_id, s.since,"
                " t.bin, t.sku, t.order_id AS task_order, t.seq FROM sessions s"
                " LEFT JOIN tasks t ON t.id = s.task_id ORDER BY s.role, s.device"
            )
            for p in people:
                p["name"] = cat.staff[p["badge"]].name if p["badge"] in cat.staff else p["badge"]
                if p["trip_id"] is not None:
                    p["stops_done"] = tx.value(
                        "SELECT count(*) FROM tasks WHERE trip_id = ? AND status IN"
                        " ('done', 'short')",
                        (p["trip_id"],),
                    )
                    p["stops_total"] = tx.value(
                        "SELECT count(*) FROM tasks WHERE trip_id = ? AND status != 'cancelled'",
                        (p["trip_id"],),
                    )
                if p["task_order"] is not None:
                    p["order_id"] = p["task_order"]
                del p["task_order"], p["seq"]
            devices = tx.all(
                "SELECT id, kind, station, online, status_since, last_seen FROM devices"
                " ORDER BY kind, id"
            )
            acked = tx.value("SELECT min(acked_seq) FROM feed_consumers") or 0
            feed = tx.one(
                "SELECT count(*) AS unacked, min(created_at) AS oldest_at FROM feed WHERE seq > ?",
                (acked,),
            )
            consumers = tx.all("SELECT consumer, acked_seq, acked_at FROM feed_consumers")
            recent = tx.all(
                "SELECT order_id, from_status, to_status, reason, actor, device, at"
                " FROM order_events ORDER BY id DESC LIMIT 15"
            )
        for d in devices:
            d["online"] = bool(d["online"])
            d["transport"] = cat.devices[d["id"]].transport if d["id"] in cat.devices else "mqtt"
        assert feed is not None
        feed["oldest_age_s"] = _age_s(feed["oldest_at"], now)
        feed["consumers"] = consumers
        cutoff = cutoff_for(now, site.timezone, site.cutoff)
        me = cat.staff.get(viewer.badge) if viewer is not None else None
        return {
            "at": now.isoformat(timespec="seconds"),
            "site": {"id": site.id, "name": site.name, "timezone": site.timezone},
            "cutoff": {
                "at": cutoff.isoformat(timespec="seconds"),
                "local": site.cutoff.strftime("%H:%M"),
                "seconds_left": int((cutoff - now).total_seconds()),
            },
            "counts": counts,
            "people": people,
            "devices": devices,
            "holds": holds,
            "feed": feed,
            "at_risk": [f for f in self.forecast(now) if not f["makes_cutoff"]],
            "recent": recent,
            # Who is looking: the page greets them and uses their language, if they set one.
            "viewer": {"badge": me.badge, "name": me.name, "lang": me.lang} if me else None,
        }


def build_router(service: "Service", hub: Hub) -> APIRouter:
    router = APIRouter(prefix="/ui/supervisor", include_in_schema=False)
    supervisor = staff_dependency(service.sessions, "supervisor")
    overview = Overview(service)

    @router.get("/overview")
    def get_overview(who: Annotated[StaffSession, Depends(supervisor)]) -> dict[str, Any]:
        """Everything the supervisor screen shows, in one read."""
        return overview.read(who)

    @router.post("/logout", status_code=204)
    def logout(authorization: Annotated[str | None, Header()] = None) -> Response:
        """The screen's Log out: its token stops working at once (unknown tokens are fine)."""
        if authorization and authorization.startswith("Bearer "):
            service.sessions.close(authorization.removeprefix("Bearer ").strip())
        return Response(status_code=204)

    @router.get("/stream")
    async def stream(
        who: Annotated[StaffSession, Depends(supervisor)],
        authorization: Annotated[str, Header()],
    ) -> StreamingResponse:
        """The overview now, then again after every change (at most twice a second); a
        heartbeat comment when quiet. The clock and ages count on in the browser. The stream
        ends when its token does (logged out, expired)."""
        token = authorization.removeprefix("Bearer ").strip()
        sub = Subscriber(asyncio.get_running_loop())
        hub.subscribe(sub)

        async def events() -> AsyncIterator[bytes]:
            try:
                yield sse("overview", await run_in_threadpool(overview.read, who))
                while not sub.closed and service.sessions.get(token) is not None:
                    if not await sub.wait(HEARTBEAT_S):
                        yield b": heartbeat\n\n"
                        continue
                    _, changed = sub.take()
                    if sub.closed:
                        return
                    if changed:
                        await asyncio.sleep(MIN_REDRAW_S)  # let the burst finish
                        sub.take()
                        yield sse("overview", await run_in_threadpool(overview.read, who))
            finally:
                hub.unsubscribe(sub)

        return StreamingResponse(events(), media_type="text/event-stream", headers=_NO_BUFFER)

    return router


_NO_BUFFER = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
