"""The demo's supplier, physical stock and supervisor on the real store and core."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from edge.demo_stock import APPROVE_AFTER, SUPERVISOR, PhysicalStock, StockActors
from edge.messages import LoadWarehouse, ModeRequested, Origin, ScheduleCount
from edge.warehouse import parse_description
from tests.support.harness import Harness
from tests.unit.core.test_stock_flows import FACE, count_to, stocked_warehouse


@pytest.fixture
def h(harness: Harness) -> Harness:
    desc = parse_description(stocked_warehouse())
    harness.handle(LoadWarehouse(Origin("test", harness.clock.now, "test"), desc))
    return harness


def test_the_supplier_delivers_what_runs_low_once(h: Harness) -> None:
    actors = StockActors(h.service, first_delivery_s=0)
    # Free units in all bins: CABLE 3, BOOK 5; MUG 56 and PIN 50 are plenty.
    assert [sku for sku, _ in actors.low_skus(10)] == ["CABLE", "BOOK"]
    # An order waiting for MUG (its pick face holds 6 of the 9) puts MUG first.
    h.intake("S-9", ("MUG", 9))
    assert [sku for sku, _ in actors.low_skus(10)] == ["MUG", "CABLE", "BOOK"]
    assert 60 <= actors.supplier() <= 90
    with h.service.read() as tx:
        lines = tx.all("SELECT sku, expected FROM receipt_lines ORDER BY line_no")
    assert {line["sku"] for line in lines} <= {"MUG", "CABLE", "BOOK"} and len(lines) >= 2
    assert all(line["expected"] % 12 == 0 for line in lines)  # whole cases
    # What is on its way is not ordered again.
    assert not {sku for sku, _ in actors.low_skus(10)} & {line["sku"] for line in lines}


def test_the_supervisor_approves_a_recounted_difference_after_a_while(h: Harness) -> None:
    actors = StockActors(h.service)
    h.handle(ScheduleCount(h.origin("S-1"), FACE, "MUG"))
    for device, badge in (("scan-1", "P-1"), ("scan-2", "P-2")):
        h.scan(device, badge)
        h.handle(ModeRequested(device, h.msg_id(), h.clock.now, "count"))
    assert count_to(h, "scan-1", 2)["outcome"] == "recount"  # the store says 6
    assert count_to(h, "scan-2", 2)["outcome"] == "approval"
    actors.supervisor(h.clock.now)  # just counted: it waits on the supervisor page
    with h.service.read() as tx:
        assert tx.value("SELECT status FROM counts") == "approval"
    actors.supervisor(h.clock.now + APPROVE_AFTER + timedelta(seconds=1))
    with h.service.read() as tx:
        count = tx.one("SELECT status, decided_by, decision_reason FROM counts")
        feed = tx.one("SELECT kind, record FROM feed ORDER BY seq DESC LIMIT 1")
    assert count is not None and count["status"] == "approved"
    assert count["decided_by"] == SUPERVISOR and count["decision_reason"]
    assert feed is not None and feed["kind"] == "stock_adjustment"
    assert json.loads(feed["record"])["delta"] == -4
    assert h.stock(FACE, "MUG")[0] == 2


def test_physical_stock_is_the_store_less_a_loss_until_a_count_settles_it(h: Harness) -> None:
    physical = PhysicalStock(h.service, loss_share=1.0)
    found = physical.units(FACE, "MUG")
    assert found is not None and 0 <= found <= 6 - 3
    assert physical.units(FACE, "MUG") == found  # the same loss every time it is counted
    physical.settled(FACE, "MUG")
    assert physical.units(FACE, "MUG") == 6
    assert PhysicalStock(h.service, loss_share=0.0).units(FACE, "MUG") == 6
    assert physical.units(FACE, "NOPE") is None
