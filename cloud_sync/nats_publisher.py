"""Every committed feed record to the site's JetStream stream, in seq order, exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from edge.config import Settings
from edge.feed_mark import write_durably
from edge.messages import Effect, FeedAppended
from edge.ports import Reader
from edge.service import Service

log = logging.getLogger(__name__)

# Records read and published per round; the mark is written after each round's last PubAck.
BATCH = 256
# The stream's duplicate window: a re-publish within it is recognised by Nats-Msg-Id.
DUPLICATE_WINDOW_S = 300.0
# Without a commit to wake it, the publisher looks at the feed this often anyway.
IDLE_POLL_S = 1.0
RETRY_MAX_S = 5.0


@dataclass(frozen=True)
class Target:
    """Where the records go: the leaf node, the site's stream and subject, and who we are."""

    url: str
    stream: str
    subject: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)  # never in a log line
    credentials_file: str | None = None


def msg_id(stream_id: str, seq: int) -> str:
    """The Nats-Msg-Id of a record: the same record always gets the same id."""
    return f"{stream_id}:{seq}"


def payload(stream_id: str, site: str, row: dict[str, Any]) -> bytes:
    """The message body: the feed record as a page serves it, with its stream and site."""
    record = row["record"]
    body = {
        "stream_id": stream_id,
        "site": site,
        "seq": row["seq"],
        "prev_seq": row.get("prev_seq"),
        "hash": row.get("hash"),
        "order_id": row.get("order_id"),
        "shop_order_id": row.get("shop_order_id"),
        "created_at": row.get("created_at"),
        "record": json.loads(record) if isinstance(record, str) else record,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


class Mark:
    """The last seq the stream confirmed (PubAck), in a small file beside the database:
    written atomically and fsynced, so a crash leaves the old mark or the new one."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> tuple[str | None, int]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return str(data["stream_id"]), int(data["seq"])
        except FileNotFoundError:
            return None, 0
        except (ValueError, KeyError, TypeError):
            log.warning("%s is unreadable: publishing from the start of the stream", self.path)
            return None, 0

    def save(self, stream_id: str, seq: int) -> None:
        write_durably(self.path, {"stream_id": stream_id, "seq": seq})


ReadFeed = Callable[[], AbstractContextManager[Reader]]


class NatsPublisher:
    """Publishes the feed on a thread of its own (an asyncio loop), woken after each commit;
    the writer never waits for it. After a crash or a lost connection it starts again from
    the last confirmed seq, and the stream's duplicate window drops what was already in it."""

    def __init__(
        self,
        target: Target,
        site: str,
        read: ReadFeed,
        mark_path: Path,
        let_out: Callable[[str, int], None] | None = None,
    ) -> None:
        self.target = target
        self.site = site
        self.read = read
        self.mark = Mark(mark_path)
        self.let_out = let_out
        self.published = 0  # messages confirmed by the stream since start (duplicates too)
        self.confirmed: tuple[str | None, int] = self.mark.load()
        self.error: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._nc: Client | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    # --- lifecycle (any thread) ---

    def start(self) -> None:
        self._thread = threading.Thread(target=self._main, name="edge-nats", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=10)

    def stop(self) -> None:
        self._stopping = True
        loop, task = self._loop, self._task
        if loop is not None and task is not None:
            with contextlib.suppress(RuntimeError):  # the loop has just closed
                loop.call_soon_threadsafe(task.cancel)
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def wake(self) -> None:
        """Something was committed: look at the feed now (cheap; any thread)."""
        loop, event = self._loop, self._wake
        if loop is not None and event is not None:
            with contextlib.suppress(RuntimeError):  # the loop has just closed
                loop.call_soon_threadsafe(event.set)

    def sink(self, effects: Sequence[Effect]) -> None:
        """The runtime's effect sink: a commit that appended to the feed wakes the publisher."""
        if any(isinstance(e, FeedAppended) for e in effects):
            self.wake()

    # --- the loop (its own thread) ---

    def _main(self) -> None:
        asyncio.run(self._run())

    async def _run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._task = asyncio.current_task()
        self._ready.set()
        try:
            await self._serve()
        except asyncio.CancelledError:
            pass  # stop(): a round cut short is published again from the mark next time
        finally:
            if self._nc is not None and not self._nc.is_closed:
                with contextlib.suppress(Exception):
                    await self._nc.close()

    async def _serve(self) -> None:
        wake = self._wake
        assert wake is not None
        nc: Client | None = None
        delay = 0.1
        while not self._stopping:
            try:
                if nc is None or nc.is_closed:
                    nc = self._nc = await self._connect()
                    js = nc.jetstream()
                    await self._ensure_stream(js)
                    await self._resume_from_stream(js)
                while not self._stopping:
                    wake.clear()  # before reading: a commit during the round is not missed
                    if not await self._publish_round(js):
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(wake.wait(), IDLE_POLL_S)
                    delay = 0.1
            except Exception as exc:
                # The leaf is down, the connection dropped, a PubAck timed out: nothing past
                # the mark is taken as published; the next round starts from the mark.
                self.error = f"{type(exc).__name__}: {exc}"
                log.warning("NATS publish: %s; retrying in %.1f s", self.error, delay)
                wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), delay)
                delay = min(delay * 2, RETRY_MAX_S)

    async def _on_error(self, exc: Exception) -> None:
        # The client's own retries (an unreachable leaf): said once, not per attempt.
        text = f"{type(exc).__name__}: {exc}"
        if text != self.error:
            log.warning("NATS connection: %s", text)
        self.error = text

    async def _connect(self) -> Client:
        t = self.target
        options: dict[str, Any] = {
            "servers": [t.url],
            "name": f"edge-{self.site}",
            "connect_timeout": 2,
            "reconnect_time_wait": 0.5,
            "max_reconnect_attempts": -1,
            "allow_reconnect": True,
            "error_cb": self._on_error,
        }
        if t.user is not None:
            options["user"] = t.user
            options["password"] = t.password or ""
        if t.credentials_file is not None:
            options["user_credentials"] = t.credentials_file
        return await nats.connect(**options)

    async def _ensure_stream(self, js: JetStreamContext) -> None:
        """The site's stream on the leaf: file storage, kept by limits, a duplicate window."""
        try:
            await js.stream_info(self.target.stream)
        except NotFoundError:
            await js.add_stream(
                StreamConfig(
                    name=self.target.stream,
                    subjects=[self.target.subject],
                    storage=StorageType.FILE,
                    discard=DiscardPolicy.OLD,
                    duplicate_window=DUPLICATE_WINDOW_S,
                )
            )

    async def _resume_from_stream(self, js: JetStreamContext) -> None:
        """A crash between a PubAck and the mark's write leaves the mark behind the stream:
        take the stream's newest record of this gateway as confirmed too, so a re-publish
        after the duplicate window has passed cannot store a record twice."""
        try:
            last = await js.get_last_msg(self.target.stream, self.target.subject)
        except NotFoundError:
            return
        header = (last.headers or {}).get("Nats-Msg-Id", "")
        stream_id, _, seq_text = str(header).rpartition(":")
        if not stream_id or not seq_text.isdigit():
            return
        seq = int(seq_text)
        mark_stream, mark_seq = self.confirmed
        if stream_id == mark_stream:
            ahead = seq > mark_seq
        else:  # the mark is of an older epoch (or absent): the stream's record is current?
            with self.read() as tx:
                ahead = stream_id == tx.value("SELECT value FROM meta WHERE key = 'stream_id'")
        if ahead:
            self.confirmed = (stream_id, seq)
            await asyncio.to_thread(self.mark.save, stream_id, seq)

    def _pending(self) -> tuple[str, list[dict[str, Any]]]:
        mark_stream, mark_seq = self.confirmed
        with self.read() as tx:
            stream_id = str(tx.value("SELECT value FROM meta WHERE key = 'stream_id'"))
            # A new epoch (a restored or replaced database): its stream is published from
            # its start; a consumer recognises records it already has by their hash.
            after = mark_seq if mark_stream == stream_id else 0
            rows = tx.all("SELECT * FROM feed WHERE seq > ? ORDER BY seq LIMIT ?", (after, BATCH))
        return stream_id, rows

    async def _publish_round(self, js: JetStreamContext) -> bool:
        """Publish the next records after the mark; False when there were none."""
        stream_id, rows = self._pending()
        if not rows:
            return False
        if self.let_out is not None:
            # The high-water mark first: a record that left must never be issued again.
            await asyncio.to_thread(self.let_out, stream_id, int(rows[-1]["seq"]))
        t = self.target
        for row in rows:
            seq = int(row["seq"])
            ack = await js.publish(
                t.subject,
                payload(stream_id, self.site, row),
                timeout=5,
                stream=t.stream,
                headers={"Nats-Msg-Id": msg_id(stream_id, seq)},
            )
            if ack.stream != t.stream:
                raise RuntimeError(f"PubAck from stream {ack.stream!r}, not {t.stream!r}")
            self.published += 1
            self.confirmed = (stream_id, seq)
        await asyncio.to_thread(self.mark.save, stream_id, self.confirmed[1])
        self.error = None
        return True


def start_publisher(settings: Settings, service: Service) -> NatsPublisher | None:
    """The publisher [cloud.nats] asks for, started and woken by every commit; None without."""
    cfg = settings.cloud.nats
    if cfg is None:
        return None
    target = Target(
        url=cfg.url,
        stream=cfg.stream or f"FEED_{settings.site}",
        subject=cfg.subject or f"feed.{settings.site}",
        user=None if cfg.credentials_file else cfg.user,
        password=cfg.password.get_secret_value() if cfg.password else None,
        credentials_file=str(cfg.credentials_file) if cfg.credentials_file else None,
    )
    mark = settings.database_path.parent / "nats-published.json"
    # The feed's high-water mark is raised before a record leaves, as for a served page.
    let_out = service.queries.feed_mark.let_out
    publisher = NatsPublisher(target, settings.site, service.db.read, mark, let_out)
    service.runtime.sinks.append(publisher.sink)
    publisher.start()
    return publisher
