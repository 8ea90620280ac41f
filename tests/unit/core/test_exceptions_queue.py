"""The exceptions queue on the real store: each kind appears, and leaves when acted on."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from edge.app import free_port
from edge.messages import (
    LIGHT_MAX_RESENDS,
    AcknowledgeException,
    DeadLetter,
    LightAck,
    LightOn,
    LoadWarehouse,
    OverrideHold,
    PresenceChanged,
    ReprintLabel,
    ResendLight,
    ResendLights,
)
from edge.model import DomainError
from edge.warehouse import parse_description
from tests.support.harness import GTIN, Harness, small_warehouse


def _queue(h: Harness, now: datetime | None = None, **kw: Any) -> dict[str, Any]:
    return h.service.queries.exceptions(now or h.clock.now, **kw)


def _ids(h: Harness, kind: str, now: datetime | None = None) -> list[Any]:
    return [i["ref"] for i in _queue(h, now, kind=kind, limit=200)["items"]]


def _dead_letter(h: Harness, device: str, reason: str) -> None:
    h.handle(
        DeadLetter(f"wh/t1/scanner/{device}/evt", b"{oops", reason, device, h.msg_id(), h.clock.now)
    )


def _audit(h: Harness) -> list[dict[str, Any]]:
    with h.service.read() as tx:
        return tx.all(
            "SELECT action, target, reason, actor, device, detail FROM supervisor_actions"
        )


def test_a_short_pick_shows_until_acknowledged_with_a_note(harness: Harness) -> None:
    h = harness
    oid = h.intake("SHOP-1", ("MUG", 2))
    h.scan("scan-1", "P-1")
    stop = h.view("scan-1")["stop"]
    h.scan("scan-1", stop["bin"])
    h.confirm("scan-1", 0, "bin empty")
    [item] = _queue(h, kind="short")["items"]
    assert item["order"] == oid and item["where"] == "A-02-1-A" and item["who"] == "P-1"
    assert item["who_name"] == "Ana" and item["detail"]["missing"] == 2
    assert item["detail"]["reason"] == "bin empty" and "acknowledge" in item["actions"]
    boss = h.origin("S-1")
    with pytest.raises(DomainError, match="reason"):
        h.handle(AcknowledgeException(boss, "short", item["ref"], " "))
    with pytest.raises(DomainError, match="no short 999"):
        h.handle(AcknowledgeException(boss, "short", 999, "counted"))
    h.handle(AcknowledgeException(boss, "short", item["ref"], "bin counted: empty, label fixed"))
    assert _ids(h, "short") == []
    [audit] = _audit(h)
    assert audit["action"] == "acknowledge_short" and audit["actor"] == "S-1"
    assert audit["reason"] == "bin counted: empty, label fixed"
    assert json.loads(audit["detail"])["bin"] == "A-02-1-A"
    with pytest.raises(DomainError, match="was acknowledged") as err:
        h.handle(AcknowledgeException(boss, "short", item["ref"], "again"))
    assert err.value.code == "conflict"


def test_a_weight_hold_shows_until_the_hold_is_released(harness: Harness) -> None:
    h = harness
    oid = h.intake("SHOP-P", ("PIN", 2))
    h.scan("scan-1", "P-1")
    while h.view("scan-1")["screen"] == "stop":
        h.pick_current_stop("scan-1")
    h.scan("pack-1", "K-1")
    h.scan("pack-1", f"ORD-{oid}")
    if h.view("pack-1").get("expect") != "weight":  # the pack check: each item into the box
        for _ in range(2):
            h.scan("pack-1", GTIN["PIN"])
    with h.service.read() as tx:  # the parcel waiting on the scale (the view may hide it)
        expected = tx.value("SELECT expected_g FROM parcels WHERE order_id = ?", (oid,))
    h.weigh("scale-1", expected + 200)
    [item] = _queue(h, kind="weight_hold")["items"]
    assert item["order"] == oid and item["where"] == "PS-1" and item["who_name"] == "Greta"
    assert item["what"].startswith("weight: parcel 1 expected")
    assert item["actions"][0] == "release_hold"
    h.handle(OverrideHold(h.origin("S-1"), oid, "re-packed, weight checked by hand"))
    assert _ids(h, "weight_hold") == []


def test_dead_letters_leave_when_acknowledged_and_search_pages_say_the_total(
    harness: Harness,
) -> None:
    h = harness
    for n in range(5):
        _dead_letter(h, "scan-2" if n % 2 else "scan-1", f"payload: not JSON ({n})")
    page = _queue(h, kind="dead_letter", limit=2)
    assert page["total"] == 5 and len(page["items"]) == 2 and page["counts"]["dead_letter"] == 5
    assert [i["what"] for i in page["items"]] == ["payload: not JSON (4)", "payload: not JSON (3)"]
    rest = _queue(h, kind="dead_letter", limit=2, offset=4)
    assert rest["total"] == 5 and [i["what"] for i in rest["items"]] == ["payload: not JSON (0)"]
    found = _queue(h, q="SCAN-2")
    assert found["total"] == 2 and {i["where"] for i in found["items"]} == {"scan-2"}
    assert found["counts"]["dead_letter"] == 2
    assert _queue(h, q="scan-2 (3)")["total"] == 1  # every word must match
    first = page["items"][0]["ref"]
    h.handle(AcknowledgeException(h.origin("S-1"), "dead_letter", first, "firmware updated"))
    assert first not in _ids(h, "dead_letter") and len(_ids(h, "dead_letter")) == 4
    with pytest.raises(DomainError, match="no dead letter 4242"):
        h.handle(AcknowledgeException(h.origin("S-1"), "dead_letter", 4242, "x"))


def test_a_device_gone_shows_until_it_is_back(harness: Harness) -> None:
    h = harness
    assert _ids(h, "device_offline") == []  # never seen: not set up yet, not an exception
    h.handle(PresenceChanged("scale-1", "scale", True, h.clock.now))
    h.handle(PresenceChanged("scale-1", "scale", False, h.clock.now))
    [item] = _queue(h, kind="device_offline")["items"]
    assert item["ref"] == "scale-1" and item["detail"]["device_kind"] == "scale"
    assert item["detail"]["station"] == "PS-1"
    assert _queue(h, q="ps-1")["counts"]["device_offline"] == 1
    h.handle(PresenceChanged("scale-1", "scale", True, h.clock.now))
    assert _ids(h, "device_offline") == []


def test_an_unacknowledged_light_is_resent_then_shown_then_cleared(harness: Harness) -> None:
    h = harness
    h.intake("SHOP-1", ("MUG", 2))
    h.scan("scan-1", "P-1")
    [lit] = [e for e in h.effects if isinstance(e, LightOn)]
    tick = ResendLights(h.origin("system"), 1.0, LIGHT_MAX_RESENDS)
    h.effects.clear()
    assert h.handle(tick) == 0  # not overdue yet
    for _ in range(LIGHT_MAX_RESENDS):
        h.clock.now += timedelta(seconds=2)
        assert _ids(h, "light_unacked") == []  # still being re-sent
        assert h.handle(tick) == 1
    again = [e for e in h.effects if isinstance(e, LightOn)]
    assert len(again) == LIGHT_MAX_RESENDS and {e.cmd_id for e in again} == {lit.cmd_id}
    h.clock.now += timedelta(seconds=2)
    assert h.handle(tick) == 0  # re-sends used up: the supervisor's now
    [item] = _queue(h, kind="light_unacked")["items"]
    assert item["ref"] == "ptl-A:A-02-1-A" and item["who_name"] == "Ana"
    assert item["actions"] == ["resend_light"]
    h.effects.clear()
    h.handle(ResendLight(h.origin("S-1"), "ptl-A", "A-02-1-A", "module replaced"))
    assert [e.cmd_id for e in h.effects if isinstance(e, LightOn)] == [lit.cmd_id]
    assert _ids(h, "light_unacked") == []
    assert _audit(h)[-1]["action"] == "resend_light"
    h.handle(LightAck("ptl-A", h.msg_id(), h.clock.now, lit.cmd_id))
    with pytest.raises(DomainError, match="was acknowledged"):
        h.handle(ResendLight(h.origin("S-1"), "ptl-A", "A-02-1-A", "again"))
    h.clock.now += timedelta(seconds=10)
    assert h.handle(tick) == 0  # acknowledged: never re-sent


def test_orders_missing_the_cutoff_are_listed_nearest_first(harness: Harness) -> None:
    h = harness
    oid = h.intake("SHOP-1", ("MUG", 2))
    assert _ids(h, "cutoff_miss") == []  # 09:00, due 13:00: it makes it
    late = datetime(2026, 11, 20, 13, 30, tzinfo=UTC)
    [item] = _queue(h, late, kind="cutoff_miss")["items"]
    assert item["order"] == oid and item["detail"]["missed"] is True
    assert item["what"] == "missed the cut-off" and "priority" in item["actions"]
    assert _queue(h, late, q="SHOP-1")["counts"]["cutoff_miss"] == 1


def test_bad_kinds_are_refused_by_the_core(harness: Harness) -> None:
    with pytest.raises(DomainError):
        harness.handle(AcknowledgeException(harness.origin("S-1"), "short", 1, ""))


def _printer(port: int) -> threading.Thread:
    """A label printer on localhost: takes one ZPL job and closes (as a Zebra does)."""
    server = socket.create_server(("127.0.0.1", port))

    def serve() -> None:
        with server:
            conn, _ = server.accept()
            with conn:
                while conn.recv(65536):
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return thread


def _wait(check: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, "condition not met"
        time.sleep(0.05)
    return found


def test_a_failed_label_print_shows_until_a_reprint_prints(harness: Harness) -> None:
    h = harness
    port = free_port()  # nothing listens yet: the first print finds the printer off
    site = small_warehouse()
    site["labels"] = {"gs1_company_prefix": "8710000", "default_carrier": "post"}
    site["carriers"] = [{"id": "post", "tracking": "manual"}]
    for station in site["pack_stations"]:
        station["printer"] = {"host": "127.0.0.1", "port": port, "timeout_ms": 2000}
    h.handle(LoadWarehouse(h.origin("test"), parse_description(site)))
    oid = h.intake("SHOP-L", ("PIN", 2))
    h.scan("scan-1", "P-1")
    while h.view("scan-1")["screen"] == "stop":
        h.pick_current_stop("scan-1")
    h.scan("pack-1", "K-1")
    h.scan("pack-1", f"ORD-{oid}")
    if h.view("pack-1").get("expect") != "weight":
        for _ in range(2):
            h.scan("pack-1", GTIN["PIN"])
    with h.service.read() as tx:
        expected = tx.value("SELECT expected_g FROM parcels WHERE order_id = ?", (oid,))
    h.weigh("scale-1", expected)
    [item] = _wait(lambda: _queue(h, kind="label_failed")["items"])
    assert item["order"] == oid and item["where"] == "PS-1" and item["actions"] == ["reprint"]
    assert item["detail"]["result"] == "offline" and "not printed" in item["what"]
    assert _queue(h, q="ps-1")["counts"]["label_failed"] == 1
    printer = _printer(port)
    h.handle(ReprintLabel(h.origin("S-1"), item["ref"], "printer plugged in"))
    _wait(lambda: not _ids(h, "label_failed"))
    printer.join(5)
