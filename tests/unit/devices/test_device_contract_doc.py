"""The examples in docs/mqtt.md are what the codecs really accept and produce."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from edge.devices.codec import decode, encode
from edge.devices.topics import parse_topic
from edge.messages import DEVICE_ERROR_CODES, LightOff, LightOn, LiveWeight, PresenceChanged

DOC = Path(__file__).resolve().parents[3] / "docs" / "mqtt.md"
NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


def examples() -> list[tuple[str, str]]:
    """(topic, payload) of every ```text block that starts with a PUBLISH line."""
    found = []
    for block in re.findall(r"```text\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S):
        first, _, rest = block.partition("\n")
        if first.startswith("PUBLISH "):
            found.append((first.split()[1], rest.strip()))
    return found


EXAMPLES = examples()


def test_the_doc_has_examples_of_every_channel_and_kind() -> None:
    seen = {(parse_topic("wh", "demo", t).kind, parse_topic("wh", "demo", t).channel)
            for t, _ in EXAMPLES}  # fmt: skip
    assert {("scanner", "evt"), ("scanner", "cmd"), ("scanner", "status")} <= seen
    assert {("scale", "evt"), ("scale", "err"), ("shelf", "evt"), ("shelf", "cmd")} <= seen


@pytest.mark.parametrize(("topic", "payload"), EXAMPLES, ids=[t for t, _ in EXAMPLES])
def test_every_example_is_valid(topic: str, payload: str) -> None:
    body: Any = json.loads(payload)
    parts = parse_topic("wh", "demo", topic)
    if parts.channel in ("evt", "status"):
        msg = decode("wh", "demo", topic, payload.encode(), NOW)
        if body.get("stable") is False:
            assert isinstance(msg, LiveWeight)
        else:
            assert msg is not None
            if isinstance(msg, PresenceChanged):
                assert msg.online is body["online"]
            else:
                assert msg.msg_id == body["msg_id"]
    elif body["type"] == "light":
        effect = LightOn(parts.device_id, body["slot"], body["qty"], body["color"], body["cmd_id"])
        assert encode("wh", "demo", effect, str) == (
            topic,
            json.dumps(body, separators=(",", ":")).encode(),
        )
    elif body["type"] == "off":
        effect2 = LightOff(parts.device_id, body["slot"], body["cmd_id"])
        assert encode("wh", "demo", effect2, str) == (
            topic,
            json.dumps(body, separators=(",", ":")).encode(),
        )
    else:
        assert body["type"] in ("view", "error")


def test_the_error_codes_in_the_doc_are_the_codes_devices_get() -> None:
    """The contract's table of err codes and the codes the service sends are one list."""
    errors = DOC.read_text(encoding="utf-8").split("## Errors", 1)[1].split("\n## ", 1)[0]
    table = re.findall(r"^\| `([a-z_]+)` \|", errors, re.M)
    assert table == list(DEVICE_ERROR_CODES)
