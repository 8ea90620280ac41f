"""The handheld page's API: badge login, scans with client ids (exactly once), live views."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from edge import messages as m
from edge.devices import scanner
from edge.model import DomainError
from edge.routing.svg import trip_map_svg
from edge.staff import LoginOutcome, StaffSession
from edge.web.auth import person_json
from edge.web.deps import BearerToken, CurrentStaff, QueriesDep, ServiceDep
from edge.web.people import refuse_login, verify
from handheld_ui.live import HEARTBEAT_S, HubDep, Subscriber, sse

router = APIRouter(prefix="/ui/handheld", include_in_schema=False)

# The handheld makes these ids (a UUID without dashes, or any id of this shape): the server
# applies an id once, so a scan re-sent after a lost answer or from the offline queue is safe.
EVENT_ID = r"^[A-Za-z0-9_-]{8,64}$"
# How far ahead of the service's clock a handheld's clock may be before its times are refused.
CLOCK_SKEW = timedelta(minutes=2)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class LoginBody(_Body):
    device: str = Field(min_length=1, max_length=64)
    badge: str = Field(min_length=1, max_length=32)
    pin: str | None = Field(None, min_length=1, max_length=32)


class EventBody(BaseModel):
    """The page's event: its own id and a scanner event type; the type's fields (code, qty,
    reason) are the MQTT scanner's, checked by the same codec (edge.devices.scanner)."""

    model_config = ConfigDict(extra="allow", strict=True)

    id: str = Field(pattern=EVENT_ID)
    type: Literal["scan", "confirm", "skip", "next", "logout", "mode", "close"]
    # When the device scanned it (ISO 8601 with offset): a scan queued offline keeps it.
    scanned_at: str | None = Field(None, min_length=10, max_length=40)


class OverrideBody(_Body):
    order_id: int = Field(ge=1, le=2**63 - 1)
    badge: str = Field(min_length=1, max_length=32)
    pin: str | None = Field(None, min_length=1, max_length=32)
    reason: str = Field(min_length=1, max_length=500)


def _without_error(view: dict[str, Any]) -> dict[str, Any]:
    # A refusal reaches the handheld in the answer to its own request; a pushed view that
    # repeats it would sound the error twice. A weight refused until the parcel's items are
    # scanned came from the scale, not the page: the pushed view is how the packer hears it.
    if view.get("error_code") in PUSHED_ERRORS:
        return view
    return {k: v for k, v in view.items() if not k.startswith("error")}


PUSHED_ERRORS = ("contents_first",)


def _error(err: DomainError) -> dict[str, Any]:
    return {"code": err.code, "text": str(err), "details": err.details}


def _logged_in(queries: QueriesDep, who: StaffSession) -> None:
    """The token is for this person on this device: are they still logged in there?"""
    device = queries.catalog().devices.get(who.device)
    if device is None or device.kind != "scanner":  # a token of /api/v1/login, say
        raise HTTPException(
            409, f"session: {who.device!r} is not a scanner; log in on the handheld page"
        )
    if queries.badge_on(who.device) != who.badge:
        raise HTTPException(
            409, f"session: {who.name} is no longer logged in on {who.device}; log in again"
        )


@router.get("/devices")
def devices(queries: QueriesDep) -> dict[str, Any]:
    """The scanners this page can be: chosen once per handheld, kept in the browser."""
    cat = queries.catalog()
    scanners = [
        {"id": d.id, "station": d.station, "transport": d.transport}
        for d in cat.devices.values()
        if d.kind == "scanner"
    ]
    scanners.sort(key=lambda d: (d["transport"] != "http", d["station"] or "", d["id"]))
    return {"site": cat.description.site.name, "scanners": scanners}


@router.post("/login")
def login(body: LoginBody, service: ServiceDep, queries: QueriesDep) -> dict[str, Any]:
    """Badge (+ PIN where configured) on a scanner: a token for this device, and the
    person's session on it (their open pick list continues). Failed logins lock the badge
    and the device out for a while (429 with Retry-After)."""
    cat = queries.catalog()
    device = cat.devices.get(body.device)
    if device is None or device.kind != "scanner":
        raise HTTPException(422, f"device: {body.device!r} is not a scanner of this site")
    request = m.LoginRequested(
        body.device, f"login-{uuid.uuid4().hex}", datetime.now(UTC), body.badge, body.pin
    )
    try:
        outcome: LoginOutcome = service.handle(request)
    except DomainError as err:
        raise DomainError(f"badge: {err}", err.code, err.details) from None
    if not outcome.ok:
        raise refuse_login(outcome)
    person = cat.staff[outcome.badge]
    # One token per scanner: a new login ends every earlier one there, the same person's
    # too, so a logout still on its way from an earlier page cannot end this session.
    service.sessions.keep_only(body.device, None)
    token = service.sessions.open(person.badge, person.name, person.role, body.device)
    return {
        "token": token,
        **person_json(person),
        "device": body.device,
        "station": device.station,
        "view": _without_error(queries.scanner_view(body.device)),
    }


