"""Steps and facts the handheld's stock-flow browser tests share: the demo's bins, the work
menu, the keypad, announcing a delivery."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.browser import DEMO, LiveService, wedge

RESERVE_BINS = {b.label for b in DEMO.bins if b.kind == "reserve"}
STOCK = {(s.bin, s.sku): s.qty for s in DEMO.stock}


def faces_of(sku: str) -> list[str]:
    """The pick faces holding a SKU in the demo description."""
    return sorted(b for (b, s) in STOCK if s == sku and b not in RESERVE_BINS)


# SKUs with one pick face each (so "its bin" is one bin), from the description.
ONE_FACE = [s.sku for s in DEMO.skus if len(faces_of(s.sku)) == 1]
EMPTY_PICK_BINS = sorted(
    b.label for b in DEMO.bins if b.kind == "pick" and not any(k[0] == b.label for k in STOCK)
)


def view(page: Any) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate("window.edgeHandheld.view")
    return found


def on_screen(page: Any, screen: str, **expect: str) -> dict[str, Any]:
    """Wait for a stock screen (and its expect), then return the view shown."""
    selector = f"body[data-screen=stock][data-stock={screen}]"
    if "expect" in expect:
        selector += f"[data-expect={expect['expect']}]"
    page.wait_for_selector(selector)
    return view(page)


def switch_work(page: Any, mode: str) -> None:
    """The work menu in the top bar: one tap opens it, one tap on the kind of work."""
    page.click("#mode")
    page.wait_for_selector("#mode-sheet:not([hidden])")
    page.click(f"#mode-list button[data-mode={mode}]")
    page.wait_for_function("m => window.edgeHandheld.view?.mode === m", arg=mode)


def act(page: Any, name: str) -> None:
    page.click(f"#stock-actions button[data-act={name}]")


def enter_number(page: Any, n: int) -> None:
    """Tap a number on the sheet's keypad (gloves) and OK."""
    page.wait_for_selector("#qty-sheet:not([hidden])")
    for digit in str(n):
        page.click(f"#qty-keys button[data-key='{digit}']")
    page.click("#qty-ok")
    page.wait_for_selector("#qty-sheet", state="hidden")


def announce(service: LiveService, delivery_id: str, *lines: dict[str, Any]) -> None:
    """The ERP announces a delivery (POST /api/v1/deliveries with the intake key)."""
    r = httpx.post(
        f"{service.url}/api/v1/deliveries",
        json={"delivery_id": delivery_id, "supplier": "Acme Supplies BV", "lines": list(lines)},
        headers={"X-API-Key": service.role_keys["intake"]},
        timeout=10,
    )
    assert r.status_code == 201, r.text


def receive(page: Any, delivery_id: str) -> None:
    """Choose a delivery on the receive screen by scanning its note."""
    page.wait_for_function(
        "d => (window.edgeHandheld.view?.deliveries || []).some(x => x.delivery_id === d)",
        arg=delivery_id,
    )
    wedge(page, delivery_id)
    on_screen(page, "receive", expect="item")


def close_delivery(page: Any) -> dict[str, Any]:
    act(page, "close")
    page.wait_for_selector("#ask-sheet:not([hidden])")
    page.click("#ask-ok")
    return on_screen(page, "receive_done")


def line(page: Any, sku: str) -> dict[str, Any]:
    lines = view(page)["delivery"]["lines"]
    found: dict[str, Any] = next(x for x in lines if x["sku"] == sku)
    return found


def no_horizontal_overflow(page: Any) -> list[str]:
    """Elements wider than the 360 px screen (or scrolling sideways): none on a good page."""
    found: list[str] = page.evaluate(
        """() => [document.documentElement, ...document.querySelectorAll('body *')]
             .filter(e => e.offsetParent !== null || e === document.documentElement)
             .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5
                          || (e.scrollWidth > e.clientWidth + 1
                              && getComputedStyle(e).overflowX !== 'hidden'
                              && e.tagName !== 'INPUT'))
             .map(e => e.id || e.className || e.tagName)"""
    )
    return found


def replenishment_case() -> tuple[str, str, str]:
    """A SKU with one pick face and reserve stock elsewhere, from the demo description."""
    for (bin_label, sku), qty in sorted(STOCK.items()):
        if bin_label in RESERVE_BINS and qty > 0 and len(faces_of(sku)) == 1:
            return sku, faces_of(sku)[0], bin_label
    raise AssertionError("the demo description has no reserve stock for a one-face SKU")
