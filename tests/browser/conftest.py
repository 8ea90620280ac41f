"""Browser-test fixtures: Debian's Chromium against the real service and a private Mosquitto."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.broker import Mosquitto, private_broker
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, LiveService
from tests.support.device import TestDevice

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


@pytest.fixture
def devices(mosquitto: Mosquitto) -> Iterator[Callable[[str, str], TestDevice]]:
    """Real MQTT devices of the demo site (a scale, a scanner): devices(kind, device_id)."""
    made: list[TestDevice] = []

    def make(kind: str, device_id: str) -> TestDevice:
        made.append(TestDevice(mosquitto, kind, device_id))
        return made[-1]

    yield make
    for device in made:
        device.close()  # a dropped one has nothing to close


# Package scope: Playwright's sync API keeps an event loop running on the main thread while
# it is open, and the tests after this package (asyncio.run) must not find one.
@pytest.fixture(scope="package")
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
