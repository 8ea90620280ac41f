"""The feed's record kinds end to end on the cloud side: a receipt, put-aways and a stock
adjustment made by the real core, served as a page, verified and stored in PostgreSQL with
their kind and readable through the per-kind views."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from cloud_sync.pull import pg
from cloud_sync.pull.verify import verify_page
from edge.messages import (
    AdjustStock,
    CloseRequested,
    DeliveryLineIn,
    IntakeDelivery,
    LoadWarehouse,
    ModeRequested,
    NextRequested,
    Origin,
)
from edge.warehouse import parse_description
from tests.support.feed import check_page, read_page
from tests.support.harness import GTIN, Harness, make_harness
from tests.unit.core.test_stock_flows import FACE, stocked_warehouse


@pytest.fixture
def h(tmp_path: Path) -> Iterator[Harness]:
    harness = make_harness(tmp_path)
    desc = parse_description(stocked_warehouse())
    harness.handle(LoadWarehouse(Origin("test", harness.clock.now, "test"), desc))
    yield harness
    harness.service.db.close()


def floor_work(h: Harness) -> None:
    """A delivery announced, received (a case of MUG, a BOOK with lot and expiry, one damaged
    BOOK), closed, both lines put away; then a supervisor's stock correction over HTTP."""
    lines = (DeliveryLineIn("MUG", 12), DeliveryLineIn("BOOK", 2, "L1"))
    h.handle(IntakeDelivery(h.origin("erp"), "DLV-77", "Acme", lines))
    h.scan("scan-1", "P-1")
    h.handle(ModeRequested("scan-1", h.msg_id(), h.clock.now, "receive"))
    h.scan("scan-1", "DLV-77")
    h.scan("scan-1", GTIN["MUG"])
    h.confirm("scan-1", 12)
    h.scan("scan-1", f"]C101{GTIN['BOOK'].zfill(14)}17270630" + "10L1")
    h.scan("scan-1", GTIN["BOOK"])
    h.confirm("scan-1", 1, "damaged")
    h.handle(CloseRequested("scan-1", h.msg_id(), h.clock.now))
    h.handle(ModeRequested("scan-1", h.msg_id(), h.clock.now, "putaway"))
    for _ in range(2):
        h.handle(NextRequested("scan-1", h.msg_id(), h.clock.now))
        h.scan("scan-1", h.view("scan-1")["task"]["suggested_bin"])
    h.handle(AdjustStock(h.origin("S-1"), "B-03-1-B", "CABLE", 2, "found broken"))


def _feed(h: Harness) -> list[dict[str, Any]]:
    page = read_page(h, 0, 100, None, None)
    check_page(page, 0)
    records: list[dict[str, Any]] = page["records"]
    return records


def test_a_closed_receipt_is_one_receipt_record_with_the_data_of_its_transaction(
    h: Harness,
) -> None:
    floor_work(h)
    records = _feed(h)
    assert [r["record"]["kind"] for r in records] == [
        "receipt",
        "putaway",
        "putaway",
        "stock_adjustment",
    ]
    assert all(r["order_id"] == 0 and r["shop_order_id"] == "" for r in records)
    receipt = records[0]
    with h.service.read() as tx:
        head = tx.one("SELECT * FROM receipts WHERE delivery_id = 'DLV-77'")
        lines = tx.all(
            "SELECT line_no, sku, expected, received, damaged, lot, expiry FROM receipt_lines"
            " WHERE receipt_id = ? ORDER BY line_no",
            (head["id"],),  # type: ignore[index]
        )
        scans = tx.all("SELECT sku, lot, expiry, qty, condition, actor, device FROM receipt_scans")
    assert head is not None and head["status"] == "closed"
    # Written by the transaction that closed the receipt: its time, its person, its lines.
    assert receipt["created_at"] == head["closed_at"] == receipt["record"]["closed_at"]
    body = receipt["record"]
    assert (body["delivery_id"], body["supplier"], body["closed_by"], body["device"]) == (
        "DLV-77",
        "Acme",
        "P-1",
        "scan-1",
    )
    assert body["site"] == "t1"
    assert body["lines"] == lines
    assert [{k: s[k] for k in ("sku", "lot", "expiry", "qty", "condition")} for s in scans] == [
        {k: s[k] for k in ("sku", "lot", "expiry", "qty", "condition")} for s in body["scans"]
    ]
    assert {d["sku"]: d["diff"] for d in body["differences"]} == {"BOOK": 0}  # 1 damaged
    puts = [r["record"] for r in records if r["record"]["kind"] == "putaway"]
    assert {(p["sku"], p["qty"], p["delivery_id"]) for p in puts} == {
        ("MUG", 12, "DLV-77"),
        ("BOOK", 1, "DLV-77"),
    }
    mug = next(p for p in puts if p["sku"] == "MUG")
    assert mug["bin"] == FACE and mug["followed"] is True and mug["actor"] == "P-1"
    adjustment = records[-1]["record"]
    assert {k: adjustment[k] for k in ("bin", "sku", "delta", "on_hand_after", "ref")} == {
        "bin": "B-03-1-B",
        "sku": "CABLE",
        "delta": -1,
        "on_hand_after": 2,
        "ref": "http",
    }


