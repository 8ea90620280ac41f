"""The supervisor's "Stock work" panel in Chromium: a count waiting for approval is shown with
both counts, the expected quantity and the difference, and approved with a reason."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.stockflow_steps import RESERVE_BINS, STOCK
from tests.support.browser import REPO, LiveService, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

STRINGS = REPO / "handheld_ui" / "static" / "i18n"
LANGUAGES = ("en", "ko", "nl", "ru", "ja")


def counter(service: LiveService, device: str, badge: str) -> httpx.Client:
    """A person on an HTTP handheld, sending the page's events without the page."""
    http = httpx.Client(base_url=service.url, timeout=10)
    r = http.post("/ui/handheld/login", json={"device": device, "badge": badge})
    assert r.status_code == 200, r.text
    http.headers["Authorization"] = f"Bearer {r.json()['token']}"
    return http


def send(http: httpx.Client, type_: str, **fields: Any) -> None:
    r = http.post("/ui/handheld/events", json={"id": uuid.uuid4().hex, "type": type_, **fields})
    assert r.status_code == 200 and r.json()["outcome"] == "applied", r.text


def count_blind(service: LiveService, device: str, badge: str, bin_label: str, total: int) -> None:
    http = counter(service, device, badge)
    try:
        send(http, "mode", mode="count")
        send(http, "next")
        send(http, "scan", code=bin_label)
        send(http, "confirm", qty=total)
    finally:
        http.close()


def test_every_stock_work_string_is_in_all_five_languages() -> None:
    keys = {
        lang: {
            k
            for k in json.loads((STRINGS / f"supervisor.{lang}.json").read_text(encoding="utf-8"))
            if k.startswith("stock.") or k == "section.stock"
        }
        for lang in LANGUAGES
    }
    assert len(keys["en"]) > 30
    assert all(keys[lang] == keys["en"] for lang in LANGUAGES), keys


def test_a_count_waiting_for_approval_is_approved_with_a_reason(
    service: LiveService, handheld: Any, tmp_path: Path
) -> None:
    bin_label, sku = next(
        (b, s) for (b, s), q in sorted(STOCK.items()) if b not in RESERVE_BINS and q >= 10
    )
    on_hand = STOCK[(bin_label, sku)]
    page = handheld(width=1280, height=800).new_page()
    page.goto(f"{service.url}/supervisor")
    page.fill("#badge", "S-3001")
    page.click("#login-submit")
    expect(page.locator("#link")).to_have_attribute("data-state", "open")
    panel = page.locator("#panel-stock")
    expect(panel).to_be_visible()
    expect(page.locator("#stock-approval .none")).to_have_text("No count waits for a decision.")

    r = service.post("/api/v1/counts", {"bin": bin_label, "sku": sku})
    assert r.status_code == 201, r.text
    (count_id,) = r.json()["count_ids"]
    expect(page.locator('#stock-summary [data-stat="counting"] b')).to_have_text("1")
    # Two people count 7 more than the store holds: recounted, then sent for approval.
    count_blind(service, "handheld-1", "P-1007", bin_label, on_hand + 7)
    count_blind(service, "handheld-2", "P-1008", bin_label, on_hand + 7)

    # The counters' new stages read as words in the people panel, not as keys.
    expect(page.locator("#people")).to_contain_text("Task finished")
    expect(page.locator("#people")).not_to_contain_text("stage.")
    item = page.locator(f'#stock-approval [data-count="{count_id}"]')
    expect(item).to_be_visible()
    expect(item.locator(".main")).to_contain_text(bin_label)
    expect(item.locator(".fact.first")).to_have_text(f"first count {on_hand + 7} (P-1007)")
    expect(item.locator(".fact.second")).to_have_text(f"recount {on_hand + 7} (P-1008)")
    expect(item.locator(".fact.expected")).to_have_text(f"expected {on_hand}")
    expect(item.locator(".fact.difference")).to_have_text("difference +7")
    expect(page.locator('#stock-summary [data-stat="approval"] b')).to_have_text("1")
    expect(page.locator("#stock-n")).to_have_text("1")
    screenshot(page, "supervisor-stock-work", tmp_path)

    item.locator("button.approve").click()
    dialog = page.locator("#decide")
    expect(dialog).to_be_visible()
    expect(page.locator("#decide-title")).to_have_text(f"Approve count #{count_id}")
    page.click("#decide-confirm")  # no reason yet: refused on the page
    expect(page.locator("#decide-problem")).to_have_text("Please give a reason.")
    assert service.query("SELECT status FROM counts WHERE id = ?", (count_id,)) == [
        {"status": "approval"}
    ]
    page.fill("#decide-reason", "a case was booked to the wrong bin")
    page.click("#decide-confirm")
    expect(dialog).to_be_hidden()
    expect(page.locator(".toast")).to_contain_text(f"Count #{count_id} approved")
    # The stream brings the new overview: the count has left the panel.
    expect(item).to_have_count(0)
    expect(page.locator("#stock-approval .none")).to_be_visible()
    expect(page.locator('#stock-summary [data-stat="approval"] b')).to_have_text("0")
    (row,) = service.query(
        "SELECT status, decided_by, decided_device, decision_reason, adjustment FROM counts"
        " WHERE id = ?",
        (count_id,),
    )
    assert row == {
        "status": "approved",
        "decided_by": "S-3001",
        "decided_device": "supervisor-screen",
        "decision_reason": "a case was booked to the wrong bin",
        "adjustment": 7,
    }
    stock = service.query("SELECT on_hand FROM stock WHERE bin = ? AND sku = ?", (bin_label, sku))
    assert stock == [{"on_hand": on_hand + 7}]
    assert not re.search(r"\bstock\.[a-z_.]+\b", panel.inner_text())  # every string translated


def test_the_panel_speaks_the_supervisors_language(service: LiveService, handheld: Any) -> None:
    page = handheld(locale="ja-JP", width=1280, height=800).new_page()
    page.goto(f"{service.url}/supervisor")
    page.fill("#badge", "S-3001")
    page.click("#login-submit")
    expect(page.locator("#panel-stock h2")).to_contain_text("在庫作業")
    expect(page.locator("#stock-approval .none")).to_have_text("判断待ちの棚卸はありません。")
