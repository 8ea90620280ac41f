"""Blind cycle counts: scheduled by ABC class or triggered, recounted by someone else, approved."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from edge.barcodes import parse_item_code
from edge.core import feed, stock, stockrules, stops
from edge.core.context import Ctx
from edge.core.release import release_waiting
from edge.core.slotting import pick_counts
from edge.core.views import resend_view
from edge.messages import DecideCount, Origin, ScheduleCount
from edge.model import DomainError


def schedule(ctx: Ctx, msg: ScheduleCount) -> dict[str, Any]:
    """Counts asked for by a supervisor or the ERP: every SKU the bin holds, or one."""
    if msg.bin_label not in ctx.cat.bins:
        raise DomainError(f"bin: unknown bin {msg.bin_label!r}", "invalid")
    if msg.sku is not None and msg.sku not in ctx.cat.skus:
        raise DomainError(f"sku: unknown SKU {msg.sku!r}", "invalid")
    skus = (
        [msg.sku]
        if msg.sku
        else [
            r["sku"]
            for r in ctx.tx.all(
                "SELECT sku FROM stock WHERE bin = ? ORDER BY sku", (msg.bin_label,)
            )
        ]
    )
    if not skus:
        raise DomainError(f"bin: {msg.bin_label} holds no SKU; name one in sku", "invalid")
    ids = []
    for sku in skus:
        made = stockrules.trigger_count(ctx, msg.bin_label, sku, "requested", msg.origin)
        if made is not None:
            ids.append(made)
    return {"count_ids": ids}


def abc_classes(ctx: Ctx) -> dict[str, str]:
    """A: the SKUs making the first 80 % of picks over the last 30 days; B: the next 15 %;
    C: the rest (and every SKU not picked)."""
    ranked = sorted(pick_counts(ctx).items(), key=lambda kv: (-kv[1], kv[0]))
    total = sum(n for _, n in ranked) or 1
    out: dict[str, str] = {}
    running = 0
    for sku, n in ranked:
        share = running / total
        out[sku] = "A" if share < 0.80 else "B" if share < 0.95 else "C"
        running += n
    return out


def _schedule_due(ctx: Ctx, who: Origin) -> None:
    """The most overdue bin and SKU by its class's interval gets a count (one at a time, as
    counters ask: the schedule never floods the queue)."""
    policy = ctx.cat.count_policy
    every = {"A": policy.a_every_days, "B": policy.b_every_days, "C": policy.c_every_days}
    classes = abc_classes(ctx)
    rows = ctx.tx.all(
        "SELECT s.bin, s.sku, c.last FROM stock s LEFT JOIN (SELECT bin, sku,"
        " max(coalesce(decided_at, second_at, first_at)) AS last,"
        " max(status IN ('open', 'recount', 'approval')) AS busy FROM counts GROUP BY bin, sku)"
        " c ON c.bin = s.bin AND c.sku = s.sku WHERE s.on_hand > 0 AND coalesce(c.busy, 0) = 0"
    )
    best, score = None, 1.0
    for r in rows:
        days = every[classes.get(r["sku"], "C")]
        age = (ctx.now - datetime.fromisoformat(r["last"])).days if r["last"] else 10 * days
        overdue = age / days
        if overdue >= score and (best is None or overdue > score or r["bin"] < best["bin"]):
            best, score = r, overdue
    if best is not None:
        stockrules.trigger_count(ctx, best["bin"], best["sku"], "abc", who)


def on_next(ctx: Ctx, sess: dict[str, Any], who: Origin) -> None:
    """The next count: triggered ones first, then the schedule's; a recount never goes to
    the person who counted first."""
    if sess["work_id"] is not None and sess["stage"] != "done":
        raise DomainError("finish this count first, or skip it", "refused")
    pick = (
        "SELECT id FROM counts WHERE assigned_device IS NULL AND (status = 'open' OR"
        " (status = 'recount' AND first_by != ?)) ORDER BY reason = 'abc', id LIMIT 1"
    )
    row = ctx.tx.one(pick, (sess["badge"],))
    if row is None:
        _schedule_due(ctx, who)
        row = ctx.tx.one(pick, (sess["badge"],))
    if row is None:  # nothing due: the screen says so (waiting 0); not an error
        ctx.tx.run(
            "UPDATE sessions SET work_id = NULL, stage = 'select' WHERE device = ?",
            (sess["device"],),
        )
        ctx.changed()
        resend_view(ctx, sess["device"])
        return
    ctx.tx.run("UPDATE counts SET assigned_device = ? WHERE id = ?", (sess["device"], row["id"]))
    ctx.tx.run(
        "UPDATE sessions SET work_id = ?, stage = 'bin', counted = 0 WHERE device = ?",
        (row["id"], sess["device"]),
    )
    ctx.list_changed("count")
    resend_view(ctx, sess["device"])


def _count(ctx: Ctx, sess: dict[str, Any]) -> dict[str, Any]:
    count = ctx.tx.one("SELECT * FROM counts WHERE id = ?", (sess["work_id"],))
    if count is None or sess["stage"] == "done" or count["status"] not in ("open", "recount"):
        raise DomainError("no count is open: send next for one", "no_stop")
    return count


def on_scan(ctx: Ctx, sess: dict[str, Any], code: str) -> None:
    count = _count(ctx, sess)
    code = code.strip()
    if sess["stage"] == "bin":
        if code != count["bin"]:
            raise DomainError(
                f"wrong bin: expected {count['bin']}, scanned {code}",
                "wrong_bin",
                {"expected": count["bin"], "scanned": code},
            )
        # From here a pick from this bin and SKU disturbs the count (after_pick marks it).
        ctx.tx.run(
            "UPDATE counts SET started_at = ?, moved_during = 0 WHERE id = ?", (ctx.at, count["id"])
        )
        ctx.tx.run(
            "UPDATE sessions SET stage = 'qty', counted = 0 WHERE device = ?", (sess["device"],)
        )
    else:
        info = ctx.cat.skus[count["sku"]]
        item = parse_item_code(code)
        if code.casefold() != count["sku"].casefold() and (
            item is None or item.gtin14 not in info.gtins
        ):
            raise DomainError(
                f"wrong item: this count is for {info.name} ({count['sku']})",
                "wrong_item",
                {"expected": f"{info.name} ({count['sku']})", "scanned": code},
            )
        ctx.tx.run(
            "UPDATE sessions SET counted = coalesce(counted, 0) + ? WHERE device = ?",
            ((item.count if item and item.count else 1), sess["device"]),
        )
    ctx.changed()
    resend_view(ctx, sess["device"])


def on_confirm(ctx: Ctx, sess: dict[str, Any], counted: int, who: Origin) -> None:
    """The counter's total: compared with the store now, settled, recounted or approved."""
    count = _count(ctx, sess)
    if sess["stage"] != "qty":
        raise DomainError("scan the bin label first, then count", "bin_first")
    expected = stock.row(ctx, count["bin"], count["sku"])[0]
    diff = counted - expected
    limit = ctx.cat.count_policy.recount_above_units
    first = count["status"] == "open"
    prefix = "first" if first else "second"
    ctx.tx.run(
        f"UPDATE counts SET {prefix}_count = ?, {prefix}_expected = ?, {prefix}_by = ?,"
        f" {prefix}_device = ?, {prefix}_at = ?, assigned_device = NULL, started_at = NULL"
        " WHERE id = ?",
        (counted, expected, who.actor, who.device, ctx.at, count["id"]),
    )
    settled = abs(diff) <= limit and not count["moved_during"]
    if settled:
        ctx.tx.run("UPDATE counts SET status = 'done' WHERE id = ?", (count["id"],))
        if diff:
            adjust(ctx, count["id"], count["bin"], count["sku"], diff, who, "cycle count")
    else:
        status = "recount" if first else "approval"
        ctx.tx.run("UPDATE counts SET status = ? WHERE id = ?", (status, count["id"]))
    ctx.tx.run("UPDATE sessions SET stage = 'done' WHERE device = ?", (sess["device"],))
    ctx.list_changed("count")  # a recount now waits for someone else
    resend_view(ctx, sess["device"])


