"""Dependencies every router declares (Annotated, so tests can swap them with overrides)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status

from edge.messages import Origin
from edge.queries import Queries
from edge.service import Service
from edge.staff import StaffSession
from edge.web.auth import api_client_name, bearer


def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]


def get_queries(service: ServiceDep) -> Queries:
    return service.queries


QueriesDep = Annotated[Queries, Depends(get_queries)]


def api_client(service: ServiceDep, x_api_key: Annotated[str | None, Header()] = None) -> str:
    """A machine client (the shop, the carrier desk, the cloud) by its X-API-Key."""
    return api_client_name(service.api_keys, x_api_key)


ApiClient = Annotated[str, Depends(api_client)]


def bearer_token(authorization: Annotated[str | None, Header()] = None) -> str:
    token = bearer(authorization)
    if token is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "Authorization header: log in and send 'Bearer <token>'"
        )
    return token


BearerToken = Annotated[str, Depends(bearer_token)]


def current_staff(service: ServiceDep, token: BearerToken) -> StaffSession:
    """The person behind the bearer token."""
    found = service.sessions.get(token)
    if found is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "Authorization header: session expired; log in again"
        )
    return found


CurrentStaff = Annotated[StaffSession, Depends(current_staff)]


def current_supervisor(staff: CurrentStaff) -> StaffSession:
    if staff.role != "supervisor":
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"{staff.name} is a {staff.role}; this needs a supervisor"
        )
    return staff


Supervisor = Annotated[StaffSession, Depends(current_supervisor)]


def key_or_login(
    service: ServiceDep,
    x_api_key: Annotated[str | None, Header()] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> str:
    """Reads need a machine key or a logged-in person (orders carry customer data)."""
    token = bearer(authorization)
    if token is not None:
        found = service.sessions.get(token)
        if found is not None:
            return found.badge
    if x_api_key is not None:
        return api_client_name(service.api_keys, x_api_key)
    raise HTTPException(status.HTTP_401_UNAUTHORIZED, "X-API-Key or Authorization header: required")


KeyOrLogin = Annotated[str, Depends(key_or_login)]


def origin(actor: str, device: str = "http") -> Origin:
    """Who, when and where for a change asked for over HTTP."""
    return Origin(actor=actor, at=datetime.now(UTC), device=device)
