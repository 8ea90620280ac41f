"""GET /api/v1/metrics: real events through the harness move the counters and histograms;
live readings (devices, streams, the queue, the feed) are read at scrape time; only a key
with the metrics role (or admin) may scrape, as X-API-Key or `Authorization: Bearer`."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from edge.config import load_settings
from edge.messages import AdjustStock, DeadLetter, PresenceChanged
from edge.model import DomainError
from edge.service import ApiClient
from tests.support.broker import broker_or_skip
from tests.support.device import TestDevice
from tests.support.harness import Harness, make_harness
from tests.support.service_process import ServiceProcess
from tests.support.web import login, open_stream

SCRAPER = {"X-API-Key": "metrics-key"}
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture(autouse=True)
def scraper(harness: Harness) -> None:
    """A Prometheus client: an API client whose only role is metrics."""
    prom = ApiClient("prometheus", frozenset({"metrics"}), ("metrics-key",))
    harness.service.api_clients = (*harness.service.api_clients, prom)


def scrape(client: TestClient, headers: dict[str, str] | None = None) -> Samples:
    r = client.get("/api/v1/metrics", headers=headers or SCRAPER)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_real_events_move_the_counters_and_histograms(harness: Harness, client: TestClient) -> None:
    before = scrape(client)
    harness.handle(PresenceChanged("ptl-A", "shelf", True, harness.clock.now))
    # A two-stop trip in aisle A (both lit by ptl-A): finishing the first stop's pick is a
    # scan whose own transaction lights the second stop.
    harness.handle(AdjustStock(harness.origin("S-1"), "B-03-1-B", "CABLE", 0, "count"))
    harness.handle(AdjustStock(harness.origin("S-1"), "A-04-1-A", "CABLE", 5, "receipt"))
    harness.intake("SHOP-1", ("MUG", 1), ("CABLE", 1))
    harness.scan("scan-1", "P-1")
    harness.pick_current_stop("scan-1")
    with pytest.raises(DomainError, match="scan the bin label"):
        harness.scan("scan-1", "NOT-A-BIN")
    harness.handle(
        DeadLetter(
            "wh/t1/scanner/scan-1/evt", b"{oops", "not JSON", "scan-1", "", harness.clock.now
        )
    )
    after = scrape(client)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("edge_events_applied_total", kind="ScanRead") >= 3
    assert moved("edge_events_applied_total", kind="IntakeOrder") == 1
    assert moved("edge_events_applied_total", kind="TripPlanned") == 1
    assert moved("edge_events_applied_total", kind="DeadLetter") == 1
    assert moved("edge_dead_letters_total", code="malformed") == 1
    refusals = sum(
        v - value(before, n, **dict(labels))
        for (n, labels), v in after.items()
        if n == "edge_events_refused_total"
    )
    assert refusals == 1
    assert moved("edge_events_refused_total", code="bin_first") == 1
    assert moved("edge_writer_batch_size_count") >= 8
    assert moved("edge_writer_batch_size_sum") >= 8
    assert moved("edge_writer_commit_seconds_count") == moved("edge_writer_batch_size_count")
    assert moved("edge_writer_commit_seconds_sum") > 0
    assert moved("edge_scan_to_light_seconds_count") >= 1
    assert value(after, "edge_scan_to_light_seconds_bucket", le="+Inf") >= 1
    assert 0 < moved("edge_scan_to_light_seconds_sum") < 1
    assert moved("edge_planner_seconds_count") == 1
    # Every applied message is timed stage by stage; the commit once per batch.
    applied = sum(
        v - value(before, n, **dict(labels))
        for (n, labels), v in after.items()
        if n == "edge_events_applied_total"
    )
    assert moved("edge_event_stage_seconds_count", stage="queue") == applied + refusals
    assert moved("edge_event_stage_seconds_count", stage="apply") == applied + refusals
    assert moved("edge_event_stage_seconds_count", stage="commit") == moved(
        "edge_writer_batch_size_count"
    )
    assert 0 < moved("edge_event_stage_seconds_count", stage="publish") <= applied + refusals
    assert value(after, "edge_writer_queue_depth") == 0
    assert value(after, "edge_writer_storage_ok") == 1
    assert value(after, "edge_devices", kind="scanner") >= 5
    assert value(after, "edge_devices", kind="shelf") == 1
    assert value(after, "edge_devices_connected", kind="shelf") == 1
    assert value(before, "edge_devices_connected", kind="shelf") == 0
    # The two stock adjustments went to the cloud feed; nobody has pulled them.
    assert value(after, "edge_feed_backlog_records") == 2
    assert value(after, "edge_feed_oldest_unacked_age_seconds") >= 0


def test_open_streams_are_counted_when_scraped(harness: Harness, client: TestClient) -> None:
    assert value(scrape(client), "edge_sse_clients", stream="handheld") == 0
    reader = open_stream(login(client, "hh-1", "P-1"))
    samples = scrape(client)
    assert value(samples, "edge_sse_clients", stream="handheld") == 1
    assert value(samples, "edge_sse_clients", stream="overview") == 0
    client.app.state.hub.close()  # type: ignore[attr-defined]
    assert reader.ends()


def test_only_the_metrics_role_or_admin_may_scrape(client: TestClient) -> None:
    r = client.get("/api/v1/metrics")
    assert r.status_code == 401
    assert r.json()["detail"].startswith("X-API-Key or Authorization header: required")
    r = client.get("/api/v1/metrics", headers={"X-API-Key": "nope"})
    assert r.status_code == 401
    for key in ("intake-key", "feed-key"):
        r = client.get("/api/v1/metrics", headers={"X-API-Key": key})
        assert r.status_code == 403
        assert r.json()["detail"].endswith("needs the role metrics (or admin)")
    staff = login(client, "hh-1", "P-1")  # a person's token is not a scraper's key
    assert client.get("/api/v1/metrics", headers=staff.headers).status_code == 401
    scrape(client, {"X-API-Key": "test-key"})  # admin
    scrape(client, {"Authorization": "Bearer metrics-key"})  # Prometheus's `authorization`
    r = client.get("/api/v1/metrics", headers={"Authorization": "Bearer feed-key"})
    assert r.status_code == 403


def test_two_services_in_one_process_count_apart(tmp_path: Path, harness: Harness) -> None:
    other = make_harness(tmp_path / "other")
    try:
        other.intake("SHOP-9", ("MUG", 1))
        mine = harness.service.metrics.registry.get_sample_value(
            "edge_events_applied_total", {"kind": "IntakeOrder"}
        )
        theirs = other.service.metrics.registry.get_sample_value(
            "edge_events_applied_total", {"kind": "IntakeOrder"}
        )
        assert (mine, theirs) == (None, 1.0)
    finally:
        other.service.db.close()


def test_the_metrics_role_is_a_configurable_role() -> None:
    settings = load_settings(
        None, api={"clients": {"prometheus": {"roles": ["metrics"], "keys": ["k-1"]}}}
    )
    assert settings.api.clients["prometheus"].roles == ["metrics"]


@pytest.mark.integration
def test_the_running_service_counts_what_came_over_mqtt(tmp_path: Path) -> None:
    """`edge serve` over a real Mosquitto: the link's readings and a dead letter, scraped
    over HTTP with the site's admin key."""
    with broker_or_skip(tmp_path / "broker", "edge-service") as broker:
        svc = ServiceProcess(broker, tmp_path / "svc")
        svc.start()
        dev = TestDevice(broker, "scanner", "scanner-02")
        try:
            dev.view()  # online: the service sent its screen
            dev.publish(dev.evt_topic, b'{"msg_id": "bad-1", "type": "scan", "code": ')
            assert dev.next("err")["code"] == "malformed"
            r = httpx.get(f"{svc.url}/api/v1/metrics", headers={"X-API-Key": svc.api_key})
            assert r.status_code == 200, r.text
            samples: Samples = {
                (s.name, tuple(sorted(s.labels.items()))): s.value
                for family in text_string_to_metric_families(r.text)
                for s in family.samples
            }
        finally:
            dev.close()
            svc.stop()
    assert value(samples, "edge_mqtt_connected") == 1
    assert value(samples, "edge_mqtt_received_total") >= 2  # its status and the bad message
    assert value(samples, "edge_mqtt_pending_acks") == 0
    assert value(samples, "edge_dead_letters_total", code="malformed") == 1
    assert value(samples, "edge_devices_connected", kind="scanner") >= 1
    assert value(samples, "edge_events_applied_total", kind="PresenceChanged") >= 1
    # Decoding is timed in the MQTT link, for what reaches the writer.
    assert value(samples, "edge_event_stage_seconds_count", stage="decode") >= 2


def test_a_reading_that_fails_leaves_the_rest_of_the_scrape(
    harness: Harness, client: TestClient
) -> None:
    def broken() -> float:
        raise RuntimeError("gone")

    harness.service.metrics.live("edge_broken", "A reading that fails.", broken)
    samples = scrape(client)
    assert ("edge_broken", ()) not in samples
    assert value(samples, "edge_writer_storage_ok") == 1
