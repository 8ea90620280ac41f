"""A packer's label in Chromium: the printer is offline, the screen says so in red, and
Reprint prints it once the printer is back (audited)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.test_handheld_packing import picked_by_a_colleague
from tests.support.browser import (
    EAN,
    SCREENSHOTS,
    LiveService,
    login,
    open_handheld,
    screenshot,
    wedge,
)
from tests.support.zpl import parse

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def test_an_offline_printer_is_loud_and_reprint_works_when_it_is_back(
    service: LiveService, handheld: Any, devices: Any, tmp_path: Path
) -> None:
    printer = service.printer
    assert printer is not None
    oid = picked_by_a_colleague(service, ("SKU-0003", 1), ("SKU-0002", 1))
    scale = devices("scale", "scale-3")
    page = open_handheld(handheld, service, "pack-handheld-3")
    login(page, "K-2003", screen="pack")
    wedge(page, f"ORD-{oid}")
    page.wait_for_selector("#weigh:not([hidden])")
    for _ in range(10):  # items the scale cannot see missing are scanned in first
        view = page.evaluate("window.edgeHandheld.view")
        if view["screen"] != "pack_contents":
            break
        wedge(page, EAN[view["missing"][0]["sku"]])
        page.wait_for_function("v => window.edgeHandheld.view.v !== v", arg=view.get("v"))
    parcel = page.evaluate("window.edgeHandheld.view.parcels[0]")

    printer.set_mode("offline")
    scale.send("weight", grams=parcel["expected_g"], stable=True)
    page.wait_for_selector("#label-alarm:not([hidden])")
    assert "NOT printed" in page.inner_text("#label-alarm-title")
    assert "offline" in page.inner_text("#label-alarm-text")
    assert page.evaluate("document.body.dataset.error") == "label_failed"
    screenshot(page, "packer-label-offline", tmp_path)
    # Like the error screen, the alarm cannot be scanned past: the next scan is held.
    sent = "SELECT count(*) AS n FROM inbound_seen WHERE device = 'pack-handheld-3'"
    before = service.query(sent)[0]["n"]
    wedge(page, f"ORD-{oid}")
    page.wait_for_timeout(700)
    assert service.query(sent)[0]["n"] == before
    assert page.is_visible("#label-alarm")
    rows = service.query("SELECT result, actor FROM label_prints ORDER BY id")
    assert rows == [{"result": "offline", "actor": "K-2003"}]

    printer.set_mode("ok")
    page.click("#label-alarm-reprint")
    page.wait_for_selector("#label-panel[data-print=printed]")
    assert page.is_hidden("#label-alarm")
    job = printer.wait_for_jobs(1)[0]
    stored = service.query(
        "SELECT tracking, sscc FROM parcels WHERE id = ?", (parcel["parcel_id"],)
    )[0]
    assert parse(job.text).barcodes() == [stored["tracking"], "00" + stored["sscc"]]
    assert page.inner_text("#label-numbers") == stored["tracking"]
    page.wait_for_function("() => document.getElementById('label-preview').naturalWidth > 0")
    rows = service.query("SELECT result, reason, actor, device FROM label_prints ORDER BY id")
    assert rows[-1] == {
        "result": "printed",
        "reason": "Reprint pressed on the packer's screen",
        "actor": "K-2003",
        "device": "pack-handheld-3",
    }
    screenshot(page, "packer-label-printed", tmp_path)
    # The preview the packer sees is the label as the printer draws it: the same numbers.
    svg = httpx.get(
        f"{service.url}/api/v1/parcels/{parcel['parcel_id']}/label.svg",
        headers={"X-API-Key": service.api_key},
        timeout=10,
    )
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert stored["tracking"] in svg.text
    assert f"(00) {stored['sscc'][0]} {stored['sscc'][1:8]}" in svg.text
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        (SCREENSHOTS / "label.svg").write_text(svg.text, encoding="utf-8")
