"""Put-away and replenishment work, cycle counts: reads, and a supervisor's counts and decisions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import Field

from edge import messages as m
from edge.web.auth import api_client_of, bearer
from edge.web.bodies import SQL_INT_MAX, Body, Code, ReasonBody
from edge.web.deps import KeyOrLogin, QueriesDep, ServiceDep, SupervisorOrAdmin

router = APIRouter(tags=["stock work"])

TaskStatus = Literal["open", "done"]
ReplenStatus = Literal["open", "done", "cancelled"]
CountStatus = Literal["open", "recount", "approval", "approved", "rejected", "done"]
CountId = Annotated[int, Path(ge=1, le=SQL_INT_MAX, description="the count's id")]
Limit = Annotated[int, Query(ge=1, le=1000)]


def sees_expected(request: Request, service: ServiceDep, _: KeyOrLogin) -> bool:
    """Counts are blind: the quantity the store expected goes only to a supervisor or an
    admin key (the approval needs it), never to the people who count. Decided as
    key_or_login decides who reads: a valid login first, else the key."""
    token = bearer(request.headers.get("authorization"))
    staff = service.sessions.get(token) if token else None
    if staff is not None:
        return staff.role == "supervisor"
    key = request.headers.get("x-api-key")
    return key is not None and api_client_of(service.api_clients, key).may("admin")


SeesExpected = Annotated[bool, Depends(sees_expected)]


class CountBody(Body):
    bin: Code = Field(description="the bin label to count")
    sku: Code | None = Field(None, description="one SKU; none: every SKU the bin holds")


@router.get("/putaway")
def list_putaway(
    _: KeyOrLogin,
    queries: QueriesDep,
    status: Annotated[TaskStatus | None, Query()] = None,
    limit: Limit = 100,
) -> dict[str, Any]:
    """Put-away tasks oldest first: the suggested bin and why, and where the units went."""
    return {"tasks": queries.putaway_tasks(status, limit)}


@router.get("/replenishment")
def list_replenishment(
    _: KeyOrLogin,
    queries: QueriesDep,
    status: Annotated[ReplenStatus | None, Query()] = None,
    limit: Limit = 100,
) -> dict[str, Any]:
    """Top-ups from reserve to pick faces; open ones first, by the orders waiting for them."""
    return {"tasks": queries.replen_tasks(status, limit)}


@router.get("/counts")
def list_counts(
    with_expected: SeesExpected,
    queries: QueriesDep,
    status: Annotated[CountStatus | None, Query()] = None,
    limit: Limit = 100,
) -> dict[str, Any]:
    """Cycle counts oldest first. The expected quantities (first_expected, second_expected,
    difference, adjustment) only for a supervisor or an admin key: counts are blind."""
    return {"counts": queries.counts(status, limit, with_expected)}


@router.post("/counts", status_code=201)
def schedule_count(body: CountBody, who: SupervisorOrAdmin, service: ServiceDep) -> dict[str, Any]:
    """Ask for a count of a bin (one SKU, or every SKU it holds); counters get it first.
    A bin and SKU with a count already open is not asked twice (its id is not listed)."""
    result: dict[str, Any] = service.handle(m.ScheduleCount(who, body.bin, body.sku))
    return result


@router.post("/counts/{count_id}/approve")
def approve_count(
    count_id: CountId, body: ReasonBody, who: SupervisorOrAdmin, service: ServiceDep
) -> dict[str, Any]:
    """Approve a recounted difference: the bin's stock follows the recount (audited move,
    a stock_adjustment record in the feed). Only a count waiting for approval (else 409)."""
    service.handle(m.DecideCount(who, count_id, True, body.reason))
    return service.queries.count(count_id, with_expected=True)


@router.post("/counts/{count_id}/reject")
def reject_count(
    count_id: CountId, body: ReasonBody, who: SupervisorOrAdmin, service: ServiceDep
) -> dict[str, Any]:
    """Reject a recounted difference: stock stays as it is and the bin is counted again."""
    service.handle(m.DecideCount(who, count_id, False, body.reason))
    return service.queries.count(count_id, with_expected=True)
