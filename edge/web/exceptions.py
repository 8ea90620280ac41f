"""The supervisor's exceptions queue over HTTP: one searchable list, and its own actions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import Field

from edge import messages as m
from edge.web.bodies import SQL_INT_MAX, Body, Reason
from edge.web.deps import QueriesDep, ServiceDep, Supervisor, SupervisorOrAdmin, origin

router = APIRouter(tags=["exceptions"])

# The forecast behind `cutoff_miss` routes the waiting work: reused for this long.
FORECAST_TTL_S = 15.0

ExceptionKind = Literal[
    "light_unacked",
    "device_offline",
    "label_failed",
    "weight_hold",
    "short",
    "cutoff_miss",
    "dead_letter",
]
LetterId = Annotated[int, Path(ge=1, le=SQL_INT_MAX, description="the dead letter's id")]
TaskId = Annotated[int, Path(ge=1, le=SQL_INT_MAX, description="the short stop's task id")]
DeviceId = Annotated[str, Path(min_length=1, max_length=64, description="the light controller")]
Slot = Annotated[str, Path(min_length=1, max_length=64, description="the slot (bin label)")]


class ReasonBody(Body):
    reason: Reason = Field(description="what was done about it, or why (kept in the audit)")


@router.get("/exceptions")
def list_exceptions(
    _: SupervisorOrAdmin,
    queries: QueriesDep,
    q: Annotated[
        str | None, Query(max_length=100, description="words in order, SKU, bin, device, person")
    ] = None,
    kind: Annotated[ExceptionKind | None, Query(description="one kind only")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """Open exceptions, most urgent then newest first: unacknowledged light commands (after
    their re-sends), devices gone, held parcels, short picks, orders missing the cut-off,
    dead letters. `total` counts every match (the page holds `limit` from `offset`),
    `counts` the matches of q per kind; each item names its `actions`."""
    return queries.exceptions(datetime.now(UTC), q, kind, limit, offset, FORECAST_TTL_S)


def _acknowledge(
    kind: m.AckKind, ref: int, body: ReasonBody, who: Supervisor, service: ServiceDep
) -> Any:
    return service.handle(
        m.AcknowledgeException(origin(who.badge, who.device), kind, ref, body.reason)
    )


@router.post("/dead-letters/{letter_id}/ack")
def acknowledge_dead_letter(
    letter_id: LetterId, body: ReasonBody, who: Supervisor, service: ServiceDep
) -> dict[str, Any]:
    """A device message that could not be applied, seen and dealt with (a reason): it leaves
    the exceptions queue (audited; 409 when acknowledged already, 404 when there is none)."""
    result: dict[str, Any] = _acknowledge("dead_letter", letter_id, body, who, service)
    return result


@router.post("/shorts/{task_id}/ack")
def acknowledge_short(
    task_id: TaskId, body: ReasonBody, who: Supervisor, service: ServiceDep
) -> dict[str, Any]:
    """A stop confirmed short (its task id), seen and dealt with (a reason): it leaves the
    exceptions queue (audited; 409 when acknowledged already, 404 when there is none)."""
    result: dict[str, Any] = _acknowledge("short", task_id, body, who, service)
    return result


@router.post("/lights/{device}/{slot}/resend")
def resend_light(
    device: DeviceId, slot: Slot, body: ReasonBody, who: Supervisor, service: ServiceDep
) -> dict[str, Any]:
    """Send an unacknowledged light command again (its automatic re-sends start over)."""
    msg = m.ResendLight(origin(who.badge, who.device), device, slot, body.reason)
    result: dict[str, Any] = service.handle(msg)
    return result
