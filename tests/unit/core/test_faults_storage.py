"""A commit that fails (the database is full) stops nothing: devices' messages are kept and
applied once space returns, HTTP callers get a JSON 503, health says degraded (13, 14)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from edge.acks import OrderedAcks, bind_ack
from edge.app import create_app
from edge.messages import AdjustStock, DeadLetter, Origin
from edge.runtime import StorageUnavailable
from tests.support.harness import Harness

KEY = {"X-API-Key": "test-key"}
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
N = 40
ROOMY = 1_073_741_823  # SQLite's largest max_page_count
ORDER = {
    "shop_order_id": "WEB-1",
    "paid_at": "2026-11-20T08:00:00+00:00",
    "lines": [{"sku": "MUG", "qty": 1}],
}


def _until(pred: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.01)
    return pred()


@pytest.fixture
def full(harness: Harness) -> Iterator[Callable[[bool], None]]:
    """Started writer; full(True) caps the file at its size: a commit that needs a new page
    fails with SQLITE_FULL ("database or disk is full"), as on a full disk."""
    harness.runtime.start()
    conn = harness.service.db.writer

    def set_full(on: bool) -> None:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages if on else ROOMY}")

    try:
        yield set_full
    finally:
        set_full(False)
        harness.runtime.stop()


def _device_message(i: int) -> DeadLetter:
    # A device's message the core keeps (one dead_letters row each, not deduplicated, so a
    # message applied twice would show), big enough to need new pages.
    return DeadLetter(f"wh/t1/scanner/scan-1/evt#{i}", b"x" * 6000, f"m{i}", "scan-1", f"m{i}", NOW)


def _stored(harness: Harness) -> list[str]:
    with harness.service.read() as tx:
        rows = tx.all("SELECT msg_id FROM dead_letters WHERE reason LIKE 'm%' ORDER BY id")
    return [r["msg_id"] for r in rows]


def test_device_messages_held_while_full_are_applied_once_and_acked_in_order(
    harness: Harness, full: Callable[[bool], None]
) -> None:
    runtime = harness.runtime
    sent: list[int] = []
    acks = OrderedAcks(lambda mid, qos: sent.append(mid))
    full(True)
    for i in range(1, N + 1):
        runtime.submit(_device_message(i), bind_ack(acks, acks.expect(i, 1)))
    assert _until(lambda: runtime.storage_error is not None), "no commit failed"
    assert "full" in (runtime.storage_error or "")
    started = time.monotonic()
    with pytest.raises(StorageUnavailable, match=r"^storage: database or disk is full; try"):
        runtime.handle(AdjustStock(Origin("test", NOW, "http"), "A-02-1-A", "MUG", 9, "count"))
    assert time.monotonic() - started < 1.0, "an HTTP caller waited for the disk"
    assert len(sent) < N and acks.pending() == N - len(sent)

    full(False)  # space comes back: no restart, no redelivery needed
    assert _until(lambda: len(sent) == N), f"acked {len(sent)} of {N} after space returned"
    assert sent == list(range(1, N + 1))  # in arrival order
    assert _stored(harness) == [f"m{i}" for i in range(1, N + 1)]  # each exactly once
    assert runtime.storage_error is None and runtime.held == 0


def test_http_writes_get_a_json_503_and_health_says_degraded_until_space_returns(
    harness: Harness, full: Callable[[bool], None]
) -> None:
    with TestClient(create_app(harness.service), raise_server_exceptions=False) as client:
        assert client.get("/api/v1/health").json()["status"] == "ok"
        full(True)
        for i in range(1, 11):  # devices' messages until the file has no room left
            harness.runtime.submit(_device_message(i), lambda: None)
        assert _until(lambda: harness.runtime.storage_error is not None)
        r = client.post("/api/v1/orders", json=ORDER, headers=KEY)
        assert r.status_code == 503, r.text
        assert r.json() == {"detail": "storage: database or disk is full; try again"}
        health = client.get("/api/v1/health").json()
        assert health["status"] == "degraded" and health["ok"] is False
        assert health["reason"].startswith("storage: database or disk is full")
        assert health["writer"]["held"] >= 1

        full(False)
        assert _until(lambda: client.get("/api/v1/health").json()["status"] == "ok")
        assert _stored(harness) == [f"m{i}" for i in range(1, 11)]
        assert client.post("/api/v1/orders", json=ORDER, headers=KEY).status_code == 201


def test_an_unexpected_exception_is_a_json_500_without_a_traceback(harness: Harness) -> None:
    app = create_app(harness.service)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail")

    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/boom")
    assert r.status_code == 500
    assert r.json() == {"detail": "internal error"}
