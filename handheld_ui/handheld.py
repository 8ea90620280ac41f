"""The handheld page's API: badge login, scans with client ids (exactly once), live views."""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from edge import messages as m
from edge.core import Ctx
from edge.http_api import badge_holder, person_json, staff_dependency
from edge.model import DomainError
from edge.picking import view_for
from edge.routing.svg import trip_map_svg
from edge.staff_auth import StaffSession
from handheld_ui.live import HEARTBEAT_S, Hub, Subscriber, sse

if TYPE_CHECKING:
    from edge.service import Service

# The handheld makes these ids (a UUID without dashes, or any id of this shape): the server
# applies an id once, so a scan re-sent after a lost answer or from the offline queue is safe.
EVENT_ID = r"^[A-Za-z0-9_-]{8,64}$"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginBody(_Body):
    device: str = Field(min_length=1, max_length=64)
    badge: str = Field(min_length=1, max_length=32)
    pin: str | None = Field(None, max_length=32)


class EventBody(_Body):
    id: str = Field(pattern=EVENT_ID)
    type: Literal["scan", "confirm", "skip", "next", "logout"]
    code: str | None = Field(None, min_length=1, max_length=1024)
    qty: int | None = Field(None, ge=0, le=1_000_000)
    reason: str = Field("", max_length=200)


class OverrideBody(_Body):
    order_id: int
    badge: str = Field(min_length=1, max_length=32)
    pin: str | None = Field(None, max_length=32)
    reason: str = Field(min_length=1, max_length=500)


def _without_error(view: dict[str, Any]) -> dict[str, Any]:
    # A refusal reaches the handheld in the answer to its own request; a pushed view that
    # repeats it would sound the error twice.
    return {k: v for k, v in view.items() if not k.startswith("error")}


