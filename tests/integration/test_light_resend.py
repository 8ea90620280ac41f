"""A light module that does not acknowledge is sent the command again, then the queue shows it."""

from __future__ import annotations

import time

import pytest

from edge.messages import LIGHT_MAX_RESENDS, LIGHT_RESEND_AFTER_S
from tests.support.broker import Mosquitto
from tests.support.device import TestDevice
from tests.support.service_process import ServiceProcess

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


def _light_commands(shelf: TestDevice, seconds: float) -> list[dict[str, object]]:
    """The light commands the module receives within `seconds`."""
    out: list[dict[str, object]] = []
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        for topic, body in shelf.arrivals_within(left):
            if topic.endswith("/cmd") and isinstance(body, dict) and body.get("type") == "light":
                out.append(body)
    return out


def test_a_silent_module_gets_its_command_again_then_the_supervisor_sees_it(
    mosquitto: Mosquitto, service: ServiceProcess
) -> None:
    order = {
        "shop_order_id": "LIGHT-1",
        "paid_at": "2026-11-20T08:00:00+00:00",
        "lines": [{"sku": "SKU-0001", "qty": 1}],  # in A-01-1-A/B: slots of ptl-A
    }
    assert service.post("/api/v1/orders", order).status_code == 201
    shelf = TestDevice(mosquitto, "shelf", "ptl-A")
    scanner = TestDevice(mosquitto, "scanner", "scanner-03")
    try:
        assert scanner.view()["screen"] == "login"  # sent to a scanner coming online
        scanner.send("scan", code="P-1003")
        assert scanner.view()["screen"] == "stop"
        first = shelf.next("cmd")
        assert first["type"] == "light"
        # Never acknowledged: the same command (same cmd_id) again, LIGHT_MAX_RESENDS times.
        window = (LIGHT_MAX_RESENDS + 1.5) * LIGHT_RESEND_AFTER_S + 2
        again = _light_commands(shelf, window)
        assert [c["cmd_id"] for c in again] == [first["cmd_id"]] * LIGHT_MAX_RESENDS, again
        assert {c["slot"] for c in again} == {first["slot"]}
        queue = service.get("/api/v1/exceptions", kind="light_unacked")
        assert queue["total"] == 1 and queue["items"][0]["detail"]["slot"] == first["slot"]
        assert queue["items"][0]["detail"]["resends"] == LIGHT_MAX_RESENDS
        assert _light_commands(shelf, LIGHT_RESEND_AFTER_S * 2) == []  # re-sends used up
        # The module answers at last: the queue empties.
        shelf.send("ack", cmd_id=first["cmd_id"])
        deadline = time.monotonic() + 10
        while service.get("/api/v1/exceptions", kind="light_unacked")["total"]:
            assert time.monotonic() < deadline, "the acknowledged light stayed in the queue"
            time.sleep(0.1)
    finally:
        scanner.close()
        shelf.close()
