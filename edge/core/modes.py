"""A scanner's kind of work (pick, receive, put away, top up, count) and where its events go."""

from __future__ import annotations

from edge.core import counts, picking, putaway, receiving, replenish, returns, scans, trips
from edge.core.context import Ctx, require_scanner, require_session, session_event
from edge.core.stockrules import release_work
from edge.core.views import resend_view
from edge.messages import (
    WORK_MODES,
    CloseRequested,
    LightButton,
    ModeRequested,
    NextRequested,
    QuantityConfirmed,
    ScanRead,
    SkipRequested,
)
from edge.model import DomainError

# Printed command codes (a card at the dock, on the cart): a scanner that can only scan
# switches work by scanning one.
MODE_CODES = {f"MODE-{mode.upper()}": mode for mode in WORK_MODES}


def on_mode(ctx: Ctx, msg: ModeRequested) -> None:
    require_scanner(ctx, msg.device_id)
    switch(ctx, msg.device_id, msg.mode)


def switch(ctx: Ctx, device: str, mode: str) -> None:
    """Leave the current work (its task goes back to the queue) and start the other."""
    sess = require_session(ctx, device)
    if sess["role"] == "packer":
        raise DomainError("a pack-station scanner packs; use a floor scanner", "refused")
    if mode == sess["mode"]:
        resend_view(ctx, device)
        return
    if sess["mode"] == "pick" and sess["trip_id"] is not None:
        raise DomainError("finish or skip your pick list first", "refused")
    trips.release_planning(ctx, device)
    release_work(ctx, device)
    ctx.tx.run(
        "UPDATE sessions SET mode = ?, stage = ?, work_id = NULL, task_id = NULL, trip_id = NULL,"
        " counted = NULL WHERE device = ?",
        (mode, "idle" if mode == "pick" else "select", device),
    )
    session_event(ctx, device, sess["badge"], f"mode {mode}")
    ctx.changed()
    if mode == "pick":
        trips.assign_next(ctx, device, sess["badge"])
    else:
        resend_view(ctx, device)


def on_scan(ctx: Ctx, msg: ScanRead) -> None:
    require_scanner(ctx, msg.device_id)
    code = msg.code.strip()
    if code.upper() in MODE_CODES and code not in ctx.cat.staff:
        switch(ctx, msg.device_id, MODE_CODES[code.upper()])
        return
    sess = ctx.tx.one("SELECT * FROM sessions WHERE device = ?", (msg.device_id,))
    if sess is None or sess["mode"] == "pick" or code in ctx.cat.staff:
        scans.on_scan(ctx, msg)
        return
    who = msg.origin(sess["badge"])
    mode = sess["mode"]
    if mode == "receive":
        receiving.on_scan(ctx, sess, code, who)
    elif mode == "putaway":
        putaway.on_scan(ctx, sess, code, who)
    elif mode == "replenish":
        replenish.on_scan(ctx, sess, code, who)
    elif mode == "return":
        returns.on_scan(ctx, sess, code, who)
    else:
        counts.on_scan(ctx, sess, code)


def on_confirm(ctx: Ctx, msg: QuantityConfirmed) -> None:
    require_scanner(ctx, msg.device_id)
    sess = require_session(ctx, msg.device_id)
    mode = sess["mode"]
    who = msg.origin(sess["badge"])
    if mode == "pick":
        picking.on_quantity(ctx, msg)
    elif mode == "receive":
        receiving.on_confirm(ctx, sess, msg.qty, msg.reason)
    elif mode == "replenish":
        replenish.on_confirm(ctx, sess, msg.qty, who)
    elif mode == "count":
        counts.on_confirm(ctx, sess, msg.qty, who)
    elif mode == "return":
        raise DomainError("grade each unit: a grade button or a GRADE- code", "refused")
    else:
        raise DomainError("scan the bin label to put the stock away", "refused")


def on_skip(ctx: Ctx, msg: SkipRequested) -> None:
    require_scanner(ctx, msg.device_id)
    sess = require_session(ctx, msg.device_id)
    mode = sess["mode"]
    if mode == "pick":
        picking.on_skip(ctx, msg)
    elif mode == "receive":
        receiving.on_next(ctx, sess)  # leave the delivery open for later
    elif mode == "putaway":
        putaway.on_skip(ctx, sess)
    elif mode == "replenish":
        replenish.on_skip(ctx, sess)
    elif mode == "return":
        returns.on_next(ctx, sess)  # leave the return open for later
    else:
        counts.on_skip(ctx, sess)


def on_next(ctx: Ctx, msg: NextRequested) -> None:
    require_scanner(ctx, msg.device_id)
    sess = require_session(ctx, msg.device_id)
    mode = sess["mode"]
    if mode == "pick" or sess["role"] == "packer":
        trips.on_next(ctx, msg)
    elif mode == "receive":
        receiving.on_next(ctx, sess)
    elif mode == "putaway":
        putaway.on_next(ctx, sess)
    elif mode == "replenish":
        replenish.on_next(ctx, sess)
    elif mode == "return":
        returns.on_next(ctx, sess)
    else:
        counts.on_next(ctx, sess, msg.origin(sess["badge"]))


def on_close(ctx: Ctx, msg: CloseRequested) -> None:
    require_scanner(ctx, msg.device_id)
    sess = require_session(ctx, msg.device_id)
    if sess["mode"] == "return":
        returns.on_close(ctx, sess, msg.origin(sess["badge"]))
        return
    if sess["mode"] != "receive":
        raise DomainError("close is for a delivery being received or a return", "refused")
    receiving.on_close(ctx, sess, msg.origin(sess["badge"]))


def on_light_button(ctx: Ctx, msg: LightButton) -> None:
    """A module's confirm: a pick stop's, or a top-up arriving at its face."""
    light = ctx.tx.one(
        "SELECT task_id, work FROM lights WHERE device = ? AND slot = ?",
        (msg.device_id, msg.slot),
    )
    if light is not None and light["work"] == "replenish":
        replenish.on_light_button(ctx, light["task_id"], msg)
        return
    picking.on_light_button(ctx, msg)
