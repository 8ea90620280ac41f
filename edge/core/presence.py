"""Devices coming and going: presence from retained status and Last Will, and last seen."""

from __future__ import annotations

from edge.core import lights
from edge.core.context import Ctx
from edge.core.views import resend_view
from edge.messages import PresenceChanged
from edge.model import DomainError


def device_seen(ctx: Ctx, device_id: str) -> None:
    """Every message of a device says it is there; an unknown device is refused."""
    if device_id not in ctx.cat.devices:
        raise DomainError(f"unknown device {device_id!r}", "unknown")
    ctx.tx.run("UPDATE devices SET last_seen = ? WHERE id = ?", (ctx.at, device_id))


def on_presence(ctx: Ctx, msg: PresenceChanged) -> None:
    if msg.device_id not in ctx.cat.devices:
        raise DomainError(f"unknown device {msg.device_id!r}", "unknown")
    ctx.tx.run(
        "UPDATE devices SET online = ?, last_seen = ?,"
        " status_since = CASE WHEN online = ? AND status_since IS NOT NULL THEN status_since"
        " ELSE ? END WHERE id = ?",
        (int(msg.online), ctx.at, int(msg.online), ctx.at, msg.device_id),
    )
    ctx.changed()
    if not msg.online:
        return
    kind = ctx.cat.kind_of(msg.device_id)
    if kind == "shelf":
        # A module that restarted shows nothing: send it the desired state again.
        lights.relight(ctx, msg.device_id)
    elif kind == "scanner":
        resend_view(ctx, msg.device_id)
