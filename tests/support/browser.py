"""What browser tests share: the live service, handheld page helpers, screenshots."""

from __future__ import annotations

import os
import sqlite3
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from edge.devices.label_printer import SimulatedLabelPrinter
from edge.warehouse import demo_description_path, load_description
from tests.support.labels import print_to_test_printer
from tests.support.service_process import ServiceProcess

CHROMIUM = "/usr/bin/chromium"
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]


class LiveService(ServiceProcess):
    """The running service plus what browser tests need around it (its pack stations print
    their labels to a simulated printer of its own: `printer`)."""

    printer: SimulatedLabelPrinter | None = None

    def start(self, timeout: float = 30.0) -> None:
        super().start(timeout)
        self.printer = print_to_test_printer(self)

    def stop(self) -> None:
        super().stop()
        if self.printer is not None:
            self.printer.stop()

    def order(self, *lines: tuple[str, int], cutoff_in_h: float = 3) -> int:
        """A paid order through the shop API; returns its id."""
        now = datetime.now(UTC)
        body = {
            "shop_order_id": f"WEB-{uuid.uuid4().hex[:8]}",
            "lines": [{"sku": sku, "qty": qty} for sku, qty in lines],
            "paid_at": now.isoformat(),
            "cutoff_at": (now + timedelta(hours=cutoff_in_h)).isoformat(),
        }
        r = self.post("/api/v1/orders", body)
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Read the service's database directly (read-only): what was really stored."""
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=10)
        conn.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in conn.execute(sql, params)]
        finally:
            conn.close()

    def wait_for(self, check: Callable[[], Any], timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met within {timeout} s")
            time.sleep(0.05)


DEMO = load_description(demo_description_path())
EAN = {s.sku: s.gtins[0][1:] for s in DEMO.skus}  # what is printed on the item: EAN-13


def wedge(page: Any, code: str) -> None:
    """A trigger scanner: types into whatever has focus, then presses Enter."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def open_handheld(handheld: Any, service: LiveService, device: str, **kw: Any) -> Any:
    page = handheld(**kw).new_page()
    page.goto(f"{service.url}/handheld?device={device}")
    page.wait_for_selector("body[data-screen=login]")
    return page


def login(page: Any, badge: str, screen: str = "stop") -> None:
    wedge(page, badge)
    page.wait_for_selector(f"body[data-screen={screen}]")


def screenshot(page: Any, name: str, tmp_path: Path) -> Path:
    """Save a screenshot for the test's record; with UPDATE_SCREENSHOTS=1 also for the docs."""
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path))
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    return path
