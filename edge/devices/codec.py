"""Pure device codec: (topic, payload) -> message and effect -> (topic, payload) for all kinds."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from edge.devices import scale, scanner, shelf
from edge.devices.schema import MAX_PAYLOAD_BYTES, DecodeError, dumps
from edge.devices.topics import (
    cmd_topic,
    err_topic,
    is_service_topic,
    parse_topic,
)
from edge.messages import (
    CloseRequested,
    DeviceError,
    Effect,
    LightAck,
    LightButton,
    LightOff,
    LightOn,
    LiveWeight,
    LogoutRequested,
    ModeRequested,
    NextRequested,
    PinEntered,
    PresenceChanged,
    QuantityConfirmed,
    ScannerView,
    ScanRead,
    SkipRequested,
    StateChanged,
    WeightMeasured,
)

__all__ = ["MAX_PAYLOAD_BYTES", "DecodeError", "DeviceEvent", "decode", "encode", "encode_error"]

# Every message a device can send (the subclasses of DeviceMessage), as one closed union.
DeviceEvent = (
    ScanRead
    | QuantityConfirmed
    | SkipRequested
    | NextRequested
    | LogoutRequested
    | PinEntered
    | ModeRequested
    | CloseRequested
    | LightButton
    | LightAck
    | WeightMeasured
)

_Decoder = Callable[[str, str, str, dict[str, Any], datetime], DeviceEvent | LiveWeight]

_DECODERS: Final[dict[str, tuple[tuple[str, ...], _Decoder]]] = {
    "scanner": (scanner.TYPES, scanner.decode),
    "scale": (scale.TYPES, scale.decode),
    "shelf": (shelf.TYPES, shelf.decode),
}

# Printable ASCII without spaces: uuid hex, ULIDs and counters fit, and the id survives logs,
# CSV exports and the err reply unchanged.
_MSG_ID = re.compile(r"[\x21-\x7e]{1,64}")
_MSG_ID_RULE = "a string of 1 to 64 printable ASCII characters without spaces"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _load_object(payload: bytes, device_id: str, kind: str) -> dict[str, Any]:
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise DecodeError(
            f"payload is {len(payload)} bytes, more than the {MAX_PAYLOAD_BYTES} allowed",
            device_id,
            kind=kind,
        )
    try:
        data = json.loads(payload.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise DecodeError("payload is not UTF-8 text", device_id, kind=kind) from None
    except json.JSONDecodeError as exc:
        reason = f"payload is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        raise DecodeError(reason, device_id, kind=kind) from None
    except (ValueError, RecursionError) as exc:
        raise DecodeError(f"payload is not JSON: {exc}", device_id, kind=kind) from None
    if not isinstance(data, dict):
        raise DecodeError("payload is not a JSON object", device_id, kind=kind)
    return data


def _presence(device_id: str, kind: str, payload: bytes, now: datetime) -> PresenceChanged | None:
    if not payload:
        return None  # a cleared retained status: nothing to say
    data = _load_object(payload, device_id, kind)
    try:
        online = data["online"]
    except KeyError:
        raise DecodeError("online: missing", device_id, kind=kind) from None
    if not isinstance(online, bool):
        raise DecodeError("online: must be true or false", device_id, kind=kind)
    return PresenceChanged(device_id, kind, online, now)


def _check_ts(data: dict[str, Any], device_id: str, msg_id: str, kind: str) -> None:
    # Informational only (the gateway's receipt time is authoritative), but a device that
    # sends it must send it right, so clock problems show up early.
    ts = data.get("ts")
    if ts is None:
        return
    try:
        ok = isinstance(ts, str) and datetime.fromisoformat(ts) is not None
    except ValueError:
        ok = False
    if not ok:
        raise DecodeError("ts: must be an ISO 8601 timestamp string", device_id, msg_id, kind)


def decode(
    root: str, site: str, topic: str, payload: bytes, now: datetime
) -> DeviceEvent | PresenceChanged | LiveWeight | None:
    """Decode one inbound message; None means ignore (and acknowledge) it, a LiveWeight is
    for the pack station's screen only (acknowledged, never stored).

    DecodeError carries a one-line reason and the device id, msg_id and kind when they
    could be read, so the refusal can be stored and replied to the device.
    """
    if is_service_topic(root, site, topic):
        return None  # the service's own presence, echoed by the status subscription
    parts = parse_topic(root, site, topic)
    device_id, kind = parts.device_id, parts.kind
    if parts.channel == "status":
        return _presence(device_id, kind, payload, now)
    if parts.channel != "evt":
        raise DecodeError(
            f"channel {parts.channel!r} is for the service to publish, not devices",
            device_id,
            kind=kind,
        )
    data = _load_object(payload, device_id, kind)
    msg_id = data.get("msg_id")
    if msg_id is None:
        raise DecodeError("msg_id: missing", device_id, kind=kind)
    if not isinstance(msg_id, str) or not _MSG_ID.fullmatch(msg_id):
        raise DecodeError(f"msg_id: must be {_MSG_ID_RULE}", device_id, kind=kind)
    type_ = data.get("type")
    if type_ is None:
        raise DecodeError("type: missing", device_id, msg_id, kind)
    if not isinstance(type_, str):
        raise DecodeError("type: must be a string", device_id, msg_id, kind)
    types, decoder = _DECODERS[kind]
    if type_ not in types:
        raise DecodeError(
            f"type: unknown type {type_!r} for a {kind} (one of {', '.join(types)})",
            device_id,
            msg_id,
            kind,
            code="unknown",
        )
    _check_ts(data, device_id, msg_id, kind)
    try:
        return decoder(device_id, msg_id, type_, data, now)
    except ValueError as exc:
        raise DecodeError(str(exc), device_id, msg_id, kind) from None


def encode_error(effect: DeviceError) -> bytes:
    """The err payload a device receives when its message was refused or dead-lettered."""
    return dumps(
        {
            "type": "error",
            "ref_msg_id": effect.ref_msg_id,
            "code": effect.code,
            "reason": effect.reason,
        }
    )


def encode(
    root: str, site: str, effect: Effect, kind_of: Callable[[str], str]
) -> tuple[str, bytes] | None:
    """The topic and payload that carry an effect to a device; None if it is not for MQTT.

    ValueError for a device id that cannot be a topic level.
    """
    if isinstance(effect, (LightOn, LightOff)):
        return cmd_topic(root, site, "shelf", effect.device_id), shelf.encode(effect)
    if isinstance(effect, ScannerView):
        return cmd_topic(root, site, "scanner", effect.device_id), scanner.encode(effect)
    if isinstance(effect, DeviceError):
        kind = effect.kind or kind_of(effect.device_id)
        return err_topic(root, site, kind, effect.device_id), encode_error(effect)
    if isinstance(effect, StateChanged):
        return None  # for live views over HTTP, not for devices
    return None
