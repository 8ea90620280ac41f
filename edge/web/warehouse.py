"""The warehouse description: read it, or load a new one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

from edge import messages as m
from edge.warehouse import DescriptionError, parse_description
from edge.web.deps import AdminKey, KeyOrLogin, QueriesDep, ServiceDep, origin

router = APIRouter(tags=["warehouse"])


@router.get("/warehouse")
def get_warehouse(_: KeyOrLogin, queries: QueriesDep) -> dict[str, Any]:
    """The loaded warehouse description; a staff entry says whether it has a PIN ("pin":
    true), never its pin_hash (PIN hashes do not leave the service)."""
    desc = queries.catalog().description.model_dump(mode="json")
    desc["staff"] = [without_pin_hash(person) for person in desc.get("staff", [])]
    return desc


def without_pin_hash(person: dict[str, Any]) -> dict[str, Any]:
    entry = {k: v for k, v in person.items() if k != "pin_hash"}
    entry["pin"] = bool(person.get("pin_hash"))
    return entry


@router.put("/warehouse")
def put_warehouse(body: dict[str, Any], client: AdminKey, service: ServiceDep) -> dict[str, Any]:
    """Load a warehouse description; a bad one is refused naming the place and problem."""
    try:
        desc = parse_description(body, "body")
    except DescriptionError as exc:
        raise HTTPException(422, str(exc)) from None
    service.handle(m.LoadWarehouse(origin(client.name), desc))
    return {"site": desc.site.id, "bins": len(desc.bins), "skus": len(desc.skus)}
