"""Inbound for the supervisor's exceptions queue: acknowledgements and light commands re-sent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from edge.messages.common import Origin

# The exceptions a supervisor acknowledges to clear them; the others clear when the floor
# acts (a hold released, a device back, a light acknowledged, an order shipped).
AckKind = Literal["dead_letter", "short"]
ACK_KINDS: tuple[AckKind, ...] = ("dead_letter", "short")
# A module answers a light command within milliseconds; one silent this long is sent again,
# up to this many times, then it waits in the supervisor's queue (a module off or broken).
LIGHT_RESEND_AFTER_S = 2.0
LIGHT_MAX_RESENDS = 3


@dataclass(frozen=True)
class AcknowledgeException:
    """A supervisor saw a dead letter or a short pick and says what was done (audited)."""

    origin: Origin
    kind: AckKind
    ref: int  # the dead letter's id, or the short pick's task id
    note: str


@dataclass(frozen=True)
class ResendLights:
    """The timer's tick: light commands without an acknowledgement for `after_s` seconds are
    published again, each at most `max_resends` times; then they wait in the queue."""

    origin: Origin
    after_s: float
    max_resends: int


@dataclass(frozen=True)
class ResendLight:
    """A supervisor sends one unacknowledged light command again (its re-sends start over)."""

    origin: Origin
    device: str
    slot: str
    reason: str
