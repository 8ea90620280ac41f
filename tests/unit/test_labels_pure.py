"""Shipping labels, pure: SSCC check digits, carriers' number ranges, the ZPL and its preview."""

from __future__ import annotations

import pytest

from edge.labels.config import TrackingRange
from edge.labels.content import ShippingLabel, ship_to_lines, weight_text
from edge.labels.preview import render_svg
from edge.labels.sscc import SsccError, gs1_check_digit, make_sscc, sscc_hri, verify_sscc
from edge.labels.tracking import (
    mod7_check_digit,
    s10_check_digit,
    tracking_number,
    valid_tracking,
)
from edge.labels.zpl import render_zpl
from edge.warehouse import DescriptionError, parse_description
from tests.support.labels import label_warehouse
from tests.support.zpl import parse


def test_sscc_of_the_gs1_example() -> None:
    # GS1 General Specifications: (00) 1 0614141 123456789 7.
    assert gs1_check_digit("10614141123456789") == 7
    assert make_sscc(1, "0614141", 123456789) == "106141411234567897"
    assert verify_sscc("106141411234567897") == "106141411234567897"
    assert sscc_hri("106141411234567897") == "(00) 1 0614141 123456789 7"


def test_sscc_check_digit_is_verified_independently() -> None:
    # biip's own example, and every wrong last digit of the GS1 one refused by biip.
    assert verify_sscc("376130321109103420")
    for wrong in "012345689":
        with pytest.raises(SsccError, match="check digit"):
            verify_sscc("10614141123456789" + wrong)
    with pytest.raises(SsccError, match="18 digits"):
        verify_sscc("1061414112345678")


def test_sscc_serial_must_fit_the_prefix() -> None:
    assert make_sscc(0, "0614141", 999_999_999).startswith("00614141999999999")
    with pytest.raises(SsccError, match="does not fit"):
        make_sscc(0, "0614141", 1_000_000_000)
    with pytest.raises(SsccError, match="7 to 10 digits"):
        make_sscc(0, "614", 1)


def test_upu_s10_and_other_check_digits() -> None:
    assert s10_check_digit("12345678") == 5  # UPU S10's worked example EE123456785NL
    assert s10_check_digit("00000000") == 5  # 11 - 0 → 11 → 5
    assert mod7_check_digit("1200000001") == 1200000001 % 7
    rng = TrackingRange(prefix="EE", first=12345678, last=12345679, check="s10", suffix="NL")
    assert tracking_number(rng, 12345678) == "EE123456785NL"
    assert valid_tracking(rng, "EE123456785NL")
    assert not valid_tracking(rng, "EE123456784NL")
    assert not valid_tracking(rng, "EE123456805NL")  # outside the range
    with pytest.raises(ValueError, match="outside"):
        tracking_number(rng, 12345680)
    gs1 = TrackingRange(prefix="420", first=1, last=9, digits=6, check="mod10")
    number = tracking_number(gs1, 7)
    assert number[:-1] == "420000007" and int(number[-1]) == gs1_check_digit("420000007")


def test_description_problems_are_readable_lines() -> None:
    desc = label_warehouse(9100)
    desc["labels"]["default_carrier"] = "ups"
    with pytest.raises(DescriptionError, match=r"labels.default_carrier: unknown carrier 'ups'"):
        parse_description(desc)
    desc = label_warehouse(9100)
    desc["carriers"][0]["range"]["suffix"] = ""
    with pytest.raises(DescriptionError, match=r"carriers\[0\].range: s10 needs"):
        parse_description(desc)
    desc = label_warehouse(9100)
    desc["carriers"][1]["range"]["first"] = 100
    with pytest.raises(DescriptionError, match="first must not be above last"):
        parse_description(desc)


def _label() -> ShippingLabel:
    return ShippingLabel(
        carrier="PostNL",
        tracking="EE123456785NL",
        sscc="106141411234567897",
        ship_from="Test site",
        ship_to=ship_to_lines(
            {"name": "Ann ^Lee~", "street": "Main St 1", "postcode": "1011 AB", "city": "Adam"}
        ),
        order="ORD-000042 / SHOP-1",
        parcel_n=1,
        parcel_of=2,
        weight_g=1234,
        packer="Greta",
    )


def test_zpl_parses_and_carries_what_the_label_says() -> None:
    label = parse(render_zpl(_label()))
    assert label.barcodes() == ["EE123456785NL", "00106141411234567897"]
    texts = label.texts()
    assert "Ann ^Lee~" in texts  # escaped in the ZPL (^FH), read back intact
    assert {"1011 AB Adam", "PARCEL 1 OF 2", "1.234 kg", "PACKED BY: Greta"} <= set(texts)
    assert ("PW", "812") in label.commands and ("LL", "1218") in label.commands


def test_preview_shows_the_same_fields() -> None:
    svg = render_svg(_label())
    assert svg.startswith("<svg") and 'viewBox="0 0 812 1218"' in svg
    for text in ("EE123456785NL", "(00) 1 0614141 123456789 7", "Ann ^Lee~", "PARCEL 1 OF 2"):
        assert text in svg
    assert svg.count("<rect") > 60  # the bars of both barcodes


def test_weight_and_address_text() -> None:
    assert weight_text(1234) == "1.234 kg" and weight_text(50) == "0.050 kg"
    assert ship_to_lines({}) == ("(no address given)",)
    assert ship_to_lines({"address": ["a", "b"], "country": "NL"}) == ("a", "b", "NL")
