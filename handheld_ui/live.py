"""Live updates: committed views, station weights and changes fanned out to SSE streams."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request

from edge.messages import Effect, ScannerView, StateChanged, StationWeight

# A stream that has nothing to say still sends a comment this often, so the handheld notices
# a dead connection (and proxies keep a quiet one open).
HEARTBEAT_S = 15.0


def sse(event: str, data: Any) -> bytes:
    """One Server-Sent Event: a name and a JSON body on one data line."""
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


@dataclass(eq=False)  # kept in a set: identity, not field equality
class Subscriber:
    """One open stream. Only the newest of each kind of item matters (each view is the whole
    screen), so a slow client skips stale ones instead of queueing them."""

    loop: asyncio.AbstractEventLoop
    device: str = ""  # a handheld's scanner, or "" for an overview screen
    station: str | None = None  # a pack-station handheld also gets its scale's live weight
    latest: dict[str, Any] = field(default_factory=dict)
    changed: bool = False  # something an overview shows changed
    closed: bool = False
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, kind: str, item: Any) -> None:
        """Called from any thread (the writer, the MQTT thread)."""
        self.loop.call_soon_threadsafe(self._set, kind, item)

    def _set(self, kind: str, item: Any) -> None:
        if kind == "changed":
            self.changed = True
        elif kind == "closed":
            self.closed = True
        else:
            self.latest[kind] = item
        self._wake.set()

    async def wait(self, timeout: float) -> bool:
        """True when something arrived, False after the timeout."""
        try:
            await asyncio.wait_for(self._wake.wait(), timeout)
        except TimeoutError:
            return False
        self._wake.clear()
        return True

    def take(self) -> tuple[dict[str, Any], bool]:
        items, changed = self.latest, self.changed
        self.latest, self.changed = {}, False
        return items, changed


class Hub:
    """The HTTP transport of live screens: per-scanner views, station weights, change pulses.

    version() is the commit sequence number of the message whose effects are being handed
    out (Runtime.dispatching); each pushed view carries it as "v", so a screen that also gets
    views in HTTP answers keeps whichever is newer."""

    def __init__(self, version: Callable[[], int] = lambda: 0) -> None:
        self._lock = threading.Lock()
        self._subs: set[Subscriber] = set()
        self._version = version

    def subscribe(self, sub: Subscriber) -> None:
        with self._lock:
            self._subs.add(sub)

    def unsubscribe(self, sub: Subscriber) -> None:
        with self._lock:
            self._subs.discard(sub)

    def stream_counts(self) -> dict[str, int]:
        """Open streams: handhelds' and overview screens' (read when metrics are scraped)."""
        with self._lock:
            handheld = sum(1 for s in self._subs if s.device)
            return {"handheld": handheld, "overview": len(self._subs) - handheld}

    def streams_of(self, device: str) -> int:
        with self._lock:
            return sum(1 for s in self._subs if s.device == device)

    def _snapshot(self) -> list[Subscriber]:
        with self._lock:
            return list(self._subs)

    def publish_effects(self, effects: Sequence[Effect]) -> None:
        """Runs on the writer thread after the commit (weights: on the MQTT thread): never
        blocks. Each stream gets the newest of each kind of item."""
        views: dict[str, dict[str, Any]] = {}
        weights: dict[str, dict[str, Any]] = {}
        changed = False
        for effect in effects:
            if isinstance(effect, ScannerView):
                views[effect.device_id] = {**effect.view, "v": self._version()}
            elif isinstance(effect, StationWeight):
                weights[effect.station] = {
                    "scale": effect.scale,
                    "grams": effect.grams,
                    "stable": effect.stable,
                }
            elif isinstance(effect, StateChanged):
                changed = True
        if not (views or weights or changed):
            return
        for sub in self._snapshot():
            if sub.device:
                if sub.device in views:
                    sub.offer("view", views[sub.device])
                if sub.station in weights:
                    sub.offer("weight", weights[sub.station])
            elif changed:
                sub.offer("changed", None)

    def close(self) -> None:
        """The service stops: every stream ends so the HTTP server can shut down."""
        for sub in self._snapshot():
            sub.offer("closed", None)


def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


HubDep = Annotated[Hub, Depends(get_hub)]
