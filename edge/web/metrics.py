"""GET /metrics: the service's Prometheus metrics, for a key with the metrics role (or admin)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TypeVar

from fastapi import APIRouter, Response
from prometheus_client import generate_latest

from edge.service import Service
from edge.web.deps import MetricsKey, ServiceDep

router = APIRouter(tags=["service"])
T = TypeVar("T")

# The Prometheus text format that generate_latest writes, which every Prometheus reads.
TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8"


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {TEXT_FORMAT: {}}, "description": "Prometheus text"}},
)
def metrics(service: ServiceDep, _scraper: MetricsKey) -> Response:
    """The Prometheus text format (docs/metrics.md says what each metric means)."""
    return Response(generate_latest(service.metrics.registry), media_type=TEXT_FORMAT)


def _per_scrape(scrapes: Callable[[], int], read: Callable[[], T]) -> Callable[[], T]:
    """One read serves every metric of one scrape (devices, described and connected)."""
    last: list[tuple[int, T]] = []

    def cached() -> T:
        scrape = scrapes()
        if not last or last[0][0] != scrape:
            last[:] = [(scrape, read())]
        return last[0][1]

    return cached


def watch(service: Service, sse_clients: Callable[[], Mapping[str, float]]) -> None:
    """Add the readings of values that already exist (the writer's queue, devices' presence,
    the feed, the open streams): read when scraped, nothing added to the hot path."""
    m, runtime, queries = service.metrics, service.runtime, service.queries
    m.live("edge_writer_queue_depth", "Messages waiting for the writer.", lambda: runtime.queued)
    m.live(
        "edge_writer_held",
        "Device messages kept (not acknowledged) after a failed commit, tried again.",
        lambda: runtime.held,
    )
    m.live(
        "edge_writer_storage_ok",
        "1 while commits succeed, 0 after a failed one (health says degraded).",
        lambda: float(runtime.storage_error is None),
    )
    m.live(
        "edge_writer_batches",
        "Transactions committed by the writer.",
        lambda: runtime.batches,
        counter=True,
    )

    def read_presence() -> tuple[Counter[str], Counter[str]]:
        rows = queries.devices()
        described = Counter(str(d["kind"]) for d in rows)
        return described, Counter(str(d["kind"]) for d in rows if d["online"])

    presence = _per_scrape(lambda: m.scrapes, read_presence)

    def devices(online: bool) -> dict[str, float]:
        described, connected = presence()
        return {kind: (connected if online else described)[kind] for kind in described}

    m.live(
        "edge_devices_connected",
        "Devices online (retained status, Last Will, last message), by kind.",
        lambda: devices(True),
        label="kind",
    )
    m.live("edge_devices", "Devices described, by kind.", lambda: devices(False), label="kind")
    m.live(
        "edge_sse_clients",
        "Open live streams: handhelds' and overview screens'.",
        sse_clients,
        label="stream",
    )

    def read_backlog() -> dict[str, float]:
        found = queries.feed_backlog(None)
        oldest = found.get("oldest")
        age = 0.0
        if oldest:
            at = datetime.fromisoformat(str(oldest))
            at = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
            age = max(0.0, (datetime.now(UTC) - at).total_seconds())
        return {"records": float(found.get("unacked") or 0), "oldest_age_seconds": age}

    backlog = _per_scrape(lambda: m.scrapes, read_backlog)

    m.live(
        "edge_feed_backlog_records",
        "Feed records the slowest declared consumer has not acknowledged.",
        lambda: backlog()["records"],
    )
    m.live(
        "edge_feed_oldest_unacked_age_seconds",
        "Age of the oldest feed record not acknowledged (0 when none).",
        lambda: backlog()["oldest_age_seconds"],
    )
