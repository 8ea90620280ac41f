"""Returns: the shop announces an RMA for a shipped order; reads of what came back and how."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import Field, StringConstraints

from edge import messages as m
from edge.web.bodies import Body, Code
from edge.web.deps import KeyOrLogin, QueriesDep, ServiceDep, ShopOrSupervisor

router = APIRouter(tags=["returns"])

RmaId = Annotated[
    str,
    Path(min_length=1, max_length=64, description="the shop's RMA number (RET-<n> unannounced)"),
]


class ReturnLineBody(Body):
    sku: Code
    qty: int = Field(ge=1, le=100_000)
    reason: Annotated[str, StringConstraints(max_length=500)] = ""


class ReturnBody(Body):
    rma_id: Code = Field(description="the shop's RMA number; printed on the return slip")
    order: Code = Field(description="the shop's order id, or the gateway's order id")
    lines: list[ReturnLineBody] = Field(min_length=1, max_length=500)
    note: Annotated[str, StringConstraints(max_length=1000)] = ""


@router.post("/returns", status_code=201)
def announce_return(
    body: ReturnBody, response: Response, who: ShopOrSupervisor, service: ServiceDep
) -> dict[str, Any]:
    """A return the customer is sending back: 201 when new; the same again answers 200; the
    same rma_id with other content is refused (409). The order must be shipped (409), and a
    line can ask for at most what was shipped less what came back before (422)."""
    result = service.handle(
        m.IntakeReturn(
            origin=who,
            rma_id=body.rma_id,
            order=body.order,
            lines=tuple(m.ReturnLineIn(ln.sku, ln.qty, ln.reason) for ln in body.lines),
            note=body.note,
        )
    )
    if not result["created"]:
        response.status_code = 200
    return service.queries.return_detail(body.rma_id)


@router.get("/returns")
def list_returns(
    _: KeyOrLogin,
    queries: QueriesDep,
    state: Annotated[Literal["open", "closed"] | None, Query()] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=64, description="RMA or order")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Returns newest first, open (announced or being inspected) or closed, searched by RMA
    number, shop order id or order code."""
    return {"returns": queries.returns(state, q, limit)}


@router.get("/returns/{rma_id}")
def get_return(rma_id: RmaId, _: KeyOrLogin, queries: QueriesDep) -> dict[str, Any]:
    """One return: lines with units by grade, every unit with who scanned and graded it, when
    and on which device, and the put-away work of its resellable units."""
    return queries.return_detail(rma_id)
