"""The supervisor page in Debian's Chromium against the real HTTP app on a free port."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn

from edge.app import create_app, free_port
from edge.core import Core, CoreConfig
from edge.messages import IntakeOrder, LoadWarehouse, OrderLineIn, Origin
from edge.planner import TripPlanner
from edge.runtime import Runtime
from edge.service import Service
from edge.store import Database
from edge.warehouse import demo_description_path, load_description

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(120),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    db = Database(tmp_path / "edge.db")
    runtime = Runtime(db, Core(CoreConfig()))
    planner = TripPlanner(runtime)
    runtime.sinks.append(planner)
    service = Service(db=db, core=runtime.core, runtime=runtime, api_keys=["k"], planner=planner)
    runtime.start()
    now = datetime.now(UTC)
    service.handle(
        LoadWarehouse(Origin("test", now, "test"), load_description(demo_description_path()))
    )
    service.handle(
        IntakeOrder(Origin("shop", now, "http"), "WEB-9", (OrderLineIn("SKU-0001", 1),), now)
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(service), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    runtime.stop()
    db.close()


def test_supervisor_logs_in_and_sees_the_orders(base_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    assert shutil.which(CHROMIUM) or Path(CHROMIUM).exists()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(base_url + "/")
        page.fill("#badge", "P-1001")  # a picker is not let in
        page.click("button[type=submit]")
        page.wait_for_selector("text=this screen is for supervisors")
        page.fill("#badge", "S-3001")
        page.click("button[type=submit]")
        page.wait_for_selector("#counts .count >> text=received")
        assert page.inner_text("#counts").replace("\n", " ").startswith("received 1")
        page.screenshot(path=str(tmp_path / "supervisor.png"))
        browser.close()
