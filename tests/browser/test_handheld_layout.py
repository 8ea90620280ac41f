"""Every handheld screen and sheet fits 360×640 in all five languages: nothing wider than the
screen, every sheet within its height, every button of the bar or sheet in view and on top."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.stockflow_steps import announce, no_horizontal_overflow, on_screen, switch_work
from tests.browser.test_handheld_packing import picked_by_a_colleague
from tests.support.browser import DEMO, EAN, LiveService, login, open_handheld, wedge

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

LANGUAGES = ["en", "ko", "nl", "ru", "ja"]

# The screen's width, each open sheet's height, and every button a person must reach (the
# action bars, the top sheet's) in view and not covered by anything else.
LAYOUT_PROBLEMS = """() => {
  const problems = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > innerWidth) problems.push(`page is ${doc.scrollWidth} px wide`);
  const sheets = [...document.querySelectorAll('.overlay')].filter(s => !s.hidden);
  for (const s of sheets) {
    const r = s.getBoundingClientRect();
    if (s.scrollHeight > s.clientHeight + 1 || r.bottom > innerHeight + 0.5)
      problems.push(`${s.id} is ${s.scrollHeight} px high`);
  }
  const z = (e) => +getComputedStyle(e).zIndex;
  const top = sheets.sort((a, b) => z(b) - z(a))[0];
  const bars = '#actions button, #stock-actions button, #returns-actions button, #bar button';
  const buttons = top ? top.querySelectorAll('button') : document.querySelectorAll(bars);
  for (const b of buttons) {
    if (!b.getClientRects().length) continue; // not shown
    const r = b.getBoundingClientRect();
    const label = b.id || b.dataset.reason || b.dataset.act || b.textContent;
    const out = r.left < -0.5 || r.right > innerWidth + 0.5 || r.top < -0.5
                || r.bottom > innerHeight + 0.5;
    if (out) {
      problems.push(`${label} is off-screen`); continue;
    }
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    const by = hit && (hit.id || hit.className);
    if (!b.contains(hit)) problems.push(`${label} is covered by ${by}`);
  }
  return problems;
}"""


def fits(page: Any, where: str) -> None:
    problems = page.evaluate(LAYOUT_PROBLEMS) + [
        f"{e} is wider than the screen" for e in no_horizontal_overflow(page)
    ]
    assert problems == [], f"{where}: {problems}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_picking_screens_and_sheets_fit(service: LiveService, handheld: Any, lang: str) -> None:
    page = open_handheld(handheld, service, "handheld-1", locale=lang)
    fits(page, "login")
    service.order(("SKU-0002", 2), ("SKU-0003", 1), ("SKU-0006", 1))
    login(page, "P-1007")
    fits(page, "stop: scan the bin")
    bin_label = page.evaluate("window.edgeHandheld.view.stop.bin")
    wedge(page, bin_label)
    page.wait_for_selector("body[data-expect=item]")
    fits(page, "stop: scan the item")
    wedge(page, EAN[page.evaluate("window.edgeHandheld.view.stop.sku")])
    page.wait_for_selector("body[data-expect=qty]")
    assert page.is_visible("#act-skip") and page.is_visible("#act-confirm")
    fits(page, "stop: confirm, short or skip")
    page.click("#act-short")
    page.wait_for_selector("#short:not([hidden])")
    fits(page, "the short sheet")
    page.click("#short-cancel")
    wedge(page, "A-99-9-Z")  # a wrong item: the error screen
    page.wait_for_selector("#error:not([hidden])")
    fits(page, "the error screen")
    page.click("#error-ok")
    page.click("#mode")
    page.wait_for_selector("#mode-sheet:not([hidden])")
    fits(page, "the work menu")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_packing_screens_and_the_override_sheet_fit(
    service: LiveService, handheld: Any, devices: Any, lang: str
) -> None:
    scale = devices("scale", "scale-3")
    oid = picked_by_a_colleague(service, ("SKU-0011", 1))
    page = open_handheld(handheld, service, "pack-handheld-3", locale=lang)
    login(page, "K-2003", screen="pack")
    fits(page, "packing: scan an order")
    wedge(page, f"ORD-{oid}")
    page.wait_for_selector("#weigh:not([hidden])")
    fits(page, "packing: weigh")
    scale.send("weight", grams=5, stable=True)
    page.wait_for_selector("#pack-result.hold")
    fits(page, "packing: held")
    page.click("#override")
    page.wait_for_selector("#override-sheet:not([hidden])")
    fits(page, "the override sheet")
    page.click("#override-cancel")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_stock_flow_screens_and_sheets_fit(service: LiveService, handheld: Any, lang: str) -> None:
    announce(service, "DN-7101", {"sku": "SKU-0004", "qty": 6}, {"sku": "SKU-0005", "qty": 2})
    page = open_handheld(handheld, service, "handheld-1", locale=lang)
    login(page, "P-1007", screen="message")
    fits(page, "idle")
    switch_work(page, "receive")
    on_screen(page, "receive_select")
    fits(page, "receiving: the deliveries")
    wedge(page, "DN-7101")
    on_screen(page, "receive", expect="item")
    wedge(page, EAN["SKU-0004"])
    on_screen(page, "receive", expect="qty")
    fits(page, "receiving: a line scanned")
    page.click("#stock-actions button[data-act=quantity]")
    page.wait_for_selector("#qty-sheet:not([hidden])")
    fits(page, "the number sheet")
    page.click("#qty-cancel")
    page.click("#stock-actions button[data-act=close]")
    page.wait_for_selector("#ask-sheet:not([hidden])")
    fits(page, "the close question")
    page.click("#ask-ok")
    on_screen(page, "receive_done")
    fits(page, "receiving: done")
    for mode, screen in (
        ("putaway", "putaway_select"),
        ("replenish", "replenish_select"),
        ("count", "count_select"),
    ):
        switch_work(page, mode)
        on_screen(page, screen)
        fits(page, screen)
    switch_work(page, "putaway")
    on_screen(page, "putaway_select")
    page.click("#stock-actions button[data-act=next]")
    on_screen(page, "putaway")
    fits(page, "put-away: the suggested bin")


def test_the_check_finds_a_page_wider_than_the_screen(service: LiveService, handheld: Any) -> None:
    """The check itself can fail: a button made too wide is found."""
    page = open_handheld(handheld, service, "handheld-2")
    page.evaluate("document.getElementById('change-device').style.minWidth = '500px'")
    with pytest.raises(AssertionError, match="wide"):
        fits(page, "login")


def test_a_stop_shows_the_product_picture_and_initials_without_one(
    service: LiveService, handheld: Any
) -> None:
    pictures = {s.sku: s.image for s in DEMO.skus}
    assert pictures["SKU-0003"] == "mug.svg" and pictures["SKU-0002"] is None
    service.order(("SKU-0003", 1), ("SKU-0002", 1))
    page = open_handheld(handheld, service, "handheld-1")
    login(page, "P-1007")
    seen = set()
    for _ in range(2):
        stop = page.evaluate("window.edgeHandheld.view.stop")
        if stop["sku"] == "SKU-0003":
            page.wait_for_function(
                "() => document.querySelector('#stop-picture img')?.naturalWidth > 0"
            )
            src = page.get_attribute("#stop-picture img", "src")
            assert src == "/static/products/mug.svg"
        else:
            assert page.query_selector("#stop-picture img") is None
            assert page.inner_text("#stop-picture") == "UC"  # USB-C cable: its initials
        seen.add(stop["sku"])
        wedge(page, stop["bin"])
        page.wait_for_selector("body[data-expect=item]")
        wedge(page, EAN[stop["sku"]])
        page.wait_for_function("n => window.edgeHandheld.view?.stop?.n !== n", arg=stop["n"])
    assert seen == {"SKU-0002", "SKU-0003"}


def test_the_pack_station_shows_the_items_with_their_pictures(
    service: LiveService, handheld: Any
) -> None:
    oid = picked_by_a_colleague(service, ("SKU-0003", 1), ("SKU-0002", 2))
    page = open_handheld(handheld, service, "pack-handheld-3")
    login(page, "K-2003", screen="pack")
    wedge(page, f"ORD-{oid}")
    page.wait_for_selector("#weigh:not([hidden])")
    page.wait_for_function(
        "() => document.querySelector('#pack-items li[data-sku=SKU-0003] img')?.naturalWidth > 0"
    )
    src = page.get_attribute("#pack-items li[data-sku=SKU-0003] img", "src")
    assert src == "/static/products/mug.svg"
    assert page.query_selector("#pack-items li[data-sku=SKU-0002] img") is None
    assert "2 ×" in page.inner_text("#pack-items li[data-sku=SKU-0002]")
    fits(page, "packing: weigh, with the items")
