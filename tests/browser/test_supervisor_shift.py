"""The supervisor's cut-off clock after the cut-off and the shift panel, in Chromium."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from edge.warehouse import demo_description_path
from tests.support.broker import Mosquitto
from tests.support.browser import EAN, LiveService, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


@pytest.fixture
def past_cutoff(mosquitto: Mosquitto, tmp_path: Path) -> Iterator[LiveService]:
    """The demo site on UTC with its cut-off and first carrier pick-up at midnight: whenever
    the test runs, today's cut-off has passed."""
    desc = json.loads(demo_description_path().read_text(encoding="utf-8"))
    desc["site"] |= {"timezone": "UTC", "cutoff": "00:00", "carrier_pickups": ["00:00", "23:59"]}
    path = tmp_path / "warehouse.json"
    path.write_text(json.dumps(desc), encoding="utf-8")
    svc = LiveService(mosquitto, tmp_path / "service", warehouse_file=path)
    svc.start()
    try:
        yield svc
    finally:
        svc.stop()


def test_missed_orders_after_the_cutoff_and_the_shift_in_numbers(
    past_cutoff: LiveService, devices: Any, handheld: Any, tmp_path: Path
) -> None:
    service = past_cutoff
    service.order(("SKU-0002", 1))
    # A picker on an MQTT scanner: one refused scan, then the order's one stop.
    scanner = devices("scanner", "scanner-01")
    scanner.send("scan", code="P-1001")
    view = scanner.view()
    while view["screen"] != "stop":  # the login screen sent when it came online, first
        view = scanner.view()
    stop = view["stop"]
    scanner.send("scan", code="NOT-A-CODE")
    scanner.send("scan", code=stop["bin"])
    scanner.send("scan", code=EAN["SKU-0002"])
    service.wait_for(lambda: service.query("SELECT count(*) AS n FROM picks")[0]["n"] == 1)
    # Two orders due at today's cut-off (midnight), still not picked.
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    for _ in range(2):
        body = {
            "shop_order_id": f"LATE-{uuid.uuid4().hex[:8]}",
            "lines": [{"sku": "SKU-0003", "qty": 1}],
            "paid_at": midnight.replace(hour=0).isoformat(),
            "cutoff_at": midnight.isoformat(),
        }
        assert service.post("/api/v1/orders", body).status_code == 201

    page = handheld(locale="en-GB", width=1280, height=800).new_page()
    page.goto(f"{service.url}/supervisor")
    page.fill("#badge", "S-3001")
    page.click("#login-submit")
    expect(page.locator("#link")).to_have_attribute("data-state", "open")
    # Not tomorrow's countdown: the orders due by today's cut-off that are not ready.
    expect(page.locator("#cutoff-clock")).to_have_text("2 missed")
    expect(page.locator("#cutoff")).to_have_attribute("data-level", "alarm")
    expect(page.locator('#pickups [data-pickup="00:00"]')).to_have_text("Pick-up 00:00: 2 missed")
    # The shift: Ana's line, four scanner messages of which one refused.
    panel = page.locator("#panel-shift")
    expect(panel.locator('[data-stat="errors"] b')).to_have_text("25%")
    expect(panel.locator('[data-stat="errors"] small')).to_have_text("1 of 4 scans refused")
    expect(panel.locator('[data-stat="lines"] small')).to_have_text("1 in all")
    expect(panel.locator('.rate.picker[data-badge="P-1001"] .main b')).to_have_text("Ana")
    bars = panel.locator("svg.chart rect.lines")
    expect(bars).to_have_count(8)
    assert bars.last.get_attribute("data-lines") == "1"
    screenshot(page, "supervisor-shift", tmp_path)
    # At 1280×800 nothing is wider than the window, and the panel's content fits in a column
    # of the board's height (no scrolling inside it).
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert page.evaluate(
        "document.getElementById('panel-shift').scrollHeight"
        " <= document.getElementById('board').clientHeight"
    )
    # In Dutch, the same.
    page.select_option("#lang", "nl")
    expect(page.locator("#cutoff-clock")).to_have_text("2 gemist")
    expect(panel.locator('[data-stat="errors"] small')).to_have_text(
        re.compile(r"^1 van 4 scans geweigerd$")
    )
