"""The supervisor's live view in Chromium against the real service and broker."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from edge.demo import devices_from_description
from edge.devices.simulator import SimOptions, Simulator
from edge.model import Status
from edge.warehouse import demo_description_path, load_description
from tests.support.broker import Mosquitto
from tests.support.browser import REPO, LiveService, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

DEMO = load_description(demo_description_path())
DEVICES = len(DEMO.devices)  # the supervisor counts every device of the warehouse
STRINGS = REPO / "handheld_ui" / "static" / "i18n"
# A key the page could not translate shows as itself: "section.devices", "status.on_hold".
RAW_KEY = re.compile(
    r"\b(page|link|cutoff|section|status|risk|people|role|stage|kind|device|"
    r"devices|holds|release|feed|recent|login)\.[a-z_]+\b"
)


def open_page(handheld: Any, service: LiveService, locale: str = "en-GB") -> Any:
    page = handheld(locale=locale, width=1280, height=800).new_page()
    page.goto(f"{service.url}/supervisor")
    expect(page.locator("#login")).to_be_visible()
    return page


def log_in(page: Any, badge: str = "S-3001") -> None:
    page.fill("#badge", badge)
    page.click("#login-submit")


def logged_in(page: Any, badge: str = "S-3001") -> None:
    log_in(page, badge)
    expect(page.locator("#login")).to_be_hidden()
    expect(page.locator("#link")).to_have_attribute("data-state", "open")
    expect(page.locator("#counts .tile")).to_have_count(len(Status))


def tile(page: Any, status: str) -> Any:
    return page.locator(f'#counts [data-status="{status}"] .n')


def test_only_a_supervisor_gets_in_and_sees_the_orders(service: LiveService, handheld: Any) -> None:
    order_id = service.order(("SKU-0001", 2))
    page = open_page(handheld, service)
    log_in(page, "P-1001")
    expect(page.locator("#login-problem")).to_have_text(
        "Ana is a picker: this screen is for supervisors."
    )
    log_in(page, "X-0000")
    expect(page.locator("#login-problem")).to_contain_text("Unknown badge")
    logged_in(page)
    expect(page.locator("#viewer")).to_have_text("Ines")
    expect(page.locator("#site-name")).to_have_text(DEMO.site.name)
    tiles = page.locator("#counts .tile").evaluate_all("ts => ts.map(t => t.dataset.status)")
    assert tiles == [s.value for s in Status]  # the lifecycle's order
    (status,) = [r["status"] for r in service.query("SELECT status FROM orders")]
    expect(tile(page, status)).to_have_text("1")
    expect(page.locator(f'#counts [data-status="{status}"]')).not_to_have_class(re.compile("zero"))
    assert sum(int(n) for n in page.locator("#counts .n").all_inner_texts()) == 1
    assert order_id == service.query("SELECT id FROM orders")[0]["id"]
    # The cut-off clock counts down by itself, from the site's cut-off.
    expect(page.locator("#cutoff-label")).to_have_text(f"Cut-off {DEMO.site.cutoff:%H:%M}")
    clock = page.locator("#cutoff-clock b")
    first = clock.inner_text()
    assert re.fullmatch(r"\d+:\d\d:\d\d", first)
    expect(clock).not_to_have_text(first, timeout=3000)
    # A reload stays logged in (the token is in sessionStorage); Log out asks again.
    page.reload()
    expect(page.locator("#link")).to_have_attribute("data-state", "open")
    expect(page.locator("#login")).to_be_hidden()
    token = page.evaluate("sessionStorage.getItem('edge.supervisor.token')")
    page.click("#logout")
    expect(page.locator("#login")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('edge.supervisor.token')") is None
    # ... and the token is dead on the server too.
    r = httpx.get(
        f"{service.url}/ui/supervisor/overview", headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 401


def test_a_device_going_offline_and_a_new_order_show_without_a_reload(
    service: LiveService, devices: Any, handheld: Any
) -> None:
    page = open_page(handheld, service)
    logged_in(page)
    chip = page.locator('#devices .chip[data-device="scanner-05"]')
    expect(chip).to_have_attribute("data-online", "false")
    expect(chip.locator(".word")).to_have_text("never seen")
    page.evaluate("window.__marker = 1")

    scanner = devices("scanner", "scanner-05")  # connects and says online (retained)
    expect(chip).to_have_attribute("data-online", "true", timeout=5000)
    expect(chip).to_have_class(re.compile(r"\bon\b"))
    expect(chip.locator(".word")).to_have_text("online")
    expect(page.locator("#devices-n")).to_have_text(f"1 of {DEVICES} online")

    scanner.drop()  # dies: the broker publishes its Last Will
    expect(chip).to_have_attribute("data-online", "false", timeout=5000)
    expect(chip).to_have_class(re.compile(r"\boff\b"))
    expect(chip.locator(".word")).to_have_text("offline")
    assert service.query("SELECT online FROM devices WHERE id = 'scanner-05'")[0]["online"] == 0
    # Last seen reads as a relative time and counts on in the browser.
    seen = chip.locator(".live")
    expect(seen).to_have_text(re.compile(r"^(now|\d+ sec\. ago)$"))
    first = seen.inner_text()
    expect(seen).not_to_have_text(first, timeout=3000)
    expect(page.locator("#devices-n")).to_have_text(f"0 of {DEVICES} online")

    # An order that arrives while the page is open is counted at once.
    received = tile(page, "received")
    expect(received).to_have_text("0")
    service.order(("SKU-0002", 1))
    expect(received).to_have_text("1", timeout=5000)
    expect(page.locator("#recent li").first).to_contain_text("new → Received")
    assert page.evaluate("window.__marker") == 1  # all of it without a reload
    expect(page.locator("#link")).to_have_attribute("data-state", "open")

    # The service restarts: the screen says so, then asks for the badge again (tokens are
    # kept in memory only), and after it is live again.
    service.stop()
    expect(page.locator("#link-text")).to_have_text("Reconnecting…", timeout=5000)
    service.start()
    expect(page.locator("#login-problem")).to_have_text(
        "Your session has ended: please log in again.", timeout=10000
    )
    logged_in(page)
    expect(received).to_have_text("1")
    assert page.evaluate("window.__marker") == 1


def test_the_browser_language_and_the_picker_choose_the_strings(
    service: LiveService, handheld: Any
) -> None:
    page = open_page(handheld, service, locale="ja-JP")
    expect(page.locator("#login h2")).to_have_text("責任者ログイン")
    logged_in(page)
    assert page.evaluate("document.documentElement.lang") == "ja"
    expect(page.locator("#panel-devices h2")).to_contain_text("機器")
    expect(page.locator("#panel-holds h2")).to_contain_text("保留中")
    expect(page.locator('#counts [data-status="received"] .label')).to_have_text("受付済み")
    expect(page.locator("#link-text")).to_have_text("ライブ")
    expect(page.locator("#devices-n")).to_have_text(f"{DEVICES}台中0台オンライン")
    assert not RAW_KEY.search(page.inner_text("body"))

    page.evaluate("window.__marker = 1")
    page.select_option("#lang", "nl")  # the picker: at once, no reload, remembered
    expect(page.locator("#panel-devices h2")).to_contain_text("Apparaten")
    expect(page.locator('#counts [data-status="received"] .label')).to_have_text("Ontvangen")
    expect(page.locator("#cutoff-label")).to_have_text(f"Cut-off {DEMO.site.cutoff:%H:%M}")
    expect(page.locator("#cutoff-clock")).to_contain_text("nog")
    assert page.evaluate("window.__marker") == 1
    assert page.evaluate("localStorage.getItem('edge.lang')") == "nl"
    for lang in ("ko", "ru", "en"):
        page.select_option("#lang", lang)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        assert not RAW_KEY.search(page.inner_text("body")), lang


def test_every_language_has_every_string() -> None:
    english = json.loads((STRINGS / "supervisor.en.json").read_text(encoding="utf-8"))
    for lang in ("ko", "nl", "ru", "ja"):
        strings = json.loads((STRINGS / f"supervisor.{lang}.json").read_text(encoding="utf-8"))
        assert strings.keys() == english.keys(), lang
        for key, text in english.items():
            wanted = set(re.findall(r"\{\w+\}", text))
            assert set(re.findall(r"\{\w+\}", strings[key])) == wanted, (lang, key)
            assert strings[key].strip(), (lang, key)


def test_a_busy_floor_and_a_hold_released_from_the_screen(
    service: LiveService, mosquitto: Mosquitto, devices: Any, handheld: Any, tmp_path: Path
) -> None:
    floor = {"scanner-01", "scanner-02", "scanner-03", "pack-scanner-1", "scale-1", "ptl-A"}
    mosquitto.add_users(*floor)
    skus = [s.sku for s in DEMO.skus[:40]]
    for i in range(24):
        service.order((skus[i % 40], 1 + i % 2), (skus[(i * 7 + 3) % 40], 1), cutoff_in_h=4)
    sim = Simulator(
        mosquitto.host,
        mosquitto.port,
        "wh",
        "demo",
        [d for d in devices_from_description(DEMO) if d.id in floor],
        mosquitto.password_for,
        SimOptions(
            seed=11,
            step_s=(0.3, 0.8),
            walk_s=(0.5, 1.5),
            short_prob=0.0,
            wrong_weight_prob=0.5,
            login_after_s=0.5,
        ),
    )
    sim.start()
    try:

        def counts() -> dict[str, int]:
            rows = service.query("SELECT status, count(*) AS n FROM orders GROUP BY status")
            return {r["status"]: r["n"] for r in rows}

        service.wait_for(
            lambda: counts().get("on_hold", 0) >= 1 and counts().get("ready_to_ship", 0) >= 2,
            timeout=60,
        )
        # One order goes to the carrier: the cloud feed has a record to fetch.
        (ready,) = service.query(
            "SELECT id FROM orders WHERE status = 'ready_to_ship' ORDER BY id LIMIT 1"
        )
        parcels = service.get(f"/api/v1/orders/{ready['id']}")["parcels"]
        # Labelled at the scale: the hand-over names the parcels, their numbers are printed.
        handover = [{"parcel_id": p["parcel_id"]} for p in parcels]
        r = service.post(f"/api/v1/orders/{ready['id']}/ship", {"parcels": handover})
        assert r.status_code == 200, r.text
        # Late orders: paid now, due in a few seconds, behind the work already on the floor.
        for i in range(3):
            service.order((skus[i + 5], 2), (skus[i + 20], 1), (skus[i + 30], 1), cutoff_in_h=0.002)

        devices("scanner", "scanner-05").drop()  # one scanner died a moment ago
        page = open_page(handheld, service)
        logged_in(page)
        expect(page.locator('#devices .chip[data-device="scanner-05"] .word')).to_have_text(
            "offline"
        )
        expect(page.locator("#people .person")).to_have_count(4)
        expect(page.locator("#holds .hold").first).to_be_visible()
        expect(page.locator("#feed .big")).to_have_text("1")
        expect(page.locator("#feed")).to_contain_text("oldest waiting")
        expect(page.locator("#risk .risk").first).to_be_visible(timeout=25000)
        expect(page.locator("#risk .late").first).to_contain_text("late")
        expect(page.locator('#devices .chip[data-device="scale-1"]')).to_have_class(
            re.compile(r"\bon\b")
        )
        page.wait_for_timeout(1200)  # let the clocks tick once
        screenshot(page, "supervisor", tmp_path)

        # Release the first hold: a reason is required, then it leaves the list by itself.
        hold = page.locator("#holds .hold").first
        order_id = int(hold.get_attribute("data-order"))
        hold.locator("button.release").click()
        expect(page.locator("#release")).to_be_visible()
        page.click("#release-confirm")
        expect(page.locator("#release-problem")).to_have_text("Please give a reason.")
        page.fill("#release-reason", "Weighed again by hand: contents complete")
        page.click("#release-confirm")
        expect(page.locator("#release")).to_be_hidden()
        expect(page.locator(f'#holds .hold[data-order="{order_id}"]')).to_have_count(0)
        (event,) = service.query(
            "SELECT from_status, actor, reason FROM order_events WHERE order_id = ?"
            " ORDER BY id DESC LIMIT 1",
            (order_id,),
        )
        assert event == {
            "from_status": "on_hold",
            "actor": "S-3001",
            "reason": "override: Weighed again by hand: contents complete",
        }
    finally:
        sim.stop()
