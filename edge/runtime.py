"""One writer: every change runs in a transaction on one thread; effects and acks after commit."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from edge.core.dispatch import Core
from edge.messages import Effect, Inbound
from edge.model import DomainError
from edge.store import Database, Tx

log = logging.getLogger(__name__)

EffectSink = Callable[[Sequence[Effect]], None]

# Messages applied in one transaction at most: one fsync serves them all (group commit),
# which is what lets a 2-core box keep up with bursts while every ack stays durable.
MAX_BATCH = 256


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Job:
    msg: Inbound
    on_committed: Callable[[], None] | None
    future: Future[Any] = field(default_factory=Future)


class Runtime:
    """Serialises all writes: lock → transaction → core → commit → effects → acks."""

    def __init__(
        self,
        db: Database,
        core: Core,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.db = db
        self.core = core
        self.clock = clock
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

    # --- submitting work ---

    def submit(self, msg: Inbound, on_committed: Callable[[], None] | None = None) -> Future[Any]:
        """Queue a message; on_committed runs (on the writer thread) once it is durable."""
        job = _Job(msg, on_committed)
        self._queue.put(job)
        return job.future

    def handle(self, msg: Inbound, timeout: float = 30.0) -> Any:
        """Apply a message and wait: the core's result, or the DomainError that refused it."""
        if self._thread is None:
            # Not started (tests, CLI one-shots): run inline on the caller's thread.
            return self._apply_batch([_Job(msg, None)])[0].future.result()
        return self.submit(msg).result(timeout=timeout)

    # --- the writer ---

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            jobs = [first]
            stop = False
            while len(jobs) < MAX_BATCH:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                jobs.append(nxt)
            self._apply_batch(jobs)
            if stop:
                return

    def _apply_batch(self, jobs: list[_Job]) -> list[_Job]:
        conn = self.db.writer
        tx = Tx(conn)
        outcomes: list[tuple[_Job, list[Effect], Any, BaseException | None]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for job in jobs:
                outcomes.append(self._apply_one(tx, job))
            conn.execute("COMMIT")
        except Exception as exc:  # the commit itself failed (disk full, I/O error)
            log.exception("transaction failed; %d messages not applied", len(jobs))
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            for job in jobs:
                # No ack: the broker redelivers after reconnect, so nothing acknowledged is lost.
                if not job.future.done():
                    job.future.set_exception(exc)
            return jobs
        self.core.committed(tx)
        self.batches += 1
        self.applied += len(jobs)
        base = self.committed
        self.committed = base + len(jobs)
        for n, (job, effects, result, error) in enumerate(outcomes, start=1):
            self.dispatching = base + n
            self._dispatch(effects)
            if job.on_committed is not None:
                try:
                    job.on_committed()
                except Exception:
                    log.exception("on_committed callback failed")
            if error is not None:
                job.future.set_exception(error)
            else:
                job.future.set_result(result)
        return jobs

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
            try:
                return job, self.core.refused(tx, job.msg, err, now).effects, None, err
            except DomainError:
                return job, [], None, err
        except Exception as exc:
            # A bug, not bad input: keep running, keep the message, tell the device.
            log.exception("internal error applying %s", type(job.msg).__name__)
            conn.execute("ROLLBACK TO msg")
            conn.execute("RELEASE msg")
            try:
                return job, self.core.failed(tx, job.msg, exc, now).effects, None, exc
            except DomainError:
                return job, [], None, exc

    def _dispatch(self, effects: Sequence[Effect]) -> None:
        if not effects:
            return
        for sink in self.sinks:
            try:
                sink(effects)
            except Exception:
                log.exception("effect sink failed")
