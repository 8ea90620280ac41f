"""The light re-sender: a timer beside the writer that asks it to re-send unacknowledged lights."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from edge.messages import LIGHT_MAX_RESENDS, LIGHT_RESEND_AFTER_S, Inbound, Origin, ResendLights

log = logging.getLogger(__name__)


class LightWatch:
    """Every `every_s`, reads (off the writer) whether a light command is overdue and only
    then submits ResendLights: the writer re-publishes and counts; nothing here blocks it,
    and a quiet floor costs no transaction."""

    def __init__(
        self,
        overdue: Callable[[datetime, float, int], bool],
        submit: Callable[[Inbound], None],
        after_s: float = LIGHT_RESEND_AFTER_S,
        max_resends: int = LIGHT_MAX_RESENDS,
        every_s: float | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._overdue = overdue
        self._submit = submit
        self.after_s = after_s
        self.max_resends = max_resends
        self.every_s = every_s if every_s is not None else max(0.1, after_s / 2)
        self._clock = clock
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="edge-lights", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def tick(self) -> bool:
        """One look; True when a re-send was asked for."""
        now = self._clock()
        if not self._overdue(now, self.after_s, self.max_resends):
            return False
        self._submit(ResendLights(Origin("system", now, "lights"), self.after_s, self.max_resends))
        return True

    def _run(self) -> None:
        while not self._stopping.wait(self.every_s):
            try:
                self.tick()
            except Exception:  # a failed look must not end the watch; the next one retries
                log.exception("checking for unacknowledged light commands failed")
