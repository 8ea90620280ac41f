"""Packing that proves the contents, on the real store: the items a scale cannot see missing
are scanned into the box before it is weighed; holds say what to do next, in grams."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from edge.app import create_app
from edge.core.packcheck import hold_next_step, items_to_scan
from edge.messages import DeviceError, IntakeOrder, NextRequested, OrderLineIn, ScannerView
from edge.model import DomainError
from tests.support.harness import GTIN, Harness


def _picked(harness: Harness, *lines: tuple[str, int], verify: bool = False) -> int:
    paid = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    msg = IntakeOrder(
        harness.origin(),
        f"SHOP-{harness.msg_id()}",
        tuple(OrderLineIn(s, q) for s, q in lines),
        paid,
        verify_contents=verify,
    )
    oid = int(harness.handle(msg)["order_id"])
    if any(isinstance(e, ScannerView) and e.device_id == "scan-1" for e in harness.effects):
        harness.handle(NextRequested("scan-1", harness.msg_id(), harness.clock.now))
    else:
        harness.scan("scan-1", "P-1")
    while harness.view("scan-1")["screen"] == "stop":
        harness.pick_current_stop("scan-1")
    return oid


def _at_station(harness: Harness, oid: int) -> dict[str, Any]:
    harness.scan("pack-1", "K-1")
    harness.scan("pack-1", f"ORD-{oid}")
    return harness.view("pack-1")


def _scans(harness: Harness, oid: int) -> list[dict[str, Any]]:
    with harness.service.read() as tx:
        return tx.all("SELECT * FROM pack_scans WHERE order_id = ? ORDER BY id", (oid,))


def test_the_rule_scans_what_the_scale_cannot_see_and_all_when_asked() -> None:
    weights = {"MUG": 340, "PIN": 5, "CABLE": 40}
    contents = {"MUG": 2, "PIN": 3, "CABLE": 1}
    assert items_to_scan(contents, weights, 40, False) == {"CABLE": 1, "PIN": 3}
    assert items_to_scan(contents, weights, 39, False) == {"PIN": 3}
    assert items_to_scan(contents, weights, 39, True) == contents
    # A whole item's weight off: open and scan; less: re-weigh; a second hold: a supervisor.
    assert hold_next_step(-340, 340, 1) == "scan_contents"
    assert hold_next_step(+45, 340, 1) == "re_weigh"
    assert hold_next_step(-45, 5, 1) == "scan_contents"
    assert hold_next_step(+45, 340, 2) == "supervisor"


def test_the_screen_lists_each_parcel_and_the_items_to_scan(harness: Harness) -> None:
    oid = _picked(harness, ("MUG", 2), ("PIN", 2))
    view = _at_station(harness, oid)
    assert view["screen"] == "pack_contents" and view["expect"] == "item"
    assert view["missing"] == [{"sku": "PIN", "name": "Pin badge", "qty": 2}]
    assert view["progress"] == {"scanned": 0, "of": 2}
    (parcel,) = view["parcels"]
    assert (parcel["n"], parcel["of"]) == (1, 1)
    assert [(c["sku"], c["qty"], c["must_scan"], c["scanned"]) for c in parcel["contents"]] == [
        ("PIN", 2, 2, 0),
        ("MUG", 2, 0, 0),
    ]
    assert "Pin badge × 2" in str(view["message"])


def test_an_order_that_asks_has_every_unit_scanned(harness: Harness) -> None:
    oid = _picked(harness, ("MUG", 2), verify=True)
    view = _at_station(harness, oid)
    assert view["missing"] == [{"sku": "MUG", "name": "Mug", "qty": 2}]
    assert harness.order(oid)["verify_contents"] is True


def test_scans_count_and_a_wrong_item_or_one_too_many_is_refused(harness: Harness) -> None:
    oid = _picked(harness, ("MUG", 1), ("PIN", 2))
    _at_station(harness, oid)
    with pytest.raises(DomainError, match="wrong item: Book \\(BOOK\\) is not in parcel 1") as e:
        harness.scan("pack-1", GTIN["BOOK"])
    assert e.value.code == "wrong_item"
    view = harness.view("pack-1")
    assert view["error_code"] == "wrong_item" and view["screen"] == "pack_contents"
    assert [x.code for x in harness.effects if isinstance(x, DeviceError)][-1] == "wrong_item"
    harness.scan("pack-1", GTIN["PIN"])
    assert harness.view("pack-1")["progress"] == {"scanned": 1, "of": 2}
    harness.scan("pack-1", "pin")  # typed, any case: the barcode is damaged
    view = harness.view("pack-1")
    assert view["screen"] == "pack_weigh"
    # More pins than the parcel holds: refused, nothing counted.
    with pytest.raises(DomainError, match="too many: parcel 1 holds 2 × Pin badge") as e:
        harness.scan("pack-1", GTIN["PIN"])
    assert e.value.code == "extra_item"
    scans = _scans(harness, oid)
    assert [(s["sku"], s["via"], s["gtin"]) for s in scans] == [
        ("PIN", "scan", "0" + GTIN["PIN"]),
        ("PIN", "typed", None),
    ]
    assert {(s["packer"], s["device"]) for s in scans} == {("K-1", "pack-1")}
    assert all(s["at"] and s["device_at"] and s["msg_id"] for s in scans)


def test_a_weight_before_the_scans_is_refused_and_the_packer_told(harness: Harness) -> None:
    oid = _picked(harness, ("MUG", 1), ("PIN", 1))
    view = _at_station(harness, oid)
    expected = view["parcels"][0]["expected_g"]
    with pytest.raises(DomainError, match="scan the items into parcel 1 before weighing") as e:
        harness.weigh("scale-1", expected - 5)  # the pin left out: the scale alone would pass
    assert e.value.code == "contents_first"
    told = [x for x in harness.effects if isinstance(x, DeviceError) and x.device_id == "pack-1"]
    assert told[-1].code == "contents_first" and "Pin badge (PIN) × 1" in told[-1].reason
    view = harness.view("pack-1")
    assert view["error_code"] == "contents_first" and view["screen"] == "pack_contents"
    assert harness.order(oid)["status"] == "packing"
    harness.scan("pack-1", GTIN["PIN"])
    harness.weigh("scale-1", expected)
    assert harness.order(oid)["status"] == "ready_to_ship"


def test_an_order_code_while_scanning_opens_that_order(harness: Harness) -> None:
    first = _picked(harness, ("PIN", 1))
    second = _picked(harness, ("MUG", 1))
    _at_station(harness, first)
    with pytest.raises(DomainError, match="not a product barcode") as e:
        harness.scan("pack-1", "HELLO")
    assert e.value.code == "wrong_item"
    harness.scan("pack-1", f"ORD-{second}")
    view = harness.view("pack-1")
    assert (view["screen"], view["order_id"]) == ("pack_weigh", second)


def test_a_redelivered_scan_counts_once(harness: Harness) -> None:
    oid = _picked(harness, ("PIN", 2))
    _at_station(harness, oid)
    harness.scan("pack-1", GTIN["PIN"], msg_id="same")
    harness.scan("pack-1", GTIN["PIN"], msg_id="same")
    assert len(_scans(harness, oid)) == 1
    assert harness.view("pack-1")["progress"] == {"scanned": 1, "of": 2}


def test_a_hold_says_what_to_do_with_the_grams(harness: Harness) -> None:
    oid = _picked(harness, ("MUG", 2))
    view = _at_station(harness, oid)
    assert view["screen"] == "pack_weigh"  # mugs are heavy: the scale sees one missing
    parcel = view["parcels"][0]
    over = parcel["tolerance_g"] + 5
    harness.weigh("scale-1", parcel["expected_g"] + over)  # less than a mug: a re-weigh
    held = harness.view("pack-1")["last"]["parcels"][0]
    assert (held["diff_g"], held["next"], held["holds"]) == (over, "re_weigh", 1)
    error = [x for x in harness.effects if isinstance(x, DeviceError)][-1]
    assert error.code == "weight_hold" and f"+{over} g" in error.reason
    harness.scan("pack-1", f"ORD-{oid}")
    assert harness.view("pack-1")["screen"] == "pack_weigh"  # re-weigh: no scans needed
    harness.weigh("scale-1", parcel["expected_g"] - 340)  # a mug missing, the second hold
    held = harness.view("pack-1")["last"]["parcels"][0]
    assert (held["diff_g"], held["next"], held["holds"]) == (-340, "supervisor", 2)
    # Scanned again, the opened parcel needs each unit scanned, afresh.
    harness.scan("pack-1", f"ORD-{oid}")
    assert harness.view("pack-1")["missing"] == [{"sku": "MUG", "name": "Mug", "qty": 2}]


def test_a_hold_on_a_parcel_with_blind_items_sends_the_packer_to_scan_again(
    harness: Harness,
) -> None:
    oid = _picked(harness, ("MUG", 1), ("PIN", 1))
    view = _at_station(harness, oid)
    harness.scan("pack-1", GTIN["PIN"])
    expected = view["parcels"][0]["expected_g"]
    harness.weigh("scale-1", expected + 60)
    assert harness.view("pack-1")["last"]["parcels"][0]["next"] == "scan_contents"
    harness.scan("pack-1", f"ORD-{oid}")
    view = harness.view("pack-1")
    assert view["screen"] == "pack_contents"
    assert view["progress"] == {"scanned": 0, "of": 2}  # the earlier round is kept, not counted
    assert len(_scans(harness, oid)) == 1


@pytest.fixture
def client(harness: Harness) -> Iterator[TestClient]:
    with TestClient(create_app(harness.service), raise_server_exceptions=False) as c:
        yield c


def test_the_shop_asks_for_a_contents_check_at_intake(client: TestClient) -> None:
    body = {
        "shop_order_id": "WEB-V",
        "paid_at": "2026-11-20T08:00:00+00:00",
        "lines": [{"sku": "MUG", "qty": 1}],
        "verify_contents": True,
    }
    key = {"X-API-Key": "test-key"}
    first = client.post("/api/v1/orders", json=body, headers=key)
    assert first.status_code == 201 and first.json()["verify_contents"] is True
    again = client.post("/api/v1/orders", json={**body, "verify_contents": False}, headers=key)
    assert again.status_code == 409 and again.json()["detail"].startswith("verify_contents:")
    bad = client.post("/api/v1/orders", json={**body, "verify_contents": "yes"}, headers=key)
    assert bad.status_code == 422 and "verify_contents" in bad.text
