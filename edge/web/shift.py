"""The shift in numbers: rates per hour for the floor and each person, waits, walking, errors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from edge.web.deps import QueriesDep, SupervisorOrReader

router = APIRouter(tags=["shift"])


@router.get("/shift")
def get_shift(
    _: SupervisorOrReader,
    queries: QueriesDep,
    hours: Annotated[
        int, Query(ge=1, le=24, description="how many hours back, the current one included")
    ] = 8,
) -> dict[str, Any]:
    """Lines and orders per hour worked (the floor, each picker, each packer), paid to
    shipped (p50/p90 seconds), planned walking per line (m), refused scans / scans, and the
    same counted per hour of the site's clock (`hourly`, oldest first)."""
    return queries.shift(datetime.now(UTC), hours)
