"""The handheld's stock flows in Chromium at 360×640: receiving, put-away, top-ups, blind counts."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.stockflow_steps import (
    EMPTY_PICK_BINS,
    ONE_FACE,
    RESERVE_BINS,
    STOCK,
    act,
    announce,
    close_delivery,
    enter_number,
    line,
    no_horizontal_overflow,
    on_screen,
    receive,
    replenishment_case,
    switch_work,
    view,
)
from tests.support.browser import EAN, REPO, LiveService, login, open_handheld, screenshot, wedge

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

STRINGS = REPO / "handheld_ui" / "static" / "i18n"


def test_every_handheld_string_is_in_all_five_languages() -> None:
    english = json.loads((STRINGS / "handheld.en.json").read_text(encoding="utf-8"))
    for lang in ("ko", "nl", "ru", "ja"):
        strings = json.loads((STRINGS / f"handheld.{lang}.json").read_text(encoding="utf-8"))
        assert strings.keys() == english.keys(), lang
        for key, text in english.items():
            wanted = set(re.findall(r"\{\w+\}", text))
            assert set(re.findall(r"\{\w+\}", strings[key])) == wanted, (lang, key)
            # A new flow's words are translated, not English copies (numbers and codes aside).
            flow = key.split(".")[0] in ("mode", "receive", "putaway", "replenish", "count")
            if flow and re.search(r"[a-z]{3}", text) and key != "replenish.route":
                assert strings[key] != text, (lang, key)


def test_a_receipt_with_a_gs1_lot_and_expiry_closed_with_differences(
    service: LiveService, handheld: Any, tmp_path: Path
) -> None:
    cased, split, unexpected = ONE_FACE[0], ONE_FACE[1], ONE_FACE[2]
    announce(service, "DN-7001", {"sku": cased, "qty": 12}, {"sku": split, "qty": 5})
    page = open_handheld(handheld, service, "handheld-1")
    login(page, "P-1007", screen="message")
    switch_work(page, "receive")
    on_screen(page, "receive_select")
    assert page.is_visible("#stock-body button[data-delivery=DN-7001]")
    receive(page, "DN-7001")

    # One GS1 barcode carries GTIN, expiry and lot; it is one unit, then "a case of 10".
    gtin14 = "0" + EAN[cased]
    wedge(page, f"(01){gtin14}(17)270630(10)LOT7")
    last = on_screen(page, "receive", expect="qty")["last"]
    assert (last["sku"], last["qty"], last["lot"], last["expiry"]) == (
        cased,
        1,
        "LOT7",
        "2027-06-30",
    )
    assert "LOT7" in page.inner_text(".last-scan") and "2027-06-30" in page.inner_text(".last-scan")
    act(page, "quantity")
    enter_number(page, 10)
    page.wait_for_function(
        "s => window.edgeHandheld.view.delivery.lines.some(l => l.sku === s && l.received === 10)",
        arg=cased,
    )

    # The other item's GS1 data split over two barcodes: the GTIN, then lot and expiry.
    wedge(page, EAN[split])
    on_screen(page, "receive", expect="qty")
    assert view(page)["awaiting_lot"] and page.is_visible("#stock-body .hint")
    wedge(page, "(17)270131(10)LOT9")
    page.wait_for_function("window.edgeHandheld.view.last?.lot === 'LOT9'")
    assert line(page, split)["received"] == 1  # the second barcode is no new unit
    act(page, "damaged")  # that unit is broken
    enter_number(page, 1)
    page.wait_for_function(
        "s => window.edgeHandheld.view.delivery.lines.some(l => l.sku === s && l.damaged === 1)",
        arg=split,
    )
    for _ in range(2):
        wedge(page, EAN[split])
        on_screen(page, "receive", expect="qty")
    wedge(page, EAN[unexpected])  # not on the delivery note
    page.wait_for_function(
        "s => window.edgeHandheld.view.delivery.lines.some(l => l.sku === s)", arg=unexpected
    )
    assert line(page, split)["received"] == 3
    assert line(page, unexpected)["expected"] == 0
    assert page.is_visible(f"#stock-body tr[data-sku={unexpected}].over")
    # For the docs: the last scan and the lines, over and under, on one screen.
    page.evaluate("document.querySelector('.last-scan').scrollIntoView({block: 'start'})")
    screenshot(page, "handheld-receive", tmp_path)

    done = close_delivery(page)
    diffs = {
        d["sku"]: (d["expected"], d["received"], d["damaged"], d["diff"])
        for d in done["differences"]
    }
    assert diffs == {cased: (12, 10, 0, -2), split: (5, 3, 1, -2), unexpected: (0, 1, 0, 1)}
    table = page.inner_text("#stock-body table")
    assert "-2" in table and "+1" in table
    page.screenshot(path=str(tmp_path / "receive-done.png"))  # the test's record
    assert done["putaway_tasks"] == 3
    scans = service.query(
        "SELECT sku, lot, expiry, qty, condition, actor, device FROM receipt_scans ORDER BY id"
    )
    assert scans[0] == {
        "sku": cased,
        "lot": "LOT7",
        "expiry": "2027-06-30",
        "qty": 10,
        "condition": "ok",
        "actor": "P-1007",
        "device": "handheld-1",
    }
    assert (scans[1]["lot"], scans[1]["expiry"], scans[1]["condition"]) == (
        "LOT9",
        "2027-01-31",
        "damaged",
    )
    kinds = [r["kind"] for r in service.query("SELECT kind FROM feed ORDER BY seq")]
    assert kinds.count("receipt") == 1
    act(page, "next")
    on_screen(page, "receive_select")
    assert not page.is_visible("#stock-body button[data-delivery=DN-7001]")  # closed


def test_a_put_away_to_the_suggested_bin_and_one_to_another_bin(
    service: LiveService, handheld: Any, tmp_path: Path
) -> None:
    first, second = ONE_FACE[3], ONE_FACE[4]
    announce(service, "DN-7002", {"sku": first, "qty": 4}, {"sku": second, "qty": 3})
    page = open_handheld(handheld, service, "handheld-2")
    login(page, "P-1007", screen="message")
    switch_work(page, "receive")
    receive(page, "DN-7002")
    for sku, qty in ((first, 4), (second, 3)):
        wedge(page, EAN[sku])
        on_screen(page, "receive", expect="qty")
        act(page, "quantity")
        enter_number(page, qty)
        on_screen(page, "receive", expect="item")
    assert close_delivery(page)["differences"] == []
    assert page.is_visible(".all-good")

    switch_work(page, "putaway")
    tasks = on_screen(page, "putaway_select")["tasks"]
    page.screenshot(path=str(tmp_path / "putaway-select.png"))
    assert {(t["sku"], t["qty"]) for t in tasks} == {(first, 4), (second, 3)}
    act(page, "next")
    task = on_screen(page, "putaway", expect="bin")["task"]
    suggested = task["suggested_bin"]
    assert suggested and page.inner_text("#stock-bin") == suggested
    # The suggested bin is the largest text on the screen, as a pick stop's bin label is.
    biggest = page.evaluate(
        """() => [...document.querySelectorAll('#stock *')].filter(e => e.offsetParent
             && e.childElementCount === 0 && e.textContent.trim())
             .sort((a, b) => parseFloat(getComputedStyle(b).fontSize)
                             - parseFloat(getComputedStyle(a).fontSize))[0].id"""
    )
    assert biggest == "stock-bin"
    assert page.inner_text("#stock-reason").strip() != ""
    screenshot(page, "handheld-putaway", tmp_path)
    before = STOCK.get((suggested, task["sku"]), 0)
    wedge(page, suggested)
    on_screen(page, "putaway_select")

    # The other carton: scanned to take its task, then put into a bin of the putter's choice.
    other_sku = second if task["sku"] == first else first
    wedge(page, EAN[other_sku])
    other = on_screen(page, "putaway", expect="bin")["task"]
    elsewhere = next(b for b in EMPTY_PICK_BINS if b != other["suggested_bin"])
    wedge(page, elsewhere)
    on_screen(page, "putaway_select")
    assert view(page)["tasks"] == []

    put = service.query(
        "SELECT sku, bin, qty, suggested_bin, followed, actor FROM putaways ORDER BY id"
    )
    assert [(p["bin"], p["followed"]) for p in put] == [(suggested, 1), (elsewhere, 0)]
    assert put[1]["suggested_bin"] == other["suggested_bin"] and put[1]["actor"] == "P-1007"
    stock = {
        (r["bin"], r["sku"]): r["on_hand"]
        for r in service.query("SELECT bin, sku, on_hand FROM stock")
    }
    assert stock[(suggested, task["sku"])] == before + task["qty"]
    assert stock[(elsewhere, other_sku)] == other["qty"]


def test_a_top_up_from_reserve_to_the_pick_face(
    service: LiveService, handheld: Any, tmp_path: Path
) -> None:
    sku, face, reserve = replenishment_case()
    # An order for more than the face holds waits for stock: its SKU gets a top-up task.
    service.order((sku, STOCK[(face, sku)] + 1))
    page = open_handheld(handheld, service, "handheld-1")
    login(page, "P-1008", screen="message")  # Kees: Dutch on screen
    switch_work(page, "replenish")
    tasks = on_screen(page, "replenish_select")["tasks"]
    mine = next(t for t in tasks if t["sku"] == sku)
    assert (mine["from_bin"], mine["to_bin"], mine["waiting_orders"]) == (reserve, face, 1)
    act(page, "next")
    task = on_screen(page, "replenish", expect="bin")
    assert task["step"] == "from" and page.inner_text("#stock-bin") == reserve
    assert page.inner_text("#stock-prompt") == "Ga naar het reservevak en scan het label"
    wedge(page, face)  # the face first: refused, the reserve comes first
    page.wait_for_selector("#error:not([hidden])")
    assert page.inner_text("#error-title") == "Verkeerde locatie"
    page.click("#error-ok")
    wedge(page, reserve)
    on_screen(page, "replenish", expect="item")
    wedge(page, EAN[sku])
    moved = on_screen(page, "replenish", expect="bin")
    assert moved["step"] == "to" and page.inner_text("#stock-bin") == face
    page.screenshot(path=str(tmp_path / "replenish-to.png"))
    wedge(page, face)
    on_screen(page, "replenish_select")
    done = service.query(
        "SELECT status, finished_by FROM replen_tasks WHERE id = ?", (mine["task_id"],)
    )
    assert done == [{"status": "done", "finished_by": "P-1008"}]
    stock = {
        r["bin"]: r["on_hand"]
        for r in service.query("SELECT bin, on_hand FROM stock WHERE sku = ?", (sku,))
    }
    assert stock[face] + stock[reserve] == STOCK[(face, sku)] + STOCK[(reserve, sku)]
    assert stock[face] == STOCK[(face, sku)] + mine["qty"]


def test_a_blind_count_recounted_by_someone_else_and_approved(
    service: LiveService, handheld: Any, tmp_path: Path
) -> None:
    bin_label, sku = next(
        (b, s) for (b, s), q in sorted(STOCK.items()) if b not in RESERVE_BINS and q >= 10
    )
    on_hand = STOCK[(bin_label, sku)]
    r = service.post("/api/v1/counts", {"bin": bin_label, "sku": sku})
    assert r.status_code == 201, r.text
    (count_id,) = r.json()["count_ids"]

    first = open_handheld(handheld, service, "handheld-1")
    login(first, "P-1007", screen="message")
    switch_work(first, "count")
    on_screen(first, "count_select")
    act(first, "next")
    shown = on_screen(first, "count", expect="bin")
    assert shown["count"]["count_id"] == count_id and first.inner_text("#stock-bin") == bin_label
    wedge(first, bin_label)
    on_screen(first, "count", expect="qty")
    for n in (1, 2):
        wedge(first, EAN[sku])
        first.wait_for_function("n => window.edgeHandheld.view.count.counted === n", arg=n)
    # Blind: neither the view nor the screen carries the quantity the store expects.
    assert not any("expect" in k or "on_hand" in k for k in view(first)["count"])
    assert not re.search(rf"\b{on_hand}\b", first.inner_text("body"))
    screenshot(first, "handheld-count", tmp_path)
    act(first, "total")
    enter_number(first, on_hand + 7)
    done = on_screen(first, "count_done")
    assert done["outcome"] == "recount"

    # The recount goes to someone else (Kees, in Dutch), never back to the first counter.
    second = open_handheld(handheld, service, "handheld-2")
    login(second, "P-1008", screen="message")
    switch_work(second, "count")
    act(second, "next")
    again = on_screen(second, "count", expect="bin")
    assert again["count"]["count_id"] == count_id and again["count"]["recount"]
    assert second.inner_text("#stock-step") == "Hertelling"
    wedge(second, bin_label)
    on_screen(second, "count", expect="qty")
    assert not re.search(rf"\b{on_hand}\b", second.inner_text("body"))
    act(second, "total")
    enter_number(second, on_hand + 7)
    assert on_screen(second, "count_done")["outcome"] == "approval"
    assert second.inner_text("#stock-title") == "Ter goedkeuring gestuurd"
    second.screenshot(path=str(tmp_path / "count-approval.png"))

    approved = service.post(f"/api/v1/counts/{count_id}/approve", {"reason": "recounted twice"})
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    after = service.query("SELECT on_hand FROM stock WHERE bin = ? AND sku = ?", (bin_label, sku))
    assert after == [{"on_hand": on_hand + 7}]
    moves = service.query("SELECT delta FROM stock_moves WHERE ref = ?", (f"count:{count_id}",))
    assert [m["delta"] for m in moves] == [7]


def test_a_receive_scan_queued_offline_is_applied_exactly_once(
    service: LiveService, handheld: Any, tmp_path: Path
) -> None:
    sku = ONE_FACE[5]
    announce(service, "DN-7003", {"sku": sku, "qty": 2})
    context = handheld()
    page = context.new_page()
    page.goto(f"{service.url}/handheld?device=handheld-2")
    page.wait_for_selector("body[data-screen=login]")
    login(page, "P-1007", screen="message")
    switch_work(page, "receive")
    receive(page, "DN-7003")

    context.set_offline(True)  # the far end of the dock: no Wi-Fi
    wedge(page, EAN[sku])
    page.wait_for_function("window.edgeHandheld.queue.length === 1")
    assert page.evaluate("window.edgeFeedback.at(-1)") == "queued"
    assert page.is_visible("#queued")
    (queued,) = json.loads(page.evaluate("localStorage.getItem('edge.queue.handheld-2.P-1007')"))
    assert service.query("SELECT count(*) AS n FROM receipt_scans")[0]["n"] == 0

    context.set_offline(False)
    page.wait_for_function("window.edgeHandheld.queue.length === 0", timeout=15000)
    on_screen(page, "receive", expect="qty")
    scans = service.query("SELECT msg_id, qty, sku FROM receipt_scans")
    assert scans == [{"msg_id": queued["id"], "qty": 1, "sku": sku}]
    # The same event again (a retry after a lost answer) changes nothing.
    token = page.evaluate("window.edgeHandheld.auth.token")
    again = httpx.post(
        f"{service.url}/ui/handheld/events",
        json={"id": queued["id"], "type": "scan", "code": EAN[sku]},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()
    assert again["outcome"] == "duplicate" and again["first_outcome"] == "applied"
    assert service.query("SELECT count(*) AS n FROM receipt_scans")[0]["n"] == 1
    assert line(page, sku)["received"] == 1


@pytest.mark.parametrize(
    ("locale", "badge", "lang"), [("en-GB", "P-1008", "nl"), ("ru-RU", "P-1007", "ru")]
)
def test_the_work_menu_and_receive_screen_fit_360_px(
    service: LiveService, handheld: Any, locale: str, badge: str, lang: str, tmp_path: Path
) -> None:
    announce(service, "DN-7004", {"sku": ONE_FACE[6], "qty": 1})
    page = open_handheld(handheld, service, "handheld-1", locale=locale)
    login(page, badge, screen="message")
    assert page.evaluate("document.documentElement.lang") == lang
    page.click("#mode")
    page.wait_for_selector("#mode-sheet:not([hidden])")
    boxes = page.evaluate(
        "[...document.querySelectorAll('#mode-sheet button')]"
        ".map(b => b.getBoundingClientRect().toJSON())"
    )
    assert len(boxes) == 7  # six kinds of work (returns too) and Cancel
    for box in boxes:
        assert box["height"] >= 56 and box["left"] >= 0 and box["right"] <= 360
        assert box["bottom"] <= 640  # all on the screen at once: no scrolling with gloves
    assert no_horizontal_overflow(page) == []
    page.screenshot(path=str(tmp_path / f"menu-{lang}.png"))  # the test's record only
    page.click("#mode-list button[data-mode=receive]")
    on_screen(page, "receive_select")
    receive(page, "DN-7004")
    wedge(page, EAN[ONE_FACE[6]])
    on_screen(page, "receive", expect="qty")
    assert no_horizontal_overflow(page) == []
    page.screenshot(path=str(tmp_path / f"receive-{lang}.png"))
    cut = page.evaluate(
        "[...document.querySelectorAll('#stock th')].filter(th => th.scrollWidth > th.clientWidth)"
        ".map(th => th.textContent)"
    )
    assert cut == []  # every column heading whole, none cut to "…"
    small = page.evaluate(
        """[...document.querySelectorAll('button')].filter(b => b.offsetParent)
           .map(b => [b.dataset.act || b.id, b.getBoundingClientRect()])
           .filter(([, r]) => r.width < 48 || r.height < 48).map(([id]) => id)"""
    )
    assert small == []


def test_leaving_an_open_pick_list_is_refused_in_the_persons_language(
    service: LiveService, handheld: Any
) -> None:
    service.order((ONE_FACE[7], 1))
    page = open_handheld(handheld, service, "handheld-2")
    login(page, "P-1008")  # Kees reads Dutch; his pick list is open
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.click("#mode")
    page.click("#mode-list button[data-mode=count]")
    page.wait_for_selector("#error:not([hidden])")  # the same blocking red screen
    assert page.inner_text("#error-text") == "Maak eerst je picklijst af of sla hem over."
    assert view(page)["mode"] == "pick" and page.is_visible("#stop")
    page.click("#error-ok")
    assert errors == []
