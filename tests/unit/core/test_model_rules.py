"""Pure rules: boxes, the weight tolerance, cut-off dates, barcodes, descriptions, config."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time
from pathlib import Path

import biip
import pytest

from edge.barcodes import parse_item_code
from edge.config import ConfigError, load_settings
from edge.model import (
    Box,
    DomainError,
    Item,
    Status,
    check_transition,
    cutoff_for,
    expected_weight,
    suggest_boxes,
    weight_passes,
)
from edge.warehouse import DescriptionError, load_description, parse_description
from tests.support.harness import small_warehouse

SMALL = Box("S", (300, 200, 120), 160, 5000)
LARGE = Box("L", (600, 400, 300), 520, 20000)
MUG = Item("MUG", 340, 8, (120, 95, 95))
MAT = Item("MAT", 1300, 30, (610, 120, 120))


def test_smallest_box_that_fits_and_fewest_parcels() -> None:
    assert [(b.id, len(items)) for b, items in suggest_boxes([MUG, MUG], [LARGE, SMALL])] == [
        ("S", 2)
    ]
    many = suggest_boxes([MUG] * 60, [SMALL, LARGE])  # 20.4 kg: over one box's load
    assert len(many) == 2 and sum(len(i) for _, i in many) == 60
    with pytest.raises(DomainError, match="no box type fits"):
        suggest_boxes([MAT], [SMALL, LARGE])  # 610 mm does not fit 600 mm


def test_tolerance_is_three_sigma_plus_a_scale_step_with_a_floor() -> None:
    exp = expected_weight([MUG] * 9, SMALL, scale_resolution_g=2, floor_g=20, box_tare_sd_g=5)
    assert exp.expected_g == 160 + 9 * 340
    # sigma = sqrt(9*64 + 25) = 24.52 -> 3 sigma + 2 = 75.5 -> 76
    assert exp.tolerance_g == 76
    assert weight_passes(exp, exp.expected_g + 76) and not weight_passes(exp, exp.expected_g + 77)
    light = expected_weight([Item("PIN", 5, 1, (30, 30, 5))], SMALL, 2, 20, 5)
    assert light.tolerance_g == 20 and light.blind_to_lightest_item
    assert not exp.blind_to_lightest_item


def test_cutoff_same_day_before_and_next_day_after() -> None:
    before = datetime(2026, 11, 20, 11, 59, tzinfo=UTC)  # 12:59 in Amsterdam
    after = datetime(2026, 11, 20, 12, 1, tzinfo=UTC)
    assert cutoff_for(before, "Europe/Amsterdam", time(13)).isoformat() == (
        "2026-11-20T12:00:00+00:00"
    )
    assert cutoff_for(after, "Europe/Amsterdam", time(13)).day == 21


def test_lifecycle_refuses_skipping_steps() -> None:
    check_transition(Status.RECEIVED, Status.PICKING)
    with pytest.raises(DomainError, match="received cannot become shipped"):
        check_transition(Status.RECEIVED, Status.SHIPPED)
    with pytest.raises(DomainError):
        check_transition(Status.CANCELLED, Status.RECEIVED)


@pytest.mark.parametrize(
    ("code", "gtin", "lot", "count"),
    [
        ("8710000000017", "08710000000017", "", None),
        ("]C10108710000000017" + "10LOT-9", "08710000000017", "LOT-9", None),
        ("]d20108710000000017" + "10AB\x1d" + "3004", "08710000000017", "AB", 4),
        ("(01)08710000000017(10)X1", "08710000000017", "X1", None),
        ("036000291452", "00036000291452", "", None),  # UPC-A
    ],
)
def test_item_codes(code: str, gtin: str, lot: str, count: int | None) -> None:
    parsed = parse_item_code(code)
    assert parsed is not None
    assert (parsed.gtin14, parsed.lot, parsed.count) == (gtin, lot, count)


@pytest.mark.parametrize("code", ["8710000000018", "C-01-1-A", "hello", ""])
def test_not_item_codes(code: str) -> None:
    assert parse_item_code(code) is None  # a wrong check digit is no product


def test_plain_gtins_read_as_biip_reads_them() -> None:
    # The fast path for plain 12-14 digit codes must agree with the GS1 library on every
    # code, valid check digit or not, whatever the leading digits.
    rng = random.Random(7)
    for _ in range(3000):
        code = "".join(rng.choice("0123456789") for _ in range(rng.choice((12, 13, 14))))
        result = biip.parse(code)
        expected = result.gtin.as_gtin_14() if result.gtin is not None else None
        parsed = parse_item_code(code)
        assert (parsed.gtin14 if parsed else None) == expected, code


def test_description_errors_name_the_place() -> None:
    desc = small_warehouse()
    desc["skus"][1]["gtins"] = ["12345"]
    with pytest.raises(DescriptionError, match=r"skus\[1\]\.gtins: .*GTIN '12345'"):
        parse_description(desc, "wh.json")
    desc = small_warehouse()
    desc["bins"].append({"label": "D-01-1-A"})
    with pytest.raises(DescriptionError, match=r"bins\[72\]: 'D-01-1-A' lies outside the layout"):
        parse_description(desc)
    desc = small_warehouse()
    desc["devices"].append({"id": "scale-9", "kind": "scale", "station": "PS-9"})
    with pytest.raises(DescriptionError, match=r"devices\[6\]\.station: unknown pack station"):
        parse_description(desc)


def test_description_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "wh.json"
    bad.write_text("{nope")
    with pytest.raises(DescriptionError, match=r"wh\.json: not valid json"):
        load_description(bad)
    with pytest.raises(DescriptionError, match="cannot read"):
        load_description(tmp_path / "missing.json")


def test_shipped_demo_warehouse_is_big_enough() -> None:
    from edge.warehouse import demo_description_path

    desc = load_description(demo_description_path())
    assert desc.layout.aisles >= 10 and len(desc.bins) >= 500
    assert len(desc.skus) >= 200 and len(desc.box_types) >= 5


def test_config_errors_are_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "edge.toml"
    cfg.write_text("[mqtt]\nport = 99999\n")
    with pytest.raises(ConfigError) as err:
        load_settings(cfg)
    assert str(err.value).startswith(f"{cfg}: mqtt.port:") and "\n" not in str(err.value)
    cfg.write_text("[mqtt]\nprot = 1\n")
    with pytest.raises(ConfigError, match=r"mqtt\.prot: Extra inputs are not permitted"):
        load_settings(cfg)
    monkeypatch.setenv("EDGE_MQTT__PORT", "1884")
    cfg.write_text("[mqtt]\nport = 1883\n")
    assert load_settings(cfg).mqtt.port == 1884  # the environment wins over the file
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "none.toml")
