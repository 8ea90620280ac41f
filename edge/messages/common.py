"""Who, when and where: the origin of every change, and the base of every device message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# --- who, when, where -------------------------------------------------------------------------


# The codes a device may receive on its err topic (docs/mqtt.md, "Errors"). A refusal whose
# code is not one of these (an HTTP-only code such as "conflict") reaches a device as "refused".
DEVICE_ERROR_CODES: tuple[str, ...] = (
    "malformed",
    "unknown",
    "refused",
    "wrong_bin",
    "wrong_item",
    "weight_hold",
    "label_failed",
    "contents_first",
    "internal",
)


@dataclass(frozen=True)
class Origin:
    """Who caused a change, when, and on which device (every state change carries one)."""

    actor: str  # a badge, an API client name, or "system"
    at: datetime  # UTC, aware
    device: str = ""  # device id, or "http" for a request without a device
    msg_id: str = ""  # the device message that caused it, when one did


@dataclass(frozen=True)
class DeviceMessage:
    """Base of every message a device publishes; (device_id, msg_id) deduplicates redelivery."""

    device_id: str
    msg_id: str
    at: datetime

    def origin(self, actor: str) -> Origin:
        """This message as the origin of a change made by actor (the person on the device)."""
        return Origin(actor, self.at, self.device_id, self.msg_id)
