"""Stock per bin: reads, and a supervisor's count or receipt."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from edge import messages as m
from edge.web.bodies import StockBody
from edge.web.deps import QueriesDep, ServiceDep, StockReader, Supervisor, origin

router = APIRouter(tags=["stock"])


@router.get("/stock")
def get_stock(
    _: StockReader,
    queries: QueriesDep,
    sku: Annotated[str | None, Query(max_length=64)] = None,
    bin: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> dict[str, Any]:
    """On hand, reserved and free per bin and SKU (not for pickers' and packers' logins:
    counts are blind)."""
    return {"stock": queries.stock(sku, bin, limit)}


@router.post("/stock")
def set_stock(body: StockBody, who: Supervisor, service: ServiceDep) -> dict[str, Any]:
    """A count or a receipt sets a bin's on-hand quantity; waiting orders are served."""
    service.handle(
        m.AdjustStock(origin(who.badge, who.device), body.bin, body.sku, body.on_hand, body.reason)
    )
    return {"stock": service.queries.stock(body.sku, body.bin, 500)}
