"""A supervisor's controls over HTTP: pick lists, priorities, holds at once, people's roles."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import Field

from edge import messages as m
from edge.web.bodies import SQL_INT_MAX, Badge, Body, Id, Reason
from edge.web.deps import OrderId, QueriesDep, ServiceDep, Supervisor, SupervisorOrAdmin, origin

router = APIRouter(tags=["supervision"])

TripId = Annotated[int, Path(ge=1, le=SQL_INT_MAX, description="the pick list's id")]
StaffBadge = Annotated[str, Path(min_length=1, max_length=32, description="the person's badge")]


class ReassignBody(Body):
    to_badge: Badge
    reason: Reason


class PriorityBody(Body):
    priority: int = Field(ge=1, le=9, description="1 (a little ahead) to 9 (first)")
    reason: Reason


class HoldsBody(Body):
    order_ids: list[Id] = Field(min_length=1, max_length=100)
    reason: Reason


class RoleBody(Body):
    role: m.FloorRole
    reason: Reason


class ReleaseBody(Body):
    reason: Reason


@router.get("/supervision")
def controls(_: SupervisorOrAdmin, queries: QueriesDep) -> dict[str, Any]:
    """Open pick lists, pickers free to take one, floor staff's roles this shift, and the
    latest controls with who, when, where and why."""
    return queries.supervision()


@router.post("/trips/{trip_id}/release")
def release_trip(
    trip_id: TripId, body: ReleaseBody, who: Supervisor, service: ServiceDep
) -> dict[str, Any]:
    """End a picker's pick list: stops not picked go back (reservations kept) for someone
    else; what is on the cart goes to packing."""
    msg = m.ReleaseTrip(origin(who.badge, who.device), trip_id, body.reason)
    result: dict[str, Any] = service.handle(msg)
    return result


@router.post("/trips/{trip_id}/reassign")
def reassign_trip(
    trip_id: TripId, body: ReassignBody, who: Supervisor, service: ServiceDep
) -> dict[str, Any]:
    """Hand a pick list (and its cart) to another picker logged in on a picking scanner."""
    msg = m.ReassignTrip(origin(who.badge, who.device), trip_id, body.to_badge, body.reason)
    result: dict[str, Any] = service.handle(msg)
    return result


@router.post("/orders/{order_id}/priority")
def raise_priority(
    order_id: OrderId, body: PriorityBody, who: SupervisorOrAdmin, service: ServiceDep
) -> dict[str, Any]:
    """Raise an order's priority: released from a backorder, picked and packed first."""
    service.handle(m.RaisePriority(who, order_id, body.priority, body.reason))
    return service.queries.order(order_id)


@router.post("/holds/release")
def release_holds(body: HoldsBody, who: Supervisor, service: ServiceDep) -> dict[str, Any]:
    """Send several orders on from hold with one reason: all of them, or none (409 names
    the order that is not on hold)."""
    msg = m.ReleaseHolds(origin(who.badge, who.device), tuple(body.order_ids), body.reason)
    result: dict[str, Any] = service.handle(msg)
    return result


@router.post("/staff/{badge}/role")
def move_staff(
    badge: StaffBadge, body: RoleBody, who: Supervisor, service: ServiceDep
) -> dict[str, Any]:
    """Move a person between picking and packing for the shift; logged in on the other
    kind of scanner, they are logged out there."""
    msg = m.MoveStaff(origin(who.badge, who.device), badge, body.role, body.reason)
    result: dict[str, Any] = service.handle(msg)
    return result
