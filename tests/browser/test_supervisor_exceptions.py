"""The supervisor's exceptions queue in Chromium: a short, a weight hold and a dead letter show,
search narrows them, an action removes one; the page says the service's words in Japanese."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.test_a11y import clean
from tests.browser.test_supervisor_page import logged_in, open_page
from tests.support.browser import EAN, LiveService, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def _handheld(service: LiveService, device: str, badge: str) -> tuple[dict[str, str], Any]:
    auth = httpx.post(f"{service.url}/ui/handheld/login", json={"device": device, "badge": badge})
    assert auth.status_code == 200, auth.text
    return {"Authorization": f"Bearer {auth.json()['token']}"}, auth.json()["view"]


def _event(service: LiveService, headers: dict[str, str], type_: str, **fields: Any) -> Any:
    body = {"id": uuid.uuid4().hex, "type": type_, **fields}
    r = httpx.post(f"{service.url}/ui/handheld/events", json=body, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["view"]


def _until_stop(service: LiveService, headers: dict[str, str], view: Any) -> Any:
    for _ in range(100):
        if view["screen"] == "stop":
            return view
        if view["screen"] == "planning":
            time.sleep(0.1)
        view = _event(service, headers, "next")  # idle: ask for a pick list
    raise AssertionError("no pick list came")


def short_picked(service: LiveService) -> int:
    """A picker finds the bin of the order's only stop empty: a short pick."""
    oid = service.order(("SKU-0007", 1))
    headers, view = _handheld(service, "handheld-2", "P-1008")
    view = _until_stop(service, headers, view)
    _event(service, headers, "scan", code=view["stop"]["bin"])
    _event(service, headers, "confirm", qty=0, reason="bin empty")
    _event(service, headers, "logout")
    return oid


def weight_held(service: LiveService, scale: Any) -> int:
    """An order picked, packed at station 3 and held by the scale (400 g too heavy)."""
    oid = service.order(("SKU-0003", 1))
    headers, view = _handheld(service, "handheld-1", "P-1001")
    view = _until_stop(service, headers, view)
    while view["screen"] == "stop":
        stop = view["stop"]
        code = stop["bin"] if view["expect"] == "bin" else EAN[stop["sku"]]
        view = _event(service, headers, "scan", code=code)
    _event(service, headers, "logout")
    packer, _ = _handheld(service, "pack-handheld-3", "K-2003")
    view = _event(service, packer, "scan", code=f"ORD-{oid}")
    if view.get("expect") == "item":  # the pack check: each item into the box first
        view = _event(service, packer, "scan", code=EAN["SKU-0003"])
    parcels = service.query("SELECT expected_g FROM parcels WHERE order_id = ?", (oid,))
    assert len(parcels) == 1, (view, service.get(f"/api/v1/orders/{oid}"))
    parcel = parcels[0]
    scale.send("weight", grams=parcel["expected_g"] + 400, stable=True)
    service.wait_for(lambda: service.get(f"/api/v1/orders/{oid}")["status"] == "on_hold")
    return oid


def dead_lettered(devices: Any) -> None:
    """A scanner sends something that is not JSON: kept as a dead letter."""
    scanner = devices("scanner", "scanner-05")
    scanner.publish(scanner.evt_topic, b'{"msg_id": "bad-1", "type": "scan", "code": ')
    assert scanner.next("err")["code"] == "malformed"


def rows(page: Any, kind: str | None = None) -> Any:
    return page.locator(f'#exc-list .exc[data-kind="{kind}"]' if kind else "#exc-list .exc")


