"""The simulated returns desk (pure): it switches to returns, opens the shop's RMAs but not the
people's, scans each announced unit, grades it, and closes."""

from __future__ import annotations

import random
from typing import Any

from edge.devices.brain import Send, SimDevice, SimOptions
from edge.devices.returns_brain import GRADE_CODES, ReturnsBrain


def brain() -> ReturnsBrain:
    device = SimDevice("returns-desk-1", "scanner", badge="P-1009", floor="returns")
    return ReturnsBrain(device, SimOptions.instant(seed=1), random.Random(1))


def sent(actions: list[Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(a.type, dict(a.fields)) for a in actions if isinstance(a, Send)]


def line(scanned: int, expected: int = 2) -> dict[str, Any]:
    return {"sku": "SKU-0003", "gtins": ["08710000000031"], "in_order": True,
            "expected": expected, "scanned": scanned}  # fmt: skip


def test_the_desk_works_an_rma_to_its_close() -> None:
    b = brain()
    assert sent(b.on_view({"screen": "idle", "expect": "none"})) == [("mode", {"mode": "return"})]
    listed = {
        "screen": "return_select",
        "returns": [{"rma_id": "RMA-TRY-1"}, {"rma_id": "RMA-DEMO-2"}],
    }
    assert sent(b.on_view(listed)) == [("scan", {"code": "RMA-DEMO-2"})]
    assert sent(b.on_view({"screen": "return_select", "returns": [{"rma_id": "RMA-TRY-1"}]})) == []
    item = {"screen": "return", "expect": "item", "return": {"lines": [line(0)]}}
    assert sent(b.on_view(item)) == [("scan", {"code": "8710000000031"})]
    ((kind, fields),) = sent(b.on_view({"screen": "return", "expect": "grade", "return": {}}))
    assert kind == "scan" and fields["code"] in GRADE_CODES.values()
    done = {"screen": "return", "expect": "item", "return": {"lines": [line(2)]}}
    assert sent(b.on_view(done)) == [("close", {})]
    assert sent(b.on_view({"screen": "return_done", "expect": "none"})) == [("next", {})]
    assert sum(b.graded.values()) == 1
