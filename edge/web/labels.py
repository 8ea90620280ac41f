"""Shipping labels: a parcel's label as SVG or ZPL, and a reprint by a packer or supervisor."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Response, status

from edge import messages as m
from edge.staff import StaffSession
from edge.web.bodies import SQL_INT_MAX, ReasonBody
from edge.web.deps import CurrentStaff, KeyOrLogin, QueriesDep, ServiceDep, origin

router = APIRouter(tags=["labels"])

ParcelId = Annotated[int, Path(ge=1, le=SQL_INT_MAX, description="the parcel's id")]
# Who may print a label again: the packers at the stations and the supervisor.
REPRINTERS = ("packer", "supervisor")


def packer_or_supervisor(staff: CurrentStaff) -> StaffSession:
    if staff.role not in REPRINTERS:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"{staff.name} is a {staff.role}; a reprint needs a packer or a supervisor",
        )
    return staff


Reprinter = Annotated[StaffSession, Depends(packer_or_supervisor)]


@router.post("/parcels/{parcel_id}/reprint")
def reprint(
    parcel_id: ParcelId, body: ReasonBody, who: Reprinter, service: ServiceDep
) -> dict[str, Any]:
    """Print the parcel's label again at its station's printer, with a reason (audited in
    label_prints); the printer's answer reaches the station's screens."""
    result: dict[str, Any] = service.handle(
        m.ReprintLabel(origin(who.badge, who.device), parcel_id, body.reason)
    )
    return result


@router.get("/parcels/{parcel_id}/label.svg", response_class=Response)
def label_svg(parcel_id: ParcelId, _: KeyOrLogin, queries: QueriesDep) -> Response:
    """The parcel's label as the packer's screen shows it (SVG, 4x6 in)."""
    return Response(queries.label(parcel_id, "svg"), media_type="image/svg+xml")


@router.get("/parcels/{parcel_id}/label.zpl", response_class=Response)
def label_zpl(parcel_id: ParcelId, _: KeyOrLogin, queries: QueriesDep) -> Response:
    """The parcel's label as sent to the printer (ZPL II, 203 dpi)."""
    return Response(queries.label(parcel_id, "zpl"), media_type="text/plain; charset=utf-8")
