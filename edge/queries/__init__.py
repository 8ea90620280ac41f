"""The read side: every route, page, stream and the feed reads through `Queries`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from edge.catalog import Catalog, Catalogs
from edge.core.context import CoreConfig
from edge.feed_mark import FeedMark
from edge.feed_signal import FeedSignal
from edge.forecast import OPEN_STATUSES, cutoff_forecast, missed_cutoff, pickup_summary
from edge.model import Status
from edge.ports import Reader
from edge.queries import exceptions as exceptions_queue
from edge.queries import (
    feed,
    floor,
    labels,
    orders,
    overview,
    returns,
    shift,
    stockflow,
    supervision,
)
from edge.queries.health import NOT_CHECKED, IntegrityCheck

# Orders the forecast reads at most (a floor's day is a few thousand; beyond, the counts stop).
FORECAST_LIMIT = 5000

ReadFn = Callable[[], AbstractContextManager[Reader]]


class Queries:
    """Read models over consistent snapshots (WAL readers beside the one writer).

    `version` is the writer's commit counter: a view read after noting it is at least that
    new, which lets a screen fed both by answers and by pushes keep the newer one.
    """

    def __init__(
        self,
        read: ReadFn,
        catalogs: Catalogs,
        cfg: CoreConfig,
        version: Callable[[], int] = lambda: 0,
        feed_mark: FeedMark | None = None,
        feed_signal: FeedSignal | None = None,
    ) -> None:
        self._read = read
        self.catalogs = catalogs
        self.cfg = cfg
        self._version = version
        self._forecast_lock = threading.Lock()
        self._forecast: tuple[float, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = (
            float("-inf"),
            ([], []),
        )
        self._integrity = IntegrityCheck(read)
        # What the feed has let out: raised (fsynced) before a page with newer records goes.
        self.feed_mark = feed_mark or FeedMark(None)
        # Raised by the writer's sink after a feed record commits: what long-polls await.
        self.feed_signal = feed_signal or FeedSignal()

    @contextmanager
    def snapshot(self) -> Iterator[tuple[Reader, Catalog]]:
        """One read snapshot and the warehouse its data belongs to."""
        with self._read() as tx:
            yield tx, self.catalogs.require(tx)

    def catalog(self) -> Catalog:
        with self.snapshot() as (_, cat):
            return cat

    # --- orders and stock ---

    def order(self, order_id: int) -> dict[str, Any]:
        with self._read() as tx:
            return orders.order_detail(tx, order_id)

    def label(self, parcel_id: int, fmt: labels.LabelFormat) -> str:
        """A parcel's shipping label as SVG (the screen's preview) or ZPL (as printed)."""
        with self.snapshot() as (tx, cat):
            return labels.label(tx, cat, parcel_id, fmt)

    def order_status(self, order_id: int) -> str | None:
        with self._read() as tx:
            return orders.order_status(tx, order_id)

    def orders(self, status: Status | None, limit: int) -> dict[str, Any]:
        with self._read() as tx:
            return {
                "counts": {k: v for k, v in orders.status_counts(tx).items() if v},
                "orders": orders.order_list(tx, status, limit),
            }

    def stock(self, sku: str | None, bin_label: str | None, limit: int) -> list[dict[str, Any]]:
        with self._read() as tx:
            return orders.stock_rows(tx, sku, bin_label, limit)

    def low_stock(self, below: int, limit: int) -> list[dict[str, Any]]:
        with self._read() as tx:
            return orders.low_stock(tx, below, limit)

    def ready_to_ship(self, limit: int) -> dict[int, list[int]]:
        with self._read() as tx:
            return orders.ready_to_ship(tx, limit)

    def at_risk(self, now: datetime, max_age_s: float = 0.0) -> list[dict[str, Any]]:
        """Every open order, due first: will it be ready to ship by its cut-off and its
        carrier pick-up? Routing takes a while, so a result up to max_age_s old is reused."""
        return self._outlook(now, max_age_s)[0]

    def _outlook(
        self, now: datetime, max_age_s: float
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The forecast, and the orders not yet gone it was made from."""
        with self._forecast_lock:
            at, value = self._forecast
            if time.monotonic() - at <= max_age_s:
                return value
            with self.snapshot() as (tx, cat):
                due, bins_of = orders.open_work(tx, FORECAST_LIMIT)
                pickers = tx.value("SELECT count(*) FROM sessions WHERE role = 'picker'") or 0
                packers = tx.value("SELECT count(*) FROM sessions WHERE role = 'packer'") or 0
            found = cutoff_forecast(
                cat,
                [r for r in due if r["status"] in OPEN_STATUSES],
                bins_of,
                now,
                pickers,
                self.cfg.walking_speed_dm_s,
                self.cfg.seconds_per_pick,
                self.cfg.totes_per_cart,
                packers,
            )
            value = ([asdict(f) for f in found], due)
            self._forecast = (time.monotonic(), value)
            return value

    # --- stock coming in and kept right ---

    def deliveries(self, status: str | None, limit: int) -> list[dict[str, Any]]:
        with self._read() as tx:
            return stockflow.delivery_list(tx, status, limit)

    def delivery(self, delivery_id: str) -> dict[str, Any]:
        with self.snapshot() as (tx, cat):
            return stockflow.delivery_detail(tx, cat, delivery_id)

    def returns(self, state: str | None, search: str | None, limit: int) -> list[dict[str, Any]]:
        with self._read() as tx:
            return returns.return_list(tx, state, search, limit)

    def return_detail(self, rma_id: str) -> dict[str, Any]:
        with self.snapshot() as (tx, cat):
            return returns.return_detail(tx, cat, rma_id)

    def putaway_tasks(self, status: str | None, limit: int) -> list[dict[str, Any]]:
        with self.snapshot() as (tx, cat):
            return stockflow.putaway_tasks(tx, cat, status, limit)

    def replen_tasks(self, status: str | None, limit: int) -> list[dict[str, Any]]:
        with self.snapshot() as (tx, cat):
            return stockflow.replen_tasks(tx, cat, status, limit)

    def counts(self, status: str | None, limit: int, with_expected: bool) -> list[dict[str, Any]]:
        with self.snapshot() as (tx, cat):
            return stockflow.count_list(tx, cat, status, limit, with_expected)

    def count(self, count_id: int, with_expected: bool) -> dict[str, Any]:
        with self.snapshot() as (tx, cat):
            return stockflow.count_detail(tx, cat, count_id, with_expected)

    # --- the floor ---

    def devices(self) -> list[dict[str, Any]]:
        with self.snapshot() as (tx, cat):
            return floor.devices(tx, cat)

    def dead_letters(self, limit: int) -> list[dict[str, Any]]:
        with self._read() as tx:
            return floor.dead_letters(tx, limit)

    def overview(self, now: datetime, viewer: str | None, forecast_age_s: float) -> dict[str, Any]:
        forecast, due = self._outlook(now, forecast_age_s)
        with self.snapshot() as (tx, cat):
            outlook = {
                "late": [f for f in forecast if not f["makes_cutoff"]],
                "missed": missed_cutoff(due, now),
                "pickups": pickup_summary(due, forecast, now, cat),
            }
            return overview.overview(tx, cat, now, outlook, viewer, self.cfg.feed_consumers)

    def shift(self, now: datetime, hours: int) -> dict[str, Any]:
        """The shift in numbers over the last `hours` hours (see queries.shift)."""
        with self.snapshot() as (tx, cat):
            return shift.shift_numbers(tx, cat, now, hours)

    def supervision(self) -> dict[str, Any]:
        """The supervisor's controls: open pick lists, free pickers, roles, the audit trail."""
        with self.snapshot() as (tx, cat):
            return supervision.controls(tx, cat)

    def exceptions(
        self,
        now: datetime,
        q: str | None = None,
        kind: str | None = None,
        limit: int = 50,
        offset: int = 0,
        forecast_age_s: float = 0.0,
    ) -> dict[str, Any]:
        """The supervisor's exceptions queue, one page (see queries.exceptions)."""
        forecast, _ = self._outlook(now, forecast_age_s)
        with self.snapshot() as (tx, cat):
            return exceptions_queue.queue(tx, cat, now, forecast, q, kind, limit, offset)

    def lights_overdue(self, now: datetime, after_s: float, max_resends: int) -> bool:
        """A light command waits for its module's ack longer than after_s, re-sends left."""
        before = (now - timedelta(seconds=after_s)).isoformat(timespec="milliseconds")
        with self._read() as tx:
            return bool(
                tx.value(
                    "SELECT 1 FROM lights WHERE acked_at IS NULL AND sent_at <= ?"
                    " AND resends < ? LIMIT 1",
                    (before, max_resends),
                )
            )

    def scanner_view(self, device: str) -> dict[str, Any]:
        """A scanner's screen now, with the commit number it is at least as new as ("v")."""
        version = self._version()  # noted before the read: a lower bound
        with self.snapshot() as (tx, cat):
            return {**floor.scanner_view(tx, cat, device), "v": version}

    def badge_on(self, device: str) -> str | None:
        with self._read() as tx:
            return floor.badge_on(tx, device)

    def first_outcome(self, device: str, msg_id: str) -> str:
        with self._read() as tx:
            return floor.first_outcome(tx, device, msg_id)

    def trip_map(self, device: str) -> tuple[Catalog, str | None, list[str], list[str]]:
        with self.snapshot() as (tx, cat):
            return (cat, *floor.trip_map(tx, device))

    def parcels_on_scales(self) -> list[dict[str, Any]]:
        with self._read() as tx:
            return floor.parcels_on_scales(tx)

    # --- the cloud feed and the store ---

    def feed_page(
        self,
        after: int,
        limit: int,
        consumer: str | None,
        stream: str | None,
        out: Callable[[bytes], None],
    ) -> feed.Page:
        """A page of the feed, its JSON written to out (consumer None: an admin's read); the
        high-water mark covers its records before it is answered."""
        with self._read() as tx:
            found = feed.page(tx, after, limit, consumer, stream, self.cfg.feed_consumers, out)
        if found.count:
            self.feed_mark.let_out(found.stream_id, found.next)
        return found

    def feed_stream(self, stream: str | None = None) -> str:
        """The current stream id (a request naming another is refused, 409)."""
        with self._read() as tx:
            return feed.check_stream(tx, stream)

    def feed_backlog(self, consumer: str | None) -> dict[str, Any]:
        with self._read() as tx:
            return feed.backlog(tx, consumer, self.cfg.feed_consumers)

    def database_health(self) -> dict[str, Any]:
        """The cached integrity check (see queries.health) and the number of orders."""
        integrity = self._integrity.report()
        with self._read() as tx:
            count = tx.value("SELECT count(*) FROM orders")
        ok = integrity["database"] in ("ok", NOT_CHECKED)
        return {"ok": ok, **integrity, "orders": count}