def build_router(service: "Service", hub: Hub) -> APIRouter:
    router = APIRouter(prefix="/ui/handheld", include_in_schema=False)
    staff = staff_dependency(service.sessions)

    def now() -> datetime:
        return datetime.now(UTC)

    def current_view(device: str) -> dict[str, Any]:
        """The view now, with the commit number its snapshot is at least as new as."""
        cat = service.catalog()
        version = service.runtime.committed  # noted before the read: a lower bound
        with service.read() as tx:
            return {**view_for(Ctx(tx, cat, service.core.cfg, now()), device), "v": version}

    def fire(msg: m.Inbound) -> None:
        """Apply without waiting for the answer (presence)."""
        if service.runtime.running:
            service.runtime.submit(msg)
        else:
            with contextlib.suppress(DomainError):  # a presence for a scanner no longer known
                service.handle(msg)

    def logged_in(who: StaffSession) -> None:
        """The token is for this person on this device: are they still logged in there?"""
        with service.read() as tx:
            badge = tx.value("SELECT badge FROM sessions WHERE device = ?", (who.device,))
        if badge != who.badge:
            raise HTTPException(
                409, f"session: {who.name} is no longer logged in on {who.device}; log in again"
            )

    @router.get("/devices")
    def devices() -> dict[str, Any]:
        """The scanners this page can be: chosen once per handheld, kept in the browser."""
        cat = service.catalog()
        scanners = [
            {"id": d.id, "station": d.station, "transport": d.transport}
            for d in cat.devices.values()
            if d.kind == "scanner"
        ]
        scanners.sort(key=lambda d: (d["transport"] != "http", d["station"] or "", d["id"]))
        return {"site": cat.description.site.name, "scanners": scanners}

    @router.post("/login")
    def login(body: LoginBody) -> dict[str, Any]:
        """Badge (+ PIN where configured) on a scanner: a token for this device, and the
        person's session on it (their open pick list continues)."""
        cat = service.catalog()
        device = cat.devices.get(body.device)
        if device is None or device.kind != "scanner":
            raise HTTPException(422, f"device: {body.device!r} is not a scanner of this site")
        person = badge_holder(cat, body.badge, body.pin)
        try:
            service.handle(
                m.ScanRead(body.device, f"login-{uuid.uuid4().hex}", now(), person.badge)
            )
        except DomainError as err:
            raise HTTPException(409, f"badge: {err}") from None
        token = service.sessions.open(person.badge, person.name, person.role, body.device)
        return {
            "token": token,
            **person_json(person),
            "device": body.device,
            "station": device.station,
            "view": _without_error(current_view(body.device)),
        }

    @router.post("/events")
    def event(body: EventBody, who: Annotated[StaffSession, Depends(staff)]) -> dict[str, Any]:
        """One scan or tap. Refused input is an answer (200, outcome "refused", the reason
        and what was expected); the same id again changes nothing (outcome "duplicate")."""
        logged_in(who)
        msg = _message(service, who, body)
        answer: dict[str, Any] = {"id": body.id}
        if isinstance(msg, DomainError):
            answer |= {"outcome": "refused", "error": _error(msg)}
        else:
            try:
                result = service.handle(msg)
            except DomainError as err:
                answer |= {"outcome": "refused", "error": _error(err)}
            else:
                answer["outcome"] = "duplicate" if result == "duplicate" else "applied"
                if result == "duplicate":
                    answer["first_outcome"] = _first_outcome(service, who.device, body.id)
        if body.type == "logout" and answer["outcome"] != "refused":
            service.sessions.close_for(who.badge, who.device)
        answer["view"] = _without_error(current_view(who.device))
        return answer

    @router.post("/override")
    def override(
        body: OverrideBody, who: Annotated[StaffSession, Depends(staff)]
    ) -> dict[str, Any]:
        """A supervisor at the pack station releases a held order: their badge (+ PIN) on the
        packer's handheld, with a reason. Recorded as the supervisor, on this device."""
        cat = service.catalog()
        boss = badge_holder(cat, body.badge, body.pin)
        if boss.role != "supervisor":
            raise HTTPException(403, "badge: a supervisor's badge is needed for an override")
        origin = m.Origin(boss.badge, now(), who.device)
        try:
            service.handle(m.OverrideHold(origin, body.order_id, body.reason))
        except DomainError as err:
            raise HTTPException(409, str(err)) from None
        with service.read() as tx:
            status = tx.value("SELECT status FROM orders WHERE id = ?", (body.order_id,))
        return {
            "order_id": body.order_id,
            "status": status,
            "by": boss.name,
            "view": _without_error(current_view(who.device)),
        }

    @router.get("/map.svg")
    def trip_map(who: Annotated[StaffSession, Depends(staff)]) -> Response:
        """The small map of the current pick list: you are here, the next stop, the rest."""
        cat = service.catalog()
        with service.read() as tx:
            sess = tx.one("SELECT trip_id, task_id FROM sessions WHERE device = ?", (who.device,))
            tasks = (
                tx.all(
                    "SELECT id, bin, status FROM tasks WHERE trip_id = ? AND status != 'cancelled'"
                    " ORDER BY seq",
                    (sess["trip_id"],),
                )
                if sess and sess["trip_id"]
                else []
            )
            last = (
                tx.value(
                    "SELECT p.bin FROM picks p JOIN tasks t ON t.id = p.task_id"
                    " WHERE t.trip_id = ? ORDER BY p.id DESC LIMIT 1",
                    (sess["trip_id"],),
                )
                if tasks and sess
                else None
            )
        current = sess["task_id"] if sess else None
        ahead = [t["bin"] for t in tasks if t["id"] == current]
        ahead += [t["bin"] for t in tasks if t["status"] == "open" and t["id"] != current]
        done = [t["bin"] for t in tasks if t["status"] in ("done", "short")]
        svg = trip_map_svg(cat.layout, last, list(dict.fromkeys(ahead)), done)
        return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})

    @router.get("/stream")
    async def stream(
        who: Annotated[StaffSession, Depends(staff)], authorization: Annotated[str, Header()]
    ) -> StreamingResponse:
        """This scanner's whole view now and after every change; the station scale's live
        weight at a pack station. A reconnect gets the current view: nothing to replay."""
        cat = service.catalog()
        device = who.device
        token = authorization.removeprefix("Bearer ").strip()  # the stream ends with it
        sub = Subscriber(asyncio.get_running_loop(), device, cat.devices[device].station)
        hub.subscribe(sub)
        if hub.streams_of(device) == 1:  # the supervisor sees the handheld come online
            fire(m.PresenceChanged(device, "scanner", True, now()))

        async def events() -> AsyncIterator[bytes]:
            try:
                yield sse("view", _without_error(await run_in_threadpool(current_view, device)))
                while not sub.closed and service.sessions.get(token) is not None:
                    if not await sub.wait(HEARTBEAT_S):
                        yield b": heartbeat\n\n"
                        continue
                    items, _ = sub.take()
                    if "view" in items:
                        yield sse("view", _without_error(items["view"]))
                    if "weight" in items:
                        yield sse("weight", items["weight"])
            finally:
                hub.unsubscribe(sub)
                if hub.streams_of(device) == 0:
                    fire(m.PresenceChanged(device, "scanner", False, now()))

        return StreamingResponse(
            events(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    return router


def _error(err: DomainError) -> dict[str, Any]:
    return {"code": err.code, "text": str(err), "details": err.details}


def _first_outcome(service: "Service", device: str, msg_id: str) -> str:
    with service.read() as tx:
        outcome = tx.value(
            "SELECT outcome FROM inbound_seen WHERE device = ? AND msg_id = ?", (device, msg_id)
        )
    return str(outcome or "applied")


def _message(service: "Service", who: StaffSession, body: EventBody) -> m.Inbound | DomainError:
    """The device message for an event, or the refusal when it cannot be one."""
    at = datetime.now(UTC)
    device, msg_id = who.device, body.id
    if body.type == "scan":
        if body.code is None:
            raise HTTPException(422, "code: required for a scan")
        code = body.code.strip()
        other = service.catalog().staff.get(code)
        if other is not None and other.badge != who.badge:
            # Logging someone else in from a scan would skip their PIN: they log in themselves.
            return DomainError(
                f"that is {other.name}'s badge: log out first, then {other.name} logs in",
                "other_badge",
                {"scanned": other.name},
            )
        return m.ScanRead(device, msg_id, at, code)
    if body.type == "confirm":
        if body.qty is None:
            raise HTTPException(422, "qty: required for a confirm")
        return m.QuantityConfirmed(device, msg_id, at, body.qty, body.reason)
    if body.type == "skip":
        return m.SkipRequested(device, msg_id, at)
    if body.type == "next":
        return m.NextRequested(device, msg_id, at)
    return m.LogoutRequested(device, msg_id, at)