def on_skip(ctx: Ctx, sess: dict[str, Any]) -> None:
    count = _count(ctx, sess)
    ctx.tx.run(
        "UPDATE counts SET assigned_device = NULL, started_at = NULL WHERE id = ?", (count["id"],)
    )
    ctx.tx.run(
        "UPDATE sessions SET work_id = NULL, stage = 'select' WHERE device = ?", (sess["device"],)
    )
    ctx.list_changed("count")
    resend_view(ctx, sess["device"])


def decide(ctx: Ctx, msg: DecideCount) -> dict[str, Any]:
    """A supervisor settles a recounted difference: approved, the stock follows the recount
    (by the difference it found, so picks since then stay counted); rejected, nothing
    changes and the bin is counted again."""
    count = ctx.tx.one("SELECT * FROM counts WHERE id = ?", (msg.count_id,))
    if count is None:
        raise DomainError(f"count {msg.count_id} does not exist", "not_found")
    if count["status"] != "approval":
        raise DomainError(
            f"count {msg.count_id} is {count['status']}, not waiting for approval", "conflict"
        )
    who = msg.origin
    ctx.tx.run(
        "UPDATE counts SET status = ?, decided_by = ?, decided_device = ?, decided_at = ?,"
        " decision_reason = ? WHERE id = ?",
        (
            "approved" if msg.approve else "rejected",
            who.actor,
            who.device,
            ctx.at,
            msg.reason,
            count["id"],
        ),
    )
    if msg.approve:
        diff = count["second_count"] - count["second_expected"]
        if diff:
            adjust(ctx, count["id"], count["bin"], count["sku"], diff, who, msg.reason)
    else:
        stockrules.trigger_count(ctx, count["bin"], count["sku"], "rejected", who)
    ctx.changed()
    row = ctx.tx.one("SELECT * FROM counts WHERE id = ?", (count["id"],))
    assert row is not None
    return row


