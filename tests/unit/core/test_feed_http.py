"""The feed over HTTP (docs/cloud-sync.md): a consumer's own pages and acks, the stream (409),
the floor (410), floor and newest on every page, long-poll, gzip, an admin reads only."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cloud_sync.router import PAGES_HELD
from edge.app import create_app
from tests.support.feed import append_records, check_page
from tests.support.harness import Harness

FEED = {"X-API-Key": "feed-key"}
ADMIN = {"X-API-Key": "test-key"}


@pytest.fixture
def client(harness: Harness) -> Iterator[TestClient]:
    cfg = replace(harness.service.core.cfg, retain_acked_days=0)
    harness.service.core.cfg = harness.service.queries.cfg = cfg
    with TestClient(create_app(harness.service), raise_server_exceptions=False) as c:
        yield c


def _page(client: TestClient, **params: Any) -> dict[str, Any]:
    r = client.get("/api/v1/feed", params=params, headers=FEED)
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


def test_pages_carry_floor_newest_and_a_verifiable_chain(
    client: TestClient, harness: Harness
) -> None:
    append_records(harness, 7)
    first = _page(client, after=0, limit=3)
    stream = first["stream_id"]
    assert [r["seq"] for r in first["records"]] == [1, 2, 3]
    assert (first["floor"], first["newest"], first["next"], first["has_more"]) == (0, 7, 3, True)
    check_page(first, 0)
    rest = _page(client, after=3, stream=stream, limit=5000)
    assert [r["seq"] for r in rest["records"]] == [4, 5, 6, 7] and not rest["has_more"]
    check_page(rest, 3)
    assert client.get("/api/v1/feed?limit=5001", headers=FEED).status_code == 422
    assert client.get("/api/v1/feed", headers={"X-API-Key": "intake-key"}).status_code == 403


def test_acks_are_the_callers_own_and_name_the_stream(client: TestClient, harness: Harness) -> None:
    append_records(harness, 5)
    stream = _page(client)["stream_id"]
    r = client.post("/api/v1/feed/ack", json={"stream_id": stream, "seq": 3}, headers=FEED)
    assert r.status_code == 200, r.text
    assert r.json() == {"consumer": "feed", "stream_id": stream, "acked_seq": 3, "pruned": 3}
    other = client.post("/api/v1/feed/ack", json={"stream_id": "f" * 32, "seq": 4}, headers=FEED)
    assert other.status_code == 409 and other.json()["stream_id"] == stream, other.text
    beyond = client.post("/api/v1/feed/ack", json={"stream_id": stream, "seq": 6}, headers=FEED)
    assert beyond.status_code == 422 and beyond.json()["detail"].startswith("seq: ")
    for body in ({"seq": 4}, {"stream_id": stream, "seq": 4, "consumer": "audit"}):
        r = client.post("/api/v1/feed/ack", json=body, headers=FEED)
        assert r.status_code == 422, r.text  # strict: the stream is named, nothing else
    admin = client.post("/api/v1/feed/ack", json={"stream_id": stream, "seq": 5}, headers=ADMIN)
    assert admin.status_code == 403 and "only a consumer" in admin.json()["detail"]
    # The admin reads pages and the backlog of every consumer.
    assert client.get("/api/v1/feed", headers=ADMIN).json()["acked_seq"] == 3
    backlog = client.get("/api/v1/feed/backlog", headers=ADMIN).json()
    assert backlog["floor"] == 3 and backlog["newest"] == 5
    assert [(c["consumer"], c["unacked"]) for c in backlog["consumers"]] == [("feed", 2)]
    mine = client.get("/api/v1/feed/backlog", headers=FEED).json()
    assert mine["consumer"] == "feed" and mine["unacked"] == 2


def test_another_stream_is_409_and_below_the_floor_is_410(
    client: TestClient, harness: Harness
) -> None:
    append_records(harness, 6)
    stream = _page(client)["stream_id"]
    client.post("/api/v1/feed/ack", json={"stream_id": stream, "seq": 4}, headers=FEED)
    r = client.get("/api/v1/feed", params={"stream": "a" * 32, "after": 4}, headers=FEED)
    assert r.status_code == 409 and r.json()["stream_id"] == stream, r.text
    r = client.get("/api/v1/feed", params={"stream": stream, "after": 2}, headers=FEED)
    assert r.status_code == 410 and r.json()["floor"] == 4, r.text
    assert "after: 2 is below the floor 4" in r.json()["detail"]
    # after=0 reads a stream from its floor: the first record names the floor.
    start = _page(client, after=0)
    assert start["floor"] == 4 and start["records"][0]["prev_seq"] == 4
    check_page(start, 0)


def test_a_long_poll_answers_as_soon_as_a_record_is_committed(
    client: TestClient, harness: Harness
) -> None:
    append_records(harness, 1)
    stream = _page(client)["stream_id"]
    answered: list[tuple[float, dict[str, Any]]] = []

    def poll() -> None:
        r = client.get(
            "/api/v1/feed", params={"after": 1, "stream": stream, "wait": 10}, headers=FEED
        )
        answered.append((time.monotonic(), r.json()))

    waiting = threading.Thread(target=poll)
    waiting.start()
    time.sleep(0.5)
    assert answered == []  # still waiting
    append_records(harness, 1)
    committed = time.monotonic()
    waiting.join(5)
    at, page = answered[0]
    assert [r["seq"] for r in page["records"]] == [2]
    assert at - committed < 0.1, at - committed


def test_a_long_poll_answers_empty_after_wait_and_a_first_request_at_once(
    client: TestClient, harness: Harness
) -> None:
    stream = _page(client)["stream_id"]
    started = time.monotonic()
    page = _page(client, after=0, stream=stream, wait=0.3)
    took = time.monotonic() - started
    assert page["records"] == [] and page["next"] == 0
    assert 0.3 <= took < 1.0, took
    started = time.monotonic()
    _page(client, after=0, wait=5)  # no stream yet: the first answer tells it at once
    assert time.monotonic() - started < 1.0


def test_a_page_is_gzipped_when_the_client_accepts_it(client: TestClient, harness: Harness) -> None:
    append_records(harness, 20)
    r = client.get("/api/v1/feed", headers={**FEED, "Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    assert len(r.json()["records"]) == 20  # httpx decodes it
    raw = client.get("/api/v1/feed", headers={**FEED, "Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers
    assert raw.json() == r.json()
    compressed = gzip.compress(raw.content, 1)
    assert len(compressed) * 3 < len(raw.content)


def test_every_answer_gives_its_page_place_back(client: TestClient, harness: Harness) -> None:
    """At most PAGES_HELD bodies exist at once; each answer (a page, a refusal, an empty
    long-poll) gives its place back, or the ninth request would wait for ever."""
    append_records(harness, 2)
    stream = _page(client)["stream_id"]
    for _ in range(3 * PAGES_HELD):
        assert _page(client, after=1, stream=stream)["next"] == 2
        r = client.get("/api/v1/feed", params={"stream": "b" * 32}, headers=FEED)
        assert r.status_code == 409
    for _ in range(PAGES_HELD + 1):
        assert _page(client, after=2, stream=stream, wait=0.01)["records"] == []
