"""Sites and strangers on the real service and broker: one site id everywhere, and a device
under another site or not described is told `unknown` and kept (findings 2 and 3)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.support.broker import Mosquitto
from tests.support.device import TestDevice
from tests.support.link import unique
from tests.support.service_process import ServiceProcess


def _dead_letters(service: ServiceProcess, device: str) -> list[dict[str, object]]:
    rows = service.get("/api/v1/dead-letters", limit=1000)["dead_letters"]
    return [r for r in rows if r["device"] == device]


def test_a_device_under_another_site_is_answered_there_and_kept(
    mosquitto: Mosquitto, service: ServiceProcess
) -> None:
    assert service.get("/api/v1/warehouse")["site"]["id"] == "demo"
    # A scanner of the demo warehouse, configured for the wrong site.
    dev = TestDevice(mosquitto, "scanner", "scanner-05", site="dc-north")
    try:
        msg_id = dev.send("scan", code="P-1")
        errors = [dev.next("err"), dev.next("err")]  # its status and its scan, in any order
        reason = "site 'dc-north' is not this service's site 'demo'"
        assert {(e["code"], e["reason"]) for e in errors} == {("unknown", reason)}
        assert sorted(e["ref_msg_id"] for e in errors) == sorted(["", msg_id])
        kept = _dead_letters(service, "scanner-05")
        assert [r["reason"] for r in kept] == [reason]
        assert "wh/dc-north/scanner/scanner-05/" in str(kept[0]["topic"])
    finally:
        dev.close()
    # Its retained status comes with the next subscription: old news, not judged again.
    service.stop()
    service.start()
    time.sleep(0.5)  # what came with the subscription has been handled by now
    assert len(_dead_letters(service, "scanner-05")) == 1


def test_a_device_not_in_the_description_is_answered_and_kept_once_a_minute(
    mosquitto: Mosquitto, service: ServiceProcess
) -> None:
    ghost = unique("ghost")
    dev = TestDevice(mosquitto, "scanner", ghost)  # a broker user, not a warehouse device
    try:
        sent = [dev.send("scan", code="P-1") for _ in range(5)]
        errors = [dev.next("err") for _ in range(6)]  # its status and five scans, any order
        reason = f"unknown device {ghost!r}: not in the warehouse description"
        assert {(e["code"], e["reason"]) for e in errors} == {("unknown", reason)}
        assert sorted(e["ref_msg_id"] for e in errors) == sorted(["", *sent])
        # A flood costs one stored dead letter per device per minute, not one per message.
        assert [r["reason"] for r in _dead_letters(service, ghost)] == [reason]
    finally:
        dev.close()


def test_a_service_whose_config_site_is_not_the_descriptions_does_not_start(
    mosquitto: Mosquitto, tmp_path: Path
) -> None:
    svc = ServiceProcess(mosquitto, tmp_path / "svc", site="dc-north")  # demo warehouse
    try:
        with pytest.raises(RuntimeError, match="service exited at start"):
            svc.start()
        lines = svc.log().strip().splitlines()
        assert lines == [
            "edge: site: the config says 'dc-north' but the warehouse description 'demo'"
            " is for site 'demo'; make them the same"
        ]
    finally:
        svc.stop()
