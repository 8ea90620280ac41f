"""Pure device codecs: every payload decodes to its message, every bad one says why."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from edge.devices.codec import MAX_PAYLOAD_BYTES, DecodeError, decode, encode
from edge.messages import (
    DeviceError,
    LightAck,
    LightButton,
    LightOff,
    LightOn,
    LiveWeight,
    LogoutRequested,
    NextRequested,
    PresenceChanged,
    QuantityConfirmed,
    ScannerView,
    ScanRead,
    SkipRequested,
    StateChanged,
    WeightMeasured,
)

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


def evt(kind: str, device: str, body: Any) -> Any:
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    return decode("wh", "demo", f"wh/demo/{kind}/{device}/evt", payload, NOW)


def refusal(kind: str, body: Any, device: str = "d1") -> DecodeError:
    with pytest.raises(DecodeError) as err:
        evt(kind, device, body)
    assert "\n" not in err.value.reason
    return err.value


# --- decoding --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "body", "expected"),
    [
        ("scanner", {"type": "scan", "code": "C-17-3-B"}, ScanRead("d1", "m1", NOW, "C-17-3-B")),
        (
            "scanner",
            {"type": "scan", "code": "]C1010871234567890610LOT7\x1d"},
            ScanRead("d1", "m1", NOW, "]C1010871234567890610LOT7\x1d"),
        ),
        ("scanner", {"type": "confirm", "qty": 2}, QuantityConfirmed("d1", "m1", NOW, 2, "")),
        (
            "scanner",
            {"type": "confirm", "qty": 0, "reason": "damaged"},
            QuantityConfirmed("d1", "m1", NOW, 0, "damaged"),
        ),
        ("scanner", {"type": "next"}, NextRequested("d1", "m1", NOW)),
        ("scanner", {"type": "logout"}, LogoutRequested("d1", "m1", NOW)),
        (
            "shelf",
            {"type": "button", "slot": "A-01-1-A", "qty": 3},
            LightButton("d1", "m1", NOW, "A-01-1-A", 3),
        ),
        (
            "shelf",
            {"type": "button", "slot": "A-01-1-A", "qty": 3, "action": "confirm"},
            LightButton("d1", "m1", NOW, "A-01-1-A", 3),
        ),
        ("shelf", {"type": "ack", "cmd_id": "c-9"}, LightAck("d1", "m1", NOW, "c-9")),
        (
            "scale",
            {"type": "weight", "grams": 1234, "stable": True},
            WeightMeasured("d1", "m1", NOW, 1234),
        ),
    ],
)
def test_every_event_decodes(kind: str, body: dict[str, Any], expected: object) -> None:
    assert evt(kind, "d1", {"msg_id": "m1", **body}) == expected


def test_unknown_fields_and_a_timestamp_are_tolerated() -> None:
    body = {"msg_id": "m1", "type": "next", "ts": "2025-03-14T09:29:59.120Z", "battery": 71}
    assert evt("scanner", "d1", body) == NextRequested("d1", "m1", NOW)


def test_an_unstable_weight_is_for_the_live_display_not_refused() -> None:
    reading = evt("scale", "s1", {"msg_id": "m", "type": "weight", "grams": 9, "stable": False})
    assert reading == LiveWeight("s1", 9, stable=False)


def test_skip_postpones_the_stop() -> None:
    assert evt("scanner", "d1", {"msg_id": "m2", "type": "skip"}) == SkipRequested("d1", "m2", NOW)


def test_presence_from_status() -> None:
    def status(payload: bytes) -> Any:
        return decode("wh", "demo", "wh/demo/shelf/ptl-A/status", payload, NOW)

    assert status(b'{"online":true,"fw":"1.2"}') == PresenceChanged("ptl-A", "shelf", True, NOW)
    assert status(b'{"online":false}') == PresenceChanged("ptl-A", "shelf", False, NOW)
    assert status(b"") is None  # a cleared retained status
    with pytest.raises(DecodeError, match=r"^online: must be true or false$"):
        status(b'{"online":"yes"}')
    with pytest.raises(DecodeError, match=r"^online: missing$"):
        status(b"{}")


def test_the_services_own_presence_is_ignored() -> None:
    topic = "wh/demo/service/edge/status"
    assert decode("wh", "demo", topic, b'{"online":true}', NOW) is None


MSG_ID_RULE = "msg_id: must be a string of 1 to 64 printable ASCII characters without spaces"
QTY_RULE = "qty: must be an integer ≥ 0 (at most 1000000)"


@pytest.mark.parametrize(
    ("kind", "body", "reason"),
    [
        ("scanner", b"{", "payload is not JSON: Expecting property name enclosed in double quotes"),
        ("scanner", b"\xff\xfe", "payload is not UTF-8 text"),
        ("scanner", b"NaN", "payload is not JSON: NaN is not valid JSON"),
        ("scanner", b"", "payload is not JSON"),
        ("scanner", [1, 2], "payload is not a JSON object"),
        ("scanner", "scan", "payload is not a JSON object"),
        ("scanner", {"type": "scan", "code": "x"}, "msg_id: missing"),
        ("scanner", {"msg_id": "", "type": "next"}, MSG_ID_RULE),
        ("scanner", {"msg_id": 7, "type": "next"}, MSG_ID_RULE),
        ("scanner", {"msg_id": "a b", "type": "next"}, MSG_ID_RULE),
        ("scanner", {"msg_id": "x" * 65, "type": "next"}, MSG_ID_RULE),
    ],
)
def test_envelope_errors(kind: str, body: Any, reason: str) -> None:
    err = refusal(kind, body)
    assert err.reason.startswith(reason)
    assert (err.device_id, err.msg_id, err.kind) == ("d1", "", kind)


@pytest.mark.parametrize(
    ("kind", "body", "reason"),
    [
        ("scanner", {"code": "x"}, "type: missing"),
        ("scanner", {"type": 3}, "type: must be a string"),
        (
            "scanner",
            {"type": "next", "ts": "yesterday"},
            "ts: must be an ISO 8601 timestamp string",
        ),
        ("scanner", {"type": "next", "ts": 1710408600}, "ts: must be an ISO 8601 timestamp string"),
        ("scanner", {"type": "scan"}, "code: missing"),
        ("scanner", {"type": "scan", "code": ""}, "code: must be a string of 1 to 1024 characters"),
        ("scanner", {"type": "scan", "code": 42}, "code: must be a string of 1 to 1024 characters"),
        ("scanner", {"type": "confirm"}, "qty: missing"),
        ("scanner", {"type": "confirm", "qty": -1}, QTY_RULE),
        ("scanner", {"type": "confirm", "qty": 2.0}, QTY_RULE),
        ("scanner", {"type": "confirm", "qty": "2"}, QTY_RULE),
        ("scanner", {"type": "confirm", "qty": True}, QTY_RULE),
        ("scanner", {"type": "confirm", "qty": 10**7}, QTY_RULE),
        (
            "scanner",
            {"type": "confirm", "qty": 1, "reason": 5},
            "reason: must be a string of at most 200 characters",
        ),
        ("shelf", {"type": "button", "qty": 1}, "slot: missing"),
        ("shelf", {"type": "button", "slot": "", "qty": 1}, "slot: must be a bin label of 1 to 64"),
        ("shelf", {"type": "button", "slot": "A", "qty": -2}, QTY_RULE),
        (
            "shelf",
            {"type": "button", "slot": "A", "qty": 1, "action": "up"},
            'action: must be "confirm"',
        ),
        ("shelf", {"type": "ack"}, "cmd_id: missing"),
        ("shelf", {"type": "ack", "cmd_id": ""}, "cmd_id: must be a string of 1 to 64 characters"),
        ("scale", {"type": "weight", "stable": True}, "grams: missing"),
        ("scale", {"type": "weight", "grams": -5, "stable": True}, "grams: must be an integer ≥ 0"),
        (
            "scale",
            {"type": "weight", "grams": 12.5, "stable": True},
            "grams: must be an integer ≥ 0",
        ),
        ("scale", {"type": "weight", "grams": 5}, "stable: missing"),
        ("scale", {"type": "weight", "grams": 5, "stable": "yes"}, "stable: must be true or false"),
        ("scale", {"type": "weight", "grams": 5, "stable": 1}, "stable: must be true or false"),
    ],
)
def test_field_errors_name_the_field(kind: str, body: dict[str, Any], reason: str) -> None:
    err = refusal(kind, {"msg_id": "m-7", **body})
    assert err.reason.startswith(reason), err.reason
    assert (err.device_id, err.msg_id, err.kind, err.code) == ("d1", "m-7", kind, "malformed")


@pytest.mark.parametrize(
    ("kind", "type_", "reason"),
    [
        (
            "scanner",
            "weight",
            "type: unknown type 'weight' for a scanner"
            " (one of scan, confirm, skip, next, logout, pin, mode, close)",
        ),
        ("scale", "scan", "type: unknown type 'scan' for a scale (one of weight)"),
        ("shelf", "light", "type: unknown type 'light' for a shelf (one of button, ack)"),
    ],
)
def test_an_unknown_type_is_unknown(kind: str, type_: str, reason: str) -> None:
    err = refusal(kind, {"msg_id": "m-1", "type": type_})
    assert err.reason == reason and err.code == "unknown" and err.msg_id == "m-1"


def test_a_payload_over_16_kib_is_refused_before_parsing() -> None:
    body = json.dumps({"msg_id": "m", "type": "scan", "code": "x" * MAX_PAYLOAD_BYTES}).encode()
    err = refusal("scanner", body)
    assert err.reason == f"payload is {len(body)} bytes, more than the 16384 allowed"
    assert err.device_id == "d1"


def test_devices_cannot_publish_on_service_channels() -> None:
    for channel in ("cmd", "err"):
        with pytest.raises(DecodeError) as err:
            decode("wh", "demo", f"wh/demo/scanner/d1/{channel}", b"{}", NOW)
        assert err.value.reason == f"channel {channel!r} is for the service to publish, not devices"
        assert err.value.device_id == "d1"


def test_topic_errors_come_through_decode() -> None:
    with pytest.raises(DecodeError) as err:
        decode("wh", "demo", "wh/demo/robot/r2/evt", b'{"msg_id":"m","type":"x"}', NOW)
    assert (err.value.kind, err.value.device_id, err.value.code) == ("robot", "r2", "unknown")
    with pytest.raises(DecodeError, match="is not under wh/demo/"):
        decode("wh", "demo", "wh/elsewhere/scanner/d1/evt", b"{}", NOW)


# --- encoding --------------------------------------------------------------------------------


def no_kind(device_id: str) -> str:
    raise AssertionError("kind_of should not be needed")


def encoded(effect: Any, kind_of: Any = no_kind) -> tuple[str, Any] | None:
    out = encode("wh", "demo", effect, kind_of)
    return None if out is None else (out[0], json.loads(out[1]))


def test_light_commands() -> None:
    assert encoded(LightOn("ptl-A", "A-01-1-A", 2, "#00a0ff", "c-1")) == (
        "wh/demo/shelf/ptl-A/cmd",
        {"type": "light", "cmd_id": "c-1", "slot": "A-01-1-A", "qty": 2, "color": "#00a0ff"},
    )
    assert encoded(LightOff("ptl-A", "A-01-1-A", "c-2")) == (
        "wh/demo/shelf/ptl-A/cmd",
        {"type": "off", "cmd_id": "c-2", "slot": "A-01-1-A"},
    )


def test_scanner_view_is_the_whole_view_typed_view() -> None:
    view = {"screen": "stop", "expect": "bin", "stop": {"bin": "C-17-3-B"}, "type": "other"}
    topic, body = encoded(ScannerView("scanner-01", view)) or ("", {})
    assert topic == "wh/demo/scanner/scanner-01/cmd"
    assert body == {"type": "view", "screen": "stop", "expect": "bin", "stop": {"bin": "C-17-3-B"}}
    raw = encode("wh", "demo", ScannerView("s", {"message": "Größe ✓"}), no_kind)
    assert raw is not None and "Größe ✓".encode() in raw[1]  # UTF-8, not \\u escapes


def test_device_error_goes_to_the_err_topic_of_its_kind() -> None:
    effect = DeviceError("scale-1", "scale", "m-7", "grams: missing", "malformed")
    assert encoded(effect) == (
        "wh/demo/scale/scale-1/err",
        {"type": "error", "ref_msg_id": "m-7", "code": "malformed", "reason": "grams: missing"},
    )
    anonymous = DeviceError("ptl-A", "", "m-8", "no such slot")
    topic, body = encoded(anonymous, kind_of=lambda d: "shelf") or ("", {})
    assert topic == "wh/demo/shelf/ptl-A/err" and body["code"] == "refused"


def test_state_changes_do_not_go_over_mqtt() -> None:
    assert encode("wh", "demo", StateChanged(), no_kind) is None


def test_an_effect_for_an_impossible_device_id_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        encode("wh", "demo", LightOff("a/b", "A", "c"), no_kind)


def test_device_round_trip_through_json() -> None:
    """What a device sends and what the service sends back are plain JSON both ways."""
    cmd = encode("wh", "demo", LightOn("ptl-A", "A-1", 2, "#fff", "c-1"), no_kind)
    assert cmd is not None
    light = json.loads(cmd[1])
    ack = {"msg_id": "m-1", "type": "ack", "cmd_id": light["cmd_id"]}
    button = {"msg_id": "m-2", "type": "button", "slot": light["slot"], "qty": light["qty"]}
    assert evt("shelf", "ptl-A", ack) == LightAck("ptl-A", "m-1", NOW, "c-1")
    assert evt("shelf", "ptl-A", button) == LightButton("ptl-A", "m-2", NOW, "A-1", 2)
