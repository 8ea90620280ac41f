"""The supervisor screen's data: one overview read, served once and streamed live."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from edge.web.auth import bearer
from edge.web.deps import BearerToken, QueriesDep, ServiceDep, Supervisor
from handheld_ui.live import HEARTBEAT_S, HubDep, Subscriber, sse

router = APIRouter(prefix="/ui/supervisor", include_in_schema=False)

# The forecast routes and batches the waiting work: refresh it at most this often.
FORECAST_TTL_S = 15.0
# A burst of changes (a cart of picks, a wave of orders) redraws the screen at most this often.
MIN_REDRAW_S = 0.5


@router.get("/overview")
def get_overview(who: Supervisor, queries: QueriesDep) -> dict[str, Any]:
    """Everything the supervisor screen shows, in one read."""
    return queries.overview(datetime.now(UTC), who.badge, FORECAST_TTL_S)


@router.post("/logout", status_code=204)
def logout(service: ServiceDep, authorization: Annotated[str | None, Header()] = None) -> Response:
    """The screen's Log out: its token stops working at once (unknown tokens are fine)."""
    token = bearer(authorization)
    if token is not None:
        service.sessions.close(token)
    return Response(status_code=204)


@router.get("/stream")
async def stream(
    who: Supervisor, token: BearerToken, service: ServiceDep, queries: QueriesDep, hub: HubDep
) -> StreamingResponse:
    """The overview now, then again after every change (at most twice a second); a
    heartbeat comment when quiet. The clock and ages count on in the browser. The stream
    ends when its token does (logged out, expired)."""
    sub = Subscriber(asyncio.get_running_loop())
    hub.subscribe(sub)

    def read() -> dict[str, Any]:
        return queries.overview(datetime.now(UTC), who.badge, FORECAST_TTL_S)

    async def events() -> AsyncIterator[bytes]:
        try:
            yield sse("overview", await run_in_threadpool(read))
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
                    yield sse("overview", await run_in_threadpool(read))
        finally:
            hub.unsubscribe(sub)

    return StreamingResponse(events(), media_type="text/event-stream", headers=_NO_BUFFER)


_NO_BUFFER = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
