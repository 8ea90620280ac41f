"""The hub consumer: every site's records from the hub's aggregate stream into PostgreSQL."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import math
import os
import random
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import nats
import psycopg
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    ExternalStream,
    StorageType,
    StreamConfig,
    StreamSource,
)
from nats.js.errors import NotFoundError

from cloud_sync.pull import pg

log = logging.getLogger(__name__)

AGGREGATE = "FEED"
DURABLE = "cloud-pg"
DUPLICATE_WINDOW_S = 300.0
# Unacknowledged messages come again after this long (a refused record, a crash before ack).
ACK_WAIT_S = 30.0
# Tests only: `after_commit:<p>` exits the process right after a page's commit, before its
# acks, with probability p: the crash the exactly-once guarantee must survive.
FAULT_ENV = "EDGE_CLOUD_NATS_FAULT"


def _fault_probability() -> float:
    kind, _, p = os.environ.get(FAULT_ENV, "").partition(":")
    return float(p) if kind == "after_commit" and p else 0.0


def record_hash(record: Any) -> str:
    """The contract's hash: sha256 of the record's canonical JSON (docs/cloud-sync.md)."""
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def site_source(site: str) -> StreamSource:
    """A site's stream FEED_<site>, read across its leaf node from its JetStream domain."""
    return StreamSource(name=f"FEED_{site}", external=ExternalStream(api=f"$JS.{site}.API"))


async def ensure_aggregate(
    js: JetStreamContext, sites: Iterable[str], name: str = AGGREGATE
) -> None:
    """The hub's aggregate stream, sourcing every site's stream (added to, never narrowed)."""
    wanted = sorted(set(sites))
    try:
        info = await js.stream_info(name)
    except NotFoundError:
        await js.add_stream(
            StreamConfig(
                name=name,
                storage=StorageType.FILE,
                duplicate_window=DUPLICATE_WINDOW_S,
                sources=[site_source(s) for s in wanted],
            )
        )
        return
    have = {s.name for s in info.config.sources or []}
    missing = [site_source(s) for s in wanted if f"FEED_{s}" not in have]
    if missing:
        config = info.config
        config.sources = [*(config.sources or []), *missing]
        await js.update_stream(config)


@dataclass
class Incoming:
    """One message of the aggregate stream, parsed (or refused with the reason)."""

    msg: Msg
    gateway: str = ""
    stream_id: str = ""
    seq: int = 0
    body: dict[str, Any] = field(default_factory=dict)
    refused: str | None = None


def parse(msg: Msg) -> Incoming:
    item = Incoming(msg)
    try:
        body = json.loads(msg.data)
        item.gateway, item.stream_id = str(body["site"]), str(body["stream_id"])
        item.seq, item.body = int(body["seq"]), body
        int(body["prev_seq"])
        if msg.subject != f"feed.{item.gateway}":
            item.refused = f"subject {msg.subject} is not feed.{item.gateway}"
        elif body["hash"] != record_hash(body["record"]):
            item.refused = f"seq {item.seq}: the record does not match its hash"
    except (ValueError, KeyError, TypeError) as exc:
        item.refused = f"unreadable message: {type(exc).__name__}: {exc}"
    return item


@dataclass
class Page:
    gateway: str
    stream_id: str
    items: list[Incoming] = field(default_factory=list)


@dataclass
class Plan:
    pages: list[Page] = field(default_factory=list)
    duplicates: list[Incoming] = field(default_factory=list)
    refused: list[Incoming] = field(default_factory=list)


