"""The handheld's live stream (SSE), and its effects leaving by HTTP, never by MQTT."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from edge.app import create_app
from edge.messages import Effect, LiveWeight, ScannerView
from edge.staff import StaffSessions
from handheld_ui.live import Hub
from tests.support.harness import GTIN, Harness
from tests.support.web import (
    RecordingTransport,
    SseEvent,
    held_at_the_pack_station,
    login,
    open_stream,
    picker_at_a_stop,
    without_version,
)

# --- the live stream ---


def _is_view(matches: Callable[[dict[str, Any]], bool]) -> Callable[[SseEvent], bool]:
    """A view event whose view matches."""

    def check(event: SseEvent) -> bool:
        return event.event == "view" and bool(matches(event.data))

    return check


def test_the_stream_is_event_stream_and_starts_with_the_current_view(
    client: TestClient, harness: Harness
) -> None:
    _, picker = picker_at_a_stop(harness, client)
    stream = open_stream(picker)
    assert stream.status_code == 200
    assert stream.headers["content-type"].startswith("text/event-stream")
    first = stream.next()
    assert first.event == "view"
    assert without_version(first.data) == without_version(picker.login["view"])
    assert isinstance(first.data["v"], int)
    # A second stream of the same handheld (a reload while the old one lingers) changes no
    # presence, so nothing is pushed: its view comes from the stream itself.
    second = open_stream(picker)
    again = second.next()
    assert again.event == "view"
    assert without_version(again.data) == without_version(picker.login["view"])


def test_the_stream_needs_a_token(client: TestClient) -> None:
    assert client.get("/ui/handheld/stream").status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert client.get("/ui/handheld/stream", headers=bad).status_code == 401


def test_a_view_changed_by_another_message_is_pushed_on_the_open_stream(
    client: TestClient, harness: Harness
) -> None:
    _, picker = picker_at_a_stop(harness, client)
    stream = open_stream(picker)
    first = stream.next()
    assert first.data["expect"] == "bin"
    # Not this page's request: a scan reaching the writer another way, on the same device.
    harness.scan("hh-1", "A-02-1-A")
    pushed = stream.wait_for(_is_view(lambda v: v.get("expect") == "item"))
    assert pushed.data["stop"]["bin"] == "A-02-1-A"
    assert pushed.data["v"] > first.data["v"]  # the page keeps the newer view by "v"


def test_the_supervisors_override_is_pushed_to_the_pack_stations_stream(
    client: TestClient, harness: Harness
) -> None:
    oid, packer = held_at_the_pack_station(harness, client)
    stream = open_stream(packer)
    held = stream.next()
    assert held.data["last"]["order_id"] == oid and held.data["last"]["status"] == "on_hold"
    r = client.post(
        "/ui/handheld/override",
        json={"order_id": oid, "badge": "S-1", "reason": "checked"},
        headers=packer.headers,
    )
    assert r.status_code == 200
    released = stream.wait_for(
        _is_view(lambda v: (v.get("last") or {}).get("status") == "ready_to_ship")
    )
    assert released.data["last"]["order_id"] == oid


def test_the_station_scales_live_weight_is_pushed_to_the_pack_stations_stream(
    client: TestClient, harness: Harness
) -> None:
    packer = login(client, "hh-pack", "K-1")
    stream = open_stream(packer)
    assert stream.next().event == "view"
    harness.service.effects.live_weight(LiveWeight("scale-2", 455, False))
    weight = stream.wait_for(lambda e: e.event == "weight")
    assert weight.data == {"scale": "scale-2", "grams": 455, "stable": False}


def test_an_open_stream_shows_the_handheld_online_until_it_ends(
    app: FastAPI, client: TestClient, harness: Harness
) -> None:
    def online() -> int:
        with harness.service.read() as tx:
            return int(tx.value("SELECT online FROM devices WHERE id = 'hh-1'"))

    _, picker = picker_at_a_stop(harness, client)
    assert online() == 0
    stream = open_stream(picker)
    stream.next()
    assert online() == 1
    app.state.hub.close()  # the service stops: every stream ends
    assert stream.ends(timeout=5.0)
    assert stream.error is None
    assert online() == 0


def test_a_stream_whose_token_has_ended_sends_no_further_view(
    client: TestClient, harness: Harness
) -> None:
    harness.service.sessions = StaffSessions(max_s=1)  # tokens end after a second
    _, ana = picker_at_a_stop(harness, client)
    stream = open_stream(ana)
    assert stream.next().data["who"] == "Ana"
    deadline = time.monotonic() + 5
    while harness.service.sessions.get(ana.token) is not None:  # Ana's token ends
        assert time.monotonic() < deadline, "the token did not end"
        time.sleep(0.05)
    login(client, "hh-1", "P-2")  # Bram picks up the handheld
    assert stream.ends(timeout=5.0)
    shown = {e.data.get("who") for e in stream.remaining() if e.event == "view"}
    assert "Bram" not in shown


# --- effects leave by the device's own transport ---


class RecordingHub(Hub):
    """The real hub, also keeping what the router hands it."""

    def __init__(self) -> None:
        super().__init__()
        self.received = RecordingTransport()

    def publish_effects(self, effects: Sequence[Effect]) -> None:
        self.received.publish_effects(effects)
        super().publish_effects(effects)


def test_an_http_handhelds_effects_go_to_the_hub_and_never_to_mqtt(harness: Harness) -> None:
    hub = RecordingHub()
    mqtt = RecordingTransport()
    harness.service.effects.attach("mqtt", mqtt)
    with TestClient(create_app(harness.service, hub), raise_server_exceptions=False) as client:
        _, picker = picker_at_a_stop(harness, client)
        picker.applied("scan", code="A-02-1-A")
        picker.applied("scan", code=GTIN["MUG"])
        hub.close()
    assert mqtt.to("hh-1") == []
    hh_views = [e for e in hub.received.to("hh-1") if isinstance(e, ScannerView)]
    assert [v.view["stop"]["picked"] for v in hh_views[-2:]] == [0, 1]
    # The floor's other devices are still MQTT's: the lit shelf module, the MQTT scanner.
    assert {e.device_id for e in mqtt.effects if hasattr(e, "device_id")} == {"ptl-A"}
    harness.scan("scan-1", "P-1")  # Ana moves to an MQTT scanner
    scan1 = [e for e in mqtt.to("scan-1") if isinstance(e, ScannerView)]
    assert scan1 and scan1[-1].view["who"] == "Ana"
    assert hub.received.to("scan-1") == []
    assert mqtt.to("hh-1") == []
    hh_views = [e for e in hub.received.to("hh-1") if isinstance(e, ScannerView)]
    assert hh_views[-1].view["screen"] == "login"  # hh-1's login screen went to the hub
