"""Labels on the real store and a real listening printer: issued, printed, failed, reprinted."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from edge.core.labelviews import label_failures
from edge.devices.label_printer import SimulatedLabelPrinter
from edge.labels.sscc import verify_sscc
from edge.messages import (
    DeviceError,
    IntakeOrder,
    LoadWarehouse,
    NextRequested,
    OrderLineIn,
    ParcelHandover,
    ReprintLabel,
    ShipOrder,
)
from edge.model import DomainError
from edge.warehouse import parse_description
from tests.support.harness import Harness
from tests.support.labels import label_warehouse, load_labels
from tests.support.zpl import parse


@pytest.fixture
def printer() -> Iterator[SimulatedLabelPrinter]:
    p = SimulatedLabelPrinter().start()
    yield p
    p.stop()


def _packed(h: Harness, shop: str, carrier: str | None = None, mugs: int = 2) -> int:
    paid = h.clock.now.replace(hour=8)
    msg = IntakeOrder(
        h.origin(),
        shop,
        (OrderLineIn("MUG", mugs),),
        paid,
        None,
        {"name": "Ann Lee", "city": "Utrecht"},
        carrier=carrier,
    )
    oid = int(h.handle(msg)["order_id"])
    h.scan("scan-1", "P-1")
    if h.view("scan-1")["screen"] != "stop":
        h.handle(NextRequested("scan-1", h.msg_id(), h.clock.now))
    while h.view("scan-1")["screen"] == "stop":
        h.pick_current_stop("scan-1")
    h.scan("pack-1", "K-1")
    h.scan("pack-1", f"ORD-{oid}")
    return oid


def _weigh_all(h: Harness, oid: int) -> list[dict]:
    for p in h.order(oid)["parcels"]:
        h.weigh("scale-1", p["expected_g"])
    return h.order(oid)["parcels"]


def test_a_passed_parcel_is_labelled_printed_and_shipped_without_typing(
    harness: Harness, printer: SimulatedLabelPrinter
) -> None:
    load_labels(harness, printer.port)
    oid = _packed(harness, "L-1")
    parcels = _weigh_all(harness, oid)
    job = printer.wait_for_jobs(1)[0]
    with harness.service.read() as tx:
        row = tx.one("SELECT * FROM parcels WHERE id = ?", (parcels[0]["parcel_id"],))
        prints = tx.all("SELECT * FROM label_prints")
    assert row["tracking"] == "EE123456785NL" and row["carrier"] == "postnl"
    assert verify_sscc(row["sscc"]).startswith("10614141")
    assert [(p["result"], p["actor"], p["device"]) for p in prints] == [
        ("printed", "K-1", "scale-1")
    ]
    zpl = parse(job.text)
    assert zpl.barcodes() == [row["tracking"], "00" + row["sscc"]]
    view_label = harness.view("pack-1")["last"]["parcels"][0]["label"]
    assert view_label["print"] == "printed" and view_label["sscc"] == row["sscc"]
    assert view_label["preview"] == f"/api/v1/parcels/{row['id']}/label.svg"
    # Hand-over needs no typing: the label's number stands, and the feed carries it.
    harness.handle(ShipOrder(harness.origin("carrier"), oid, None, ()))
    with harness.service.read() as tx:
        record = json.loads(tx.value("SELECT record FROM feed WHERE order_id = ?", (oid,)))
    assert record["parcels"][0]["tracking"] == row["tracking"]
    assert record["parcels"][0]["sscc"] == row["sscc"]
    assert record["parcels"][0]["carrier"] == "postnl"


def test_numbers_are_never_reused_and_a_used_up_range_refuses_loudly(
    harness: Harness, printer: SimulatedLabelPrinter
) -> None:
    load_labels(harness, printer.port, last=12345679)
    first = _weigh_all(harness, _packed(harness, "L-1"))
    second = _weigh_all(harness, _packed(harness, "L-2"))
    with harness.service.read() as tx:
        numbers = [
            tx.one("SELECT tracking, sscc FROM parcels WHERE id = ?", (p["parcel_id"],))
            for p in first + second
        ]
    assert [n["tracking"] for n in numbers] == ["EE123456785NL", "EE123456799NL"]
    assert len({n["sscc"] for n in numbers}) == 2
    oid = _packed(harness, "L-3")
    parcel = harness.order(oid)["parcels"][0]
    with pytest.raises(DomainError, match="tracking numbers are used up"):
        harness.weigh("scale-1", parcel["expected_g"])
    assert harness.order(oid)["parcels"][0]["result"] == "waiting"  # nothing half done


@pytest.mark.parametrize("mode", ["refuse", "hang", "offline"])
def test_a_failed_print_is_loud_and_a_reprint_is_audited(
    harness: Harness, printer: SimulatedLabelPrinter, mode: str
) -> None:
    load_labels(harness, printer.port, timeout_ms=300)
    oid = _packed(harness, "L-1", carrier="dhl")
    printer.set_mode(mode)  # type: ignore[arg-type]
    parcel = _weigh_all(harness, oid)[0]
    expected = {"refuse": "refused", "hang": "timeout", "offline": "offline"}[mode]
    view = harness.view("pack-1")
    assert view["error_code"] == "label_failed" and expected in view["error"]
    assert view["last"]["parcels"][0]["label"]["failed"] is True
    errors = [e for e in harness.effects if isinstance(e, DeviceError)]
    assert errors[-1].code == "label_failed" and errors[-1].device_id == "pack-1"
    with harness.service.read() as tx:
        assert [f["result"] for f in label_failures(tx)] == [expected]
    printer.set_mode("ok")
    harness.handle(ReprintLabel(harness.origin("K-1"), parcel["parcel_id"], "printer fixed"))
    job = printer.wait_for_jobs(1)[0]
    with harness.service.read() as tx:
        prints = tx.all("SELECT result, reason, actor FROM label_prints ORDER BY id")
        tracking = tx.value("SELECT tracking FROM parcels WHERE id = ?", (parcel["parcel_id"],))
        assert label_failures(tx) == []
    assert prints == [
        {"result": expected, "reason": "", "actor": "K-1"},
        {"result": "printed", "reason": "printer fixed", "actor": "K-1"},
    ]
    assert tracking.startswith("12") and parse(job.text).barcodes()[0] == tracking
    assert "error" not in harness.view("pack-1")


def test_reprint_scan_and_refusals(harness: Harness, printer: SimulatedLabelPrinter) -> None:
    load_labels(harness, printer.port)
    harness.scan("pack-1", "K-1")
    with pytest.raises(DomainError, match="no label has been printed"):
        harness.scan("pack-1", "REPRINT")
    oid = _packed(harness, "L-1")
    _weigh_all(harness, oid)
    harness.scan("pack-1", "REPRINT")
    assert len(printer.wait_for_jobs(2)) == 2
    with harness.service.read() as tx:
        assert tx.value("SELECT reason FROM label_prints ORDER BY id DESC") == "REPRINT scanned"
    with pytest.raises(DomainError, match="needs a reason"):
        harness.handle(ReprintLabel(harness.origin("K-1"), 1, " "))
    with pytest.raises(DomainError, match="does not exist"):
        harness.handle(ReprintLabel(harness.origin("K-1"), 999, "x"))


def test_carriers_at_intake_and_typed_numbers_at_hand_over(
    harness: Harness, printer: SimulatedLabelPrinter
) -> None:
    load_labels(harness, printer.port)
    with pytest.raises(DomainError, match="carrier: unknown carrier 'ups'"):
        harness.handle(
            IntakeOrder(
                harness.origin(),
                "X",
                (OrderLineIn("MUG", 1),),
                harness.clock.now,
                None,
                {},
                carrier="ups",
            )
        )
    oid = _packed(harness, "L-1", carrier="courier")
    parcel = _weigh_all(harness, oid)[0]
    with harness.service.read() as tx:
        assert tx.value("SELECT tracking FROM parcels WHERE id = ?", (parcel["parcel_id"],)) is None
    assert "ENTERED AT HAND-OVER" in parse(printer.wait_for_jobs(1)[0].text).texts()
    with pytest.raises(DomainError, match="tracking number for each parcel"):
        harness.handle(ShipOrder(harness.origin("carrier"), oid, None, ()))
    harness.handle(
        ShipOrder(
            harness.origin("carrier"), oid, None, (ParcelHandover(parcel["parcel_id"], "C1"),)
        )
    )
    assert harness.order(oid)["parcels"][0]["tracking"] == "C1"


def test_a_station_without_a_printer_fails_each_label_loudly(
    harness: Harness, printer: SimulatedLabelPrinter
) -> None:
    load_labels(harness, printer.port)
    desc = label_warehouse(printer.port)
    del desc["pack_stations"][0]["printer"]
    harness.handle(LoadWarehouse(harness.origin("test"), parse_description(desc)))
    oid = _packed(harness, "L-1")
    _weigh_all(harness, oid)
    assert harness.order(oid)["status"] == "ready_to_ship"  # the numbers are issued
    label = harness.view("pack-1")["last"]["parcels"][0]["label"]
    assert label["failed"] and label["tracking"] == "EE123456785NL"
    errors = [e for e in harness.effects if isinstance(e, DeviceError)]
    assert errors[-1].code == "label_failed" and "no printer configured" in errors[-1].reason
    assert printer.jobs == []
