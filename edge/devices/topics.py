"""Topic grammar: <root>/<site>/<kind>/<device>/<channel>, parsing, builders and filters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from edge.devices.schema import DecodeError

DEFAULT_ROOT: Final = "wh"
KINDS: Final = ("scanner", "scale", "shelf")
Kind = Literal["scanner", "scale", "shelf"]
CHANNELS: Final = ("evt", "status", "cmd", "err")
Channel = Literal["evt", "status", "cmd", "err"]

# The service's own presence lives beside the devices, so the status filter also matches it.
SERVICE_KIND: Final = "service"
SERVICE_ID: Final = "edge"

# Device ids are MQTT usernames and client ids and appear in ACL patterns: no wildcards,
# no slashes, no spaces, short enough for a small display.
_DEVICE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_LEVEL = re.compile(r"[^/+#\x00]+")


@dataclass(frozen=True)
class TopicParts:
    """What a device topic says: which kind of device, which device, which channel."""

    kind: str
    device_id: str
    channel: str


def valid_device_id(device_id: str) -> bool:
    """True when device_id can be a topic level, an MQTT username and a client id."""
    return _DEVICE_ID.fullmatch(device_id) is not None


def _prefix(root: str, site: str) -> str:
    for level in (*root.split("/"), site):
        if not _LEVEL.fullmatch(level):
            raise ValueError(f"invalid topic level {level!r} in root/site")
    return f"{root}/{site}/"


def parse_topic(root: str, site: str, topic: str) -> TopicParts:
    """Split a device topic of this site; DecodeError says what is wrong with it."""
    prefix = _prefix(root, site)
    if not topic.startswith(prefix):
        raise DecodeError(f"topic {topic!r} is not under {prefix}")
    levels = topic[len(prefix) :].split("/")
    if len(levels) != 3:
        raise DecodeError(f"topic {topic!r} is not {prefix}<kind>/<device>/<channel>")
    kind, device_id, channel = levels
    if not valid_device_id(device_id):
        raise DecodeError(f"topic {topic!r}: invalid device id {device_id!r}", kind=kind)
    if kind not in KINDS:
        raise DecodeError(
            f"unknown device kind {kind!r} (one of {', '.join(KINDS)})",
            device_id,
            kind=kind,
            code="unknown",
        )
    if channel not in CHANNELS:
        raise DecodeError(f"unknown channel {channel!r}", device_id, kind=kind)
    return TopicParts(kind, device_id, channel)


def device_topic(root: str, site: str, kind: str, device_id: str, channel: Channel) -> str:
    """The topic of one channel of one device; ValueError for an id that cannot be a level."""
    if kind not in KINDS:
        raise ValueError(f"unknown device kind {kind!r}")
    if not valid_device_id(device_id):
        raise ValueError(f"invalid device id {device_id!r}")
    return f"{_prefix(root, site)}{kind}/{device_id}/{channel}"


def evt_topic(root: str, site: str, kind: str, device_id: str) -> str:
    return device_topic(root, site, kind, device_id, "evt")


def status_topic(root: str, site: str, kind: str, device_id: str) -> str:
    return device_topic(root, site, kind, device_id, "status")


def cmd_topic(root: str, site: str, kind: str, device_id: str) -> str:
    return device_topic(root, site, kind, device_id, "cmd")


def err_topic(root: str, site: str, kind: str, device_id: str) -> str:
    """Error replies also go to a device of a kind the service does not know, so that a
    misconfigured device learns why it is ignored."""
    if kind in KINDS:
        return device_topic(root, site, kind, device_id, "err")
    if not (valid_device_id(kind) and valid_device_id(device_id)):
        raise ValueError(f"invalid kind {kind!r} or device id {device_id!r}")
    return f"{_prefix(root, site)}{kind}/{device_id}/err"


def service_status_topic(root: str, site: str) -> str:
    """Where the service publishes its own retained presence (and its Last Will)."""
    return f"{_prefix(root, site)}{SERVICE_KIND}/{SERVICE_ID}/status"


def is_service_topic(root: str, site: str, topic: str) -> bool:
    return topic == service_status_topic(root, site)


def service_subscriptions(root: str, site: str) -> tuple[str, str]:
    """The filters the service subscribes to: every device's events and presence, under
    every site, so that a device configured for another site is told so (not ignored)."""
    _prefix(root, site)
    return (f"{root}/+/+/+/evt", f"{root}/+/+/+/status")


def former_subscriptions(root: str, site: str) -> tuple[str, str]:
    """The filters of earlier versions (this site only): a persistent session keeps them, and
    overlapping filters may deliver a message twice, so the service drops them."""
    prefix = _prefix(root, site)
    return (f"{prefix}+/+/evt", f"{prefix}+/+/status")


def topic_site(root: str, topic: str) -> str | None:
    """The site level of a topic under root, or None when the topic has none."""
    if not topic.startswith(f"{root}/"):
        return None
    site = topic[len(root) + 1 :].split("/", 1)[0]
    return site if _LEVEL.fullmatch(site) else None


def device_subscriptions(root: str, site: str, kind: str, device_id: str) -> tuple[str, str]:
    """The filters a device subscribes to: its own commands and error replies."""
    return (cmd_topic(root, site, kind, device_id), err_topic(root, site, kind, device_id))
