"""Messages from strangers (another site's tree, a device not described): kept, answered."""

from __future__ import annotations

import time
from datetime import datetime

from edge.devices.schema import MAX_PAYLOAD_BYTES
from edge.messages import DeadLetter, DeviceError

# A stranger is dead-lettered once per this many seconds; its messages in between are only
# answered on its err topic, so a flood costs a publish, not a database write, per message.
DEAD_LETTER_EVERY_S = 60.0
_REMEMBERED = 10_000


class Strangers:
    """Judges a message the service will not apply because of who sent it (one thread)."""

    def __init__(self, site: str, every_s: float = DEAD_LETTER_EVERY_S) -> None:
        self._site = site
        self._every_s = every_s
        self._last: dict[tuple[str, str, str], float] = {}

    def judge(
        self,
        topic: str,
        payload: bytes,
        now: datetime,
        site: str,
        device_id: str,
        msg_id: str,
        kind: str,
    ) -> DeadLetter | DeviceError:
        """A dead letter (stored, answered `unknown` on the err topic of the topic it came
        by) at most once per device per interval; in between, only the answer."""
        other_site = site if site != self._site else ""
        if other_site:
            reason = f"site {site!r} is not this service's site {self._site!r}"
        else:
            reason = f"unknown device {device_id!r}: not in the warehouse description"
        if not self._allow((site, kind, device_id)):
            return DeviceError(device_id, kind, msg_id, reason, "unknown", other_site)
        return DeadLetter(
            topic,
            payload[:MAX_PAYLOAD_BYTES],
            reason,
            device_id,
            msg_id,
            now,
            kind=kind,
            code="unknown",
            site=other_site,
        )

    def _allow(self, key: tuple[str, str, str]) -> bool:
        at = time.monotonic()
        last = self._last.get(key)
        if last is not None and at - last < self._every_s:
            return False
        if len(self._last) >= _REMEMBERED:
            self._last.clear()
        self._last[key] = at
        return True
