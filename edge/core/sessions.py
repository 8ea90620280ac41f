"""Logging in and out on a scanner: badge (+ PIN), lockouts, one person per scanner and back."""

from __future__ import annotations

import math
from datetime import datetime

from edge.core import lights, stockrules, trips
from edge.core.context import Ctx, floor_role, require_scanner, session_event, session_of
from edge.core.views import resend_view
from edge.messages import (
    CheckLogin,
    DeviceError,
    DeviceMessage,
    LoginRequested,
    LogoutRequested,
    PinEntered,
)
from edge.model import DomainError
from edge.staff import LockoutPolicy, LoginOutcome, pin_matches


def policy(ctx: Ctx) -> LockoutPolicy:
    """The lockout numbers: the config's `staff` section, through CoreConfig."""
    return ctx.cfg.lockout


# --- badge and PIN ---------------------------------------------------------------------------


def locked_for(ctx: Ctx, badge: str, device: str) -> tuple[int, str]:
    """Seconds this badge or device still waits after failed logins (0: none), and which."""
    worst, what = 0, ""
    for column, key in (("badge", badge), ("device", device)):
        row = ctx.tx.one(
            f"SELECT count(*) AS n, max(at) AS last FROM login_attempts WHERE {column} = ?"
            " AND outcome IN ('wrong_pin', 'unknown_badge') AND id > coalesce((SELECT max(id)"
            f" FROM login_attempts WHERE {column} = ? AND outcome = 'ok'), 0)",
            (key, key),
        )
        if row is None or not row["n"]:
            continue
        until = policy(ctx).locked_until(row["n"], datetime.fromisoformat(row["last"]))
        if until is not None and until > ctx.now:
            wait = math.ceil((until - ctx.now).total_seconds())
            if wait > worst:
                worst, what = wait, key if column == "badge" else f"device {key}"
    return worst, what


def _attempt(ctx: Ctx, badge: str, device: str, outcome: str) -> None:
    """The audit: who tried which badge on which device, when, and what came of it."""
    ctx.tx.run(
        "INSERT INTO login_attempts(at, badge, device, outcome) VALUES (?, ?, ?, ?)",
        (ctx.at, badge[:64], device[:64], outcome),
    )


def check(ctx: Ctx, badge: str, pin: str | None, device: str) -> LoginOutcome:
    """A badge (+ PIN) presented on a device: its holder, or why not. Failures are recorded
    (they count toward the lockout of the badge and of the device); a success resets both."""
    badge = badge.strip()
    wait, what = locked_for(ctx, badge, device)
    if wait:
        _attempt(ctx, badge, device, "locked")
        reason = f"badge: {what} is locked after failed logins; try again in {wait} s"
        return LoginOutcome(False, badge, reason, wait)
    person = ctx.cat.staff.get(badge)
    if person is None:
        return _failed(ctx, badge, device, "unknown_badge", "badge: unknown badge")
    if person.pin_hash:
        if not pin:  # not a failure: the page asks for the PIN when it is told one is needed
            return LoginOutcome(False, badge, "pin: this badge needs its PIN")
        if not pin_matches(pin, person.pin_hash):
            return _failed(ctx, badge, device, "wrong_pin", "pin: wrong PIN")
    _attempt(ctx, badge, device, "ok")
    return LoginOutcome(True, badge)


def _failed(ctx: Ctx, badge: str, device: str, outcome: str, reason: str) -> LoginOutcome:
    _attempt(ctx, badge, device, outcome)
    wait, what = locked_for(ctx, badge, device)
    if wait:
        return LoginOutcome(False, badge, f"{reason}; {what} is locked for {wait} s", wait)
    return LoginOutcome(False, badge, reason)


def on_check_login(ctx: Ctx, msg: CheckLogin) -> LoginOutcome:
    """A badge (+ PIN) over HTTP, for a token or a supervisor's approval."""
    return check(ctx, msg.badge, msg.pin, msg.origin.device)


def _refuse_kept(ctx: Ctx, msg: DeviceMessage, reason: str) -> None:
    """Refuse a device message but keep what this transaction wrote (the failed attempt,
    which a raised refusal would roll back): the device hears it as any refusal."""
    ctx.tx.run(
        "UPDATE inbound_seen SET outcome = ? WHERE device = ? AND msg_id = ?",
        (f"refused: {reason}", msg.device_id, msg.msg_id),
    )
    ctx.emit(DeviceError(msg.device_id, "scanner", msg.msg_id, reason, "refused"))
    resend_view(ctx, msg.device_id, error=DomainError(reason))


