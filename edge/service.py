"""The running service's parts in one object, built once by `edge.app.build`."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from edge.catalog import Catalog, Catalogs
from edge.core.dispatch import Core
from edge.effects import EffectRouter
from edge.messages import Inbound
from edge.metrics import Metrics
from edge.model import DomainError
from edge.planner import TripPlanner
from edge.printing import LabelPrinters
from edge.queries import Queries
from edge.runtime import Runtime
from edge.staff import StaffSessions
from edge.store import Database, Tx


@dataclass(frozen=True)
class ApiClient:
    """A named machine client (the shop, the carrier desk, the cloud): its roles and the keys
    it may present (several while one is rotated). The name is the actor in the audit."""

    name: str
    roles: frozenset[str]
    keys: tuple[str, ...] = field(repr=False)

    def may(self, role: str) -> bool:
        return role in self.roles or "admin" in self.roles


@dataclass(frozen=True)
class BodyLimits:
    """The largest request body, in bytes: anonymous callers get the least (a login), a
    warehouse description the most (15,000 bins are several MB)."""

    anonymous: int = 16 * 1024
    caller: int = 1024 * 1024
    warehouse: int = 64 * 1024 * 1024


@dataclass
class Service:
    """What every adapter needs: the writer to change things, the queries to read them."""

    db: Database
    catalogs: Catalogs
    core: Core
    runtime: Runtime
    planner: TripPlanner
    effects: EffectRouter
    queries: Queries
    api_clients: tuple[ApiClient, ...]
    sessions: StaffSessions = field(default_factory=StaffSessions)
    body_limits: BodyLimits = field(default_factory=BodyLimits)
    mqtt_connected: Callable[[], bool] | None = None
    # [cloud.nats]: the publisher's last confirmed seq and its error, for /health.
    nats_status: Callable[[], dict[str, Any]] | None = None
    # GET /metrics: the runtime's registry, with live readings wired in edge.app.
    metrics: Metrics = field(default_factory=Metrics)
    # The label printers' sender (an effect sink): started with the service.
    printers: LabelPrinters | None = None

    def handle(self, msg: Inbound) -> Any:
        """Apply a message through the one writer: its result, or the DomainError."""
        return self.runtime.handle(msg)

    def submit(self, msg: Inbound) -> None:
        """Apply without waiting for the answer (presence from a page's stream); a refusal
        is the core's to record, not the caller's to handle."""
        if self.runtime.running:
            self.runtime.submit(msg)
            return
        with contextlib.suppress(DomainError):  # not started (tests, one-shots): inline
            self.runtime.handle(msg)

    def catalog(self) -> Catalog:
        return self.queries.catalog()

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A raw read snapshot, for tests and tools; adapters read through `queries`."""
        with self.db.read() as tx:
            yield tx
