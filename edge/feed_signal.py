"""Wakes the feed's long-polls when the writer has committed a feed record (a runtime sink)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Sequence

from edge.messages import Effect, FeedAppended


class FeedSignal:
    """A runtime sink (called after COMMIT, on the writer thread) and what an async route
    awaits: no thread is held per waiting client and nothing polls the database."""

    def __init__(self) -> None:
        self.newest = 0  # the newest seq committed since start (0: none yet)
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._closed = False

    def __call__(self, effects: Sequence[Effect]) -> None:
        seqs = [e.seq for e in effects if isinstance(e, FeedAppended)]
        if seqs:
            self.notify(max(seqs))

    def notify(self, seq: int) -> None:
        with self._lock:
            self.newest = max(self.newest, seq)
            waiters = list(self._waiters)
        for loop, event in waiters:
            with contextlib.suppress(RuntimeError):  # its loop has closed: nobody waits
                loop.call_soon_threadsafe(event.set)

    def close(self) -> None:
        """The service stops: every wait ends now (its page is answered as it is)."""
        self._closed = True
        self.notify(0)

    async def wait_after(self, after: int, timeout: float) -> bool:
        """Until a record above `after` is committed (True) or timeout seconds pass."""
        event = asyncio.Event()
        waiter = (asyncio.get_running_loop(), event)
        with self._lock:
            if self.newest > after or self._closed:
                return self.newest > after
            self._waiters.add(waiter)
        try:
            async with asyncio.timeout(timeout):
                while self.newest <= after and not self._closed:
                    await event.wait()
                    event.clear()
        except TimeoutError:
            pass
        finally:
            with self._lock:
                self._waiters.discard(waiter)
        return self.newest > after