# --- a badge scanned, a PIN typed -----------------------------------------------------------


def login(ctx: Ctx, device: str, badge: str) -> None:
    """A badge scanned on a scanner (scans.on_scan). Someone else's badge while a person is
    logged in here is refused (they log out first); the same person's again changes nothing.
    A badge whose holder has a PIN makes the scanner ask for it; one without logs in."""
    sess = session_of(ctx.tx, device)
    if sess is not None:
        if sess["badge"] == badge:
            resend_view(ctx, device)
            return
        other = ctx.cat.staff.get(sess["badge"])
        name = other.name if other else sess["badge"]
        raise DomainError(
            f"badge: {name} is logged in on this scanner; log out first",
            details={"logged_in": name},
        )
    wait, what = locked_for(ctx, badge, device)
    if wait:
        raise DomainError(f"badge: {what} is locked after failed logins; try again in {wait} s")
    if ctx.cat.staff[badge].pin_hash:
        ctx.tx.run(
            "INSERT OR REPLACE INTO pin_pending(device, badge, since) VALUES (?, ?, ?)",
            (device, badge, ctx.at),
        )
        ctx.changed()
        resend_view(ctx, device)
        return
    _attempt(ctx, badge, device, "ok")
    take(ctx, device, badge)


def on_pin(ctx: Ctx, msg: PinEntered) -> None:
    """The PIN for the badge this scanner scanned: right, its holder is logged in; wrong,
    it is refused and counts toward the lockout (the scanner asks again until locked)."""
    require_scanner(ctx, msg.device_id)
    pending = ctx.tx.one("SELECT badge FROM pin_pending WHERE device = ?", (msg.device_id,))
    if pending is None:
        raise DomainError("pin: no badge is waiting for a PIN; scan your badge first")
    outcome = check(ctx, pending["badge"], msg.pin, msg.device_id)
    if outcome.ok:
        take(ctx, msg.device_id, outcome.badge)
        return
    if outcome.retry_after_s:  # locked: back to the login screen
        ctx.tx.run("DELETE FROM pin_pending WHERE device = ?", (msg.device_id,))
    _refuse_kept(ctx, msg, outcome.reason)


def on_login_request(ctx: Ctx, msg: LoginRequested) -> LoginOutcome:
    """Badge and PIN together (the handheld page): checked, then the person takes the
    scanner, replacing whoever was on it. A refusal is the answer, not an error."""
    require_scanner(ctx, msg.device_id)
    outcome = check(ctx, msg.badge, msg.pin, msg.device_id)
    if outcome.ok:
        take(ctx, msg.device_id, outcome.badge)
    return outcome


# --- sessions --------------------------------------------------------------------------------


def take(ctx: Ctx, device: str, badge: str) -> None:
    """The badge's holder takes this scanner (any earlier session here, or theirs elsewhere,
    ends); a picker continues an open trip or gets the next one, a packer sees the queue."""
    staff = ctx.cat.staff[badge]
    station = ctx.cat.station_of(device)
    role = floor_role(ctx.tx, ctx.cat, badge)  # a supervisor may have moved them this shift
    if station and role == "picker":
        raise DomainError(f"{staff.name} is a picker; this scanner is at pack station {station}")
    if not station and role == "packer":
        raise DomainError(f"{staff.name} is a packer; use the scanner at a pack station")
    ctx.tx.run("DELETE FROM pin_pending WHERE device = ? OR badge = ?", (device, badge))
    for old in ctx.tx.all("SELECT * FROM sessions WHERE device = ? OR badge = ?", (device, badge)):
        if old["task_id"] is not None:
            lights.light_off(ctx, old["task_id"])
        stockrules.release_work(ctx, old["device"])
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
    ctx.tx.run("DELETE FROM pin_pending WHERE device = ?", (msg.device_id,))
    sess = session_of(ctx.tx, msg.device_id)
    if sess is not None and sess["task_id"] is not None:
        lights.light_off(ctx, sess["task_id"])
    trips.release_planning(ctx, msg.device_id)
    stockrules.release_work(ctx, msg.device_id)
    if sess is not None:
        session_event(ctx, msg.device_id, sess["badge"], "logout")
    ctx.tx.run("DELETE FROM sessions WHERE device = ?", (msg.device_id,))
    ctx.changed()
    resend_view(ctx, msg.device_id)
