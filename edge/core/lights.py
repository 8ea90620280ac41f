"""Pick-to-light: the desired state of every module (`lights`), lit and cleared by stop."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from edge.core.context import Ctx
from edge.messages import LightOff, LightOn, ResendLights
from edge.model import DomainError


def light_on(ctx: Ctx, task: dict[str, Any], badge: str) -> None:
    """Light the stop's bin with what is still to take, in the picker's colour."""
    device = ctx.cat.light_of_bin.get(task["bin"])
    if device is None:
        return
    busy = ctx.tx.one(
        "SELECT task_id, work FROM lights WHERE device = ? AND slot = ?", (device, task["bin"])
    )
    if busy is not None and (busy["work"], busy["task_id"]) != ("pick", task["id"]):
        return  # another picker's stop holds this slot; this picker scans instead
    cmd_id = ctx.new_id()
    qty = task["qty"] - task["picked"]
    color = ctx.cat.staff[badge].color if badge in ctx.cat.staff else "#ffffff"
    ctx.tx.run(
        "INSERT OR REPLACE INTO lights(device, slot, qty, color, cmd_id, task_id, sent_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (device, task["bin"], qty, color, cmd_id, task["id"], ctx.at),
    )
    ctx.emit(LightOn(device, task["bin"], qty, color, cmd_id))


def light_off(ctx: Ctx, task_id: int, work: str = "pick") -> None:
    """Clear the slot lit for a pick task (or for another work's task: a replenishment)."""
    row = ctx.tx.one(
        "SELECT device, slot FROM lights WHERE task_id = ? AND work = ?", (task_id, work)
    )
    if row is None:
        return
    ctx.tx.run("DELETE FROM lights WHERE task_id = ? AND work = ?", (task_id, work))
    ctx.emit(LightOff(row["device"], row["slot"], ctx.new_id()))


def light_work(
    ctx: Ctx, bin_label: str, qty: int, badge: str, work: str, work_id: int
) -> str | None:
    """Light a bin for work other than a pick (a replenishment arriving at its pick face):
    the module shows qty in the person's colour; a slot busy with a pick stays as it is.
    Returns the controller lit, if any."""
    device = ctx.cat.light_of_bin.get(bin_label)
    if device is None:
        return None
    busy = ctx.tx.one(
        "SELECT task_id, work FROM lights WHERE device = ? AND slot = ?", (device, bin_label)
    )
    if busy is not None and (busy["work"], busy["task_id"]) != (work, work_id):
        return None
    cmd_id = ctx.new_id()
    color = ctx.cat.staff[badge].color if badge in ctx.cat.staff else "#ffffff"
    ctx.tx.run(
        "INSERT OR REPLACE INTO lights(device, slot, qty, color, cmd_id, task_id, sent_at, work)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (device, bin_label, qty, color, cmd_id, work_id, ctx.at, work),
    )
    ctx.emit(LightOn(device, bin_label, qty, color, cmd_id))
    return device


def relight(ctx: Ctx, device: str) -> None:
    """A controller that restarted shows nothing: send it every light that should be on."""
    # Back on line: what it did not acknowledge before gets its re-sends afresh.
    ctx.tx.run(
        "UPDATE lights SET resends = 0, sent_at = ? WHERE device = ? AND acked_at IS NULL",
        (ctx.at, device),
    )
    for row in ctx.tx.all("SELECT * FROM lights WHERE device = ?", (device,)):
        ctx.emit(LightOn(device, row["slot"], row["qty"], row["color"], row["cmd_id"]))


def acknowledged(ctx: Ctx, device: str, cmd_id: str) -> None:
    """The module carried the command out."""
    ctx.tx.run(
        "UPDATE lights SET acked_at = ? WHERE device = ? AND cmd_id = ?", (ctx.at, device, cmd_id)
    )


def resend_unacked(ctx: Ctx, msg: ResendLights) -> int:
    """Publish again every light command its module has not acknowledged for msg.after_s,
    each at most msg.max_resends times (the same cmd_id: the module's ack still matches).
    One that used its last re-send is the supervisor's to see. Returns how many went."""
    before = (ctx.now - timedelta(seconds=msg.after_s)).isoformat(timespec="milliseconds")
    rows = ctx.tx.all(
        "SELECT * FROM lights WHERE acked_at IS NULL AND sent_at <= ? AND resends < ?",
        (before, msg.max_resends),
    )
    for row in rows:
        ctx.tx.run(
            "UPDATE lights SET resends = resends + 1, sent_at = ? WHERE device = ? AND slot = ?",
            (ctx.at, row["device"], row["slot"]),
        )
        ctx.emit(LightOn(row["device"], row["slot"], row["qty"], row["color"], row["cmd_id"]))
        if row["resends"] + 1 >= msg.max_resends:
            ctx.changed()  # it shows in the exceptions queue once this one is not answered
    return len(rows)


def resend_one(ctx: Ctx, device: str, slot: str) -> dict[str, Any]:
    """A supervisor's re-send of one unacknowledged command: published now, counted afresh."""
    row = ctx.tx.one("SELECT * FROM lights WHERE device = ? AND slot = ?", (device, slot))
    if row is None:
        raise DomainError(f"slot: no light is on at {device} {slot}", "not_found")
    if row["acked_at"] is not None:
        raise DomainError(f"slot: the light at {device} {slot} was acknowledged", "conflict")
    ctx.tx.run(
        "UPDATE lights SET resends = 0, sent_at = ? WHERE device = ? AND slot = ?",
        (ctx.at, device, slot),
    )
    ctx.emit(LightOn(device, slot, row["qty"], row["color"], row["cmd_id"]))
    ctx.changed()
    return row
