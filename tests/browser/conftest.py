"""Fixtures for browser tests: Debian's Chromium against the real service and a real broker.

The service runs as `python -m edge serve` on a free port with the demo warehouse, against a
private Mosquitto started from the project's own config (tests/support/broker.py).
Screenshots go to tmp_path; with UPDATE_SCREENSHOTS=1 the main screens are also written to
docs/screenshots/ (that is how the README's pictures are made).
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from tests.support.broker import Mosquitto, private_broker
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, LiveService
from tests.support.service_process import SITE

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(
            reason="Debian's chromium is not installed (apt-get install chromium)"
        )
        for item in items:
            if "tests/browser" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[Mosquitto]:
    # One broker per test (it starts in milliseconds): no retained presence or Last Will of
    # an earlier test's devices shows up on a later test's supervisor screen.
    broker = private_broker(tmp_path / "mosquitto", "edge-service")
    if broker is None:
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture
def service(mosquitto: Mosquitto, tmp_path: Path) -> Iterator[LiveService]:
    svc = LiveService(mosquitto, tmp_path / "service")
    svc.start()
    try:
        yield svc
    finally:
        svc.stop()


class Device:
    """A simulated MQTT device (a scale, a scanner): its own broker user, retained presence
    and Last Will, exactly as the device contract (docs/mqtt.md) says."""

    def __init__(self, broker: Mosquitto, kind: str, device_id: str) -> None:
        self.kind, self.id = kind, device_id
        password = broker.add_user(device_id)
        self.base = f"wh/{SITE}/{kind}/{device_id}"
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"sim-{device_id}")
        self.client.username_pw_set(device_id, password)
        self.client.will_set(f"{self.base}/status", json.dumps({"online": False}), 1, True)
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()
        self.status(online=True)

    def status(self, *, online: bool) -> None:
        self.client.publish(f"{self.base}/status", json.dumps({"online": online}), 1, True)

    def send(self, type_: str, **fields: Any) -> None:
        body = {"msg_id": uuid.uuid4().hex, "type": type_, **fields}
        self.client.publish(f"{self.base}/evt", json.dumps(body), 1).wait_for_publish(5)

    def drop(self) -> None:
        """The device dies without a goodbye: the broker publishes its Last Will."""
        sock = self.client.socket()
        if sock is not None:
            sock.close()
        self.client.loop_stop()

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def devices(mosquitto: Mosquitto) -> Iterator[Callable[[str, str], Device]]:
    made: list[Device] = []

    def make(kind: str, device_id: str) -> Device:
        made.append(Device(mosquitto, kind, device_id))
        return made[-1]

    yield make
    for device in made:
        with contextlib.suppress(Exception):  # a dropped device has no connection
            device.close()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def handheld(chromium: Any) -> Iterator[Callable[..., Any]]:
    """New browser contexts at a handheld's size (360×640, touch), one per device."""
    contexts: list[Any] = []

    def open_context(locale: str = "en-GB", width: int = 360, height: int = 640) -> Any:
        ctx = chromium.new_context(
            viewport={"width": width, "height": height},
            device_scale_factor=2 if width <= 400 else 1,
            has_touch=width <= 400,
            locale=locale,
        )
        contexts.append(ctx)
        return ctx

    yield open_context
    for ctx in contexts:
        ctx.close()
