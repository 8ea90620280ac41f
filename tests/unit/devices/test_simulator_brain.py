"""The simulated person behind a scanner: views in, actions out (no MQTT)."""

from __future__ import annotations

import random
import re
from typing import Any

import biip
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.devices.brain import (
    Press,
    ScannerBrain,
    Send,
    SimDevice,
    SimOptions,
    Weigh,
    item_code,
)

GTIN = "08712345678906"
STOP = {
    "n": 3,
    "of": 12,
    "bin": "C-17-3-B",
    "sku": "SKU-0042",
    "name": "Mug",
    "gtins": [GTIN],
    "qty": 2,
    "tote": 1,
    "order_id": 17,
    "lit": False,
    "light_device": None,
}


def brain(
    badge: str | None = "P-1001",
    station: str | None = None,
    shelves: frozenset[str] = frozenset({"ptl-A"}),
    scales: frozenset[str] = frozenset({"PS-1"}),
    **options: Any,
) -> ScannerBrain:
    opts = SimOptions.instant(seed=1, **options)
    device = SimDevice("sc-1", "scanner", badge=badge, station=station)
    return ScannerBrain(device, opts, random.Random(1), shelves, scales)


def stop_view(expect: str, **stop: Any) -> dict[str, Any]:
    return {"screen": "stop", "expect": expect, "trip_id": 9, "stop": {**STOP, **stop}}


def test_login_scans_the_badge() -> None:
    assert brain().on_view({"screen": "login", "expect": "badge"}) == [
        Send(0.0, "scan", {"code": "P-1001"})
    ]
    assert brain(badge=None).on_view({"screen": "login", "expect": "badge"}) == []


def test_a_stop_is_bin_then_item_then_quantity() -> None:
    b = brain(gs1_prob=0.0, short_prob=0.0)
    assert b.on_view(stop_view("bin")) == [Send(0.0, "scan", {"code": "C-17-3-B"})]
    assert b.on_view(stop_view("item")) == [Send(0.0, "scan", {"code": "8712345678906"})]
    assert b.on_view(stop_view("qty")) == [Send(0.0, "confirm", {"qty": 2, "reason": ""})]


def test_walking_takes_time_before_the_bin_scan() -> None:
    b = brain(walk_s=(0.3, 1.0))
    [action] = b.on_view(stop_view("bin"))
    assert 0.3 <= action.delay_s <= 1.0


def test_item_scans_mix_plain_and_gs1_codes_that_a_gs1_parser_reads() -> None:
    rng = random.Random(5)
    codes = {item_code(GTIN, rng, 0.5) for _ in range(50)}
    assert "8712345678906" in codes
    gs1 = [c for c in codes if c.startswith("]C1")]
    assert gs1 and all(re.fullmatch(r"\]C101" + GTIN + r"10L\d{4}", c) for c in gs1)
    parsed = biip.parse(gs1[0])
    assert parsed.gs1_message is not None
    values = {e.ai.ai: e.value for e in parsed.gs1_message.element_strings}
    assert values["01"] == GTIN and values["10"].startswith("L")
    assert item_code("00012345678905", random.Random(1), 0.0) in ("012345678905", "0012345678905")


def test_a_short_pick_takes_one_less_with_a_reason() -> None:
    b = brain(short_prob=1.0)
    b.on_view(stop_view("bin"))
    assert b.on_view(stop_view("qty")) == [Send(0.0, "confirm", {"qty": 1, "reason": "damaged"})]


def test_a_lit_stop_may_be_confirmed_on_the_light_module() -> None:
    b = brain(button_prob=1.0, short_prob=0.0)
    assert b.on_view(stop_view("bin", lit=True, light_device="ptl-A")) == [
        Press(0.0, "ptl-A", "C-17-3-B", 2)
    ]
    # A controller the simulator does not run cannot be pressed: scan instead.
    b = brain(button_prob=1.0, shelves=frozenset())
    [action] = b.on_view(stop_view("bin", lit=True, light_device="ptl-Z"))
    assert isinstance(action, Send) and action.fields == {"code": "C-17-3-B"}


def test_idle_and_trip_done_ask_for_more_work_and_never_get_stuck() -> None:
    b = brain(idle_retry_s=2.5)
    for _ in range(10):
        assert b.on_view({"screen": "idle", "expect": "none", "who": "Ana"}) == [Send(2.5, "next")]
    assert b.stuck == 0
    assert b.on_view({"screen": "trip_done", "expect": "none"}) == [Send(0.0, "next")]


