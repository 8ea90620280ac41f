"""Dependencies every router declares (Annotated, so tests can swap them with overrides)."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, get_args

from fastapi import Depends, HTTPException, Path, Query, Request, Security, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from edge.config import Role
from edge.messages import Origin
from edge.queries import Queries
from edge.service import ApiClient, Service
from edge.staff import StaffSession
from edge.web.auth import api_client_of
from edge.web.bodies import SQL_INT_MAX

# Path ids and query counts: parsed from their strings, bounded before they reach SQLite.
OrderId = Annotated[int, Path(ge=1, le=SQL_INT_MAX, description="the order's id")]
Cursor = Annotated[int, Query(ge=0, le=SQL_INT_MAX, description="cursor: the last seq you have")]

# The two ways to call, declared as OpenAPI security schemes: the schema says who may call what
# (an API key's scopes are the roles it needs, a person's the staff role).
api_key_scheme = APIKeyHeader(
    name="X-API-Key",
    scheme_name="ApiKey",
    description="a machine client's key; its client's roles decide what it may call",
    auto_error=False,
)
bearer_scheme = HTTPBearer(
    scheme_name="Bearer",
    description="a person's token from POST /api/v1/login (badge + PIN)",
    auto_error=False,
)

ROLES: tuple[Role, ...] = get_args(Role)


def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]


def get_queries(service: ServiceDep) -> Queries:
    return service.queries


QueriesDep = Annotated[Queries, Depends(get_queries)]


def require(role: Role) -> Callable[..., ApiClient]:
    """The dependency of a route a machine client with this role (or admin) may call."""

    def api_key_with_role(
        service: ServiceDep,
        x_api_key: Annotated[str | None, Security(api_key_scheme, scopes=[role])] = None,
    ) -> ApiClient:
        client = api_client_of(service.api_clients, x_api_key)
        if not client.may(role):
            needed = "admin" if role == "admin" else f"{role} (or admin)"
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"X-API-Key: client {client.name} may not do this: it needs the role {needed}",
            )
        return client

    api_key_with_role.__name__ = f"{role}_key"
    api_key_with_role.role = role  # type: ignore[attr-defined]
    return api_key_with_role


# One dependency per role, made once: tests and tools find (and override) them by role.
KEY_GUARDS: dict[Role, Callable[..., ApiClient]] = {role: require(role) for role in ROLES}
IntakeKey = Annotated[ApiClient, Depends(KEY_GUARDS["intake"])]
CarrierKey = Annotated[ApiClient, Depends(KEY_GUARDS["carrier"])]
FeedKey = Annotated[ApiClient, Depends(KEY_GUARDS["feed"])]
AdminKey = Annotated[ApiClient, Depends(KEY_GUARDS["admin"])]


def metrics_key(
    service: ServiceDep,
    x_api_key: Annotated[str | None, Security(api_key_scheme, scopes=["metrics"])] = None,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)] = None,
) -> ApiClient:
    """A key with the metrics role (or admin), as X-API-Key or as `Authorization: Bearer
    <key>`: what Prometheus's `authorization` setting sends (docs/metrics.md). It is the
    metrics role's guard in KEY_GUARDS."""
    given = x_api_key
    if given is None and credentials is not None:
        given = credentials.credentials.strip()
    if given is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "X-API-Key or Authorization header: required (a key with the role metrics)",
        )
    return _metrics_by_key(service, given)


_metrics_by_key = KEY_GUARDS["metrics"]
metrics_key.role = "metrics"  # type: ignore[attr-defined]
KEY_GUARDS["metrics"] = metrics_key
MetricsKey = Annotated[ApiClient, Depends(metrics_key)]


def bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)] = None,
) -> str:
    token = credentials.credentials.strip() if credentials is not None else ""
    if not token:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "Authorization header: log in and send 'Bearer <token>'"
        )
    return token


BearerToken = Annotated[str, Depends(bearer_token)]


def current_staff(service: ServiceDep, token: BearerToken) -> StaffSession:
    """The person behind the bearer token."""
    found = service.sessions.get(token)
    if found is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "Authorization header: session expired; log in again"
        )
    return found


CurrentStaff = Annotated[StaffSession, Depends(current_staff)]


def current_supervisor(
    staff: Annotated[StaffSession, Security(current_staff, scopes=["supervisor"])],
) -> StaffSession:
    if staff.role != "supervisor":
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"{staff.name} is a {staff.role}; this needs a supervisor"
        )
    return staff


Supervisor = Annotated[StaffSession, Depends(current_supervisor)]


# Roles whose keys may read the floor's data (a `metrics` key only scrapes /metrics).
READER_ROLES = frozenset({"intake", "carrier", "feed", "admin"})


