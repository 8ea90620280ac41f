"""Shared payload validation for the device codecs: strict pydantic models, one-line reasons."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

# A device payload larger than this is refused before it is parsed (a scan is ~100 bytes).
MAX_PAYLOAD_BYTES = 16 * 1024


class DecodeError(Exception):
    """An inbound device message that cannot be decoded, with whatever could be read of it."""

    def __init__(
        self,
        reason: str,
        device_id: str = "",
        msg_id: str = "",
        kind: str = "",
        *,
        code: str = "malformed",
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.device_id = device_id
        self.msg_id = msg_id
        self.kind = kind
        self.code = code  # "malformed" or "unknown" (of edge.messages.DEVICE_ERROR_CODES)

    def __str__(self) -> str:
        return self.reason


class Payload(BaseModel):
    """Base of every payload model: unknown fields tolerated (forward compatible), types strict.

    Each field's description says what a valid value is; it becomes the error reason.
    """

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)


M = TypeVar("M", bound=Payload)


def _reason(model: type[Payload], exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = err["loc"]
    field = str(loc[0]) if loc else "(payload)"
    if err["type"] == "missing":
        return f"{field}: missing"
    info = model.model_fields.get(field)
    if info is not None and info.description:
        return f"{field}: must be {info.description}"
    return f"{field}: {err['msg']}"


def parse(model: type[M], data: dict[str, Any]) -> M:
    """Validate one payload; a ValueError carries a one-line reason naming the field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValueError(_reason(model, exc)) from None


def dumps(obj: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON, the wire format in both directions."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
