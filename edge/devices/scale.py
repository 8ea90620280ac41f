"""Parcel scale codec: stable weights in, settling readings for the live display; no commands."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from pydantic import Field

from edge.devices.schema import Payload, parse
from edge.messages import LiveWeight, WeightMeasured

TYPES: Final = ("weight",)

MAX_GRAMS: Final = 1_000_000


class Weight(Payload):
    grams: int = Field(ge=0, le=MAX_GRAMS, description=f"an integer ≥ 0 (at most {MAX_GRAMS})")
    stable: bool = Field(description="true or false")


def decode(
    device_id: str, msg_id: str, type_: str, data: dict[str, Any], at: datetime
) -> WeightMeasured | LiveWeight:
    """A stable weight, or a reading still settling: shown live, not stored, not an error."""
    if type_ != "weight":
        raise KeyError(type_)
    weight = parse(Weight, data)
    if not weight.stable:
        return LiveWeight(device_id, weight.grams, stable=False)
    return WeightMeasured(device_id, msg_id, at, weight.grams)
