"""A packer's handheld in Chromium: the box, the live weight, a pass, a hold, an override."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.browser import EAN, LiveService, login, open_handheld, screenshot, wedge

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def picked_by_a_colleague(service: LiveService, *lines: tuple[str, int]) -> int:
    """An order picked on another handheld (over its HTTP API), now waiting for packing."""
    oid = service.order(*lines)
    url = f"{service.url}/ui/handheld"
    auth = httpx.post(f"{url}/login", json={"device": "handheld-2", "badge": "P-1008"}).json()
    headers = {"Authorization": f"Bearer {auth['token']}"}
    view = auth["view"]
    for _ in range(50):
        if view["screen"] == "planning":
            time.sleep(0.1)
            view = _view(url, headers)
            continue
        if view["screen"] != "stop":
            break
        stop = view["stop"]
        code = stop["bin"] if view["expect"] == "bin" else EAN[stop["sku"]]
        body = {"id": uuid.uuid4().hex, "type": "scan", "code": code}
        view = httpx.post(f"{url}/events", json=body, headers=headers).json()["view"]
    assert service.get(f"/api/v1/orders/{oid}")["status"] == "packing"
    return oid


def _view(url: str, headers: dict[str, str]) -> dict[str, Any]:
    # "next" while planning re-sends the view (refused once a list is open, view included).
    body = {"id": uuid.uuid4().hex, "type": "next"}
    view: dict[str, Any] = httpx.post(f"{url}/events", json=body, headers=headers).json()["view"]
    return view


def test_a_packer_passes_one_parcel_and_a_supervisor_releases_a_held_one(
    service: LiveService, handheld: Any, devices: Any, tmp_path: Path
) -> None:
    first = picked_by_a_colleague(service, ("SKU-0003", 1), ("SKU-0002", 1))
    second = picked_by_a_colleague(service, ("SKU-0011", 1))
    scale = devices("scale", "scale-3")
    page = open_handheld(handheld, service, "pack-handheld-3")
    login(page, "K-2003", screen="pack")
    page.wait_for_selector(f"#pack-queue li >> text=ORD-{first}")
    screenshot(page, "packer-queue", tmp_path)

    wedge(page, f"ORD-{first}")
    page.wait_for_selector("#weigh:not([hidden])")
    parcel = page.evaluate("window.edgeHandheld.view.parcels[0]")
    assert page.inner_text("#parcels .box") == parcel["box"] == "S"
    expected, tolerance = parcel["expected_g"], parcel["tolerance_g"]
    assert f"{expected} g ± {tolerance} g" in page.inner_text("#parcels")
    # The scale settles: the screen shows each reading live, then the stable one decides.
    scale.send("weight", grams=expected + 180, stable=False)
    page.wait_for_selector("#weight-now.settling")
    assert page.inner_text("#weight-now") == f"{expected + 180} g"
    scale.send("weight", grams=expected + 4, stable=False)
    page.wait_for_function(
        "t => document.getElementById('weight-now').textContent === t", arg=f"{expected + 4} g"
    )
    screenshot(page, "packer-weigh", tmp_path)
    scale.send("weight", grams=expected + 4, stable=True)
    page.wait_for_selector("#pack-result.pass")
    assert page.inner_text("#pack-result-title") == f"Order {first}: ready to ship"
    assert service.get(f"/api/v1/orders/{first}")["status"] == "ready_to_ship"

    # The second parcel weighs far too little: held, with the numbers.
    wedge(page, f"ORD-{second}")
    page.wait_for_selector("#weigh:not([hidden])")
    parcel = page.evaluate("window.edgeHandheld.view.parcels[0]")
    scale.send("weight", grams=parcel["expected_g"] - 400, stable=True)
    page.wait_for_selector("#pack-result.hold")
    assert "on hold" in page.inner_text("#pack-result-title")
    assert f"parcel 1: {parcel['expected_g'] - 400} g (expected {parcel['expected_g']}" in (
        page.inner_text("#pack-result-text")
    )
    assert page.evaluate("window.edgeFeedback.at(-1)") == "bad"
    screenshot(page, "packer-hold", tmp_path)

    # The override needs a supervisor's badge: the packer's own is refused.
    page.click("#override")
    page.fill("#override-badge", "K-2003")
    page.click("#override-reasons button[data-reason=checked_by_hand]")
    page.wait_for_selector("#override-problem >> text=not a supervisor")
    page.fill("#override-badge", "S-3001")
    page.click("#override-reasons button[data-reason=checked_by_hand]")
    page.wait_for_selector("#pack-result.pass")
    order = service.get(f"/api/v1/orders/{second}")
    assert order["status"] == "ready_to_ship"
    release = order["history"][-1]
    assert (release["actor"], release["device"]) == ("S-3001", "pack-handheld-3")
    assert release["reason"] == "override: checked by hand"
