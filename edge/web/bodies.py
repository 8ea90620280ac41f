"""Request bodies of the versioned API: strict, bounded, unknown fields refused, limits named."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    field_validator,
)

# SQLite stores signed 64-bit integers: a larger id, cursor or count cannot name anything.
SQL_INT_MAX = 2**63 - 1
# Times a warehouse can mean: far enough either way that a day's arithmetic cannot overflow.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
CUSTOMER_MAX_BYTES = 8 * 1024
CUSTOMER_MAX_DEPTH = 4


def _text(max_length: int) -> Any:
    return StringConstraints(min_length=1, max_length=max_length)


# Non-empty strings with a bound (strict: a number or a bool is not a string).
Code = Annotated[str, _text(64)]  # an SKU, a bin label, an order id, a carrier, a tracking no.
Badge = Annotated[str, _text(32)]
Pin = Annotated[str, _text(32)]
Reason = Annotated[str, _text(500)]


def _iso_text(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("give an ISO 8601 time with a UTC offset, as a string")
    return value


def _in_range(value: datetime) -> datetime:
    if not EARLIEST <= value < LATEST:
        raise ValueError(f"must be from {EARLIEST.year} to {LATEST.year - 1}")
    return value


# A time: an ISO 8601 string with an offset (not a number), within the years a warehouse means.
Time = Annotated[
    AwareDatetime, BeforeValidator(_iso_text), AfterValidator(_in_range), Field(strict=False)
]
Id = Annotated[int, Field(ge=1, le=SQL_INT_MAX)]


def _depth(value: JsonValue) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _small_customer(value: dict[str, JsonValue]) -> dict[str, JsonValue]:
    try:
        encoded = json.dumps(value, allow_nan=False).encode()
    except ValueError:
        raise ValueError("numbers must be finite") from None
    if len(encoded) > CUSTOMER_MAX_BYTES:
        raise ValueError(f"at most {CUSTOMER_MAX_BYTES} bytes as JSON")
    if _depth(value) > CUSTOMER_MAX_DEPTH:
        raise ValueError(f"at most {CUSTOMER_MAX_DEPTH} levels deep")
    return value


class Body(BaseModel):
    # Strict: a bool, a string or a float is not an integer; unknown fields are refused.
    model_config = ConfigDict(extra="forbid", strict=True)


class OrderLineBody(Body):
    sku: Code
    qty: int = Field(ge=1, le=100_000)


class OrderBody(Body):
    shop_order_id: Code
    lines: list[OrderLineBody] = Field(min_length=1, max_length=500)
    paid_at: Time
    cutoff_at: Time | None = None
    customer: Annotated[
        dict[Annotated[str, StringConstraints(max_length=64)], JsonValue],
        AfterValidator(_small_customer),
    ] = Field(default_factory=dict, max_length=50)
    # Scan every unit into its parcel at packing, not only those the scale cannot see missing.
    verify_contents: bool = False
    # A carrier of the warehouse description for its labels; unset: the site's default.
    carrier: Code | None = None


class LoginBody(Body):
    badge: Badge
    pin: Pin | None = None
    device: Code = "browser"


class ReasonBody(Body):
    reason: Reason


class ParcelBody(Body):
    parcel_id: Id
    tracking: Code | None = None  # unset: the number on the parcel's label


class ShipBody(Body):
    carrier: Code | None = None  # unset: each labelled parcel's own carrier
    parcels: list[ParcelBody] = Field(default_factory=list, max_length=100)

    @field_validator("parcels")
    @classmethod
    def _each_parcel_once(cls, parcels: list[ParcelBody]) -> list[ParcelBody]:
        seen: set[int] = set()
        for p in parcels:
            if p.parcel_id in seen:
                raise ValueError(f"parcel {p.parcel_id} is listed twice; give each parcel once")
            seen.add(p.parcel_id)
        return parcels


class StockBody(Body):
    bin: Code
    sku: Code
    on_hand: int = Field(ge=0, le=1_000_000_000)
    reason: Annotated[str, _text(200)]


class AckBody(Body):
    seq: int = Field(ge=0, le=SQL_INT_MAX, description="the last seq the consumer has stored")
    stream_id: Annotated[str, _text(64)] = Field(description="the stream the records came from")


class ErrorBody(BaseModel):
    """Every error answer: the field first, then the problem; per field for invalid input."""

    detail: str
    errors: list[dict[str, str]] | None = None


def _error(text: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": text}


# The error answers every route of the API may give, for the OpenAPI description.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _error("the body cannot be read (not UTF-8), or a Content-Length is not a number"),
    401: _error("no key or token, or an unknown one (names the header)"),
    403: _error("the key's client or the person lacks the role (names it)"),
    404: _error("an unknown order"),
    409: _error("the order's state refuses the request, or an intake retry differs"),
    413: _error("the body is over its limit"),
    422: _error("invalid input: the field first, then the problem"),
    429: _error("too many failed logins: wait Retry-After seconds"),
    503: _error("not ready: no warehouse loaded yet, or the database cannot write"),
}