def test_the_same_screen_over_and_over_makes_the_scanner_wait() -> None:
    b = brain(max_repeats=3)
    view = {"screen": "login", "expect": "badge", "error": "unknown badge"}
    results = [b.on_view(view) for _ in range(5)]
    assert [len(r) for r in results] == [1, 1, 1, 0, 0]
    assert b.stuck == 1
    assert b.on_view({"screen": "idle", "expect": "none"})  # a new screen: acting again


def test_pack_station_scans_the_first_queued_order() -> None:
    b = brain(badge="K-2001", station="PS-1")
    queue = [{"order_id": 17, "code": "ORD-17"}, {"order_id": 18, "code": "ORD-18"}]
    view = {"screen": "pack_order", "expect": "order", "queue": queue}
    assert b.on_view(view) == [Send(0.0, "scan", {"code": "ORD-17"})]
    empty = {"screen": "pack_order", "expect": "order", "queue": []}
    for _ in range(5):
        assert b.on_view(empty) == [Send(0.5, "next")]


def test_pack_station_scans_the_items_the_scale_cannot_see_before_weighing() -> None:
    b = brain(badge="K-2001", station="PS-1")
    missing = [{"sku": "SKU-0002", "name": "USB-C cable", "qty": 1}]
    view = {"screen": "pack_contents", "expect": "item", "missing": missing}
    assert b.on_view(view) == [Send(0.0, "scan", {"code": "SKU-0002"})]
    assert b.on_view({**view, "missing": "?"}) == []


def weigh_view(state: str = "waiting") -> dict[str, Any]:
    parcels = [
        {"parcel_id": 4, "box": "S", "expected_g": 900, "tolerance_g": 30, "state": "pass"},
        {"parcel_id": 5, "box": "M", "expected_g": 1234, "tolerance_g": 30, "state": state},
    ]
    return {
        "screen": "pack_weigh",
        "expect": "weight",
        "order_id": 17,
        "station": "PS-1",
        "parcels": parcels,
    }


def test_pack_station_weighs_the_waiting_parcel_settling_then_stable() -> None:
    b = brain(station="PS-1", wrong_weight_prob=0.0)
    [action] = b.on_view(weigh_view())
    assert isinstance(action, Weigh) and action.station == "PS-1"
    (_, s1), (grams, s2) = action.readings
    assert (s1, s2) == (False, True) and abs(grams - 1234) <= 10
    assert brain(station="PS-1").on_view(weigh_view("hold")) == []
    assert brain(station="PS-1", scales=frozenset()).on_view(weigh_view()) == []


def test_a_clearly_wrong_weight_now_and_then() -> None:
    b = brain(station="PS-1", wrong_weight_prob=1.0, unstable_first=False)
    [action] = b.on_view(weigh_view())
    assert isinstance(action, Weigh)
    [(grams, stable)] = action.readings
    assert stable and abs(grams - 1234) >= 150


def test_the_same_seed_makes_the_same_decisions() -> None:
    views = [stop_view(e, n=n) for n in range(20) for e in ("bin", "item", "qty")]

    def run() -> list[Any]:
        b = brain(gs1_prob=0.5, short_prob=0.3, walk_s=(0.1, 0.9))
        return [b.on_view(v) for v in views]

    assert run() == run()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
screens = st.sampled_from(
    [
        "login",
        "idle",
        "stop",
        "trip_done",
        "pack_order",
        "pack_contents",
        "pack_weigh",
        "error",
        "x",
    ]
)
expects = st.sampled_from(["badge", "bin", "item", "qty", "order", "weight", "none"])
parcel = st.dictionaries(st.sampled_from(["state", "expected_g", "tolerance_g"]), json_values)
views = st.fixed_dictionaries(
    {"screen": screens},
    optional={
        "expect": expects | json_values,
        "stop": json_values | st.fixed_dictionaries({}, optional={k: json_values for k in STOP}),
        "queue": json_values,
        "parcels": json_values | st.lists(parcel),
        "missing": json_values | st.lists(st.dictionaries(st.just("sku"), json_values)),
        "station": json_values,
    },
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(views, json_values))
def test_odd_views_never_crash(view: Any) -> None:
    b = brain(station="PS-1")
    b.on_view(view)
    b.again()
    b.on_error()
