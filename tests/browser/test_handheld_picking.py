"""A picker's handheld in Chromium: wedge scans, blocking refusals, shorts, the offline queue."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.browser import EAN, LiveService, login, open_handheld, screenshot, wedge

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def current(page: Any) -> dict[str, Any]:
    view: dict[str, Any] = page.evaluate("window.edgeHandheld.view")
    return view


def wait_expect(page: Any, expect: str, bin_label: str | None = None) -> None:
    selector = f"body[data-screen=stop][data-expect={expect}]"
    page.wait_for_selector(selector)
    if bin_label is not None:
        page.wait_for_function(
            "b => document.getElementById('stop-bin').textContent === b", arg=bin_label
        )


def test_a_multi_line_order_picked_by_wedge_scans_with_a_refusal_and_a_short(
    service: LiveService, handheld: Any, tmp_path: Path
) -> None:
    oid = service.order(("SKU-0002", 2), ("SKU-0003", 1), ("SKU-0006", 1))
    page = open_handheld(handheld, service, "handheld-1")
    screenshot(page, "handheld-login", tmp_path)
    login(page, "P-1007")
    assert page.inner_text("#who") == "Jun"
    # The route's first stop, with the bin label as the largest text and the light agreeing.
    view = current(page)
    assert view["stop"]["n"] == 1 and view["stop"]["of"] == 3
    assert page.inner_text("#stop-bin") == view["stop"]["bin"] == "A-01-2-A"
    assert page.is_visible("#stop-lit")
    lit = service.query("SELECT device, slot, qty FROM lights")
    assert lit == [{"device": "ptl-A", "slot": "A-01-2-A", "qty": 2}]
    page.wait_for_selector("#map svg .next-stop")
    assert page.is_visible("#map svg .you-are-here")
    # Gloves: every visible button is at least 48 × 48 CSS pixels.
    small = page.evaluate(
        """[...document.querySelectorAll('button')].filter(b => b.offsetParent)
           .map(b => [b.id, b.getBoundingClientRect()])
           .filter(([, r]) => r.width < 48 || r.height < 48).map(([id]) => id)"""
    )
    assert small == []
    screenshot(page, "handheld-stop", tmp_path)

    wedge(page, "A-01-2-A")
    wait_expect(page, "item")
    # A wrong item fills the screen, says what was expected and what was scanned …
    wedge(page, EAN["SKU-0003"])
    page.wait_for_selector("#error:not([hidden])")
    facts = page.inner_text("#error-facts")
    assert "USB-C cable 1 m, black (SKU-0002)" in facts and "Ceramic mug, black" in facts
    assert page.inner_text("#error-title") == "Wrong item"
    assert page.evaluate("window.edgeFeedback.at(-1)") == "bad"
    screenshot(page, "handheld-error", tmp_path)
    # … and holds the next scan until a person taps OK: the right item scanned now is ignored.
    wedge(page, EAN["SKU-0002"])
    page.wait_for_timeout(300)
    assert page.is_visible("#error")
    assert service.query("SELECT count(*) AS n FROM picks")[0]["n"] == 0
    page.click("#error-ok")
    page.wait_for_selector("#error", state="hidden")

    # Each item scan takes one unit: the second one finishes the stop.
    wedge(page, EAN["SKU-0002"])
    wait_expect(page, "qty")
    assert page.inner_text("#stop-qty") == "1"
    wedge(page, EAN["SKU-0002"])
    wait_expect(page, "bin", "A-01-2-B")
    assert page.evaluate("window.edgeFeedback.at(-1)") == "good"
    wedge(page, "A-01-2-B")
    wait_expect(page, "item")
    wedge(page, EAN["SKU-0003"])
    wait_expect(page, "bin", "A-02-1-B")

    # The lamp's bin is empty: short pick, one tap and a reason.
    wedge(page, "A-02-1-B")
    wait_expect(page, "item")
    page.click("#act-short")
    screenshot(page, "handheld-short", tmp_path)
    page.click("#short-reasons button[data-reason=damaged]")
    page.wait_for_selector("body[data-screen=message]")
    assert page.inner_text("#message-title") == "Pick list done"
    screenshot(page, "handheld-trip-done", tmp_path)

    picks = service.query("SELECT sku, bin, qty, picker, device FROM picks ORDER BY id")
    assert [(p["sku"], p["bin"], p["qty"]) for p in picks] == [
        ("SKU-0002", "A-01-2-A", 1),
        ("SKU-0002", "A-01-2-A", 1),
        ("SKU-0003", "A-01-2-B", 1),
    ]
    assert {(p["picker"], p["device"]) for p in picks} == {("P-1007", "handheld-1")}
    order = service.get(f"/api/v1/orders/{oid}")
    assert order["status"] == "on_hold" and "short" in order["hold_reason"]
    assert "damaged" in order["hold_reason"]
    assert service.query("SELECT count(*) AS n FROM lights")[0]["n"] == 0  # all lights off


def test_offline_scans_queue_and_are_applied_exactly_once_in_order(
    service: LiveService, handheld: Any, tmp_path: Path
) -> None:
    service.order(("SKU-0005", 3), ("SKU-0008", 1))
    context = handheld()
    page = context.new_page()
    page.goto(f"{service.url}/handheld?device=handheld-2")
    page.wait_for_selector("body[data-screen=login]")
    login(page, "P-1008")
    wedge(page, "A-02-1-A")
    wait_expect(page, "item")

    context.set_offline(True)  # the back aisle: no Wi-Fi
    for _ in range(3):
        wedge(page, EAN["SKU-0005"])
    page.wait_for_function("document.getElementById('link').textContent.includes('3')")
    link = page.inner_text("#link")
    assert "3" in link and page.is_visible("#queued")
    assert page.evaluate("window.edgeFeedback.slice(-3)") == ["queued"] * 3
    queued = json.loads(page.evaluate("localStorage.getItem('edge.queue.handheld-2.P-1008')"))
    assert [e["code"] for e in queued] == [EAN["SKU-0005"]] * 3
    ids = [e["id"] for e in queued]
    assert len(set(ids)) == 3
    assert service.query("SELECT count(*) AS n FROM picks")[0]["n"] == 0
    screenshot(page, "handheld-offline", tmp_path)

    context.set_offline(False)  # back in range: the queue goes out in order
    page.wait_for_function("window.edgeHandheld.queue.length === 0", timeout=15000)
    wait_expect(page, "bin", "A-02-3-A")  # the screen caught up: the next stop
    picks = service.query("SELECT msg_id, qty, sku FROM picks ORDER BY id")
    assert [p["msg_id"] for p in picks] == ids  # exactly these three, in scan order
    assert {(p["qty"], p["sku"]) for p in picks} == {(1, "SKU-0005")}

    # The same scan sent again (a retry after a lost answer) changes nothing.
    token = page.evaluate("window.edgeHandheld.auth.token")
    again = httpx.post(
        f"{service.url}/ui/handheld/events",
        json={"id": ids[1], "type": "scan", "code": EAN["SKU-0005"]},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()
    assert again["outcome"] == "duplicate" and again["first_outcome"] == "applied"
    assert service.query("SELECT count(*) AS n FROM picks")[0]["n"] == 3
