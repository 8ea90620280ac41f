"""Topic grammar: parsing, builders and subscription filters."""

from __future__ import annotations

import pytest

from edge.devices.schema import DecodeError
from edge.devices.topics import (
    TopicParts,
    cmd_topic,
    device_subscriptions,
    err_topic,
    evt_topic,
    is_service_topic,
    parse_topic,
    service_status_topic,
    service_subscriptions,
    status_topic,
    valid_device_id,
)


@pytest.mark.parametrize("kind", ["scanner", "scale", "shelf"])
@pytest.mark.parametrize("channel", ["evt", "status", "cmd", "err"])
def test_parse_every_kind_and_channel(kind: str, channel: str) -> None:
    assert parse_topic("wh", "demo", f"wh/demo/{kind}/dev-1/{channel}") == TopicParts(
        kind, "dev-1", channel
    )


def test_a_root_may_have_several_levels() -> None:
    assert parse_topic("acme/wh", "s1", "acme/wh/s1/shelf/ptl-A/evt").device_id == "ptl-A"


@pytest.mark.parametrize(
    ("topic", "reason"),
    [
        ("wh/other/scanner/d1/evt", "is not under wh/demo/"),
        ("xx/demo/scanner/d1/evt", "is not under wh/demo/"),
        ("wh/demo/scanner/d1", "is not wh/demo/<kind>/<device>/<channel>"),
        ("wh/demo/scanner/d1/evt/extra", "is not wh/demo/<kind>/<device>/<channel>"),
        ("wh/demo/scanner//evt", "invalid device id ''"),
        ("wh/demo/scanner/-lead/evt", "invalid device id '-lead'"),
        ("wh/demo/scanner/" + "x" * 65 + "/evt", "invalid device id"),
        ("wh/demo/scanner/d1/telemetry", "unknown channel 'telemetry'"),
    ],
)
def test_parse_errors_say_what_is_wrong(topic: str, reason: str) -> None:
    with pytest.raises(DecodeError) as err:
        parse_topic("wh", "demo", topic)
    assert reason in err.value.reason
    assert "\n" not in err.value.reason


def test_unknown_kind_keeps_the_device_and_kind_for_the_error_reply() -> None:
    with pytest.raises(DecodeError) as err:
        parse_topic("wh", "demo", "wh/demo/robot/r2/evt")
    assert err.value.reason == "unknown device kind 'robot' (one of scanner, scale, shelf)"
    assert (err.value.device_id, err.value.kind, err.value.code) == ("r2", "robot", "unknown")


def test_builders() -> None:
    assert evt_topic("wh", "demo", "scanner", "sc-1") == "wh/demo/scanner/sc-1/evt"
    assert status_topic("wh", "demo", "scale", "sc-1") == "wh/demo/scale/sc-1/status"
    assert cmd_topic("wh", "demo", "shelf", "ptl-A") == "wh/demo/shelf/ptl-A/cmd"
    assert err_topic("wh", "demo", "shelf", "ptl-A") == "wh/demo/shelf/ptl-A/err"
    assert service_status_topic("wh", "demo") == "wh/demo/service/edge/status"
    assert is_service_topic("wh", "demo", "wh/demo/service/edge/status")
    assert not is_service_topic("wh", "demo", "wh/demo/scanner/edge/status")


def test_builders_refuse_what_cannot_be_a_topic_level() -> None:
    for bad in ("a/b", "a+b", "#", "", "a b"):
        with pytest.raises(ValueError):
            evt_topic("wh", "demo", "scanner", bad)
    with pytest.raises(ValueError):
        cmd_topic("wh", "demo", "robot", "r2")
    with pytest.raises(ValueError):
        evt_topic("wh", "de/mo", "scanner", "d1")


def test_error_replies_reach_a_device_of_an_unknown_kind() -> None:
    assert err_topic("wh", "demo", "robot", "r2") == "wh/demo/robot/r2/err"
    with pytest.raises(ValueError):
        err_topic("wh", "demo", "ro+bot", "r2")


def test_subscription_filters() -> None:
    assert service_subscriptions("wh", "demo") == ("wh/+/+/+/evt", "wh/+/+/+/status")
    assert device_subscriptions("wh", "demo", "scanner", "sc-1") == (
        "wh/demo/scanner/sc-1/cmd",
        "wh/demo/scanner/sc-1/err",
    )


def test_device_id_grammar() -> None:
    assert valid_device_id("scanner-01") and valid_device_id("PTL_A.2") and valid_device_id("9")
    assert not valid_device_id("") and not valid_device_id(".x") and not valid_device_id("a/b")
    assert valid_device_id("x" * 64) and not valid_device_id("x" * 65)
