"""The supervisor's controls in Chromium: holds released together, an order cancelled, a pick
list reassigned, each behind a reason and each seen on the floor at once."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.test_handheld_packing import picked_by_a_colleague
from tests.browser.test_supervisor_page import logged_in, open_page
from tests.support.browser import LiveService, login, open_handheld, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def held_at_packing(service: LiveService, scale: Any, headers: dict[str, str], sku: str) -> int:
    """An order picked by a colleague, packed at station 3 and held by the scale."""
    oid = picked_by_a_colleague(service, (sku, 1))
    url = f"{service.url}/ui/handheld/events"
    body = {"id": uuid.uuid4().hex, "type": "scan", "code": f"ORD-{oid}"}
    view = httpx.post(url, json=body, headers=headers).json()["view"]
    scale.send("weight", grams=view["parcels"][0]["expected_g"] + 400, stable=True)
    service.wait_for(lambda: service.get(f"/api/v1/orders/{oid}")["status"] == "on_hold")
    return oid


def confirm(page: Any, reason: str) -> None:
    """The confirm sheet: a reason is required, then it closes."""
    expect(page.locator("#control")).to_be_visible()
    page.click("#control-confirm")
    expect(page.locator("#control-problem")).to_have_text("Please give a reason.")
    page.fill("#control-reason", reason)
    page.click("#control-confirm")
    expect(page.locator("#control")).to_be_hidden()


def test_holds_a_cancel_and_a_reassigned_pick_list_from_the_screen(
    service: LiveService, handheld: Any, devices: Any, tmp_path: Path
) -> None:
    scale = devices("scale", "scale-3")
    packer = httpx.post(
        f"{service.url}/ui/handheld/login", json={"device": "pack-handheld-3", "badge": "K-2003"}
    ).json()
    pack_headers = {"Authorization": f"Bearer {packer['token']}"}
    holds = [held_at_packing(service, scale, pack_headers, sku) for sku in ("SKU-0003", "SKU-0011")]
    # Ana picks on her handheld; Kees (who picked the held orders) is free on handheld-2.
    on_list = service.order(("SKU-0002", 1), ("SKU-0020", 1))
    ana = open_handheld(handheld, service, "handheld-1")
    login(ana, "P-1001")
    to_cancel = service.order(("SKU-0005", 1))

    page = open_page(handheld, service)
    logged_in(page)

    # Two holds, one reason.
    for oid in holds:
        page.locator(f'#holds .hold[data-order="{oid}"] input.pick').check()
    expect(page.locator("#holds-release-picked")).to_have_text("Release 2 selected")
    page.click("#holds-release-picked")
    confirm(page, "Scale 3 was off: weighed again by hand")
    expect(page.locator("#holds .hold")).to_have_count(0)
    for oid in holds:
        (event,) = service.query(
            "SELECT from_status, actor, reason FROM order_events WHERE order_id = ?"
            " ORDER BY id DESC LIMIT 1",
            (oid,),
        )
        assert event == {
            "from_status": "on_hold",
            "actor": "S-3001",
            "reason": "override: Scale 3 was off: weighed again by hand",
        }

    # Cancel an order by its number.
    page.fill("#order-id", str(to_cancel))
    page.click("#order-cancel")
    confirm(page, "The customer called")
    expect(page.locator('#counts [data-status="cancelled"] .n')).to_have_text("1")
    assert service.get(f"/api/v1/orders/{to_cancel}")["status"] == "cancelled"

    # Ana's pick list goes to Kees: her handheld goes idle, his shows the stop, lit in his colour.
    (trip,) = service.query("SELECT id FROM trips WHERE picker = 'P-1001' AND status = 'active'")
    item = page.locator(f'#pick-lists .pick-list[data-trip="{trip["id"]}"]')
    expect(item).to_contain_text("Ana")
    item.locator("button.reassign").click()
    expect(page.locator("#control-choice")).to_have_value("P-1008")
    confirm(page, "Ana is on her break")
    ana.wait_for_function("window.edgeHandheld.view.screen === 'idle'")  # pushed, no reload
    expect(ana.locator("body")).to_have_attribute("data-screen", "message")
    expect(page.locator(f'#pick-lists .pick-list[data-trip="{trip["id"]}"]')).to_contain_text(
        "Kees"
    )
    (taken,) = service.query("SELECT picker, device FROM trips WHERE id = ?", (trip["id"],))
    assert taken == {"picker": "P-1008", "device": "handheld-2"}
    assert service.get(f"/api/v1/orders/{on_list}")["status"] == "picking"
    expect(page.locator("#actions li")).to_have_count(3)  # holds, cancel, reassign
    expect(page.locator("#actions li").first).to_contain_text("Ana is on her break")
    page.locator("#panel-controls").scroll_into_view_if_needed()
    screenshot(page, "supervisor-controls", tmp_path)

    # On a phone, in every language: the controls and their sheet fit 360 px.
    page.set_viewport_size({"width": 360, "height": 640})
    for lang in ("en", "ko", "nl", "ru", "ja"):
        page.select_option("#lang", lang)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.locator("#actions li").first).not_to_contain_text("ctl.")
        assert page.evaluate(WIDEST, "#panel-controls") <= 360, lang
        page.locator("#staff .staff button.move").first.click()
        assert page.evaluate(WIDEST, "#control") <= 360, lang
        page.click("#control-cancel")


# The right edge of the widest element inside a selector's element, in CSS pixels.
WIDEST = """sel => Math.max(...[document.querySelector(sel),
    ...document.querySelectorAll(sel + " *")].map(e => e.getBoundingClientRect().right))"""
