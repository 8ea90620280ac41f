"""The database's integrity check, run at most once per interval and reported from a cache."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from edge.ports import Reader

log = logging.getLogger(__name__)

# PRAGMA quick_check reads the whole file (~90 ms at 122 MB): an open health route must not
# let anyone run it at will. The first report runs it; later ones start a fresh one in the
# background when the last is older than this, and report the last result meanwhile.
CHECK_EVERY_S = 600.0
NOT_CHECKED = "not checked yet"


class IntegrityCheck:
    """`PRAGMA quick_check` behind a cache: one check at a time, at most one per interval."""

    def __init__(
        self, read: Callable[[], AbstractContextManager[Reader]], every_s: float = CHECK_EVERY_S
    ) -> None:
        self._read = read
        self._every_s = every_s
        self._lock = threading.Lock()
        self._result = NOT_CHECKED
        self._at: float | None = None
        self._running = False

    def report(self) -> dict[str, Any]:
        """The last result and its age in seconds; starts a check when one is due."""
        with self._lock:
            first = self._at is None and not self._running
            due = self._at is not None and time.monotonic() - self._at >= self._every_s
            start = (first or due) and not self._running
            if start:
                self._running = True
        if first:
            self._check()  # once per process, so the first report says something
        with self._lock:
            age = None if self._at is None else round(time.monotonic() - self._at, 1)
            last = {"database": self._result, "database_checked_s_ago": age}
        if start and not first:
            threading.Thread(target=self._check, name="edge-quick-check", daemon=True).start()
        return last

    def _check(self) -> None:
        try:
            with self._read() as tx:
                result = str(tx.value("PRAGMA quick_check"))
        except Exception as exc:  # an unreadable file is a result, not a crash
            log.exception("database quick_check failed")
            result = f"check failed: {exc}"
        with self._lock:
            self._result, self._at, self._running = result, time.monotonic(), False
