"""People logging in over HTTP: badge (+ PIN) → a bearer token."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from edge.web.auth import badge_holder, person_json
from edge.web.bodies import LoginBody
from edge.web.deps import QueriesDep, ServiceDep

router = APIRouter(tags=["people"])


@router.post("/login")
def login(body: LoginBody, service: ServiceDep, queries: QueriesDep) -> dict[str, Any]:
    """Badge (+ PIN where configured) → a bearer token for this device."""
    person = badge_holder(queries.catalog(), body.badge, body.pin)
    token = service.sessions.open(person.badge, person.name, person.role, body.device)
    return {"token": token, **person_json(person)}
