"""Over real Mosquitto: a scanner whose person has a PIN logs in with it, and not without."""

from __future__ import annotations

import pytest

from edge.demo import DEMO_PINS
from tests.support.broker import Mosquitto
from tests.support.device import TestDevice
from tests.support.service_process import ServiceProcess

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

BADGE = "P-1006"  # Fatima: the demo warehouse gives her a PIN


def test_a_scanner_logs_in_with_the_pin_and_not_without(
    mosquitto: Mosquitto, service: ServiceProcess
) -> None:
    dev = TestDevice(mosquitto, "scanner", "scanner-06")
    try:
        assert dev.view()["screen"] == "login"
        dev.send("scan", code=BADGE)
        asked = dev.view()
        assert (asked["screen"], asked["expect"], asked["who"]) == ("pin", "pin", "Fatima")
        # The badge alone is no login: asking for work is refused.
        dev.send("next")
        assert "log in" in dev.next("err")["reason"]
        assert dev.view()["screen"] == "pin"
        wrong = dev.send("pin", pin="0000")
        err = dev.next("err")
        assert (err["ref_msg_id"], err["code"], err["reason"]) == (
            wrong,
            "refused",
            "pin: wrong PIN",
        )
        assert dev.view()["screen"] == "pin"
        dev.send("pin", pin=DEMO_PINS[BADGE])
        view = dev.view()
        assert view["who"] == "Fatima" and view["screen"] in ("idle", "stop"), view
        # Another person's badge does not take the scanner over.
        dev.send("scan", code="P-1005")
        assert "log out first" in dev.next("err")["reason"]
        assert dev.view()["who"] == "Fatima"
    finally:
        dev.close()
