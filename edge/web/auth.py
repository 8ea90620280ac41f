"""Who is calling: machine clients by API key, people by badge (+ PIN) and bearer token."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import Any

from fastapi import HTTPException, status

from edge.catalog import Catalog, StaffInfo
from edge.service import ApiClient
from edge.staff import pin_matches


def api_client_of(clients: Sequence[ApiClient], given: str | None) -> ApiClient:
    """The client a key belongs to; 401 naming the header otherwise."""
    if given is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "X-API-Key header: required")
    found = find_api_client(clients, given)
    if found is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "X-API-Key header: not a valid key")
    return found


def find_api_client(clients: Sequence[ApiClient], given: str) -> ApiClient | None:
    """The client whose key this is, or None. Every key is compared in constant time, so
    timing tells nothing about a key."""
    encoded = given.encode()
    found = None
    for client in clients:
        for key in client.keys:
            if hmac.compare_digest(encoded, key.encode()) and found is None:
                found = client
    return found


def bearer(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if there is one."""
    if authorization and authorization.startswith("Bearer "):
        return authorization.removeprefix("Bearer ").strip()
    return None


def badge_holder(cat: Catalog, badge: str, pin: str | None) -> StaffInfo:
    """The person a badge (+ PIN where configured) names; 401 naming the field otherwise."""
    person = cat.staff.get(badge.strip())
    if person is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "badge: unknown badge")
    if person.pin_hash and not (pin and pin_matches(pin, person.pin_hash)):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "pin: wrong or missing PIN")
    return person


def person_json(person: StaffInfo) -> dict[str, Any]:
    """Who logged in, as the pages show them (and in which language)."""
    return {"badge": person.badge, "name": person.name, "role": person.role, "lang": person.lang}
