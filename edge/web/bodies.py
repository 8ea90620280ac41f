"""Request bodies of the versioned API: strict, unknown fields refused, limits named."""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrderLineBody(Body):
    sku: str = Field(min_length=1)
    qty: int = Field(ge=1, le=100_000)


class OrderBody(Body):
    shop_order_id: str = Field(min_length=1, max_length=64)
    lines: list[OrderLineBody] = Field(min_length=1, max_length=500)
    paid_at: AwareDatetime
    cutoff_at: AwareDatetime | None = None
    customer: dict[str, Any] = Field(default_factory=dict)


class LoginBody(Body):
    badge: str = Field(min_length=1, max_length=32)
    pin: str | None = Field(None, max_length=32)
    device: str = Field("browser", max_length=64)


class ReasonBody(Body):
    reason: str = Field(min_length=1, max_length=500)


class ParcelBody(Body):
    parcel_id: int
    tracking: str = Field(min_length=1, max_length=64)


class ShipBody(Body):
    carrier: str = Field(min_length=1, max_length=64)
    parcels: list[ParcelBody] = Field(min_length=1)


class StockBody(Body):
    bin: str
    sku: str
    on_hand: int = Field(ge=0)
    reason: str = Field(min_length=1, max_length=200)


class AckBody(Body):
    seq: int = Field(ge=0, description="the last seq the consumer has durably stored")
    consumer: str = Field("cloud", min_length=1, max_length=64)
