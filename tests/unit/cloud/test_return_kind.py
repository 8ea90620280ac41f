"""The `return` record kind on the cloud side: made by the real core when the returns desk
closes a return, served as a page, verified, stored and read through its views."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from cloud_sync.pull import pg
from cloud_sync.pull.verify import verify_page
from edge.messages import CloseRequested, IntakeReturn, ModeRequested, ReturnLineIn
from tests.support.feed import read_page
from tests.support.harness import GTIN, Harness, make_harness
from tests.support.returns import shipped_order


@pytest.fixture
def h(tmp_path: Path) -> Iterator[Harness]:
    harness = make_harness(tmp_path)
    yield harness
    harness.service.db.close()


def test_the_shop_reads_a_return_by_line_and_grade(
    h: Harness, conn: psycopg.Connection[Any]
) -> None:
    oid = shipped_order(h)
    h.handle(IntakeReturn(h.origin("shop"), "RMA-7", "SHOP-R", (ReturnLineIn("MUG", 2),)))
    h.scan("scan-2", "P-2")
    h.handle(ModeRequested("scan-2", h.msg_id(), h.clock.now, "return"))
    for code in ("TRK-1-1", GTIN["MUG"], "GRADE-RESELLABLE", GTIN["MUG"], "GRADE-DAMAGED"):
        h.scan("scan-2", code)
    h.handle(CloseRequested("scan-2", h.msg_id(), h.clock.now))
    page = read_page(h, 0, 100, None, None)
    verified = verify_page(page["records"], 0)
    assert verified.problem is None
    assert pg.store_page(conn, "north", page["stream_id"], verified.records, page["next"]) == 2
    head = conn.execute(
        "SELECT rma_id, order_id, shop_order_id, order_status, closed_by, closed_device"
        " FROM cloud_returns"
    ).fetchall()
    assert head == [("RMA-7", oid, "SHOP-R", "partly_returned", "P-2", "scan-2")]
    lines = conn.execute(
        "SELECT sku, in_order, expected, resellable, damaged, wrong_item, missing"
        " FROM cloud_return_lines"
    ).fetchall()
    assert lines == [("MUG", True, 2, 1, 1, 0, 0)]
