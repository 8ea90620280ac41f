"""Devices and their problems: presence per device, dead-lettered messages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from edge.web.deps import KeyOrLogin, QueriesDep

router = APIRouter(tags=["devices"])


@router.get("/devices")
def devices(_: KeyOrLogin, queries: QueriesDep) -> dict[str, Any]:
    """Presence from retained status and Last Will: online, since when, last seen."""
    return {"devices": queries.devices()}


@router.get("/dead-letters")
def dead_letters(
    _: KeyOrLogin, queries: QueriesDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> dict[str, Any]:
    """Messages that could not be applied, newest first, with the reason and the payload."""
    return {"dead_letters": queries.dead_letters(limit)}
