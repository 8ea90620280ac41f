"""Pick-to-light controller codec: button presses and command acks in, light on/off out."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Literal

from pydantic import Field

from edge.devices.schema import Payload, dumps, parse
from edge.messages import LightAck, LightButton, LightOff, LightOn

TYPES: Final = ("button", "ack")

MAX_QTY: Final = 1_000_000


class Button(Payload):
    slot: str = Field(min_length=1, max_length=64, description="a bin label of 1 to 64 characters")
    qty: int = Field(ge=0, le=MAX_QTY, description=f"an integer ≥ 0 (at most {MAX_QTY})")
    action: Literal["confirm"] = Field("confirm", description='"confirm"')


class Ack(Payload):
    cmd_id: str = Field(min_length=1, max_length=64, description="a string of 1 to 64 characters")


def decode(
    device_id: str, msg_id: str, type_: str, data: dict[str, Any], at: datetime
) -> LightButton | LightAck:
    """One controller event; ValueError names the bad field, KeyError an unknown type."""
    if type_ == "button":
        button = parse(Button, data)
        return LightButton(device_id, msg_id, at, button.slot, button.qty, button.action)
    if type_ == "ack":
        return LightAck(device_id, msg_id, at, parse(Ack, data).cmd_id)
    raise KeyError(type_)


def encode(effect: LightOn | LightOff) -> bytes:
    if isinstance(effect, LightOn):
        return dumps(
            {
                "type": "light",
                "cmd_id": effect.cmd_id,
                "slot": effect.slot,
                "qty": effect.qty,
                "color": effect.color,
            }
        )
    return dumps({"type": "off", "cmd_id": effect.cmd_id, "slot": effect.slot})