class Chain:
    """What to store, acknowledge or refuse, per gateway stream, from the cursors stored in
    PostgreSQL: a record is stored only right after the one stored before it."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self.cursors: dict[str, tuple[str | None, int]] = {}

    def cursor(self, gateway: str) -> tuple[str | None, int]:
        if gateway not in self.cursors:
            self.cursors[gateway] = pg.cursor(self.conn, gateway)
        return self.cursors[gateway]

    def _stored(self, stream_id: str, seq: int) -> bool:
        with self.conn.transaction():
            row = self.conn.execute(
                "SELECT 1 FROM cloud_records WHERE stream_id = %s AND seq = %s", (stream_id, seq)
            ).fetchone()
        return row is not None

    def plan(self, items: Sequence[Incoming]) -> Plan:
        plan = Plan()
        open_page: dict[str, Page] = {}
        blocked: set[str] = set()
        for item in items:
            if item.refused is None and item.gateway in blocked:
                item.refused = f"seq {item.seq}: waits for a refused record before it"
            if item.refused is not None:
                blocked.add(item.gateway)
                plan.refused.append(item)
                continue
            stream, seq = self.cursor(item.gateway)
            prev = int(item.body["prev_seq"])
            if stream == item.stream_id:
                if item.seq <= seq:
                    plan.duplicates.append(item)
                    continue
                if prev != seq:
                    item.refused = f"seq {item.seq}: prev_seq {prev}, but {seq} is stored last"
                    blocked.add(item.gateway)
                    plan.refused.append(item)
                    continue
            elif self._stored(item.stream_id, item.seq):
                plan.duplicates.append(item)  # an older epoch's record, come again
                continue
            page = open_page.get(item.gateway)
            if page is None or page.stream_id != item.stream_id:
                page = Page(item.gateway, item.stream_id)
                open_page[item.gateway] = page
                plan.pages.append(page)
            page.items.append(item)
            self.cursors[item.gateway] = (item.stream_id, item.seq)
        return plan


def _row(body: dict[str, Any]) -> dict[str, Any]:
    keys = ("seq", "prev_seq", "hash", "order_id", "shop_order_id", "created_at", "record")
    return {k: body.get(k) for k in keys}


@dataclass
class Counts:
    stored: int = 0
    duplicates: int = 0
    refused: int = 0


class HubConsumer:
    """A durable pull consumer on the aggregate stream: verify, commit, then acknowledge."""

    def __init__(
        self,
        js: JetStreamContext,
        conn: psycopg.Connection[Any],
        *,
        stream: str = AGGREGATE,
        durable: str = DURABLE,
        batch: int = 500,
        ack_wait: float = ACK_WAIT_S,
    ) -> None:
        self.js = js
        self.conn = conn
        self.stream = stream
        self.durable = durable
        self.batch = batch
        self.ack_wait = ack_wait
        self.chain = Chain(conn)
        self.counts = Counts()
        self._fault = _fault_probability()
        self._sub: JetStreamContext.PullSubscription | None = None

    async def subscribe(self) -> None:
        self._sub = await self.js.pull_subscribe(
            "",
            durable=self.durable,
            stream=self.stream,
            config=ConsumerConfig(
                durable_name=self.durable,
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                ack_wait=self.ack_wait,
                max_ack_pending=20_000,
            ),
        )

    async def step(self, timeout: float = 1.0) -> int:
        """Fetch one batch and handle it; the number of messages fetched."""
        if self._sub is None:
            await self.subscribe()
        assert self._sub is not None
        try:
            msgs = await self._sub.fetch(self.batch, timeout=timeout)
        except nats.errors.TimeoutError:
            return 0
        await self.handle(msgs)
        return len(msgs)

    async def handle(self, msgs: Sequence[Msg]) -> None:
        plan = self.chain.plan([parse(m) for m in msgs])
        for page in plan.pages:
            try:
                pg.store_page(
                    self.conn,
                    page.gateway,
                    page.stream_id,
                    [_row(i.body) for i in page.items],
                    page.items[-1].seq,
                )
            except Exception:
                # Not committed: nothing of this page or after it is acknowledged; it all
                # comes again after ack_wait, judged against the cursors PostgreSQL holds.
                self.chain.cursors.clear()
                raise
            if self._fault and random.random() < self._fault:
                os._exit(70)  # the fault injection hook: committed, not acknowledged
            self.counts.stored += len(page.items)
            for item in page.items:  # committed: now, and only now, acknowledged
                await item.msg.ack()
        for item in plan.duplicates:  # committed before: acknowledging loses nothing
            self.counts.duplicates += 1
            await item.msg.ack()
        # Not acknowledged: they come again after ack_wait, and are judged again. One line
        # per gateway and batch: after a crash a whole backlog waits behind one gap.
        first: dict[str, Incoming] = {}
        behind: dict[str, int] = {}
        for item in plan.refused:
            self.counts.refused += 1
            gateway = item.gateway or "?"
            first.setdefault(gateway, item)
            behind[gateway] = behind.get(gateway, 0) + 1
        for gateway, item in first.items():
            more = behind[gateway] - 1
            log.error(
                "refused from %s: %s%s (not acknowledged)",
                gateway,
                item.refused,
                f"; {more} more after it" if more else "",
            )


async def connect_hub(url: str, user: str | None, password: str | None) -> Client:
    options: dict[str, Any] = {
        "servers": [url],
        "name": "edge-cloud-nats",
        "connect_timeout": 2,
        "reconnect_time_wait": 0.5,
        "max_reconnect_attempts": -1,
    }
    if user:
        options.update(user=user, password=password or "")
    return await nats.connect(**options)


async def run(
    args: argparse.Namespace, stop: asyncio.Event | None = None, password: str | None = None
) -> None:
    """Consume until stop is set; the hub password is given, or EDGE_CLOUD_NATS_PASSWORD's."""
    stop = stop or asyncio.Event()
    if password is None:
        password = os.environ.get("EDGE_CLOUD_NATS_PASSWORD")
    nc = await connect_hub(args.nats_url, args.user, password)
    conn = psycopg.connect(args.dsn, autocommit=True)
    try:
        pg.migrate(conn)
        js = nc.jetstream(domain=args.domain)
        if args.site:
            await ensure_aggregate(js, args.site, args.stream)
        consumer = HubConsumer(
            js,
            conn,
            stream=args.stream,
            durable=args.durable,
            batch=args.batch,
            ack_wait=args.ack_wait,
        )
        while not stop.is_set():
            try:
                await consumer.step()
            except (nats.errors.Error, OSError) as exc:  # the hub is away: wait for it
                log.warning("hub consumer: %r; again in 1 s", exc)
                await asyncio.sleep(1)
    finally:
        conn.close()
        await nc.close()


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="edge-cloud-nats",
        description="Store every site's feed records from the NATS hub into PostgreSQL, "
        "exactly once. The hub password comes from EDGE_CLOUD_NATS_PASSWORD.",
    )
    p.add_argument("--nats-url", default="nats://127.0.0.1:4222")
    p.add_argument("--user", default="cloud-pull")
    p.add_argument("--dsn", default=os.environ.get("EDGE_CLOUD_PULL_DSN", ""))
    p.add_argument("--domain", default="hub", help="the hub's JetStream domain")
    p.add_argument("--stream", default=AGGREGATE)
    p.add_argument("--durable", default=DURABLE)
    p.add_argument("--site", action="append", default=[], help="a site to source (repeat for each)")
    p.add_argument("--batch", type=int, default=500, help="messages fetched per batch")
    p.add_argument(
        "--ack-wait",
        type=float,
        default=ACK_WAIT_S,
        help="seconds before an unacknowledged message comes again (set when the durable "
        "consumer is created)",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if args.batch < 1:
        p.error(f"--batch must be at least 1, not {args.batch}")
    if not (args.ack_wait > 0 and math.isfinite(args.ack_wait)):
        p.error(f"--ack-wait must be a number of seconds above 0, not {args.ack_wait}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        asyncio.run(run(args))
    except KeyboardInterrupt:
        return 0
    except (psycopg.Error, nats.errors.Error, OSError) as exc:
        print(f"edge-cloud-nats: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
