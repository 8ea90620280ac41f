"""The warehouse description: read it, or load a new one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

from edge import messages as m
from edge.warehouse import DescriptionError, parse_description
from edge.web.deps import AdminKey, KeyOrLogin, QueriesDep, ServiceDep, origin

router = APIRouter(tags=["warehouse"])

# Every number of a description is grams, millimetres, decimetres, seconds or a count: a
# billion is far beyond any warehouse, and far below what SQLite or the routing overflow at.
LARGEST_NUMBER = 10**9


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
    where = too_large(body, "body")
    if where is not None:
        raise HTTPException(422, f"{where}: a number of at most {LARGEST_NUMBER:,} (either sign)")
    try:
        desc = parse_description(body, "body")
    except DescriptionError as exc:
        raise HTTPException(422, str(exc)) from None
    service.handle(m.LoadWarehouse(origin(client.name), desc))
    return {"site": desc.site.id, "bins": len(desc.bins), "skus": len(desc.skus)}


def too_large(body: Any, root: str) -> str | None:
    """Where the first number beyond LARGEST_NUMBER sits (body.stock[0].qty), if any."""
    pending: list[tuple[str, Any]] = [(root, body)]
    while pending:  # a loop, not recursion: a deeply nested body cannot exhaust the stack
        where, value = pending.pop()
        if isinstance(value, int | float) and not isinstance(value, bool):
            if abs(value) > LARGEST_NUMBER:
                return where
        elif isinstance(value, dict):
            pending += reversed([(f"{where}.{k}", v) for k, v in value.items()])
        elif isinstance(value, list):
            pending += reversed([(f"{where}[{i}]", v) for i, v in enumerate(value)])
    return None
