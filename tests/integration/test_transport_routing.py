"""The real service routes each device's effects by its transport, also after a reload."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from edge.warehouse import demo_description_path, load_description
from tests.support.broker import Mosquitto
from tests.support.device import TestDevice
from tests.support.service_process import ServiceProcess

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

# Long enough for the broker to deliver a stray command many times over (it takes
# milliseconds); the MQTT scanner's own view proves such traffic would be seen.
QUIET_S = 2.0
WAIT_S = 10.0
DEMO = load_description(demo_description_path())


def handheld_login(service: ServiceProcess, device: str, badge: str) -> tuple[str, dict[str, Any]]:
    """Log in on an HTTP handheld: its Bearer token and the view in the answer."""
    r = httpx.post(
        f"{service.url}/ui/handheld/login", json={"device": device, "badge": badge}, timeout=10
    )
    assert r.status_code == 200, r.text
    return r.json()["token"], r.json()["view"]


def handheld_event(service: ServiceProcess, token: str, type_: str, **fields: Any) -> Any:
    """One scan or tap from an HTTP handheld; the answer (outcome, view, error)."""
    body = {"id": uuid.uuid4().hex, "type": type_, **fields}
    r = httpx.post(
        f"{service.url}/ui/handheld/events",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    return r.json()


def sse_events(lines: Iterator[str]) -> Iterator[tuple[str, Any]]:
    """(event name, decoded data) of a Server-Sent Events stream, heartbeats skipped."""
    name = "message"
    for line in lines:
        if line.startswith("event:"):
            name = line.removeprefix("event:").strip()
        elif line.startswith("data:"):
            yield name, json.loads(line.removeprefix("data:"))
            name = "message"


def next_event(events: Iterator[tuple[str, Any]], wanted: str) -> Any:
    """The data of the next `wanted` event; the stream's read timeout bounds the wait."""
    try:
        for name, data in events:
            if name == wanted:
                return data
    except httpx.ReadTimeout:
        raise AssertionError(f"no {wanted!r} event within {WAIT_S} s") from None
    raise AssertionError(f"the stream ended before an {wanted!r} event")


def test_a_handheld_scan_publishes_nothing_on_mqtt(
    mosquitto: Mosquitto, service: ServiceProcess
) -> None:
    order = {
        "shop_order_id": "ROUTE-1",
        "paid_at": "2026-11-20T08:00:00+00:00",
        "lines": [{"sku": "SKU-0001", "qty": 1}],
    }
    assert service.post("/api/v1/orders", order).status_code == 201
    # Listens on handheld-1's own cmd and err topics, as a device of that name may.
    eavesdropper = TestDevice(mosquitto, "scanner", "handheld-1")
    mqtt_scanner = TestDevice(mosquitto, "scanner", "scanner-01")
    try:
        mqtt_scanner.view()  # the login screen the service sends a scanner coming online

        token, view = handheld_login(service, "handheld-1", "P-1007")
        assert view["screen"] in ("planning", "stop"), view
        deadline = time.monotonic() + WAIT_S
        while view["screen"] == "planning" and time.monotonic() < deadline:
            time.sleep(0.1)  # "next" while planning answers with the view again
            view = handheld_event(service, token, "next")["view"]
        assert view["screen"] == "stop" and view["expect"] == "bin", view

        other_bin = next(b.label for b in DEMO.bins if b.label != view["stop"]["bin"])
        refused = handheld_event(service, token, "scan", code=other_bin)
        assert refused["outcome"] == "refused" and refused["error"]["code"] == "wrong_bin"
        assert refused["view"]["screen"] == "stop" and refused["view"]["expect"] == "bin"
        applied = handheld_event(service, token, "scan", code=view["stop"]["bin"])
        assert applied["outcome"] == "applied" and applied["view"]["expect"] == "item"

        # Over MQTT a scan is answered on the scanner's cmd topic. Effects go out in commit
        # order on the service's one connection, so anything it had published for handheld-1
        # would reach the broker before this view.
        mqtt_scanner.send("scan", code="P-1001")
        assert mqtt_scanner.view()["screen"] in ("idle", "stop")
        assert eavesdropper.arrivals_within(QUIET_S) == []
    finally:
        eavesdropper.close()
        mqtt_scanner.close()


def test_a_warehouse_reload_is_seen_by_every_part(
    mosquitto: Mosquitto, service: ServiceProcess
) -> None:
    desc = DEMO.model_dump(mode="json")
    desc["pack_stations"].append({"id": "PS-9", "name": "Pack station 9"})
    desc["devices"] += [
        {"id": "pack-handheld-9", "kind": "scanner", "station": "PS-9", "transport": "http"},
        {"id": "scale-9", "kind": "scale", "station": "PS-9", "resolution_g": 2},
    ]
    r = httpx.put(
        f"{service.url}/api/v1/warehouse",
        json=desc,
        headers={"X-API-Key": service.api_key},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    # Before the new scale ever connects: listed because the reload put it in the catalog.
    assert "scale-9" in {d["id"] for d in service.get("/api/v1/devices")["devices"]}

    token, view = handheld_login(service, "pack-handheld-9", "K-2003")
    assert view["screen"] == "pack_order" and view["station"] == "PS-9", view
    scale = TestDevice(mosquitto, "scale", "scale-9")
    headers = {"Authorization": f"Bearer {token}"}
    timeout = httpx.Timeout(WAIT_S)  # also bounds each wait for the next line of the stream
    try:
        with httpx.stream(
            "GET", f"{service.url}/ui/handheld/stream", headers=headers, timeout=timeout
        ) as stream:
            assert stream.status_code == 200
            events = sse_events(stream.iter_lines())
            # The first view means this stream is subscribed: a reading from now on shows.
            assert next_event(events, "view")["screen"] == "pack_order"
            scale.send("weight", grams=1234, stable=False)
            weight = next_event(events, "weight")
        assert weight == {"scale": "scale-9", "grams": 1234, "stable": False}
    finally:
        scale.close()
