"""The runtime's promises (effects and acks after commit) and the feed's retention."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from edge.core.feed import canonical, floor, stream_id
from edge.messages import AckFeed, ScanRead
from edge.model import DomainError
from tests.support.feed import append_records, check_page, content_hash, read_page
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


def _declare(harness: Harness, *consumers: str, retain_days: int = 0) -> None:
    cfg = replace(harness.service.core.cfg, feed_consumers=consumers, retain_acked_days=retain_days)
    harness.service.core.cfg = cfg
    harness.service.queries.cfg = cfg


def _ack(harness: Harness, consumer: str, seq: int) -> dict[str, Any]:
    with harness.service.read() as tx:
        stream = stream_id(tx)
    result: dict[str, Any] = harness.handle(
        AckFeed(harness.origin(consumer), consumer, stream, seq)
    )
    return result


def _seqs(harness: Harness) -> list[int]:
    with harness.service.read() as tx:
        return [r["seq"] for r in tx.all("SELECT seq FROM feed ORDER BY seq")]


def test_feed_keeps_unacknowledged_records_and_prunes_old_acknowledged_ones(
    harness: Harness,
) -> None:
    _declare(harness, "feed", retain_days=30)
    append_records(harness, 1, age_days=40)
    append_records(harness, 1, age_days=35)
    append_records(harness, 1, age_days=1)
    assert _ack(harness, "feed", 1)["pruned"] == 1
    assert _seqs(harness) == [2, 3]
    _ack(harness, "feed", 3)
    assert _seqs(harness) == [3]  # too young to go
    with harness.service.read() as tx:
        # A cursor never sees a number again: AUTOINCREMENT remembers the highest one.
        assert tx.value("SELECT seq FROM sqlite_sequence WHERE name = 'feed'") == 3
        assert floor(tx) == 2
    assert _ack(harness, "feed", 2)["acked_seq"] == 3  # an ack never moves backwards


def test_a_stray_consumer_name_cannot_prune(harness: Harness) -> None:
    """The issue's repro: retain 0 days, an ack under another name pruned the cloud's
    records. Only declared consumers (API clients with the role feed) acknowledge."""
    _declare(harness, "feed")
    append_records(harness, 12)
    with pytest.raises(DomainError, match="consumer: audit is not declared"):
        _ack(harness, "audit", 10)
    assert _seqs(harness) == list(range(1, 13))


def test_a_declared_consumer_that_never_acked_holds_everything(harness: Harness) -> None:
    _declare(harness, "feed", "audit")
    append_records(harness, 5)
    assert _ack(harness, "feed", 5)["pruned"] == 0
    assert _seqs(harness) == [1, 2, 3, 4, 5]
    assert _ack(harness, "audit", 3)["pruned"] == 3  # now both have 1-3
    assert _seqs(harness) == [4, 5]
    backlog = harness.service.queries.feed_backlog(None)
    assert backlog["floor"] == 3 and backlog["newest"] == 5
    assert {c["consumer"]: c["unacked"] for c in backlog["consumers"]} == {"audit": 2, "feed": 0}


def test_an_undeclared_consumers_position_holds_nothing_and_is_shown(harness: Harness) -> None:
    _declare(harness, "feed", "old-cloud")
    append_records(harness, 4)
    _ack(harness, "old-cloud", 1)
    _declare(harness, "feed")  # old-cloud is no longer a client with the role feed
    assert _ack(harness, "feed", 3)["pruned"] == 3
    rows = {c["consumer"]: c for c in harness.service.queries.feed_backlog(None)["consumers"]}
    assert rows["old-cloud"]["declared"] is False and rows["feed"]["declared"] is True


def test_an_ack_names_the_current_stream(harness: Harness) -> None:
    _declare(harness, "feed")
    append_records(harness, 3)
    with pytest.raises(DomainError, match="is not the current stream") as err:
        harness.handle(AckFeed(harness.origin("feed"), "feed", "0" * 32, 3))
    with harness.service.read() as tx:
        assert err.value.details == {"stream_id": stream_id(tx)}
    with pytest.raises(DomainError, match="beyond the newest record 3"):
        _ack(harness, "feed", 4)
    assert _seqs(harness) == [1, 2, 3]


def test_pruning_leaves_no_hole_when_a_later_record_is_older(harness: Harness) -> None:
    """Retention deletes a prefix of the stream: a young record stops it, so the chain a
    consumer reads from the floor has no hole."""
    _declare(harness, "feed", retain_days=10)
    append_records(harness, 1, age_days=20)
    append_records(harness, 1, age_days=1)
    append_records(harness, 1, age_days=20)  # a clock set back, say
    assert _ack(harness, "feed", 3)["pruned"] == 1
    assert _seqs(harness) == [2, 3]


def test_every_record_carries_its_hash_and_the_seq_before_it(harness: Harness) -> None:
    _declare(harness, "feed")
    append_records(harness, 4)
    _ack(harness, "feed", 2)
    append_records(harness, 2)
    data = read_page(harness, 0, 100, "feed", None)
    assert [r["seq"] for r in data["records"]] == [3, 4, 5, 6]
    assert data["floor"] == 2 and data["newest"] == 6 and data["acked_seq"] == 2
    check_page(data, 0)
    with harness.service.read() as tx:
        stored = tx.all("SELECT record, hash FROM feed")
    for row in stored:  # stored in the canonical form the hash is over
        assert row["record"] == canonical(json.loads(row["record"]))
        assert row["hash"] == content_hash(json.loads(row["record"]))
