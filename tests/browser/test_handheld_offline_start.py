"""A handheld that reloads offline starts from its service worker; queued scans keep their
device time and go out exactly once when it is back in range."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.browser import EAN, LiveService, login, screenshot, wedge

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def test_the_manifest_and_the_service_worker_are_served_for_the_handheld_page(
    service: LiveService,
) -> None:
    manifest = httpx.get(f"{service.url}/handheld.webmanifest", timeout=10)
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    assert manifest.json()["start_url"] == "/handheld"
    worker = httpx.get(f"{service.url}/handheld-sw.js", timeout=10)
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["service-worker-allowed"] == "/handheld"


def test_a_reload_offline_starts_from_the_service_worker_and_the_scan_keeps_its_time(
    service: LiveService, handheld: Any, tmp_path: Path
) -> None:
    service.order(("SKU-0005", 1), ("SKU-0008", 1))
    context = handheld()
    page = context.new_page()
    page.goto(f"{service.url}/handheld?device=handheld-2")
    page.wait_for_selector("body[data-screen=login]")
    # The worker has kept the shell and controls the page (a handheld's first visit).
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("!!navigator.serviceWorker.controller", timeout=10000)
    login(page, "P-1008")
    wedge(page, "A-02-1-A")
    page.wait_for_selector("body[data-screen=stop][data-expect=item]")

    context.set_offline(True)
    # A reloaded document may start before the offline emulation reaches it: the API is
    # cut at the route too, so nothing can slip out while the test says "offline".
    context.route("**/ui/handheld/**", lambda route: route.abort("internetdisconnected"))
    before = datetime.now().astimezone()
    wedge(page, EAN["SKU-0005"])
    page.wait_for_function("window.edgeHandheld.queue.length === 1")
    after = datetime.now().astimezone()

    page.reload()  # out of range: the page comes from the service worker
    page.wait_for_selector("body[data-screen=stop][data-expect=item]")  # the last screen
    # Kees reads Dutch: the bar says offline with one queued (not "sending").
    page.wait_for_function(
        "!window.edgeHandheld.reachable"
        " && document.getElementById('link').textContent.includes('1')"
    )
    assert page.is_visible("#queued")
    kept = "Promise.all(['/handheld', '/static/handheld.js', '/static/i18n/handheld.nl.json']"
    assert page.evaluate(f"{kept}.map(u => caches.match(u))).then(rs => rs.every(Boolean))")
    queued = json.loads(page.evaluate("localStorage.getItem('edge.queue.handheld-2.P-1008')"))
    assert [e["code"] for e in queued] == [EAN["SKU-0005"]]
    assert service.query("SELECT count(*) AS n FROM picks")[0]["n"] == 0
    screenshot(page, "handheld-offline-reload", tmp_path)

    back = datetime.now().astimezone()  # the scan waited at least as long as the reload took
    context.unroute("**/ui/handheld/**")
    context.set_offline(False)
    page.wait_for_function("window.edgeHandheld.queue.length === 0", timeout=15000)
    picks = service.wait_for(lambda: service.query("SELECT * FROM picks"))
    assert [p["msg_id"] for p in picks] == [queued[0]["id"]]  # applied exactly once
    scanned = datetime.fromisoformat(picks[0]["scanned_at"])
    applied = datetime.fromisoformat(picks[0]["at"])
    slack = timedelta(milliseconds=50)  # the two clocks round differently
    assert before - slack <= scanned <= after + slack  # the device's time of the scan
    assert applied >= back - slack > after  # recorded beside it: the time it was applied