def test_the_cloud_stores_every_kind_and_the_shop_reads_them_by_kind(
    h: Harness, conn: psycopg.Connection[Any]
) -> None:
    floor_work(h)
    page = read_page(h, 0, 100, None, None)
    verified = verify_page(page["records"], 0)  # the chain and hashes know no kinds
    assert verified.problem is None and len(verified.records) == 4
    assert pg.store_page(conn, "north", page["stream_id"], verified.records, page["next"]) == 4
    kinds = conn.execute("SELECT seq, kind FROM cloud_records ORDER BY seq").fetchall()
    assert [k for _, k in kinds] == ["receipt", "putaway", "putaway", "stock_adjustment"]
    receipt = conn.execute(
        "SELECT delivery_id, supplier, closed_by, jsonb_array_length(scans) FROM cloud_receipts"
    ).fetchall()
    assert receipt == [("DLV-77", "Acme", "P-1", 3)]
    lines = conn.execute(
        "SELECT sku, expected, received, damaged, lot FROM cloud_receipt_lines ORDER BY line_no"
    ).fetchall()
    assert lines == [("MUG", 12, 12, 0, None), ("BOOK", 2, 2, 1, "L1")]
    puts = conn.execute("SELECT sku, qty, followed FROM cloud_putaways ORDER BY seq").fetchall()
    assert puts == [("MUG", 12, True), ("BOOK", 1, True)]
    adjusted = conn.execute(
        "SELECT bin, sku, delta, on_hand_after, reason FROM cloud_stock_adjustments"
    ).fetchall()
    assert adjusted == [("B-03-1-B", "CABLE", -1, 2, "found broken")]
    assert conn.execute("SELECT count(*) FROM cloud_shipments").fetchone() == (0,)


def test_an_older_store_gets_the_kind_of_records_it_already_holds(
    conn: psycopg.Connection[Any],
) -> None:
    # A consumer of before the kinds stored a receipt with no kind column; migrating fills it.
    conn.execute(
        "DROP VIEW cloud_shipments, cloud_receipts, cloud_receipt_lines,"
        " cloud_putaways, cloud_stock_adjustments, cloud_returns, cloud_return_lines"
    )
    conn.execute("ALTER TABLE cloud_records DROP COLUMN kind")
    conn.execute(
        "INSERT INTO cloud_records (gateway, stream_id, seq, prev_seq, hash, record) VALUES"
        " ('north', 's1', 1, 0, 'h1', '{\"kind\": \"receipt\", \"delivery_id\": \"D\"}'),"
        " ('north', 's1', 2, 1, 'h2', '{\"order_id\": 7}')"
    )
    pg.migrate(conn)
    rows = conn.execute("SELECT seq, kind FROM cloud_records ORDER BY seq").fetchall()
    assert rows == [(1, "receipt"), (2, "shipment")]
    assert conn.execute("SELECT delivery_id FROM cloud_receipts").fetchall() == [("D",)]