def test_the_queue_shows_searches_and_empties_as_the_supervisor_acts(
    service: LiveService, handheld: Any, devices: Any, tmp_path: Path
) -> None:
    scale = devices("scale", "scale-3")
    held_oid = weight_held(service, scale)
    short_oid = short_picked(service)
    dead_lettered(devices)

    page = open_page(handheld, service)
    logged_in(page)
    panel = page.locator("#panel-exceptions")
    expect(panel).to_be_visible()
    expect(rows(page, "short")).to_have_count(1)
    expect(rows(page, "weight_hold")).to_have_count(1)
    expect(rows(page, "dead_letter")).to_have_count(1)
    short = rows(page, "short")
    expect(short).to_contain_text("SKU-0007")
    expect(short).to_contain_text("Bin empty")  # the picker's reason, in the page's words
    expect(rows(page, "weight_hold")).to_contain_text(f"#{held_oid}")
    expect(page.locator("#exc-kinds [data-kind='short'] b")).to_have_text("1")
    expect(page.locator("#exc-shown")).to_contain_text("of")
    panel.scroll_into_view_if_needed()  # below the floor panels at 1280x800
    screenshot(page, "supervisor-exceptions", tmp_path)
    clean(page, "the exceptions queue with rows")

    # Search narrows the queue to one order; clearing it brings everything back.
    page.fill("#exc-q", "SKU-0007")
    expect(rows(page)).to_have_count(1)
    expect(rows(page, "short")).to_have_count(1)
    page.fill("#exc-q", "scanner-05")
    expect(rows(page)).to_have_count(1)
    expect(rows(page, "dead_letter")).to_have_count(1)
    page.fill("#exc-q", "")
    expect(rows(page, "weight_hold")).to_have_count(1)

    # A kind chip, by keyboard: only the shorts.
    page.locator("#exc-kinds [data-kind='short']").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#exc-kinds [data-kind='short']")).to_have_attribute("aria-pressed", "true")
    expect(rows(page)).to_have_count(1)

    # Acknowledge the short with a reason: it leaves the queue, audited.
    short.locator("button.act-acknowledge").click()
    expect(page.locator("#exc-act")).to_be_visible()
    page.click("#exc-act-confirm")
    expect(page.locator("#exc-act-problem")).to_have_text("Please give a reason.")
    clean(page, "the exceptions' action sheet")
    page.fill("#exc-act-reason", "Bin counted: empty; label moved")
    page.click("#exc-act-confirm")
    expect(page.locator("#exc-act")).to_be_hidden()
    expect(rows(page, "short")).to_have_count(0)
    page.locator("#exc-kinds [data-kind='all']").click()
    expect(rows(page, "weight_hold")).to_have_count(1)
    (audit,) = service.query(
        "SELECT action, actor, reason FROM supervisor_actions WHERE action = 'acknowledge_short'"
    )
    assert audit == {
        "action": "acknowledge_short",
        "actor": "S-3001",
        "reason": "Bin counted: empty; label moved",
    }

    # Release the held parcel from its row (the holds' sheet): gone from the queue.
    rows(page, "weight_hold").locator("button.act-release_hold").click()
    expect(page.locator("#release")).to_be_visible()
    page.fill("#release-reason", "weighed again by hand")
    page.click("#release-confirm")
    expect(rows(page, "weight_hold")).to_have_count(0)
    assert service.get(f"/api/v1/orders/{short_oid}")["id"] == short_oid


def test_the_supervisor_page_in_japanese_says_the_hold_reason_in_japanese(
    service: LiveService, handheld: Any, devices: Any
) -> None:
    scale = devices("scale", "scale-3")
    weight_held(service, scale)
    page = open_page(handheld, service, locale="ja-JP")
    logged_in(page)
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    hold = page.locator("#exc-list .exc[data-kind='weight_hold'] .what")
    expect(hold).to_contain_text("予定")  # 小包 1: … g（予定 … ± …）
    expect(hold).not_to_contain_text("expected")
    recent = page.locator("#recent")
    expect(recent).not_to_contain_text("weight:")  # the order's hold reason, translated
    expect(page.locator("#exc-title")).to_contain_text("例外")
    clean(page, "the queue in Japanese")
