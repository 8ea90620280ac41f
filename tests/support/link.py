"""The service's MQTT link against a private broker, with a stand-in for the runtime."""

from __future__ import annotations

import queue
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from pydantic import SecretStr

from edge.acks import MAX_UNACKED
from edge.config import MqttConfig
from edge.messages import (
    Inbound,
)
from edge.mqtt import MqttLink
from tests.support.broker import Mosquitto

FIXED_NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
WAIT_S = 10.0


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class FakeRuntime:
    """Stands in for the runtime: a writer thread that records each message and, when
    commit is on, calls on_committed (the real one does after its transaction committed)."""

    def __init__(self, commit: bool = True) -> None:
        self.commit = commit
        self.messages: list[Inbound] = []
        self.uncommitted: list[Callable[[], None]] = []
        self._cond = threading.Condition()
        self._queue: queue.Queue[tuple[Inbound, Callable[[], None]] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def submit(self, msg: Inbound, on_committed: Callable[[], None]) -> None:
        self._queue.put((msg, on_committed))

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            msg, on_committed = item
            with self._cond:
                self.messages.append(msg)
                if self.commit:
                    on_committed()
                else:
                    self.uncommitted.append(on_committed)
                self._cond.notify_all()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)

    def wait_for(self, pred: Callable[[Inbound], bool], timeout: float = WAIT_S) -> Inbound:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for msg in self.messages:
                    if pred(msg):
                        return msg
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no matching message; got {self.messages!r}")
                self._cond.wait(left)

    def of_device(self, device_id: str) -> list[Inbound]:
        with self._cond:
            return [m for m in self.messages if getattr(m, "device_id", None) == device_id]


class LinkFactory:
    def __init__(self, broker: Mosquitto) -> None:
        self.broker = broker
        self.links: list[MqttLink] = []
        self.kinds: dict[str, str] = {}

    def make(
        self,
        site: str,
        runtime: FakeRuntime,
        client_id: str | None = None,
        max_unacked: int = MAX_UNACKED,
    ) -> MqttLink:
        # The broker forces the client id to the username: each link gets a service user
        # (and so a broker session) of its own, apart from the shared `edge-service`.
        user = client_id or unique("edge-service")
        cfg = MqttConfig(
            host=self.broker.host,
            port=self.broker.port,
            username=user,
            password=SecretStr(self.broker.add_service_user(user)),
            keepalive_s=5,
            topic_root="wh",
        )
        link = MqttLink(
            cfg,
            site,
            runtime.submit,
            lambda d: self.kinds.get(d, "scanner"),
            _clock,
            max_unacked=max_unacked,
        )
        self.links.append(link)
        link.start()
        assert link.wait_connected(WAIT_S), f"link did not connect:\n{self.broker.log_tail()}"
        return link


def _clock() -> datetime:
    return FIXED_NOW
