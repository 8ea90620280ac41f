"""Page-test helpers: HTTP handhelds, a logged-in handheld, an SSE reader with timeouts."""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi.testclient import TestClient

from edge.messages import Effect, LoadWarehouse, Origin
from edge.staff import hash_pin
from edge.warehouse import parse_description
from tests.support.harness import Harness, small_warehouse

# Handhelds running the service's own page (transport "http"): one on the floor, one at pack
# station PS-2, which also gets a scale so a parcel can be weighed there.
HANDHELD_DEVICES: tuple[dict[str, Any], ...] = (
    {"id": "hh-1", "kind": "scanner", "transport": "http"},
    {"id": "hh-pack", "kind": "scanner", "station": "PS-2", "transport": "http"},
    {"id": "scale-2", "kind": "scale", "station": "PS-2", "resolution_g": 2},
)


def handheld_warehouse() -> dict[str, Any]:
    """The small test warehouse plus the HTTP handhelds (and PS-2's scale)."""
    desc = small_warehouse()
    desc["devices"] += [dict(d) for d in HANDHELD_DEVICES]
    return desc


# PINs of the tests' staff: Ana (P-1) and Ines (S-1) have one, Bram (P-2) has none.
PIN = "4711"
BOSS_PIN = "9317"


def with_pins(desc: dict[str, Any]) -> dict[str, Any]:
    """The description with PIN hashes for Ana and Ines (few rounds: tests, not storage)."""
    for person in desc["staff"]:
        if person["badge"] == "P-1":
            person["pin_hash"] = hash_pin(PIN, rounds=1000)
        if person["badge"] == "S-1":
            person["pin_hash"] = hash_pin(BOSS_PIN, rounds=1000)
    return desc


def load_warehouse(harness: Harness, desc: dict[str, Any]) -> None:
    """Load a description through the writer, as `PUT /api/v1/warehouse` would."""
    origin = Origin("test", harness.clock.now, "test")
    harness.handle(LoadWarehouse(origin, parse_description(desc)))


def event_id() -> str:
    """An id the way the page makes one: 128 random bits, hex."""
    return uuid.uuid4().hex


@dataclass
class Handheld:
    """A person logged in on a handheld through `POST /ui/handheld/login`."""

    client: TestClient
    device: str
    token: str
    login: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def send(self, type_: str, event: str | None = None, **fields: Any) -> httpx.Response:
        body = {"id": event or event_id(), "type": type_, **fields}
        response: httpx.Response = self.client.post(
            "/ui/handheld/events", json=body, headers=self.headers
        )
        return response

    def applied(self, type_: str, **fields: Any) -> dict[str, Any]:
        """Send an event that must apply; its answer."""
        r = self.send(type_, **fields)
        assert r.status_code == 200, r.text
        answer: dict[str, Any] = r.json()
        assert answer["outcome"] == "applied", answer
        return answer


def login(client: TestClient, device: str, badge: str, pin: str | None = None) -> Handheld:
    body: dict[str, Any] = {"device": device, "badge": badge}
    if pin is not None:
        body["pin"] = pin
    r = client.post("/ui/handheld/login", json=body)
    assert r.status_code == 200, r.text
    return Handheld(client, device, r.json()["token"], r.json())


@dataclass(frozen=True)
class SseEvent:
    event: str
    data: Any


def parse_sse(lines: Iterator[str]) -> Iterator[SseEvent]:
    """Events of a text/event-stream (comments such as heartbeats are skipped)."""
    name = "message"
    data: list[str] = []
    for line in lines:
        if line == "":
            if data:
                yield SseEvent(name, json.loads("\n".join(data)))
            name, data = "message", []
        elif line.startswith(":"):
            continue
        elif line.startswith("event:"):
            name = line.removeprefix("event:").strip()
        elif line.startswith("data:"):
            data.append(line.removeprefix("data:").strip())


