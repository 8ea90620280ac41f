"""HTTP API for shops, supervisors and packers: orders, stock, warehouse, devices, login."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from edge import messages as m
from edge.api_keys import api_key_dependency
from edge.catalog import Catalog, StaffInfo
from edge.model import DomainError, Status
from edge.staff_auth import StaffSession, StaffSessions, pin_matches
from edge.warehouse import DescriptionError, parse_description

if TYPE_CHECKING:
    from edge.service import Service

HTTP_STATUS = {"not_found": 404, "conflict": 409, "invalid": 422, "not_ready": 503}


def domain_http_error(err: DomainError) -> HTTPException:
    return HTTPException(HTTP_STATUS.get(err.code, 409), str(err))


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrderLineBody(_Body):
    sku: str = Field(min_length=1)
    qty: int = Field(ge=1, le=100_000)


class OrderBody(_Body):
    shop_order_id: str = Field(min_length=1, max_length=64)
    lines: list[OrderLineBody] = Field(min_length=1, max_length=500)
    paid_at: AwareDatetime
    cutoff_at: AwareDatetime | None = None
    customer: dict[str, Any] = Field(default_factory=dict)


class LoginBody(_Body):
    badge: str = Field(min_length=1, max_length=32)
    pin: str | None = Field(None, max_length=32)
    device: str = Field("browser", max_length=64)


class ReasonBody(_Body):
    reason: str = Field(min_length=1, max_length=500)


class ParcelBody(_Body):
    parcel_id: int
    tracking: str = Field(min_length=1, max_length=64)


class ShipBody(_Body):
    carrier: str = Field(min_length=1, max_length=64)
    parcels: list[ParcelBody] = Field(min_length=1)


class StockBody(_Body):
    bin: str
    sku: str
    on_hand: int = Field(ge=0)
    reason: str = Field(min_length=1, max_length=200)


def badge_holder(cat: Catalog, badge: str, pin: str | None) -> StaffInfo:
    """The person a badge (+ PIN where configured) names; 401 naming the field otherwise."""
    person = cat.staff.get(badge.strip())
    if person is None:
        raise HTTPException(401, "badge: unknown badge")
    if person.pin_hash and not (pin and pin_matches(pin, person.pin_hash)):
        raise HTTPException(401, "pin: wrong or missing PIN")
    return person


def person_json(person: StaffInfo) -> dict[str, Any]:
    """Who logged in, as the pages show them (and in which language)."""
    return {"badge": person.badge, "name": person.name, "role": person.role, "lang": person.lang}


def staff_dependency(
    sessions: StaffSessions, role: str | None = None
) -> Callable[[str | None], StaffSession]:
    """A FastAPI dependency: the person behind the bearer token (of the role, if given)."""

    def staff(authorization: Annotated[str | None, Header()] = None) -> StaffSession:
        if not authorization or not authorization.startswith("Bearer "):
            raise HTTPException(401, "Authorization header: log in and send 'Bearer <token>'")
        found = sessions.get(authorization.removeprefix("Bearer ").strip())
        if found is None:
            raise HTTPException(401, "Authorization header: session expired; log in again")
        if role is not None and found.role != role:
            raise HTTPException(403, f"{found.name} is a {found.role}; this needs a {role}")
        return found

    return staff


def build_router(service: "Service") -> APIRouter:
    router = APIRouter(prefix="/api/v1")
    api_client = Depends(api_key_dependency(service.api_keys))
    check_key = api_key_dependency(service.api_keys)

    def reader(
        x_api_key: Annotated[str | None, Header()] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> str:
        """Reads need a machine key or a logged-in person: orders carry customer data."""
        if authorization and authorization.startswith("Bearer "):
            found = service.sessions.get(authorization.removeprefix("Bearer ").strip())
            if found is not None:
                return found.badge
        if x_api_key is not None:
            return check_key(x_api_key)
        raise HTTPException(401, "X-API-Key or Authorization header: required")

    can_read = [Depends(reader)]

    supervisor = staff_dependency(service.sessions, "supervisor")

    def apply(msg: m.Inbound) -> Any:
        try:
            return service.handle(msg)
        except DomainError as err:
            raise domain_http_error(err) from None

    def origin(actor: str, device: str = "http") -> m.Origin:
        return m.Origin(actor=actor, at=datetime.now(UTC), device=device)

    # --- people ---

    @router.post("/login", tags=["people"])
    def login(body: LoginBody) -> dict[str, Any]:
        """Badge (+ PIN where configured) → a bearer token for this device."""
        person = badge_holder(service.catalog(), body.badge, body.pin)
        token = service.sessions.open(person.badge, person.name, person.role, body.device)
        return {"token": token, **person_json(person)}

    # --- orders ---

    @router.post("/orders", tags=["orders"], status_code=201)
    def create_order(
        body: OrderBody, response: Response, client: Annotated[str, api_client]
    ) -> dict[str, Any]:
        """Intake of a paid order; a retry with the same shop_order_id returns the same order."""
        msg = m.IntakeOrder(
            origin=origin(client),
            shop_order_id=body.shop_order_id,
            lines=tuple(m.OrderLineIn(line.sku, line.qty) for line in body.lines),
            paid_at=body.paid_at,
            cutoff_at=body.cutoff_at,
            customer=body.customer,
        )
        result = apply(msg)
        if not result["created"]:
            response.status_code = 200
        return service.order_detail(result["order_id"])

    @router.get("/orders", tags=["orders"], dependencies=can_read)
    def list_orders(
        status: Annotated[Status | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        with service.read() as tx:
            counts = {
                r["status"]: r["n"]
                for r in tx.all("SELECT status, count(*) AS n FROM orders GROUP BY status")
            }
            where, params = ("WHERE status = ?", [status.value]) if status else ("", [])
            rows = tx.all(
                f"SELECT id, shop_order_id, status, hold_reason, paid_at, cutoff_at, updated_at"
                f" FROM orders {where} ORDER BY cutoff_at, paid_at, id LIMIT ?",
                [*params, limit],
            )
        return {"counts": counts, "orders": rows}

    @router.get("/orders/{order_id}", tags=["orders"], dependencies=can_read)
    def get_order(order_id: int) -> dict[str, Any]:
        """The order with lines, picks, parcels and its full status history."""
        return service.order_detail(order_id)

    @router.post("/orders/{order_id}/override", tags=["orders"])
    def override(
        order_id: int, body: ReasonBody, who: Annotated[StaffSession, Depends(supervisor)]
    ) -> dict[str, Any]:
        """A supervisor releases an order from hold, with a reason (audited)."""
        apply(m.OverrideHold(origin(who.badge, who.device), order_id, body.reason))
        return service.order_detail(order_id)

    @router.post("/orders/{order_id}/cancel", tags=["orders"])
    def cancel(
        order_id: int, body: ReasonBody, who: Annotated[StaffSession, Depends(supervisor)]
    ) -> dict[str, Any]:
        apply(m.CancelOrder(origin(who.badge, who.device), order_id, body.reason))
        return service.order_detail(order_id)

    @router.post("/orders/{order_id}/ship", tags=["orders"])
    def ship(order_id: int, body: ShipBody, client: Annotated[str, api_client]) -> dict[str, Any]:
        """Carrier hand-over: a tracking number per parcel; the shipment enters the feed."""
        parcels = tuple(m.ParcelHandover(p.parcel_id, p.tracking) for p in body.parcels)
        apply(m.ShipOrder(origin(client), order_id, body.carrier, parcels))
        return service.order_detail(order_id)

    # --- stock and the warehouse ---

    @router.get("/stock", tags=["stock"], dependencies=can_read)
    def get_stock(
        sku: str | None = None,
        bin: str | None = None,
        limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    ) -> dict[str, Any]:
        with service.read() as tx:
            rows = tx.all(
                "SELECT bin, sku, on_hand, reserved, on_hand - reserved AS free FROM stock"
                " WHERE (? IS NULL OR sku = ?) AND (? IS NULL OR bin = ?) ORDER BY bin, sku"
                " LIMIT ?",
                (sku, sku, bin, bin, limit),
            )
        return {"stock": rows}

    @router.post("/stock", tags=["stock"])
    def set_stock(
        body: StockBody, who: Annotated[StaffSession, Depends(supervisor)]
    ) -> dict[str, Any]:
        """A count or a receipt sets a bin's on-hand quantity; waiting orders are served."""
        apply(
            m.AdjustStock(
                origin(who.badge, who.device), body.bin, body.sku, body.on_hand, body.reason
            )
        )
        return get_stock(sku=body.sku, bin=body.bin)

    @router.get("/warehouse", tags=["warehouse"], dependencies=can_read)
    def get_warehouse() -> dict[str, Any]:
        return service.catalog().description.model_dump(mode="json")

    @router.put("/warehouse", tags=["warehouse"])
    def put_warehouse(body: dict[str, Any], client: Annotated[str, api_client]) -> dict[str, Any]:
        """Load a warehouse description; a bad one is refused naming the place and problem."""
        try:
            desc = parse_description(body, "body")
        except DescriptionError as exc:
            raise HTTPException(422, str(exc)) from None
        apply(m.LoadWarehouse(origin(client), desc))
        return {"site": desc.site.id, "bins": len(desc.bins), "skus": len(desc.skus)}

    # --- devices and problems ---

    @router.get("/devices", tags=["devices"], dependencies=can_read)
    def devices() -> dict[str, Any]:
        """Presence from retained status and Last Will: online, since when, last seen."""
        with service.read() as tx:
            rows = tx.all(
                "SELECT id, kind, station, online, status_since, last_seen FROM devices ORDER BY id"
            )
        for r in rows:
            r["online"] = bool(r["online"])
        return {"devices": rows}

    @router.get("/dead-letters", tags=["devices"], dependencies=can_read)
    def dead_letters(limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
        with service.read() as tx:
            rows = tx.all(
                "SELECT id, at, device, msg_id, topic, reason, payload FROM dead_letters"
                " ORDER BY id DESC LIMIT ?",
                (limit,),
            )
        for r in rows:
            r["payload"] = bytes(r["payload"]).decode("utf-8", "replace")[:2000]
        return {"dead_letters": rows}

    @router.get("/orders-at-risk", tags=["orders"], dependencies=can_read)
    def orders_at_risk() -> dict[str, Any]:
        """The open orders due first, routed and batched as they will be picked, with the
        forecast finish time and whether each makes its cut-off (slack in seconds)."""
        return {"forecast": service.cutoff_risk(datetime.now(UTC))}

    @router.get("/health", tags=["service"])
    def health() -> dict[str, Any]:
        return service.health()

    return router
