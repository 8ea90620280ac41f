"""The service's words on the handheld in each of the five languages: login refusals, a
packing refusal, a hold's reason; a language switch re-says the message on screen."""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

import pytest

from tests.browser.test_handheld_packing import picked_by_a_colleague
from tests.support.browser import REPO, LiveService, login, open_handheld, wedge

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

LANGUAGES = ["en", "ko", "nl", "ru", "ja"]
STRINGS = REPO / "handheld_ui" / "static" / "i18n"


def say(lang: str, key: str, **params: Any) -> str:
    """A string as the page says it (i18n.js): the language's, English filling a gap."""
    english = json.loads((STRINGS / "handheld.en.json").read_text(encoding="utf-8"))
    local = json.loads((STRINGS / f"handheld.{lang}.json").read_text(encoding="utf-8"))
    text: str = {**english, **local}[key]
    return re.sub(r"\{(\w+)\}", lambda m: str(params[m.group(1)]), text)


def text_of(page: Any, element_id: str, wanted: str) -> str:
    """Wait until the element says what is wanted; its text either way (for the assert)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with contextlib.suppress(PlaywrightTimeout):  # the assert shows what it says instead
        page.wait_for_function(
            "([id, t]) => document.getElementById(id).textContent === t",
            arg=[element_id, wanted],
            timeout=5000,
        )
    found: str = page.inner_text(f"#{element_id}")
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_login_refusal_is_said_in_the_language_and_again_after_a_switch(
    service: LiveService, handheld: Any, lang: str
) -> None:
    page = open_handheld(handheld, service, "handheld-1", locale=lang)
    wedge(page, "K-2001")  # a packer's badge on a floor handheld: refused, with their name
    wanted = say(lang, "server.packer_on_floor", name="Greta")
    assert text_of(page, "login-problem", wanted) == wanted
    other = LANGUAGES[(LANGUAGES.index(lang) + 1) % len(LANGUAGES)]
    page.select_option("#lang", other)
    wanted = say(other, "server.packer_on_floor", name="Greta")
    assert text_of(page, "login-problem", wanted) == wanted


@pytest.mark.parametrize("lang", LANGUAGES)
def test_packing_refusals_and_a_hold_reason_in_the_language(
    service: LiveService, handheld: Any, devices: Any, lang: str
) -> None:
    oid = picked_by_a_colleague(service, ("SKU-0011", 1))
    scale = devices("scale", "scale-3")
    page = open_handheld(handheld, service, "pack-handheld-3", locale=lang)
    login(page, "K-2003", screen="pack")
    # A code that is no order: the refusal's words, not the service's English.
    wedge(page, "ORD-999999")
    page.wait_for_selector("#error:not([hidden])")
    assert page.inner_text("#error-title") == say(lang, "error.refused")
    wanted = say(lang, "server.no_order", code="ORD-999999")
    assert text_of(page, "error-text", wanted) == wanted
    page.click("#error-ok")

    wedge(page, f"ORD-{oid}")
    page.wait_for_selector("#weigh:not([hidden])")
    parcel = page.evaluate("window.edgeHandheld.view.parcels[0]")
    scale.send("weight", grams=5, stable=True)
    page.wait_for_selector("#pack-result.hold")
    page.click("#override")
    page.wait_for_selector("#override-sheet:not([hidden])")
    # The stored hold reason ("weight: parcel 1 expected … g, measured 5 g") in the language.
    reason = say(
        lang,
        "pack.measured",
        n=1,
        measured=5,
        expected=parcel["expected_g"],
        tolerance=parcel["tolerance_g"],
    )
    wanted = say(lang, "override.order", order=oid, reason=reason)
    assert text_of(page, "override-order", wanted) == wanted
