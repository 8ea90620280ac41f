"""The versioned API, /api/v1: one router per resource."""

from fastapi import APIRouter

from edge.web import (
    deliveries,
    devices,
    health,
    metrics,
    orders,
    people,
    shift,
    stock,
    stockwork,
    supervision,
    warehouse,
)
from edge.web.bodies import ERROR_RESPONSES

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)
for resource in (
    people,
    orders,
    stock,
    deliveries,
    stockwork,
    warehouse,
    devices,
    health,
    metrics,
    shift,
    supervision,
):
    router.include_router(resource.router)
