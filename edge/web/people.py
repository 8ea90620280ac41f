"""People logging in over HTTP: badge (+ PIN) → a bearer token; failed logins lock out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status

from edge import messages as m
from edge.catalog import StaffInfo
from edge.service import Service
from edge.staff import LoginOutcome
from edge.web.auth import person_json
from edge.web.bodies import LoginBody
from edge.web.deps import ServiceDep

router = APIRouter(tags=["people"])


def refuse_login(outcome: LoginOutcome) -> HTTPException:
    """A refused login: 429 with Retry-After while the badge or device is locked out, 401
    naming the field otherwise (the handheld page asks for the PIN on `pin:`)."""
    if outcome.retry_after_s:
        return HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            outcome.reason,
            headers={"Retry-After": str(outcome.retry_after_s)},
        )
    return HTTPException(status.HTTP_401_UNAUTHORIZED, outcome.reason)


def where_from(service: Service, request: Request, device: str) -> str:
    """The device a login is counted against: the named device when it is one of this
    site, otherwise the caller's address (a free-text device name cannot dodge a lockout)."""
    if device in service.catalog().devices:
        return device
    host = request.client.host if request.client else "unknown"
    return f"http:{host}"


def verify(service: Service, badge: str, pin: str | None, device: str) -> StaffInfo:
    """Badge (+ PIN where configured) checked by the core: the lockout, the audit row, the
    PIN. The person, or 401 / 429 naming the field."""
    origin = m.Origin(badge.strip(), datetime.now(UTC), device)
    outcome: LoginOutcome = service.handle(m.CheckLogin(origin, badge, pin))
    if not outcome.ok:
        raise refuse_login(outcome)
    return service.catalog().staff[outcome.badge]


def end_tokens(service: Service) -> Callable[[Sequence[m.Effect]], None]:
    """An effect sink: a scanner's new view says who is logged in on it, so the tokens of
    anyone else for that device end at once (a logout over MQTT, too)."""

    def sink(effects: Sequence[m.Effect]) -> None:
        for effect in effects:
            if isinstance(effect, m.ScannerView):
                view = effect.view
                badge = None if view.get("screen") in ("login", "pin") else view.get("badge")
                service.sessions.keep_only(effect.device_id, badge)

    return sink


@router.post("/login")
def login(body: LoginBody, request: Request, service: ServiceDep) -> dict[str, Any]:
    """Badge (+ PIN where configured) → a bearer token for this device. Five failures in a
    row lock the badge and the device out for a while (429 with Retry-After)."""
    person = verify(service, body.badge, body.pin, where_from(service, request, body.device))
    token = service.sessions.open(person.badge, person.name, person.role, body.device)
    return {"token": token, **person_json(person)}
