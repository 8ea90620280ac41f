"""The versioned API, /api/v1: one router per resource."""

from fastapi import APIRouter

from edge.web import (
    deliveries,
    devices,
    exceptions,
    health,
    labels,
    metrics,
    orders,
    people,
    returns,
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
    returns,
    stockwork,
    warehouse,
    devices,
    health,
    metrics,
    shift,
    supervision,
    exceptions,
    labels,
):
    router.include_router(resource.router)
