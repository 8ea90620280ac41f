"""The simulated floor worker (pure): views in, the receiving, put-away and count actions out."""

from __future__ import annotations

import random
from typing import Any

import pytest

from edge.devices.brain import Send, SimDevice, SimOptions
from edge.devices.floor_brain import FloorBrain, FloorOptions, beside

GTIN = "08710000000048"


def brain(floor: str = "inbound", oracle: Any = None, **changes: Any) -> FloorBrain:
    device = SimDevice("scanner-04", "scanner", badge="P-1004", floor=floor)
    options = FloorOptions(**{"short_prob": 0.0, "damaged_prob": 0.0, **changes})
    return FloorBrain(
        device, SimOptions.instant(seed=1), random.Random(1), floor=options, oracle=oracle
    )


def sent(actions: list[Any]) -> tuple[str, dict[str, Any]]:
    assert len(actions) == 1 and isinstance(actions[0], Send), actions
    return actions[0].type, dict(actions[0].fields)


def receiving(received: int, expect: str = "item", **extra: Any) -> dict[str, Any]:
    line = {"line_no": 1, "sku": "SKU-0004", "gtins": [GTIN], "expected": 12}
    line |= {"received": received, "damaged": 0, "lot": None, "expiry": None}
    view = {"screen": "receive", "expect": expect, "awaiting_lot": False, "last": None}
    return view | {"delivery": {"delivery_id": "DN-1", "lines": [line]}} | extra


def test_a_split_gs1_code_sends_its_lot_part_then_the_case_quantity() -> None:
    b = brain(split_prob=1.0, gs1_prob=0.0, case_prob=1.0)
    kind, fields = sent(b.on_view(receiving(0)))
    assert kind == "scan" and fields["code"] == f"]C101{GTIN}"
    last = {"scan_id": 1, "sku": "SKU-0004", "qty": 1, "lot": None, "expiry": None}
    kind, fields = sent(b.on_view(receiving(1, "qty", last=last, awaiting_lot=True)))
    assert kind == "scan" and fields["code"].startswith("]C117") and "10L" in fields["code"]
    done = {**last, "lot": "L1", "expiry": "2028-01-28"}
    assert sent(b.on_view(receiving(1, "qty", last=done))) == ("confirm", {"qty": 12})
    assert sent(b.on_view(receiving(12))) == ("close", {})


def test_a_short_delivery_is_closed_one_unit_short() -> None:
    b = brain(short_prob=1.0, case_prob=0.0, gs1_prob=0.0, split_prob=0.0)
    assert sent(b.on_view(receiving(10)))[0] == "scan"
    assert sent(b.on_view(receiving(11)))[0] == "close"


def test_the_people_s_deliveries_are_left_alone_and_no_work_switches_mode() -> None:
    b = brain()
    deliveries = [{"delivery_id": "DN-TRY-1"}, {"delivery_id": "DN-7"}]
    assert sent(b.on_view({"screen": "receive_select", "deliveries": deliveries})) == (
        "scan",
        {"code": "DN-7"},
    )
    assert sent(b.on_view({"screen": "receive_select", "deliveries": deliveries[:1]})) == (
        "mode",
        {"mode": "putaway"},
    )
    assert sent(b.on_view({"screen": "idle"})) == ("mode", {"mode": "receive"})


def test_put_away_tries_the_bin_beside_once_then_the_suggestion() -> None:
    b = brain(other_bin_prob=1.0)
    view = {
        "screen": "putaway",
        "expect": "bin",
        "task": {"task_id": 5, "suggested_bin": "A-01-1-A"},
    }
    assert sent(b.on_view(view)) == ("scan", {"code": "A-01-1-B"})
    assert sent(b.again()) == ("scan", {"code": "A-01-1-A"})  # after the wrong_bin reply
    assert beside("K-20-3-B") == "K-20-3-A"


def test_a_count_reports_what_the_oracle_says_is_there_or_a_few_off() -> None:
    count = {"count_id": 1, "bin": "B-02-1-A", "sku": "SKU-0002", "recount": False}
    view = {"screen": "count", "expect": "qty", "count": count}
    exact = brain("stock", oracle=lambda b, s: 17 if (b, s) == ("B-02-1-A", "SKU-0002") else None)
    assert sent(exact.on_view(view)) == ("confirm", {"qty": 17})
    off = brain("stock", oracle=lambda b, s: 17, miscount_prob=1.0)
    assert sent(off.on_view(view))[1]["qty"] in (13, 14, 20, 21)
    blind = brain("stock", oracle=lambda b, s: None)
    assert sent(blind.on_view(view)) == ("skip", {})


def test_without_an_oracle_nobody_simulated_counts() -> None:
    empty = {"screen": "replenish_select", "tasks": []}
    assert sent(brain("stock").on_view(empty)) == ("mode", {"mode": "replenish"})
    counting = brain("stock", oracle=lambda b, s: 1)
    assert sent(counting.on_view(empty)) == ("mode", {"mode": "count"})


@pytest.mark.parametrize(
    "view",
    [
        {"screen": "receive", "expect": "item", "delivery": {"lines": 5}},
        {"screen": "receive", "expect": "qty", "delivery": [], "last": "x"},
        {"screen": "receive_select", "deliveries": 7},
        {"screen": "putaway", "task": None},
        {"screen": "replenish", "step": "item", "task": {"gtins": "0871"}},
        {"screen": "count", "expect": "qty", "count": []},
    ],
)
def test_a_faulty_view_never_raises(view: dict[str, Any]) -> None:
    assert isinstance(brain("stock", oracle=lambda b, s: None).on_view(view), list)
