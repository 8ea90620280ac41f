"""One writer: every change runs in a transaction on one thread; effects and acks after commit."""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from edge.core.context import Ctx
from edge.core.dispatch import Core
from edge.messages import DeadLetter, DeviceMessage, Effect, Inbound, LightOn
from edge.metrics import Metrics
from edge.model import DomainError
from edge.store import Database, Tx

log = logging.getLogger(__name__)

EffectSink = Callable[[Sequence[Effect]], None]

# Messages applied in one transaction at most: one fsync serves them all (group commit),
# which is what lets a 2-core box keep up with bursts while every ack stays durable.
MAX_BATCH = 256
# After a failed commit (disk full, I/O error) the writer tries again after this long,
# doubling up to the maximum, until a commit succeeds.
RETRY_FIRST_S = 0.05
RETRY_MAX_S = 2.0
# SQLite's primary result codes that say the storage, not the message, is at fault.
_STORAGE_CODES = frozenset({5, 6, 7, 8, 10, 13, 14, 15})  # BUSY LOCKED NOMEM READONLY
# IOERR FULL CANTOPEN PROTOCOL


class StorageUnavailable(Exception):
    """The database could not commit (disk full, I/O error): nothing was applied; retry."""


def is_storage_error(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(exc, sqlite3.Error) and code is not None and code & 0xFF in _STORAGE_CODES


_RETRY: Any = object()  # the writer's wake-up to try held jobs again


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Job:
    msg: Inbound
    on_committed: Callable[[], None] | None
    # Kept and tried again when a commit fails (a device's message the broker holds for
    # us), rather than failed at once (an HTTP caller, who gets an error to retry).
    keep: bool = False
    future: Future[Any] = field(default_factory=Future)
    # When the writer was handed the message (perf_counter): the start of scan→light.
    arrived: float = field(default_factory=time.perf_counter)


class Runtime:
    """Serialises all writes: lock → transaction → core → commit → effects → acks."""

    def __init__(
        self,
        db: Database,
        core: Core,
        clock: Callable[[], datetime] = utc_now,
        metrics: Metrics | None = None,
    ) -> None:
        self.db = db
        self.core = core
        self.clock = clock
        self.metrics = metrics if metrics is not None else Metrics()
        self.sinks: list[EffectSink] = []
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.batches = 0
        self.applied = 0
        # Message sequence numbers in commit order: `committed` is raised only after COMMIT,
        # `dispatching` names the message whose effects the sinks are handling. A reader that
        # notes `committed` before it reads knows its snapshot is at least that new, which is
        # how a screen fed two ways (an HTTP answer, a pushed view) keeps the newer one.
        self.committed = 0
        self.dispatching = 0
        # Why the last commit failed, until one succeeds (health says "degraded").
        self.storage_error: str | None = None
        self.held = 0  # messages kept for the next attempt after a failed commit

    # --- lifecycle ---

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="edge-writer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def queued(self) -> int:
        """Messages waiting for the writer (read when metrics are scraped)."""
        return self._queue.qsize()

    # --- submitting work ---

    def submit(
        self,
        msg: Inbound,
        on_committed: Callable[[], None] | None = None,
        *,
        keep: bool | None = None,
    ) -> Future[Any]:
        """Queue a message; on_committed runs (on the writer thread) once it is durable.

        A kept message (by default, one with on_committed: a device's, acknowledged after
        commit) survives a failed commit and is tried again until a commit succeeds; any
        other fails at once with StorageUnavailable."""
        job = _Job(msg, on_committed, on_committed is not None if keep is None else keep)
        self._queue.put(job)
        return job.future

    def handle(self, msg: Inbound, timeout: float = 30.0) -> Any:
        """Apply a message and wait: the core's result, or the DomainError that refused it."""
        if self._thread is None:
            # Not started (tests, CLI one-shots): run inline on the caller's thread.
            job = _Job(msg, None)
            self._apply_batch([job])
            return job.future.result()
        return self.submit(msg).result(timeout=timeout)

    # --- the writer ---

    def _run(self) -> None:
        held: list[_Job] = []  # kept after a failed commit, tried again first
        delay = RETRY_FIRST_S
        next_try = 0.0
        while True:
            failing = self.storage_error is not None
            try:
                if failing:
                    first = self._queue.get(timeout=max(0.0, next_try - time.monotonic()))
                else:
                    first = self._queue.get()
            except queue.Empty:
                first = _RETRY
            if first is None:
                return  # held messages stay unacknowledged: the broker redelivers them
            new = [] if first is _RETRY else [first]
            stop = self._take_queued(new, MAX_BATCH - len(held))
            if failing and time.monotonic() < next_try:
                # Not yet time to try again: refuse callers now, keep devices' messages.
                held += self._not_committed(new, None)
            else:
                jobs = held + new
                held = self._apply_batch(jobs) if jobs else []
                if not jobs:
                    self._probe()
                delay = RETRY_FIRST_S if self.storage_error is None else min(delay * 2, RETRY_MAX_S)
                next_try = time.monotonic() + delay
            self.held = len(held)
            if stop:
                return

    def _take_queued(self, jobs: list[_Job], room: int) -> bool:
        """Move what is queued (up to room more) into jobs; True when told to stop."""
        while len(jobs) < max(room, 1):
            try:
                nxt = self._queue.get_nowait()
            except queue.Empty:
                return False
            if nxt is None:
                return True
            jobs.append(nxt)
        return False

    def _probe(self) -> None:
        """Nothing to retry while storage failed: a one-row commit says whether it is back."""
        conn = self.db.writer
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO meta(key, value) VALUES ('storage_probe', ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (self.clock().isoformat(),),
            )
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            self.storage_error = str(exc)
            return
        log.warning("storage is back: commits succeed again")
        self.storage_error = None

    def _apply_batch(self, jobs: list[_Job]) -> list[_Job]:
        """Apply and commit; after a failed commit, the kept jobs to try again."""
        conn = self.db.writer
        tx = Tx(conn)
        outcomes: list[tuple[_Job, list[Effect], Any, BaseException | None]] = []
        try:
            began = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            stage = self.metrics.stage
            for job in jobs:
                start = time.perf_counter()
                stage("queue", began - job.arrived)
                outcomes.append(self._apply_one(tx, job))
                stage("apply", time.perf_counter() - start)
            applied = time.perf_counter()
            conn.execute("COMMIT")
            done = time.perf_counter()
            self.metrics.batch(len(jobs), applied - began, done - applied)
            stage("commit", done - applied)
        except Exception as exc:  # the storage failed (disk full, I/O error): nothing applied
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            return self._not_committed(jobs, exc)
        if self.storage_error is not None:
            log.warning("storage is back: commits succeed again")
            self.storage_error = None
        self.core.committed(tx)
        self.batches += 1
        self.applied += len(jobs)
        base = self.committed
        self.committed = base + len(jobs)
        metrics = self.metrics
        for n, (job, effects, result, error) in enumerate(outcomes, start=1):
            self.dispatching = base + n
            start = time.perf_counter()
            self._dispatch(effects)
            if effects:
                metrics.stage("publish", time.perf_counter() - start)
            try:
                self._count(metrics, job, effects, result, error)
            except Exception:  # a metric must never hold an ack back
                log.exception("counting a message's outcome failed")
            if job.on_committed is not None:
                try:
                    job.on_committed()
                except Exception:
                    log.exception("on_committed callback failed")
            if error is not None:
                job.future.set_exception(error)
            else:
                job.future.set_result(result)
        return []

    @staticmethod
    def _count(
        metrics: Metrics, job: _Job, effects: list[Effect], result: Any, error: BaseException | None
    ) -> None:
        """After a message's effects went out: its outcome, and scan→light for a device's
        event (a scan, a quantity confirmed, a button) that lit the next stop."""
        msg = job.msg
        if error is None:
            metrics.applied(type(msg).__name__, result == "duplicate")
            if isinstance(msg, DeadLetter):
                metrics.dead_letter(msg.code)
            elif isinstance(msg, DeviceMessage) and any(isinstance(e, LightOn) for e in effects):
                metrics.scan_to_light(time.perf_counter() - job.arrived)
        elif isinstance(error, DomainError):
            metrics.refused(error.code)
        else:
            metrics.failed(type(msg).__name__)

    def _not_committed(self, jobs: list[_Job], exc: Exception | None) -> list[_Job]:
        """HTTP callers get StorageUnavailable now; devices' messages are kept (not acked,
        so the broker's in-flight window bounds them) and tried again with the next jobs.
        exc is why the commit failed (None: not tried, the last failure stands)."""
        if exc is not None:
            reason = str(exc) or type(exc).__name__
            if self.storage_error is None:
                log.error("commit failed (%s); device messages are kept and retried", reason)
            elif not is_storage_error(exc):
                log.error("commit failed", exc_info=exc)
            self.storage_error = reason
        reason = self.storage_error or "not available"
        kept = [job for job in jobs if job.keep]
        for job in jobs:
            if not job.keep and not job.future.done():
                job.future.set_exception(StorageUnavailable(f"storage: {reason}; try again"))
        return kept

    def _apply_one(self, tx: Tx, job: _Job) -> tuple[_Job, list[Effect], Any, BaseException | None]:
        conn = self.db.writer
        now = self.clock()
        conn.execute("SAVEPOINT msg")
        try:
            ctx = self.core.handle(tx, job.msg, now)
            conn.execute("RELEASE msg")
            return job, ctx.effects, ctx.result, None
        except DomainError as err:
            conn.execute("ROLLBACK TO msg")
            conn.execute("RELEASE msg")
            return job, self._record(partial(self.core.refused, tx, job.msg, err, now)), None, err
        except Exception as exc:
            if is_storage_error(exc):
                raise  # not this message's fault: the whole batch is tried again
            # A bug, not bad input: keep running, keep the message, tell the device.
            log.exception("internal error applying %s", type(job.msg).__name__)
            conn.execute("ROLLBACK TO msg")
            conn.execute("RELEASE msg")
            return job, self._record(partial(self.core.failed, tx, job.msg, exc, now)), None, exc

    def _record(self, outcome: Callable[[], Ctx]) -> list[Effect]:
        """Record a refusal or a failure in its own savepoint. If that fails too, a storage
        error fails the batch (tried again); anything else is logged and the message keeps
        its first outcome, so no poison message can stall the writer."""
        conn = self.db.writer
        conn.execute("SAVEPOINT outcome")
        try:
            effects = outcome().effects
        except Exception as exc:
            if is_storage_error(exc):
                raise
            conn.execute("ROLLBACK TO outcome")
            conn.execute("RELEASE outcome")
            if not isinstance(exc, DomainError):
                log.exception("could not record a message's refusal or failure")
            return []
        conn.execute("RELEASE outcome")
        return effects

    def _dispatch(self, effects: Sequence[Effect]) -> None:
        if not effects:
            return
        for sink in self.sinks:
            try:
                sink(effects)
            except Exception:
                log.exception("effect sink failed")
