"""Deliveries: the ERP announces what is coming; reads of what arrived, scanned and put away."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from edge import messages as m
from edge.web.bodies import Body, Code, Time
from edge.web.deps import IntakeKey, KeyOrLogin, QueriesDep, ServiceDep, origin

router = APIRouter(tags=["deliveries"])

DeliveryStatus = Literal["expected", "receiving", "closed"]
DeliveryId = Annotated[str, Path(min_length=1, max_length=64, description="the ERP's delivery id")]


def _iso_date(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("give a date as an ISO 8601 string, YYYY-MM-DD")
    return value


def _plausible(value: date) -> date:
    if not date(2000, 1, 1) <= value < date(2100, 1, 1):
        raise ValueError("must be from 2000 to 2099")
    return value


# A best-before date: an ISO string (not a number), in the years a warehouse means.
Expiry = Annotated[
    date, BeforeValidator(_iso_date), AfterValidator(_plausible), Field(strict=False)
]


class DeliveryLineBody(Body):
    sku: Code
    qty: int = Field(ge=1, le=1_000_000)
    lot: Code | None = None
    expiry: Expiry | None = None


class DeliveryBody(Body):
    delivery_id: Code = Field(description="the ERP's id; printed as a barcode on the delivery note")
    supplier: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    expected_at: Time | None = None
    lines: list[DeliveryLineBody] = Field(min_length=1, max_length=500)


@router.post("/deliveries", status_code=201)
def announce_delivery(
    body: DeliveryBody, response: Response, client: IntakeKey, service: ServiceDep
) -> dict[str, Any]:
    """An expected delivery: 201 when new; the same again answers 200; the same
    delivery_id with other content is refused (409). Receivers at the dock see it at once."""
    result = service.handle(
        m.IntakeDelivery(
            origin=origin(client.name),
            delivery_id=body.delivery_id,
            supplier=body.supplier,
            lines=tuple(
                m.DeliveryLineIn(line.sku, line.qty, line.lot, line.expiry) for line in body.lines
            ),
            expected_at=body.expected_at,
        )
    )
    if not result["created"]:
        response.status_code = 200
    return service.queries.delivery(body.delivery_id)


@router.get("/deliveries")
def list_deliveries(
    _: KeyOrLogin,
    queries: QueriesDep,
    status: Annotated[DeliveryStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Deliveries newest first, with expected, received and damaged units."""
    return {"deliveries": queries.deliveries(status, limit)}


@router.get("/deliveries/{delivery_id}")
def get_delivery(delivery_id: DeliveryId, _: KeyOrLogin, queries: QueriesDep) -> dict[str, Any]:
    """One delivery: lines (expected, received, damaged), differences, every scan with who,
    when and device, and its put-away tasks."""
    return queries.delivery(delivery_id)
