"""The service's health, open to monitoring without credentials."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from edge.web.deps import ServiceDep

router = APIRouter(tags=["service"])


@router.get("/health")
def health(service: ServiceDep) -> dict[str, Any]:
    """Database check, MQTT connection, writer counters."""
    connected = service.mqtt_connected
    return {
        **service.queries.database_health(),
        "mqtt_connected": bool(connected()) if connected is not None else None,
        "writer": {"batches": service.runtime.batches, "applied": service.runtime.applied},
    }