@router.post("/events")
def event(
    body: EventBody, who: CurrentStaff, service: ServiceDep, queries: QueriesDep
) -> dict[str, Any]:
    """One scan or tap. Refused input is an answer (200, outcome "refused", the reason
    and what was expected); the same id again changes nothing (outcome "duplicate")."""
    _logged_in(queries, who)
    answer: dict[str, Any] = {"id": body.id}
    try:
        # The service's clock (the core's), which a device's time is checked against.
        msg = _message(queries, who, body, service.runtime.clock())
        result = service.handle(msg)
    except DomainError as err:
        answer |= {"outcome": "refused", "error": _error(err)}
    else:
        answer["outcome"] = "duplicate" if result == "duplicate" else "applied"
        if result == "duplicate":
            answer["first_outcome"] = queries.first_outcome(who.device, body.id)
    if body.type == "logout" and answer["outcome"] == "applied":
        # Only the logout that ended the session ends its tokens: the same logout re-sent
        # from the offline queue after the person logged in again is a duplicate, harmless.
        service.sessions.close_for(who.badge, who.device)
    answer["view"] = _without_error(queries.scanner_view(who.device))
    return answer


def scan_time(scanned_at: str | None, now: datetime) -> datetime:
    """The device's time of an event (now when it sent none), checked: an offset is needed,
    and a time ahead of the service's clock by more than CLOCK_SKEW is refused (422). An old
    one is kept as it is; the record flags it (edge.core.picking.SCAN_LATE_AFTER)."""
    if scanned_at is None:
        return now
    try:
        at = datetime.fromisoformat(scanned_at)
    except ValueError:
        raise HTTPException(422, f"scanned_at: {scanned_at!r} is not an ISO 8601 time") from None
    if at.tzinfo is None:
        raise HTTPException(422, "scanned_at: needs a UTC offset (Z or +hh:mm)")
    if at - now > CLOCK_SKEW:
        raise HTTPException(422, f"scanned_at: {scanned_at} is ahead of the service's clock")
    return at.astimezone(UTC)


def _message(queries: QueriesDep, who: StaffSession, body: EventBody, now: datetime) -> m.Inbound:
    """The device message for an event, decoded as an MQTT scanner's would be."""
    at = scan_time(body.scanned_at, now)
    try:
        msg = scanner.decode(who.device, body.id, body.type, body.model_extra or {}, at)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    if isinstance(msg, m.ScanRead):
        other = queries.catalog().staff.get(msg.code.strip())
        if other is not None and other.badge != who.badge:
            # Logging someone else in from a scan would skip their PIN: they log in themselves.
            raise DomainError(
                f"that is {other.name}'s badge: log out first, then {other.name} logs in",
                "other_badge",
                {"scanned": other.name},
            )
    return msg


@router.post("/override")
def override(
    body: OverrideBody, who: CurrentStaff, service: ServiceDep, queries: QueriesDep
) -> dict[str, Any]:
    """A supervisor at the pack station releases a held order: their badge (+ PIN) on the
    packer's handheld, with a reason. Recorded as the supervisor, on this device."""
    boss = verify(service, body.badge, body.pin, who.device)
    if boss.role != "supervisor":
        raise HTTPException(403, "badge: a supervisor's badge is needed for an override")
    origin = m.Origin(boss.badge, datetime.now(UTC), who.device)
    service.handle(m.OverrideHold(origin, body.order_id, body.reason))
    return {
        "order_id": body.order_id,
        "status": queries.order_status(body.order_id),
        "by": boss.name,
        "view": _without_error(queries.scanner_view(who.device)),
    }


@router.get("/map.svg")
def trip_map(who: CurrentStaff, queries: QueriesDep) -> Response:
    """The small map of the current pick list: you are here, the next stop, the rest."""
    _logged_in(queries, who)
    cat, last, ahead, done = queries.trip_map(who.device)
    svg = trip_map_svg(cat.layout, last, ahead, done)
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@router.get("/stream")
async def stream(
    who: CurrentStaff,
    token: BearerToken,
    service: ServiceDep,
    queries: QueriesDep,
    hub: HubDep,
) -> StreamingResponse:
    """This scanner's whole view now and after every change; the station scale's live
    weight at a pack station. A reconnect gets the current view: nothing to replay. The
    stream ends with its token (logout, expiry, someone else logging in on the device)."""
    _logged_in(queries, who)
    device = who.device
    station = queries.catalog().station_of(device)
    sub = Subscriber(asyncio.get_running_loop(), device, station)
    hub.subscribe(sub)
    if hub.streams_of(device) == 1:  # the supervisor sees the handheld come online
        service.submit(m.PresenceChanged(device, "scanner", True, datetime.now(UTC)))

    def still_on(device: str) -> bool:
        return queries.badge_on(device) == who.badge

    async def events() -> AsyncIterator[bytes]:
        try:
            yield sse("view", _without_error(await run_in_threadpool(queries.scanner_view, device)))
            while not sub.closed and service.sessions.get(token) is not None:
                if not await sub.wait(HEARTBEAT_S):
                    yield b": heartbeat\n\n"
                    continue
                items, _ = sub.take()
                if service.sessions.get(token) is None:
                    return  # what woke the stream may already be the next person's screen
                if "view" in items and not await run_in_threadpool(still_on, device):
                    # Logged out by another path (the scanner's own logout over MQTT): the
                    # token ends with the session, at once.
                    service.sessions.close(token)
                    return
                if "view" in items:
                    yield sse("view", _without_error(items["view"]))
                if "weight" in items:
                    yield sse("weight", items["weight"])
        finally:
            hub.unsubscribe(sub)
            if hub.streams_of(device) == 0:
                service.submit(m.PresenceChanged(device, "scanner", False, datetime.now(UTC)))

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
