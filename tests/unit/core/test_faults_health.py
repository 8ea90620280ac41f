"""An anonymous health check is cheap: the whole-file integrity check runs once per interval
in the background, not per request (finding 10)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient

from edge.app import create_app
from edge.ports import Reader
from edge.queries import Queries
from edge.queries.health import IntegrityCheck
from tests.support.harness import Harness


class _Counted:
    """The real reader, noting each statement it runs."""

    def __init__(self, tx: Reader, seen: list[str]) -> None:
        self._tx, self._seen = tx, seen

    def value(self, sql: str, params: Any = ()) -> Any:
        self._seen.append(sql)
        return self._tx.value(sql, params)


def test_many_anonymous_health_calls_run_the_integrity_check_once(harness: Harness) -> None:
    seen: list[str] = []
    real_read = harness.service.db.read

    @contextmanager
    def read() -> Iterator[Any]:
        with real_read() as tx:
            yield _Counted(tx, seen)

    service = harness.service
    service.queries = Queries(read, service.catalogs, service.core.cfg)
    with TestClient(create_app(service)) as client:
        bodies = [client.get("/api/v1/health").json() for _ in range(50)]
    assert seen.count("PRAGMA quick_check") == 1
    assert {b["database"] for b in bodies} == {"ok"}
    assert all(b["ok"] and b["orders"] == 0 for b in bodies)


def test_a_due_check_runs_in_the_background_and_the_last_result_is_reported(
    harness: Harness,
) -> None:
    check = IntegrityCheck(harness.service.db.read, every_s=0.2)
    assert check.report()["database"] == "ok"  # the first report checks
    time.sleep(0.25)
    started = time.monotonic()
    report = check.report()  # due: a check starts in the background; the last result now
    assert time.monotonic() - started < 0.1
    assert report["database"] == "ok" and report["database_checked_s_ago"] >= 0.2
    deadline = time.monotonic() + 5
    while (report := check.report())["database_checked_s_ago"] >= 0.2:
        assert time.monotonic() < deadline, "the background check did not finish"
        time.sleep(0.01)
    assert report["database"] == "ok"
