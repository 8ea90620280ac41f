"""Orders: intake from the shop, reads, a supervisor's override and cancel, carrier hand-over."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from edge import messages as m
from edge.model import Status
from edge.web.bodies import OrderBody, ReasonBody, ShipBody
from edge.web.deps import (
    CarrierKey,
    IntakeKey,
    KeyOrLogin,
    OrderId,
    QueriesDep,
    ServiceDep,
    Supervisor,
    origin,
)

router = APIRouter(tags=["orders"])


@router.post("/orders", status_code=201)
def create_order(
    body: OrderBody, response: Response, client: IntakeKey, service: ServiceDep
) -> dict[str, Any]:
    """Intake of a paid order; a retry with the same shop_order_id returns the same order."""
    msg = m.IntakeOrder(
        origin=origin(client.name),
        shop_order_id=body.shop_order_id,
        lines=tuple(m.OrderLineIn(line.sku, line.qty) for line in body.lines),
        paid_at=body.paid_at,
        cutoff_at=body.cutoff_at,
        customer=body.customer,
        carrier=body.carrier,
        verify_contents=body.verify_contents,
    )
    result = service.handle(msg)
    if not result["created"]:
        response.status_code = 200
    return service.queries.order(result["order_id"])


@router.get("/orders")
def list_orders(
    _: KeyOrLogin,
    queries: QueriesDep,
    status: Annotated[Status | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Counts by status and the orders in cut-off order."""
    return queries.orders(status, limit)


@router.get("/orders/{order_id}")
def get_order(order_id: OrderId, _: KeyOrLogin, queries: QueriesDep) -> dict[str, Any]:
    """The order with lines, picks, parcels and its full status history."""
    return queries.order(order_id)


@router.post("/orders/{order_id}/override")
def override(
    order_id: OrderId, body: ReasonBody, who: Supervisor, service: ServiceDep
) -> dict[str, Any]:
    """A supervisor releases an order from hold, with a reason (audited)."""
    service.handle(m.OverrideHold(origin(who.badge, who.device), order_id, body.reason))
    return service.queries.order(order_id)


@router.post("/orders/{order_id}/cancel")
def cancel(
    order_id: OrderId, body: ReasonBody, who: Supervisor, service: ServiceDep
) -> dict[str, Any]:
    """A supervisor cancels an order; its reserved stock goes back to the bins."""
    service.handle(m.CancelOrder(origin(who.badge, who.device), order_id, body.reason))
    return service.queries.order(order_id)


@router.post("/orders/{order_id}/ship")
def ship(
    order_id: OrderId, body: ShipBody, client: CarrierKey, service: ServiceDep
) -> dict[str, Any]:
    """Carrier hand-over: a tracking number per parcel; the shipment enters the feed."""
    parcels = tuple(m.ParcelHandover(p.parcel_id, p.tracking) for p in body.parcels)
    service.handle(m.ShipOrder(origin(client.name), order_id, body.carrier, parcels))
    return service.queries.order(order_id)


@router.get("/orders-at-risk")
def orders_at_risk(_: KeyOrLogin, queries: QueriesDep) -> dict[str, Any]:
    """The open orders due first, routed and batched as they will be picked, with the
    forecast finish time and whether each makes its cut-off (slack in seconds)."""
    return {"forecast": queries.at_risk(datetime.now(UTC))}
