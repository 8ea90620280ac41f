"""The picker's own pick-to-light colour on the stop screen, named in their language."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.browser import LiveService, login, open_handheld

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

NAMES = {"en-GB": "cyan", "ja-JP": "水色", "ru-RU": "голубой"}


def rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


@pytest.mark.parametrize("locale", sorted(NAMES))
def test_the_light_on_pill_and_header_show_the_colour_the_pickers_bins_are_lit_in(
    service: LiveService, handheld: Any, locale: str
) -> None:
    service.order(("SKU-0002", 2))
    page = open_handheld(handheld, service, "handheld-1", locale=locale)
    login(page, "P-1007")  # Jun: his bins light up in #64d2ff
    lit = service.wait_for(lambda: service.query("SELECT color FROM lights"))
    colour = lit[0]["color"]
    assert colour == "#64d2ff"
    pill = page.locator("#stop-lit")
    assert pill.is_visible()
    assert pill.evaluate("e => getComputedStyle(e).backgroundColor") == rgb(colour)
    assert NAMES[locale] in pill.inner_text()
    swatch = page.locator("#light-colour")
    assert swatch.is_visible()
    assert swatch.evaluate("e => getComputedStyle(e).backgroundColor") == rgb(colour)
    assert NAMES[locale] in (swatch.get_attribute("aria-label") or "")
    # Still one screen wide at 360 px with the colour's name in the pill.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    # Logged out, the login screen shows nobody's colour.
    page.click("#logout")
    page.wait_for_selector("body[data-screen=login]")
    assert not swatch.is_visible()
