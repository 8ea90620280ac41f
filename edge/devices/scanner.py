"""Scanner codec: scan, confirm, skip, next, logout, pin, mode and close events in; views out."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from pydantic import Field

from edge.devices.schema import Payload, dumps, parse
from edge.messages import (
    CloseRequested,
    LogoutRequested,
    ModeRequested,
    NextRequested,
    PinEntered,
    QuantityConfirmed,
    ScannerView,
    ScanRead,
    SkipRequested,
    WorkMode,
)

TYPES: Final = ("scan", "confirm", "skip", "next", "logout", "pin", "mode", "close")

ScannerEvent = (
    ScanRead
    | QuantityConfirmed
    | SkipRequested
    | NextRequested
    | LogoutRequested
    | PinEntered
    | ModeRequested
    | CloseRequested
)

MAX_QTY: Final = 1_000_000


class Scan(Payload):
    # GS1 element strings may carry the GS separator (FNC1), so control characters are kept.
    code: str = Field(min_length=1, max_length=1024, description="a string of 1 to 1024 characters")


class Confirm(Payload):
    qty: int = Field(ge=0, le=MAX_QTY, description=f"an integer ≥ 0 (at most {MAX_QTY})")
    reason: str = Field("", max_length=200, description="a string of at most 200 characters")


class Pin(Payload):
    # After a badge scan the view asks for the holder's PIN (expect "pin"). Never echoed.
    pin: str = Field(min_length=1, max_length=32, description="a string of 1 to 32 characters")


class Mode(Payload):
    mode: WorkMode = Field(description="one of pick, receive, putaway, replenish, count, return")


def decode(
    device_id: str, msg_id: str, type_: str, data: dict[str, Any], at: datetime
) -> ScannerEvent:
    """One scanner event; ValueError names the bad field, KeyError an unknown type."""
    if type_ == "scan":
        return ScanRead(device_id, msg_id, at, parse(Scan, data).code)
    if type_ == "confirm":
        confirm = parse(Confirm, data)
        return QuantityConfirmed(device_id, msg_id, at, confirm.qty, confirm.reason)
    if type_ == "skip":
        return SkipRequested(device_id, msg_id, at)
    if type_ == "next":
        return NextRequested(device_id, msg_id, at)
    if type_ == "logout":
        return LogoutRequested(device_id, msg_id, at)
    if type_ == "pin":
        return PinEntered(device_id, msg_id, at, parse(Pin, data).pin)
    if type_ == "mode":
        return ModeRequested(device_id, msg_id, at, parse(Mode, data).mode)
    if type_ == "close":
        return CloseRequested(device_id, msg_id, at)
    raise KeyError(type_)


def encode(effect: ScannerView) -> bytes:
    """The whole view, so a device that missed one needs no replay: the latest one wins."""
    body = {k: v for k, v in effect.view.items() if k != "type"}
    return dumps({"type": "view", **body})
