"""axe-core on each page (handheld login, a stop, packing, a stock-flow screen, the device
choice, the supervisor): no serious or critical violation, at the handheld's and a desk's size."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.browser.stockflow_steps import on_screen, switch_work
from tests.browser.test_handheld_packing import picked_by_a_colleague
from tests.support.browser import REPO, LiveService, login, open_handheld, wedge

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

# Installed from the npm registry by deploy/bootstrap.sh (pinned there).
AXE = next(iter(sorted((REPO / ".venv").glob("axe-core-*/node_modules/axe-core/axe.min.js"))), None)


def violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    if AXE is None:
        pytest.skip("axe-core is not installed: run deploy/bootstrap.sh (needs npm)")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(content=Path(AXE).read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
             .filter(v => v.impact === 'serious' || v.impact === 'critical')
             .map(v => ({id: v.id, impact: v.impact,
                         nodes: v.nodes.map(n => n.target.join(' '))}))"""
    )
    return found


def clean(page: Any, where: str) -> None:
    found = violations(page)
    assert found == [], f"{where}: {json.dumps(found, indent=1)}"


def test_the_handheld_pages_have_no_serious_violations(
    service: LiveService, handheld: Any, devices: Any
) -> None:
    page = handheld().new_page()
    page.goto(f"{service.url}/handheld")
    page.wait_for_selector("body[data-screen=setup] #device-list button")
    # Only the handhelds that are this page: the MQTT scanners (simulated in the demo) are not.
    offered = page.eval_on_selector_all(
        "#device-list button", "bs => bs.map(b => b.firstChild.data)"
    )
    assert offered == ["handheld-1", "handheld-2", "pack-handheld-3"]
    clean(page, "the device choice")
    page = open_handheld(handheld, service, "handheld-1")
    clean(page, "the login")
    service.order(("SKU-0002", 2), ("SKU-0003", 1))
    login(page, "P-1007")
    page.wait_for_selector("#map svg")
    clean(page, "a stop")
    wedge(page, page.evaluate("window.edgeHandheld.view.stop.bin"))
    page.wait_for_selector("body[data-expect=item]")
    page.click("#act-short")
    page.wait_for_selector("#short:not([hidden])")
    clean(page, "the short sheet")

    oid = picked_by_a_colleague(service, ("SKU-0011", 1))
    scale = devices("scale", "scale-3")
    pack = open_handheld(handheld, service, "pack-handheld-3")
    login(pack, "K-2003", screen="pack")
    clean(pack, "packing: the queue")
    wedge(pack, f"ORD-{oid}")
    pack.wait_for_selector("#weigh:not([hidden])")
    scale.send("weight", grams=5, stable=True)
    pack.wait_for_selector("#pack-result.hold")
    clean(pack, "packing: a hold")

    floor = open_handheld(handheld, service, "handheld-2")
    login(floor, "P-1001", screen="message")
    switch_work(floor, "count")
    on_screen(floor, "count_select")
    clean(floor, "a stock-flow screen")


def test_the_supervisor_page_has_no_serious_violations(service: LiveService, handheld: Any) -> None:
    service.order(("SKU-0002", 1))
    page = handheld(width=1280, height=800).new_page()
    page.goto(f"{service.url}/supervisor")
    page.wait_for_selector("#login")
    clean(page, "the supervisor's login")
    page.fill("#badge", "S-3001")
    page.click("#login-submit")
    page.wait_for_selector("#login", state="hidden")
    page.wait_for_timeout(500)  # the first live view is drawn
    clean(page, "the supervisor's view")
