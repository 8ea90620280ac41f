"""The service's health, open to monitoring without credentials (and cheap to ask)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from edge.web.deps import ServiceDep

router = APIRouter(tags=["service"])


@router.get("/health")
def health(service: ServiceDep) -> dict[str, Any]:
    """`status` ok or degraded (with the `reason`: commits failing, the last integrity
    check not ok); the cached integrity check and its age, MQTT, the NATS publisher's
    confirmed seq and error (when configured), writer counters."""
    connected = service.mqtt_connected
    runtime = service.runtime
    database = service.queries.database_health()
    reason = None
    if runtime.storage_error is not None:
        reason = f"storage: {runtime.storage_error}; writes are refused, device events held"
    elif not database["ok"]:
        reason = f"database: {database['database']}"
    return {
        "status": "ok" if reason is None else "degraded",
        "reason": reason,
        **database,
        "ok": reason is None,
        "mqtt_connected": bool(connected()) if connected is not None else None,
        "nats": service.nats_status() if service.nats_status is not None else None,
        "writer": {"batches": runtime.batches, "applied": runtime.applied, "held": runtime.held},
    }
