"""A model test of the feed's cursor/ack protocol against the real core and store (Hypothesis
state machine): ship, page, ack (valid, stale, another stream, beyond the newest), retention,
snapshots restored. No unacknowledged record of a declared consumer is ever pruned, a seq let
out never names another record (within or across epochs), every page's chain verifies."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
)

from edge.core.feed import stream_id
from edge.messages import AckFeed
from edge.model import DomainError
from tests.support.feed import append_records, check_page, read_page
from tests.support.harness import Harness, make_harness

CONSUMERS = ("feed", "audit")


@dataclass
class Cursor:
    stream: str | None = None
    after: int = 0  # the last seq stored of `stream`


class FeedProtocol(RuleBasedStateMachine):
    snapshots = Bundle("snapshots")

    @initialize()
    def start(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="feed-model-"))
        self.data = self.dir / "gw"
        self.h = self._open()
        self.cursors = {c: Cursor() for c in CONSUMERS}
        self.seen: dict[int, str] = {}  # every seq let out in a page → its record's hash
        self.present = self._seqs()
        self.n_snapshots = 0

    def teardown(self) -> None:
        if hasattr(self, "h"):
            self.h.service.db.close()
            shutil.rmtree(self.dir, ignore_errors=True)

    def _open(self) -> Harness:
        h = make_harness(self.data)
        cfg = replace(h.service.core.cfg, feed_consumers=CONSUMERS, retain_acked_days=0)
        h.service.core.cfg = h.service.queries.cfg = cfg
        return h

    def _seqs(self) -> set[int]:
        with self.h.service.read() as tx:
            return {r["seq"] for r in tx.all("SELECT seq FROM feed")}

    def _stream(self) -> str:
        with self.h.service.read() as tx:
            return stream_id(tx)

    def _acked(self, consumer: str) -> int:
        with self.h.service.read() as tx:
            value = tx.value("SELECT acked_seq FROM feed_consumers WHERE consumer = ?", (consumer,))
        return int(value or 0)

    @rule(n=st.integers(1, 3))
    def ship(self, n: int) -> None:
        append_records(self.h, n)
        self.present = self._seqs()

    @rule(consumer=st.sampled_from(CONSUMERS), limit=st.integers(1, 4))
    def page(self, consumer: str, limit: int) -> None:
        cur = self.cursors[consumer]
        try:
            page = read_page(self.h, cur.after, limit, consumer, cur.stream)
        except DomainError as err:
            # Only another stream refuses a declared consumer: never the floor (410).
            assert err.details.get("stream_id") == self._stream(), str(err)
            self.cursors[consumer] = Cursor(err.details["stream_id"], 0)
            return
        check_page(page, cur.after)
        for r in page["records"]:
            assert self.seen.setdefault(r["seq"], r["hash"]) == r["hash"], r["seq"]
        cur.stream, cur.after = page["stream_id"], page["next"]

    @rule(consumer=st.sampled_from(CONSUMERS), kind=st.sampled_from(["valid", "stale"]))
    def ack(self, consumer: str, kind: str) -> None:
        cur = self.cursors[consumer]
        if cur.stream != self._stream():
            return
        before = self._acked(consumer)
        seq = cur.after if kind == "valid" else min(cur.after, before) // 2
        result = self.h.handle(AckFeed(self.h.origin(consumer), consumer, cur.stream, seq))
        assert result["acked_seq"] == max(before, seq)  # never backwards
        gone = self.present - self._seqs()
        held = min(self._acked(c) for c in CONSUMERS)
        assert all(s <= held for s in gone), (gone, held)  # only what all acknowledged
        self.present = self._seqs()

    @rule(consumer=st.sampled_from(CONSUMERS))
    def ack_another_stream(self, consumer: str) -> None:
        with pytest.raises(DomainError, match="not the current stream"):
            self.h.handle(AckFeed(self.h.origin(consumer), consumer, "0" * 32, 0))

    @rule(consumer=st.sampled_from(CONSUMERS), beyond=st.integers(1, 3))
    def ack_beyond_newest(self, consumer: str, beyond: int) -> None:
        newest = read_page(self.h, 0, 1, consumer, None)["newest"]
        with pytest.raises(DomainError, match="beyond the newest"):
            self.h.handle(
                AckFeed(self.h.origin(consumer), consumer, self._stream(), newest + beyond)
            )

    @rule(target=snapshots)
    def snapshot(self) -> Path:
        self.n_snapshots += 1
        path = self.dir / f"snap-{self.n_snapshots}.db"
        copy = sqlite3.connect(path)
        self.h.service.db.writer.backup(copy)
        copy.close()
        return path

    @rule(snap=snapshots)
    def restore(self, snap: Path) -> None:
        """The operator restores an older copy and restarts the service."""
        self.h.service.db.close()
        for suffix in ("-wal", "-shm"):
            (self.data / f"edge.db{suffix}").unlink(missing_ok=True)
        shutil.copy2(snap, self.data / "edge.db")
        self.h = self._open()
        self.present = self._seqs()

    @invariant()
    def new_records_never_reuse_a_seq_let_out(self) -> None:
        if not hasattr(self, "h"):
            return
        with self.h.service.read() as tx:
            rows = tx.all("SELECT seq, hash FROM feed")
        for r in rows:
            assert self.seen.get(r["seq"], r["hash"]) == r["hash"], r["seq"]


FeedProtocol.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=25,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
TestFeedProtocol = FeedProtocol.TestCase