class SseReader:
    """Reads one SSE response on a thread of its own, so the test waits with timeouts rather
    than blocking on an endless stream. The stream ends when the server ends it (for the
    handheld's: `app.state.hub.close()`, or its token ending)."""

    def __init__(self, client: TestClient, url: str, headers: dict[str, str]) -> None:
        self._events: queue.Queue[SseEvent | None] = queue.Queue()
        self._started = threading.Event()
        self.status_code: int | None = None
        self.headers: httpx.Headers = httpx.Headers()
        self.error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(client, url, headers), name="sse-reader", daemon=True
        )
        self._thread.start()

    def _run(self, client: TestClient, url: str, headers: dict[str, str]) -> None:
        try:
            with client.stream("GET", url, headers=headers) as response:
                self.status_code = response.status_code
                self.headers = response.headers
                self._started.set()
                for event in parse_sse(response.iter_lines()):
                    self._events.put(event)
        except BaseException as exc:  # reported by next()/wait_for(), not lost in a thread
            self.error = exc
        finally:
            self._started.set()
            self._events.put(None)  # the end of the stream

    def wait_started(self, timeout: float = 5.0) -> None:
        assert self._started.wait(timeout), "the stream's response did not start"

    def next(self, timeout: float = 5.0) -> SseEvent:
        try:
            event = self._events.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no event within {timeout} s") from None
        if event is None:
            self._events.put(None)
            raise AssertionError(f"the stream ended (error: {self.error!r})")
        return event

    def wait_for(self, matches: Callable[[SseEvent], bool], timeout: float = 5.0) -> SseEvent:
        """The first event (from now) that matches; AssertionError after the timeout."""
        deadline = time.monotonic() + timeout
        seen: list[SseEvent] = []
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = self.next(left)
            except AssertionError as exc:
                raise AssertionError(f"{exc}; events seen meanwhile: {seen}") from None
            if matches(event):
                return event
            seen.append(event)
        raise AssertionError(f"no matching event within {timeout} s; seen: {seen}")

    def ends(self, timeout: float = 5.0) -> bool:
        """True once the response has ended (the reader thread is done)."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def remaining(self) -> list[SseEvent]:
        """After the stream ended: the events not yet taken."""
        assert not self._thread.is_alive(), "the stream is still open"
        events = []
        while (event := self._events.get_nowait()) is not None:
            events.append(event)
        self._events.put(None)
        return events


def open_stream(handheld: Handheld) -> SseReader:
    reader = SseReader(handheld.client, "/ui/handheld/stream", handheld.headers)
    reader.wait_started()
    return reader


@dataclass
class RecordingTransport:
    """A transport (edge.effects.Transport) that keeps what it is given."""

    batches: list[list[Effect]] = field(default_factory=list)

    def publish_effects(self, effects: Sequence[Effect]) -> None:
        self.batches.append(list(effects))

    @property
    def effects(self) -> list[Effect]:
        return [e for batch in self.batches for e in batch]

    def to(self, device_id: str) -> list[Effect]:
        """The effects addressed to one device."""
        return [e for e in self.effects if getattr(e, "device_id", None) == device_id]


# --- scenes the web tests start from ---


def badge_on(harness: Harness, device: str) -> str | None:
    return harness.service.queries.badge_on(device)


def without_version(view: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in view.items() if k != "v"}


def picker_at_a_stop(harness: Harness, client: TestClient) -> tuple[int, Handheld]:
    """An order of two mugs (bin A-02-1-A) and Ana logged in on handheld hh-1 to pick it."""
    oid = harness.intake("SHOP-1", ("MUG", 2))
    picker = login(client, "hh-1", "P-1")
    stop = picker.login["view"]["stop"]
    assert (stop["bin"], stop["order_id"], stop["qty"]) == ("A-02-1-A", oid, 2)
    return oid, picker


def held_at_the_pack_station(harness: Harness, client: TestClient) -> tuple[int, Handheld]:
    """An order picked on scan-1, packed by Greta on handheld hh-pack (PS-2), weighed 200 g
    over on PS-2's scale: on hold, Greta still at the station."""
    oid = harness.intake("SHOP-H", ("BOOK", 1))
    harness.scan("scan-1", "P-1")
    while harness.view("scan-1")["screen"] == "stop":
        harness.pick_current_stop("scan-1")
    assert harness.order(oid)["status"] == "packing"
    packer = login(client, "hh-pack", "K-1")
    parcel = packer.applied("scan", code=f"ORD-{oid}")["view"]["parcels"][0]
    harness.weigh("scale-2", parcel["expected_g"] + 200)
    assert harness.order(oid)["status"] == "on_hold"
    return oid, packer


def rows(harness: Harness, sql: str, *args: Any) -> list[dict[str, Any]]:
    with harness.service.read() as tx:
        return tx.all(sql, args)