def key_or_login(
    service: ServiceDep,
    x_api_key: Annotated[str | None, Security(api_key_scheme)] = None,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)] = None,
) -> str:
    """Reads need a machine key with a business role (intake, carrier, feed, admin: not a
    metrics scraper's) or a logged-in person (orders carry customer data); the answer is who
    is reading."""
    if credentials is not None:
        found = service.sessions.get(credentials.credentials.strip())
        if found is not None:
            return found.badge
    if x_api_key is not None:
        client = api_client_of(service.api_clients, x_api_key)
        if not client.roles & READER_ROLES:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"X-API-Key: client {client.name} may not read orders, stock or devices:"
                " it needs the role intake, carrier, feed or admin",
            )
        return client.name
    raise HTTPException(status.HTTP_401_UNAUTHORIZED, "X-API-Key or Authorization header: required")


KeyOrLogin = Annotated[str, Depends(key_or_login)]


def stock_reader(
    service: ServiceDep,
    x_api_key: Annotated[str | None, Security(api_key_scheme)] = None,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)] = None,
) -> str:
    """Stock quantities: as key_or_login, but of the people only a supervisor. Counts are
    blind, so a counter's handheld login must not read what the store expects."""
    if credentials is not None:
        found = service.sessions.get(credentials.credentials.strip())
        if found is not None and found.role != "supervisor":
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"{found.name} is a {found.role}: stock quantities are for a supervisor"
                " (counts are blind)",
            )
    return key_or_login(service, x_api_key, credentials)


StockReader = Annotated[str, Depends(stock_reader)]


def supervisor_or_reader(
    service: ServiceDep,
    x_api_key: Annotated[str | None, Security(api_key_scheme)] = None,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)] = None,
) -> str:
    """The floor's numbers (each person's pace): a key that may read, as key_or_login, or a
    supervisor's login; a picker or packer reads no one's rate."""
    if credentials is not None:
        found = service.sessions.get(credentials.credentials.strip())
        if found is not None and found.role != "supervisor":
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"{found.name} is a {found.role}: the shift's numbers are for a supervisor",
            )
    return key_or_login(service, x_api_key, credentials)


SupervisorOrReader = Annotated[str, Depends(supervisor_or_reader)]


def _supervisor_or_key(
    service: Service,
    x_api_key: str | None,
    credentials: HTTPAuthorizationCredentials | None,
    role: str,
    for_what: str,
) -> Origin:
    """A supervisor logged in (their badge and device act) or a key with `role` (its
    client's name acts, device "http"); anyone else is told who may do `for_what`."""
    if credentials is not None:
        staff = service.sessions.get(credentials.credentials.strip())
        if staff is not None:
            if staff.role != "supervisor":
                raise HTTPException(
                    status.HTTP_403_FORBIDDEN,
                    f"{staff.name} is a {staff.role}; {for_what} needs a supervisor"
                    f" (or a key with the role {role})",
                )
            return origin(staff.badge, staff.device)
        if x_api_key is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, "Authorization header: session expired; log in again"
            )
    client = api_client_of(service.api_clients, x_api_key)
    if not client.may(role):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"X-API-Key: client {client.name} may not do this ({for_what}): it needs the role"
            f" {role} (or a supervisor's login)",
        )
    return origin(client.name)


def supervisor_or_admin(
    service: ServiceDep,
    x_api_key: Annotated[str | None, Security(api_key_scheme, scopes=["admin"])] = None,
    credentials: Annotated[
        HTTPAuthorizationCredentials | None, Security(bearer_scheme, scopes=["supervisor"])
    ] = None,
) -> Origin:
    """A supervisor logged in or a key with the admin role: who may ask for counts and
    decide them, and act on the floor."""
    return _supervisor_or_key(service, x_api_key, credentials, "admin", "this")


SupervisorOrAdmin = Annotated[Origin, Depends(supervisor_or_admin)]


def shop_or_supervisor(
    service: ServiceDep,
    x_api_key: Annotated[str | None, Security(api_key_scheme, scopes=["intake"])] = None,
    credentials: Annotated[
        HTTPAuthorizationCredentials | None, Security(bearer_scheme, scopes=["supervisor"])
    ] = None,
) -> Origin:
    """The shop's key (role intake; an admin key may do everything), or a supervisor logged
    in (for a customer at the counter): who may announce a return."""
    return _supervisor_or_key(service, x_api_key, credentials, "intake", "announcing a return")


ShopOrSupervisor = Annotated[Origin, Depends(shop_or_supervisor)]


def origin(actor: str, device: str = "http") -> Origin:
    """Who, when and where for a change asked for over HTTP."""
    return Origin(actor=actor, at=datetime.now(UTC), device=device)
