"""One gateway's loop: page, verify, store records and cursor in one commit, then ack."""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from cloud_sync.pull import pg
from cloud_sync.pull.client import BelowFloor, FeedClient, FeedError, Page, StreamChanged
from cloud_sync.pull.config import Gateway, PullConfig
from cloud_sync.pull.verify import verify_page

log = logging.getLogger("cloud_sync.pull")

# Tests only: `after_commit:<p>` exits the process right after a page's commit, before its
# ack, with probability p: the crash the exactly-once guarantee must survive.
FAULT_ENV = "EDGE_CLOUD_PULL_FAULT"


class Refused(Exception):
    """A page held a record that failed verification: it and what follows were not stored."""


@dataclass
class Lag:
    """What the reporter prints for a gateway."""

    stream_id: str | None = None
    cursor: int = 0
    newest: int = 0
    oldest_unstored: str | None = None
    stored: int = 0
    refused: int = 0
    error: str | None = None

    @property
    def behind(self) -> int:
        return max(0, self.newest - self.cursor)

    def age_s(self, now: float) -> float | None:
        """Seconds since the oldest record not yet stored was created; None when caught up."""
        if self.behind == 0 or self.oldest_unstored is None:
            return None
        try:
            created = datetime.fromisoformat(self.oldest_unstored).timestamp()
        except ValueError:
            return None
        return max(0.0, now - created)


def _fault_probability() -> float:
    kind, _, p = os.environ.get(FAULT_ENV, "").partition(":")
    return float(p) if kind == "after_commit" and p else 0.0


class Puller:
    """Pulls one gateway into PostgreSQL; never acknowledges what it has not committed."""

    def __init__(self, gateway: Gateway, cfg: PullConfig) -> None:
        self.gateway = gateway
        self.cfg = cfg
        self.lag = Lag()
        self.client = FeedClient(gateway, timeout_s=cfg.timeout_s, wait_s=cfg.wait_s)
        self._conn: psycopg.Connection[Any] | None = None
        self._stream: str | None = None
        self._after = 0
        self._unacked = False
        self._fault = _fault_probability()
        self._lag_written = 0.0

    # -- the loop ------------------------------------------------------------------------
    def run(self, stop: threading.Event, *, once: bool = False) -> None:
        """Pull until stop is set (or, with once, until caught up); errors back off."""
        failures = 0
        while not stop.is_set():
            try:
                caught_up = self.step(wait=not once)
            except Exception as exc:  # every failure is reported and retried, none is fatal
                failures += 1
                self._failed(exc)
                delay = min(self.cfg.max_backoff_s, 0.5 * 2 ** min(failures, 10))
                stop.wait(delay * random.uniform(0.5, 1.0))
                continue
            if failures:
                log.info("%s: recovered", self.gateway.name)
            failures = 0
            self.lag.error = None
            if once and caught_up:
                break
        self.close()

    def step(self, *, wait: bool = True) -> bool:
        """One page: True when the gateway has nothing newer than what is stored."""
        conn = self._connection()
        if self._unacked:
            self._ack()
        try:
            page = self.client.page(self._stream, self._after, self.cfg.page_limit, wait=wait)
        except StreamChanged as changed:
            self._new_epoch(changed.stream_id)
            return False
        if self._stream is None:
            self._stream = page.stream_id
        elif page.stream_id != self._stream:
            raise FeedError(f"asked for stream {self._stream}, got a page of {page.stream_id}")
        self._note(page)
        checked = verify_page(page.records, self._after)
        if checked.records:
            last = checked.records[-1]["seq"]
            inserted = pg.store_page(conn, self.gateway.name, self._stream, checked.records, last)
            self._after = last
            self._unacked = True
            self.lag.cursor = last
            self.lag.stored += inserted
            if self._fault and random.random() < self._fault:
                os._exit(70)  # the fault injection hook: committed, not acknowledged
            self._ack()
        self.lag.cursor = self._after
        if checked.problem is not None:
            self.lag.refused += 1
            unstored = page.records[len(checked.records)]
            if isinstance(unstored, dict):
                self.lag.oldest_unstored = unstored.get("created_at")
            raise Refused(f"refused: {checked.problem}; nothing from there on is stored or acked")
        if not page.has_more:
            self.lag.oldest_unstored = None
        self._write_lag(conn)
        return not page.has_more and self._after >= page.newest

    # -- parts ---------------------------------------------------------------------------
    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(
                self.cfg.dsn.get_secret_value(), autocommit=True, application_name="edge-cloud-pull"
            )
            # The cursor in PostgreSQL is the truth: resume from it after any failure.
            self._stream, self._after = pg.cursor(self._conn, self.gateway.name)
            self._unacked = self._after > 0
            self.lag.stream_id, self.lag.cursor = self._stream, self._after
        return self._conn

    def _ack(self) -> None:
        assert self._stream is not None
        try:
            self.client.ack(self._stream, self._after)
        except StreamChanged as changed:
            self._new_epoch(changed.stream_id)
            return
        self._unacked = False

    def _new_epoch(self, stream_id: str) -> None:
        log.warning(
            "%s: the gateway's database was replaced or restored: stream %s ends at seq %s,"
            " reading stream %s from the start",
            self.gateway.name,
            self._stream,
            self._after,
            stream_id,
        )
        self._stream, self._after, self._unacked = stream_id, 0, False
        self.lag.stream_id, self.lag.cursor = stream_id, 0

    def _note(self, page: Page) -> None:
        self.lag.stream_id = page.stream_id
        self.lag.newest = page.newest
        if page.records and isinstance(page.records[0], dict):
            self.lag.oldest_unstored = page.records[0].get("created_at")

    def _failed(self, exc: Exception) -> None:
        name = self.gateway.name
        if isinstance(exc, BelowFloor):
            self.lag.error = f"410: {exc}"
            log.error(
                "%s: RECORDS LOST TO RETENTION: %s (cursor %s); not skipping them: move the"
                " cursor in cloud_cursors by hand once the loss is understood",
                name,
                exc,
                self._after,
            )
        elif isinstance(exc, Refused):
            self.lag.error = str(exc)
            log.error("%s: TAMPERED OR BROKEN FEED: %s", name, exc)
        else:
            self.lag.error = f"{type(exc).__name__}: {exc}"
            log.warning("%s: %s; retrying", name, self.lag.error)
        if isinstance(exc, psycopg.Error) and self._conn is not None:
            self._conn.close()  # reconnect and re-read the cursor
        self._try_write_lag()

    def _write_lag(self, conn: psycopg.Connection[Any], *, force: bool = False) -> None:
        now = time.time()
        if not force and now - self._lag_written < self.cfg.report_every_s:
            return
        lag = self.lag
        pg.record_lag(
            conn,
            self.gateway.name,
            lag.stream_id,
            lag.newest,
            lag.cursor,
            lag.oldest_unstored,
            lag.age_s(now),
            lag.error,
        )
        self._lag_written = now

    def _try_write_lag(self) -> None:
        if self._conn is None or self._conn.closed:
            return
        try:
            self._write_lag(self._conn, force=True)
        except psycopg.Error:
            self._conn.close()

    def close(self) -> None:
        self._try_write_lag()
        self.client.close()
        if self._conn is not None:
            self._conn.close()
