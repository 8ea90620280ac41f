"""The warehouse description: read it, or load a new one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

from edge import messages as m
from edge.warehouse import DescriptionError, parse_description
from edge.web.deps import ApiClient, KeyOrLogin, QueriesDep, ServiceDep, origin

router = APIRouter(tags=["warehouse"])


@router.get("/warehouse")
def get_warehouse(_: KeyOrLogin, queries: QueriesDep) -> dict[str, Any]:
    """The loaded warehouse description."""
    return queries.catalog().description.model_dump(mode="json")


@router.put("/warehouse")
def put_warehouse(body: dict[str, Any], client: ApiClient, service: ServiceDep) -> dict[str, Any]:
    """Load a warehouse description; a bad one is refused naming the place and problem."""
    try:
        desc = parse_description(body, "body")
    except DescriptionError as exc:
        raise HTTPException(422, str(exc)) from None
    service.handle(m.LoadWarehouse(origin(client), desc))
    return {"site": desc.site.id, "bins": len(desc.bins), "skus": len(desc.skus)}
