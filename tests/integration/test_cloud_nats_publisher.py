"""The gateway's NATS publisher on its own: an unreachable leaf node."""

from __future__ import annotations

import time
from pathlib import Path

from cloud_sync.nats_publisher import NatsPublisher, Target
from edge.store import Database
from tests.support.broker import free_port
from tests.support.nats import EDGE_USER


def wait_for_error(pub: NatsPublisher, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while pub.error is None:
        assert time.monotonic() < deadline, "no error reported"
        time.sleep(0.02)


def test_with_no_leaf_the_publisher_says_so_and_stops_at_once(tmp_path: Path) -> None:
    """An unreachable leaf: the client retries for ever inside connect(); the publisher
    reports the error and stop() still returns at once (it once waited its 10 s join)."""
    db = Database(tmp_path / "edge.db")
    target = Target(f"nats://127.0.0.1:{free_port()}", "FEED_x", "feed.x", EDGE_USER, "pw")
    pub = NatsPublisher(target, "x", db.read, tmp_path / "nats-published.json")
    pub.start()
    try:
        wait_for_error(pub, 10)
        assert "refused" in str(pub.error).lower()
    finally:
        started = time.monotonic()
        pub.stop()
        stopped_in = time.monotonic() - started
        db.close()
    assert stopped_in < 2.0
    assert not (tmp_path / "nats-published.json").exists()
