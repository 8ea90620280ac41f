"""A handheld's scan keeps the device's time of it beside the time the service applied it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from tests.support.harness import GTIN, Harness
from tests.support.web import picker_at_a_stop, rows


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds")


def test_a_queued_scan_is_recorded_with_its_scan_time_beside_its_applied_time(
    client: TestClient, harness: Harness
) -> None:
    _, ana = picker_at_a_stop(harness, client)
    scanned = harness.clock.now - timedelta(minutes=7)  # scanned in the back aisle, offline
    ana.applied("scan", code="A-02-1-A", scanned_at=_iso(scanned))
    ana.applied("scan", code=GTIN["MUG"], scanned_at=_iso(scanned + timedelta(seconds=3)))
    (pick,) = rows(harness, "SELECT at, scanned_at, scanned_late FROM picks")
    assert pick["scanned_at"] == _iso(scanned + timedelta(seconds=3))
    assert datetime.fromisoformat(pick["at"]) - scanned > timedelta(minutes=6)
    assert pick["scanned_late"] == 0
    # The order's detail over HTTP carries both times.
    order_id = rows(harness, "SELECT order_id FROM picks")[0]["order_id"]
    (shown,) = client.get(f"/api/v1/orders/{order_id}", headers={"X-API-Key": "test-key"}).json()[
        "picks"
    ]
    assert shown["scanned_at"] == pick["scanned_at"] and shown["at"] == pick["at"]


def test_a_scan_from_more_than_a_day_ago_is_applied_and_flagged(
    client: TestClient, harness: Harness
) -> None:
    _, ana = picker_at_a_stop(harness, client)
    old = harness.clock.now - timedelta(hours=30)
    ana.applied("scan", code="A-02-1-A", scanned_at=_iso(old))
    ana.applied("scan", code=GTIN["MUG"], scanned_at=_iso(old))
    (pick,) = rows(harness, "SELECT scanned_at, scanned_late FROM picks")
    assert pick == {"scanned_at": _iso(old), "scanned_late": 1}


@pytest.mark.parametrize(
    "scanned_at",
    [
        "ahead",  # a clock ten minutes ahead of the service's
        "2026-12-06T10:00:00",  # no offset
        "yesterday at noon",
    ],
)
def test_a_scan_time_the_service_cannot_trust_is_422_naming_the_field(
    client: TestClient, harness: Harness, scanned_at: str
) -> None:
    _, ana = picker_at_a_stop(harness, client)
    if scanned_at == "ahead":
        scanned_at = _iso(harness.clock.now + timedelta(minutes=10))
    r = ana.send("scan", code="A-02-1-A", scanned_at=scanned_at)
    assert r.status_code == 422
    assert "scanned_at" in str(r.json()["detail"])
    assert (
        rows(harness, "SELECT * FROM inbound_seen WHERE device = 'hh-1' AND outcome LIKE '%A-02%'")
        == []
    )


def test_a_scan_sent_without_a_time_is_recorded_at_the_time_it_is_applied(
    client: TestClient, harness: Harness
) -> None:
    _, ana = picker_at_a_stop(harness, client)
    ana.applied("scan", code="A-02-1-A")
    ana.applied("scan", code=GTIN["MUG"])
    (pick,) = rows(harness, "SELECT at, scanned_at FROM picks")
    assert abs(
        datetime.fromisoformat(pick["at"]) - datetime.fromisoformat(pick["scanned_at"])
    ) < timedelta(seconds=5)
