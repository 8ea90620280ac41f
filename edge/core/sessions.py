"""Logging in and out on a scanner: one person per scanner, one scanner per person."""

from __future__ import annotations

from edge.core import lights, trips
from edge.core.context import Ctx, require_scanner, session_event, session_of
from edge.core.views import resend_view
from edge.messages import LogoutRequested
from edge.model import DomainError


def login(ctx: Ctx, device: str, badge: str) -> None:
    """The badge's holder takes this scanner (any earlier session here, or theirs elsewhere,
    ends); a picker continues an open trip or gets the next one, a packer sees the queue."""
    staff = ctx.cat.staff[badge]
    station = ctx.cat.station_of(device)
    if station and staff.role == "picker":
        raise DomainError(f"{staff.name} is a picker; this scanner is at pack station {station}")
    if not station and staff.role == "packer":
        raise DomainError(f"{staff.name} is a packer; use the scanner at a pack station")
    for old in ctx.tx.all("SELECT * FROM sessions WHERE device = ? OR badge = ?", (device, badge)):
        if old["task_id"] is not None:
            lights.light_off(ctx, old["task_id"])
        trips.release_planning(ctx, old["device"])
        session_event(ctx, old["device"], old["badge"], "logout (replaced)")
        if old["device"] != device:  # the person moved: the old scanner shows the login
            ctx.tx.run("DELETE FROM sessions WHERE device = ?", (old["device"],))
            resend_view(ctx, old["device"])
    ctx.tx.run("DELETE FROM sessions WHERE device = ?", (device,))
    role = "packer" if station else "picker"
    session_event(ctx, device, badge, "login")
    ctx.tx.run(
        "INSERT INTO sessions(device, badge, role, stage, since) VALUES (?, ?, ?, ?, ?)",
        (device, badge, role, "order" if station else "idle", ctx.at),
    )
    ctx.changed()
    if role == "packer":
        resend_view(ctx, device)
    elif not trips.continue_trip(ctx, device, badge):
        trips.assign_next(ctx, device, badge)


def on_logout(ctx: Ctx, msg: LogoutRequested) -> None:
    require_scanner(ctx, msg.device_id)
    sess = session_of(ctx.tx, msg.device_id)
    if sess is not None and sess["task_id"] is not None:
        lights.light_off(ctx, sess["task_id"])
    trips.release_planning(ctx, msg.device_id)
    if sess is not None:
        session_event(ctx, msg.device_id, sess["badge"], "logout")
    ctx.tx.run("DELETE FROM sessions WHERE device = ?", (msg.device_id,))
    ctx.changed()
    resend_view(ctx, msg.device_id)
