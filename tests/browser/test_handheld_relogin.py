"""A logout on the handheld is sent once: the same person's next badge scan logs them in."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.support.browser import LiveService, login, open_handheld, wedge

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


@pytest.mark.parametrize("locale", ["en-GB", "ja-JP"])
def test_log_out_then_the_same_badge_logs_in_again(
    service: LiveService, handheld: Any, locale: str
) -> None:
    service.order(("SKU-0002", 1), ("SKU-0003", 1))
    page = open_handheld(handheld, service, "handheld-1", locale=locale)

    def slow_answer(route: Any) -> None:
        # A busy Wi-Fi: the stream's login screen arrives before the logout's own answer.
        answer = route.fetch()
        time.sleep(0.6)
        route.fulfill(response=answer)

    page.route("**/ui/handheld/events", slow_answer)
    for round_ in range(2):
        login(page, "P-1007")
        page.click("#logout")
        page.wait_for_selector("body[data-screen=login]")
        # The stream's login screen came first; the logout's own answer lands after it.
        page.wait_for_function("!window.edgeHandheld.sending", timeout=15000)
        assert page.evaluate("window.edgeHandheld.queue.length") == 0
        stored = page.evaluate("localStorage.getItem('edge.queue.handheld-1.P-1007')")
        assert stored in (None, "[]"), f"round {round_}: the logout stays queued: {stored}"
    wedge(page, "P-1007")
    page.wait_for_selector("body[data-screen=stop]")
    page.wait_for_timeout(1500)  # long enough for a re-sent logout to land
    assert page.evaluate("document.body.dataset.screen") == "stop"
    assert page.inner_text("#login-problem") == ""
    assert "expired" not in page.inner_text("body").lower()
    logouts = service.query("SELECT count(*) AS n FROM session_events WHERE event = 'logout'")
    assert logouts[0]["n"] == 2
