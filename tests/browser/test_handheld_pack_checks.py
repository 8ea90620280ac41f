"""A packer in Chromium: a cable the scale cannot see missing is caught by its scan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_a11y import clean
from tests.browser.test_handheld_layout import LANGUAGES, fits
from tests.browser.test_handheld_packing import picked_by_a_colleague
from tests.support.browser import EAN, LiveService, login, open_handheld, screenshot, wedge

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def test_a_blind_item_left_out_is_caught_before_the_weight_passes(
    service: LiveService, handheld: Any, devices: Any, tmp_path: Path
) -> None:
    # A yoga mat's weight varies more than a 38 g cable weighs: the scale alone would pass
    # the parcel without the cable.
    oid = picked_by_a_colleague(service, ("SKU-0011", 1), ("SKU-0003", 1), ("SKU-0002", 1))
    scale = devices("scale", "scale-3")
    page = open_handheld(handheld, service, "pack-handheld-3")
    login(page, "K-2003", screen="pack")
    wedge(page, f"ORD-{oid}")
    page.wait_for_selector("#pack-missing li[data-sku=SKU-0002]")
    view = page.evaluate("window.edgeHandheld.view")
    assert view["screen"] == "pack_contents"
    parcel = view["parcels"][0]
    assert parcel["tolerance_g"] >= 38
    assert page.inner_text("#pack-title") == f"Order {oid}: parcel 1 of 1"
    # The parcel's items, with the one to scan marked.
    assert page.inner_text("#pack-items li[data-sku=SKU-0002] .scans") == "0 of 1 scanned"
    assert page.query_selector("#pack-items li[data-sku=SKU-0003] img") is not None
    assert page.is_hidden("#weigh .weight-live")
    clean(page, "packing: scan the contents")

    # The packer scans the mat and the mug, not the cable, and puts the box on the scale.
    wedge(page, EAN["SKU-0011"])
    wedge(page, EAN["SKU-0003"])
    page.wait_for_function(
        "() => window.edgeHandheld.view.parcels[0].contents.filter(c => c.scanned).length === 2"
    )
    assert page.evaluate("window.edgeHandheld.view.screen") == "pack_contents"
    scale.send("weight", grams=parcel["expected_g"] - 38, stable=True)
    page.wait_for_selector("#error:not([hidden])")
    assert page.evaluate("document.body.dataset.error") == "contents_first"
    assert page.inner_text("#error-title") == "Scan the items into the box before weighing"
    assert "USB-C cable 1 m, black (SKU-0002) × 1" in page.inner_text("#error-facts")
    screenshot(page, "packer-weight-refused", tmp_path)
    page.click("#error-ok")
    assert "USB-C cable" in page.inner_text("#pack-missing")
    assert service.get(f"/api/v1/orders/{oid}")["status"] == "packing"

    # A wrong product: the blocking error screen; nothing counted.
    wedge(page, EAN["SKU-0006"])
    page.wait_for_selector("#error:not([hidden])")
    assert page.inner_text("#error-title") == "Wrong item"
    assert "Desk lamp" in page.inner_text("#error-facts")
    page.click("#error-ok")

    # The cable, typed from its label: now the parcel can be weighed, and it passes.
    wedge(page, "sku-0002")
    page.wait_for_selector("#weigh .weight-live:not([hidden])")
    assert page.evaluate("window.edgeHandheld.view.screen") == "pack_weigh"
    assert page.inner_text("#pack-items li[data-sku=SKU-0002] .scans") == "✓ all scanned"
    scale.send("weight", grams=parcel["expected_g"] + 3, stable=True)
    page.wait_for_selector("#pack-result.pass")
    order = service.get(f"/api/v1/orders/{oid}")
    assert order["status"] == "ready_to_ship"
    scans = order["pack_scans"]
    assert [(s["sku"], s["via"]) for s in scans] == [
        ("SKU-0011", "scan"),
        ("SKU-0003", "scan"),
        ("SKU-0002", "typed"),
    ]
    assert {(s["packer"], s["device"]) for s in scans} == {("K-2003", "pack-handheld-3")}


def test_a_held_parcel_says_the_grams_and_what_to_do(
    service: LiveService, handheld: Any, devices: Any
) -> None:
    oid = picked_by_a_colleague(service, ("SKU-0003", 2))
    scale = devices("scale", "scale-3")
    page = open_handheld(handheld, service, "pack-handheld-3", locale="nl")
    login(page, "K-2003", screen="pack")
    wedge(page, f"ORD-{oid}")
    page.wait_for_selector("#weigh .weight-live:not([hidden])")
    parcel = page.evaluate("window.edgeHandheld.view.parcels[0]")
    scale.send("weight", grams=parcel["expected_g"] - 340, stable=True)  # a mug left out
    page.wait_for_selector("#pack-result.hold")
    assert "verschil -340 g" in page.inner_text("#pack-result-text")
    assert page.get_attribute("#pack-next", "data-next") == "scan_contents"
    assert page.inner_text("#pack-next").startswith("Open pakket 1")
    clean(page, "packing: held, what to do next")
    # Scanned again, the opened parcel needs each mug scanned into it.
    wedge(page, f"ORD-{oid}")
    page.wait_for_selector("#pack-missing li[data-sku=SKU-0003]")
    assert "2 ×" in page.inner_text("#pack-missing")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_contents_screens_fit(
    service: LiveService, handheld: Any, devices: Any, lang: str
) -> None:
    oid = picked_by_a_colleague(service, ("SKU-0011", 1), ("SKU-0003", 1), ("SKU-0002", 1))
    scale = devices("scale", "scale-3")
    page = open_handheld(handheld, service, "pack-handheld-3", locale=lang)
    login(page, "K-2003", screen="pack")
    wedge(page, f"ORD-{oid}")
    page.wait_for_selector("#pack-missing li[data-sku=SKU-0002]")
    fits(page, "packing: scan the contents")
    parcel = page.evaluate("window.edgeHandheld.view.parcels[0]")
    scale.send("weight", grams=parcel["expected_g"], stable=True)
    page.wait_for_selector("#error:not([hidden])")
    fits(page, "packing: the weight refused")
    page.click("#error-ok")
    wedge(page, EAN["SKU-0002"])
    page.wait_for_selector("#weigh .weight-live:not([hidden])")
    scale.send("weight", grams=parcel["expected_g"] + 300, stable=True)
    page.wait_for_selector("#pack-next:not([hidden])")
    fits(page, "packing: held, what to do next")
