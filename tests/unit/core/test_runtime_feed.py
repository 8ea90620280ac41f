"""The runtime's promises (effects and acks after commit) and the feed's retention."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from edge.messages import AckFeed, ScanRead
from edge.model import DomainError
from tests.support.harness import Harness


def test_a_batch_applies_each_message_on_its_own_and_acks_after_commit(harness: Harness) -> None:
    runtime = harness.runtime
    harness.intake("SHOP-1", ("CABLE", 1))
    acked: list[str] = []
    seen_committed: list[int] = []

    def ack(name: str) -> None:
        # By the time a message is acknowledged its changes are visible to a reader.
        with harness.service.read() as tx:
            seen_committed.append(tx.value("SELECT count(*) FROM sessions"))
        acked.append(name)

    runtime.start()
    try:
        now = harness.clock.now
        good = runtime.submit(ScanRead("scan-1", "a", now, "P-1"), lambda: ack("login"))
        bad = runtime.submit(ScanRead("scan-2", "b", now, "B-03-1-B"), lambda: ack("refused"))
        after = runtime.submit(ScanRead("scan-2", "c", now, "P-2"), lambda: ack("login2"))
        good.result(5)
        with pytest.raises(DomainError, match="scan your badge"):
            bad.result(5)
        after.result(5)
    finally:
        runtime.stop()
    assert acked == ["login", "refused", "login2"]  # in arrival order, refusals too
    assert seen_committed[0] >= 1 and seen_committed[2] == 2
    with harness.service.read() as tx:
        rows = tx.all("SELECT msg_id, outcome FROM inbound_seen")
    outcomes = {r["msg_id"]: r["outcome"] for r in rows}
    assert outcomes["a"] == "applied" and outcomes["b"].startswith("refused: scan your badge")


def test_views_carry_their_commit_number_and_a_reader_knows_its_lower_bound(
    harness: Harness,
) -> None:
    """A screen fed by HTTP answers and pushed views keeps the newer by these numbers."""
    from edge.messages import ScannerView

    runtime = harness.runtime
    pushed: list[tuple[int, int]] = []

    def sink(effects: object) -> None:
        views = [e for e in effects if isinstance(e, ScannerView)]  # type: ignore[attr-defined]
        if views:
            pushed.append((runtime.dispatching, runtime.committed))

    runtime.sinks.append(sink)
    start = runtime.committed
    harness.scan("scan-1", "P-1")
    harness.scan("scan-2", "P-2")
    # Each message's views carry its own number; `committed` already counts the batch.
    assert [n - start for n, _ in pushed] == [1, 2]
    assert all(n <= committed for n, committed in pushed)
    assert runtime.committed == start + 2


def test_feed_keeps_unacknowledged_records_and_prunes_old_acknowledged_ones(
    harness: Harness,
) -> None:
    with harness.service.db.writer as conn:  # three shipped records, 40, 35 and 1 days old
        for n, age in enumerate((40, 35, 1), start=1):
            created = (harness.clock.now - timedelta(days=age)).isoformat()
            conn.execute(
                "INSERT INTO feed(order_id, shop_order_id, created_at, record) VALUES (?,?,?,?)",
                (n, f"S{n}", created, json.dumps({"n": n})),
            )
    harness.handle(AckFeed(harness.origin("cloud"), "cloud", 1))
    with harness.service.read() as tx:
        assert [r["seq"] for r in tx.all("SELECT seq FROM feed")] == [2, 3]
    harness.handle(AckFeed(harness.origin("cloud"), "cloud", 3))
    with harness.service.read() as tx:
        assert [r["seq"] for r in tx.all("SELECT seq FROM feed")] == [3]  # too young to go
        # A cursor never sees a number again: AUTOINCREMENT remembers the highest one.
        assert tx.value("SELECT seq FROM sqlite_sequence WHERE name = 'feed'") == 3
    result = harness.handle(AckFeed(harness.origin("cloud"), "cloud", 2))
    assert result["acked_seq"] == 3  # an ack never moves backwards