def adjust(
    ctx: Ctx, count_id: int, bin_label: str, sku: str, diff: int, who: Origin, reason: str
) -> None:
    """Apply a counted difference to the bin (never below zero) with an audited move and a
    stock_adjustment record for the cloud. Units reserved for orders that are no longer
    there are found in other bins, or the orders' lines go short."""
    on_hand, reserved = stock.row(ctx, bin_label, sku)
    target = max(0, on_hand + diff)
    faces: list[str] = []
    if target < reserved:
        faces = _free_reservations(ctx, bin_label, sku, reserved - target)
    delta = target - on_hand
    ref = f"count:{count_id}"
    if delta > 0:
        stock.put(ctx, bin_label, sku, delta, f"cycle count: {reason}", who, ref)
    elif delta < 0:
        stock.remove(ctx, bin_label, sku, -delta, f"cycle count: {reason}", who, ref)
    ctx.tx.run("UPDATE counts SET adjustment = ? WHERE id = ?", (delta, count_id))
    feed.append(
        ctx,
        "stock_adjustment",
        {
            "bin": bin_label,
            "sku": sku,
            "delta": delta,
            "on_hand_after": target,
            "reason": f"cycle count: {reason}",
            "ref": ref,
            "actor": who.actor,
            "device": who.device,
            "at": ctx.at,
        },
    )
    if delta > 0:
        release_waiting(ctx, who)
    else:
        stockrules.check_face(ctx, bin_label, sku, who)
    for face in faces:  # top-ups cancelled above: asked for again from what is left
        stockrules.check_face(ctx, face, sku, who)


def _free_reservations(ctx: Ctx, bin_label: str, sku: str, units: int) -> list[str]:
    """Open work on this bin gives up `units` reserved units, newest first: a top-up from it
    (a reserve bin) is cancelled and asked for again from other reserve; a pick task is
    re-sourced from other bins (or its line goes short) as for a short pick. Returns the
    pick faces whose top-up was cancelled."""
    faces: list[str] = []
    for topup in ctx.tx.all(
        "SELECT * FROM replen_tasks WHERE from_bin = ? AND sku = ? AND status = 'open'"
        " ORDER BY id DESC",
        (bin_label, sku),
    ):
        if units <= 0:
            return faces
        stock.unreserve(ctx, bin_label, sku, topup["qty"])
        stockrules.cancel_topup(ctx, topup, "the reserve bin was counted short")
        faces.append(topup["to_bin"])
        units -= topup["qty"]
    for task in ctx.tx.all(
        "SELECT * FROM tasks WHERE bin = ? AND sku = ? AND status = 'open' ORDER BY id DESC",
        (bin_label, sku),
    ):
        if units <= 0:
            break
        need = task["qty"] - task["picked"]
        stock.unreserve(ctx, bin_label, sku, need)
        ctx.tx.run(
            "UPDATE tasks SET status = 'cancelled', qty = CASE WHEN picked > 0 THEN picked"
            " ELSE qty END WHERE id = ?",
            (task["id"],),
        )
        stops.resource(ctx, task, need, bin_label)
        stops.task_gone(ctx, task["id"])
        units -= need
    return faces
