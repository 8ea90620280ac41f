"""Picking: scanner sessions, pick lists in route order, scan checks, short picks, the lights."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from edge import orders, packing
from edge.barcodes import ItemCode, parse_item_code
from edge.messages import (
    LightAck,
    LightButton,
    LightOff,
    LightOn,
    LogoutRequested,
    NextRequested,
    PlanTrip,
    PresenceChanged,
    QuantityConfirmed,
    ScannerView,
    ScanRead,
    SkipRequested,
    StateChanged,
    TripCandidate,
    TripPlanned,
)
from edge.model import DomainError, Status
from edge.routing import plan_route
from edge.warehouse import LABEL_RE

if TYPE_CHECKING:
    from edge.core import Ctx

# How many waiting orders (earliest cut-off first) one plan weighs when it fills a cart. They
# are held back from other scanners' plans meanwhile, so a larger pool starves pickers who ask
# at the same moment; each one more also costs the planner a few estimates.
BATCH_LOOKAHEAD = 8


def session_of(ctx: Ctx, device: str) -> dict[str, Any] | None:
    return ctx.tx.one("SELECT * FROM sessions WHERE device = ?", (device,))


def _scanner(ctx: Ctx, device_id: str) -> None:
    if ctx.cat.kind_of(device_id) != "scanner":
        raise DomainError(f"{device_id} is not a scanner", "unknown")


# --- entry points ----------------------------------------------------------------------------


def on_scan(ctx: Ctx, msg: ScanRead) -> None:
    _scanner(ctx, msg.device_id)
    code = msg.code.strip()
    staff = ctx.cat.staff.get(code)
    if staff is not None:
        _login(ctx, msg.device_id, staff.badge)
        return
    sess = session_of(ctx, msg.device_id)
    if sess is None:
        raise DomainError("scan your badge to log in first")
    if sess["role"] == "packer" or ctx.cat.devices[msg.device_id].station:
        packing.on_pack_scan(ctx, sess, code)
        return
    stage = sess["stage"]
    if stage == "planning":
        raise DomainError("your pick list is being planned: a moment, please", "planning")
    if stage in ("idle", "trip_done"):
        raise DomainError("no stop is open: ask for the next pick list", "no_stop")
    task = _task(ctx, sess["task_id"])
    if stage == "bin":
        if code == task["bin"]:
            _set_stage(ctx, msg.device_id, "item")
        elif LABEL_RE.match(code):
            raise DomainError(
                f"wrong bin: expected {task['bin']}, scanned {code}",
                "wrong_bin",
                {"expected": task["bin"], "scanned": code},
            )
        else:
            raise DomainError(
                f"scan the bin label {task['bin']} first, then the item",
                "bin_first",
                {"expected": task["bin"], "scanned": code},
            )
        resend_view(ctx, msg.device_id)
        return
    # Each item scan takes one unit: scanning every unit is how a picker proves the count,
    # and a stop of one (most stops) needs no extra tap. "Confirm" takes the rest at once.
    item = _check_item(ctx, task, code)
    ctx.tx.run(
        "UPDATE sessions SET stage = 'qty', scanned_gtin = ?, scanned_lot = ? WHERE device = ?",
        (item.gtin14, item.lot or None, msg.device_id),
    )
    sess = {**sess, "scanned_gtin": item.gtin14, "scanned_lot": item.lot or None}
    _record_pick(ctx, sess, task, 1, "scan", msg.device_id, msg.msg_id)
    task = _task(ctx, task["id"])
    if task["picked"] >= task["qty"]:
        _finish_stop(ctx, sess, task, 0, msg.device_id, "")
        return
    _light_on(ctx, task, sess["badge"])  # the module shows what is still to take
    ctx.emit(StateChanged("picking", msg.device_id))
    resend_view(ctx, msg.device_id)


def _check_item(ctx: Ctx, task: dict[str, Any], code: str) -> ItemCode:
    item = parse_item_code(code)
    expected = ctx.cat.skus[task["sku"]]
    want = {"expected": f"{expected.name} ({expected.sku})"}
    if item is None:
        if LABEL_RE.match(code):
            raise DomainError(
                f"that is a bin label ({code}); now scan the item {expected.name}",
                "item_not_bin",
                {**want, "scanned": code},
            )
        raise DomainError(
            f"not a product barcode: {code!r}; scan {expected.name}",
            "wrong_item",
            {**want, "scanned": code},
        )
    if item.gtin14 not in expected.gtins:
        other = ctx.cat.sku_by_gtin.get(item.gtin14)
        what = ctx.cat.skus[other].name if other else f"unknown product {item.gtin14}"
        raise DomainError(
            f"wrong item: expected {expected.name} ({expected.sku}), scanned {what}",
            "wrong_item",
            {**want, "scanned": what},
        )
    return item


def on_quantity(ctx: Ctx, msg: QuantityConfirmed) -> None:
    _scanner(ctx, msg.device_id)
    sess = session_of(ctx, msg.device_id)
    if sess is None:
        raise DomainError("scan your badge to log in first")
    stage = sess["stage"]
    if stage not in ("item", "qty"):
        if stage == "bin":
            raise DomainError("scan the bin label before confirming a quantity", "bin_first")
        raise DomainError("no stop is open", "no_stop")
    task = _task(ctx, sess["task_id"])
    if stage == "item" and msg.qty > 0:
        # Nothing scanned yet: one unit's scan proves it is the right item; an empty bin
        # (quantity 0) can be reported without one.
        raise DomainError("scan one item first, or report the bin empty (0)", "item_first")
    complete_stop(ctx, sess, task, msg.qty, "scan", msg.device_id, msg.reason, msg.msg_id)


def _can_skip(ctx: Ctx, trip_id: int, bin_label: str) -> bool:
    """Skipping needs another bin still to visit: the last one cannot go to the end."""
    return bool(
        ctx.tx.value(
            "SELECT 1 FROM tasks WHERE trip_id = ? AND status = 'open' AND bin != ? LIMIT 1",
            (trip_id, bin_label),
        )
    )


def on_skip(ctx: Ctx, msg: SkipRequested) -> None:
    """Postpone the current stop to the end of the pick list (the aisle is blocked)."""
    _scanner(ctx, msg.device_id)
    sess = session_of(ctx, msg.device_id)
    if sess is None:
        raise DomainError("scan your badge to log in first")
    if sess["task_id"] is None or sess["trip_id"] is None:
        raise DomainError("no stop is open", "no_stop")
    task = _task(ctx, sess["task_id"])
    if not _can_skip(ctx, sess["trip_id"], task["bin"]):
        raise DomainError("this is the last stop: take it, or report it short", "last_stop")
    last = ctx.tx.value("SELECT max(seq) FROM tasks WHERE trip_id = ?", (sess["trip_id"],))
    # Every open task on this bin goes to the end together: the picker comes back once.
    for n, row in enumerate(
        ctx.tx.all(
            "SELECT id FROM tasks WHERE trip_id = ? AND status = 'open' AND bin = ? ORDER BY seq",
            (sess["trip_id"], task["bin"]),
        ),
        start=1,
    ):
        ctx.tx.run("UPDATE tasks SET seq = ? WHERE id = ?", (last + n, row["id"]))
    _session_event(ctx, msg.device_id, sess["badge"], f"skipped {task['bin']} (task {task['id']})")
    _light_off(ctx, task["id"])
    ctx.emit(StateChanged("picking", msg.device_id))
    _advance(ctx, msg.device_id)


def on_light_button(ctx: Ctx, msg: LightButton) -> None:
    light = ctx.tx.one(
        "SELECT task_id FROM lights WHERE device = ? AND slot = ?", (msg.device_id, msg.slot)
    )
    if light is None:
        raise DomainError(f"slot {msg.slot} is not lit: nothing to confirm")
    sess = ctx.tx.one("SELECT * FROM sessions WHERE task_id = ?", (light["task_id"],))
    if sess is None:
        raise DomainError(f"slot {msg.slot} belongs to no open stop")
    task = _task(ctx, light["task_id"])
    complete_stop(
        ctx, sess, task, msg.qty, "light", msg.device_id, "short at the light module", msg.msg_id
    )


def on_light_ack(ctx: Ctx, msg: LightAck) -> None:
    ctx.tx.run(
        "UPDATE lights SET acked_at = ? WHERE device = ? AND cmd_id = ?",
        (ctx.at, msg.device_id, msg.cmd_id),
    )


def on_next(ctx: Ctx, msg: NextRequested) -> None:
    _scanner(ctx, msg.device_id)
    sess = session_of(ctx, msg.device_id)
    if sess is None:
        raise DomainError("scan your badge to log in first")
    if sess["role"] == "packer":
        resend_view(ctx, msg.device_id)
        return
    if sess["trip_id"] is not None:
        raise DomainError("finish the open pick list first")
    if sess["stage"] == "planning":
        resend_view(ctx, msg.device_id)  # the plan is on its way
        return
    _assign_next(ctx, sess)


def on_logout(ctx: Ctx, msg: LogoutRequested) -> None:
    _scanner(ctx, msg.device_id)
    sess = session_of(ctx, msg.device_id)
    if sess is not None and sess["task_id"] is not None:
        _light_off(ctx, sess["task_id"])
    _release_planning(ctx, msg.device_id)
    if sess is not None:
        _session_event(ctx, msg.device_id, sess["badge"], "logout")
    ctx.tx.run("DELETE FROM sessions WHERE device = ?", (msg.device_id,))
    ctx.emit(StateChanged("picking", msg.device_id))
    resend_view(ctx, msg.device_id)


def on_presence(ctx: Ctx, msg: PresenceChanged) -> None:
    if msg.device_id not in ctx.cat.devices:
        raise DomainError(f"unknown device {msg.device_id!r}", "unknown")
    ctx.tx.run(
        "UPDATE devices SET online = ?, last_seen = ?,"
        " status_since = CASE WHEN online = ? AND status_since IS NOT NULL THEN status_since"
        " ELSE ? END WHERE id = ?",
        (int(msg.online), ctx.at, int(msg.online), ctx.at, msg.device_id),
    )
    ctx.emit(StateChanged("devices", msg.device_id))
    if not msg.online:
        return
    kind = ctx.cat.kind_of(msg.device_id)
    if kind == "shelf":
        # A module that restarted shows nothing: send it the desired state again.
        for row in ctx.tx.all("SELECT * FROM lights WHERE device = ?", (msg.device_id,)):
            ctx.emit(LightOn(msg.device_id, row["slot"], row["qty"], row["color"], row["cmd_id"]))
    elif kind == "scanner":
        resend_view(ctx, msg.device_id)


# --- sessions and trips ----------------------------------------------------------------------


def _login(ctx: Ctx, device: str, badge: str) -> None:
    staff = ctx.cat.staff[badge]
    station = ctx.cat.devices[device].station
    if station and staff.role == "picker":
        raise DomainError(f"{staff.name} is a picker; this scanner is at pack station {station}")
    if not station and staff.role == "packer":
        raise DomainError(f"{staff.name} is a packer; use the scanner at a pack station")
    for old in ctx.tx.all("SELECT * FROM sessions WHERE device = ? OR badge = ?", (device, badge)):
        if old["task_id"] is not None:
            _light_off(ctx, old["task_id"])
        _release_planning(ctx, old["device"])
        _session_event(ctx, old["device"], old["badge"], "logout (replaced)")
        if old["device"] != device:  # the person moved: the old scanner shows the login
            ctx.tx.run("DELETE FROM sessions WHERE device = ?", (old["device"],))
            resend_view(ctx, old["device"])
    ctx.tx.run("DELETE FROM sessions WHERE device = ?", (device,))
    role = "packer" if station else "picker"
    _session_event(ctx, device, badge, "login")
    ctx.tx.run(
        "INSERT INTO sessions(device, badge, role, stage, since) VALUES (?, ?, ?, ?, ?)",
        (device, badge, role, "order" if station else "idle", ctx.at),
    )
    ctx.emit(StateChanged("picking", device))
    sess = session_of(ctx, device)
    assert sess is not None
    if role == "packer":
        resend_view(ctx, device)
        return
    trip = ctx.tx.one(
        "SELECT id FROM trips WHERE picker = ? AND status = 'active' ORDER BY id LIMIT 1", (badge,)
    )
    if trip is not None:
        ctx.tx.run("UPDATE trips SET device = ? WHERE id = ?", (device, trip["id"]))
        ctx.tx.run("UPDATE sessions SET trip_id = ? WHERE device = ?", (trip["id"], device))
        _advance(ctx, device)
    else:
        _assign_next(ctx, sess)


def _assign_next(ctx: Ctx, sess: dict[str, Any]) -> None:
    """Earliest cut-off first; the planner fills the cart with orders that add least walking.

    Planning runs outside the writer (a PlanTrip effect); the session waits in 'planning'
    until the TripPlanned answer comes back through the writer.
    """
    device, badge = sess["device"], sess["badge"]
    _release_planning(ctx, device)
    candidates = ctx.tx.all(
        "SELECT o.id, o.cutoff_at FROM orders o WHERE o.status = 'received'"
        " AND o.planning_for IS NULL AND EXISTS"
        " (SELECT 1 FROM tasks t WHERE t.order_id = o.id AND t.status = 'open'"
        "  AND t.trip_id IS NULL) ORDER BY o.cutoff_at, o.paid_at, o.id LIMIT ?",
        (BATCH_LOOKAHEAD,),
    )
    if not candidates:
        ctx.tx.run(
            "UPDATE sessions SET stage = 'idle', trip_id = NULL, task_id = NULL, idle_since = ?"
            " WHERE device = ?",
            (ctx.at, device),
        )
        resend_view(ctx, device)
        return
    found = tuple(
        TripCandidate(
            c["id"],
            tuple(sorted(_unassigned_bins(ctx, c["id"]))),
            datetime.fromisoformat(c["cutoff_at"]),
        )
        for c in candidates
    )
    plan_id = ctx.new_id()
    ctx.tx.many(
        "UPDATE orders SET planning_for = ? WHERE id = ?", [(device, c["id"]) for c in candidates]
    )
    ctx.tx.run(
        "UPDATE sessions SET stage = 'planning', trip_id = NULL, task_id = NULL, plan_id = ?"
        " WHERE device = ?",
        (plan_id, device),
    )
    ctx.emit(PlanTrip(device, badge, plan_id, found, ctx.cfg.totes_per_cart, ctx.cat.layout))
    resend_view(ctx, device)


def offer_work(ctx: Ctx) -> None:
    """New work while someone waits for it: the picker who has waited longest since last
    asking gets a pick list now, so an idle screen need not keep asking."""
    sess = ctx.tx.one(
        "SELECT * FROM sessions WHERE role = 'picker' AND stage = 'idle'"
        " ORDER BY idle_since, device LIMIT 1"
    )
    if sess is not None:
        _assign_next(ctx, sess)


def _session_event(ctx: Ctx, device: str, badge: str, event: str) -> None:
    """Who was logged in on which scanner, and when: kept after the session is gone."""
    ctx.tx.run(
        "INSERT INTO session_events(device, badge, event, at) VALUES (?, ?, ?, ?)",
        (device, badge, event, ctx.at),
    )


def _release_planning(ctx: Ctx, device: str) -> None:
    """Orders held back for this scanner's plan go back to everyone."""
    ctx.tx.run("UPDATE orders SET planning_for = NULL WHERE planning_for = ?", (device,))


def resume_planning(ctx: Ctx) -> None:
    """After a restart the planner's queue is gone: plan again for whoever was waiting."""
    ctx.tx.run("UPDATE orders SET planning_for = NULL WHERE planning_for IS NOT NULL")
    for sess in ctx.tx.all("SELECT * FROM sessions WHERE stage = 'planning'"):
        _assign_next(ctx, sess)


def _unassigned_bins(ctx: Ctx, order_id: int) -> set[str]:
    rows = ctx.tx.all(
        "SELECT bin FROM tasks WHERE order_id = ? AND status = 'open' AND trip_id IS NULL",
        (order_id,),
    )
    return {r["bin"] for r in rows}


def on_trip_planned(ctx: Ctx, msg: TripPlanned) -> str:
    """Take the planner's trip if the picker still waits for it and its orders are still
    free; orders taken meanwhile drop out, and with none left the picker gets a new plan."""
    from edge.core import set_status

    sess = session_of(ctx, msg.device_id)
    if sess is None or sess["stage"] != "planning" or sess["plan_id"] != msg.plan_id:
        return "stale"  # the picker logged out or moved on: nothing to do
    _release_planning(ctx, msg.device_id)
    planned = set(msg.labels)
    still_free = []
    for oid in msg.order_ids:
        status = ctx.tx.value("SELECT status FROM orders WHERE id = ?", (oid,))
        bins = _unassigned_bins(ctx, oid)
        if status == Status.RECEIVED and bins and bins <= planned:
            still_free.append(oid)
    if not still_free:
        _assign_next(ctx, sess)
        return "replanned"
    labels = list(msg.labels)
    length, sorted_length, method = msg.length_dm, msg.label_sorted_dm, msg.method
    if len(still_free) < len(msg.order_ids):
        # Someone else took an order meanwhile: route what is left (one route, cheap).
        keep = set().union(*(_unassigned_bins(ctx, oid) for oid in still_free))
        route = plan_route(ctx.cat.layout, sorted(keep))
        labels = [stop.label for stop in route.stops]
        length, sorted_length, method = (
            route.length_dm,
            route.label_sorted_length_dm,
            route.method,
        )
    tote_of = dict(msg.tote_of_order)
    device, badge = msg.device_id, msg.badge
    trip_id = ctx.tx.run(
        "INSERT INTO trips(picker, device, status, length_dm, label_sorted_dm, method, created_at)"
        " VALUES (?, ?, 'active', ?, ?, ?, ?)",
        (badge, device, length, sorted_length, method, ctx.at),
    )
    position = {label: n for n, label in enumerate(labels)}
    tasks = [
        (task, oid)
        for oid in still_free
        for task in ctx.tx.all(
            "SELECT id, bin FROM tasks WHERE order_id = ? AND status = 'open' AND trip_id IS NULL",
            (oid,),
        )
    ]
    tasks.sort(key=lambda pair: (position[pair[0]["bin"]], tote_of[pair[1]], pair[0]["id"]))
    for seq, (task, oid) in enumerate(tasks, start=1):
        ctx.tx.run(
            "UPDATE tasks SET trip_id = ?, seq = ?, tote = ? WHERE id = ?",
            (trip_id, seq, tote_of[oid], task["id"]),
        )
    for oid in still_free:
        set_status(ctx, oid, Status.PICKING, badge, device, f"trip {trip_id}")
    ctx.tx.run(
        "UPDATE sessions SET trip_id = ?, plan_id = NULL WHERE device = ?", (trip_id, device)
    )
    _advance(ctx, device)
    return "assigned"


def _advance(ctx: Ctx, device: str) -> None:
    """Make the next open stop of the session's trip current, or finish the trip."""
    from edge.core import set_status

    sess = session_of(ctx, device)
    assert sess is not None and sess["trip_id"] is not None
    trip_id = sess["trip_id"]
    nxt = ctx.tx.one(
        "SELECT * FROM tasks WHERE trip_id = ? AND status = 'open' ORDER BY seq LIMIT 1",
        (trip_id,),
    )
    if nxt is not None:
        ctx.tx.run(
            "UPDATE sessions SET task_id = ?, stage = 'bin', scanned_gtin = NULL,"
            " scanned_lot = NULL WHERE device = ?",
            (nxt["id"], device),
        )
        _light_on(ctx, nxt, sess["badge"])
        resend_view(ctx, device)
        return
    ctx.tx.run("UPDATE trips SET status = 'done', finished_at = ? WHERE id = ?", (ctx.at, trip_id))
    to_packing = False
    for row in ctx.tx.all(
        "SELECT DISTINCT o.id, o.status FROM orders o JOIN tasks t ON t.order_id = o.id"
        " WHERE t.trip_id = ?",
        (trip_id,),
    ):
        open_left = ctx.tx.value(
            "SELECT count(*) FROM tasks WHERE order_id = ? AND status = 'open'", (row["id"],)
        )
        if row["status"] == Status.PICKING and not open_left:
            set_status(ctx, row["id"], Status.PACKING, sess["badge"], device, "picked")
            to_packing = True
    if to_packing:
        packing.refresh_queues(ctx)
    ctx.tx.run(
        "UPDATE sessions SET stage = 'trip_done', trip_id = NULL, task_id = NULL,"
        " order_id = ? WHERE device = ?",
        (trip_id, device),
    )
    ctx.emit(StateChanged("picking", device))
    resend_view(ctx, device)


def _set_stage(ctx: Ctx, device: str, stage: str) -> None:
    ctx.tx.run("UPDATE sessions SET stage = ? WHERE device = ?", (stage, device))


def _task(ctx: Ctx, task_id: int | None) -> dict[str, Any]:
    task = ctx.tx.one("SELECT * FROM tasks WHERE id = ?", (task_id,)) if task_id else None
    if task is None:
        raise DomainError("no stop is open")
    return task


def task_gone(ctx: Ctx, task_id: int) -> None:
    """A task was cancelled: a session standing on it moves on."""
    _light_off(ctx, task_id)
    for sess in ctx.tx.all("SELECT device FROM sessions WHERE task_id = ?", (task_id,)):
        _advance(ctx, sess["device"])


# --- completing a stop -----------------------------------------------------------------------


def complete_stop(
    ctx: Ctx,
    sess: dict[str, Any],
    task: dict[str, Any],
    qty: int,
    via: str,
    device: str,
    reason: str,
    msg_id: str,
) -> None:
    """The picker took qty more (of what the stop still needs) and is done here; fewer is a
    short pick."""
    need = task["qty"] - task["picked"]
    if qty < 0:
        raise DomainError("qty: cannot be negative", "invalid")
    if qty > need:
        raise DomainError(f"too many: this stop needs {need}, not {qty}", "too_many")
    if qty > 0:
        _record_pick(ctx, sess, task, qty, via, device, msg_id)
    _finish_stop(ctx, sess, task, need - qty, device, reason)


def _record_pick(
    ctx: Ctx,
    sess: dict[str, Any],
    task: dict[str, Any],
    qty: int,
    via: str,
    device: str,
    msg_id: str,
) -> None:
    """Units taken from the bin: the pick (with the scan that proved it), stock, the line."""
    picker = sess["badge"]
    tx = ctx.tx
    # What the picker scanned (GTIN and lot); a light-module confirm scanned nothing.
    scanned = via == "scan"
    tx.run(
        "INSERT INTO picks(task_id, order_id, line_no, bin, sku, qty, gtin, lot, picker,"
        " device, via, at, msg_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            task["id"],
            task["order_id"],
            task["line_no"],
            task["bin"],
            task["sku"],
            qty,
            sess.get("scanned_gtin") if scanned else None,
            sess.get("scanned_lot") if scanned else None,
            picker,
            device,
            via,
            ctx.at,
            msg_id,
        ),
    )
    tx.run(
        "UPDATE stock SET on_hand = on_hand - ?, reserved = reserved - ? WHERE bin = ? AND sku = ?",
        (qty, qty, task["bin"], task["sku"]),
    )
    _stock_move(
        ctx,
        task["bin"],
        task["sku"],
        -qty,
        f"pick for order {task['order_id']}",
        task["order_id"],
        picker,
        device,
    )
    tx.run(
        "UPDATE order_lines SET picked = picked + ? WHERE order_id = ? AND line_no = ?",
        (qty, task["order_id"], task["line_no"]),
    )
    tx.run("UPDATE tasks SET picked = picked + ? WHERE id = ?", (qty, task["id"]))


def _finish_stop(
    ctx: Ctx, sess: dict[str, Any], task: dict[str, Any], short: int, device: str, reason: str
) -> None:
    """Close the stop (short by `short` units) and move the picker on."""
    from edge.core import set_status

    picker = sess["badge"]
    tx = ctx.tx
    tx.run("UPDATE tasks SET status = ? WHERE id = ?", ("short" if short else "done", task["id"]))
    _light_off(ctx, task["id"])
    if short:
        _bin_found_short(ctx, task, short, picker, device, reason or "short pick")
    order = tx.one("SELECT status FROM orders WHERE id = ?", (task["order_id"],))
    assert order is not None
    line_short = tx.value(
        "SELECT short FROM order_lines WHERE order_id = ? AND line_no = ?",
        (task["order_id"], task["line_no"]),
    )
    if line_short and order["status"] == Status.PICKING:
        set_status(
            ctx,
            task["order_id"],
            Status.ON_HOLD,
            picker,
            device,
            f"short pick: {task['sku']} line {task['line_no']} short by {line_short}"
            f" ({reason or 'bin short'})",
        )
    ctx.emit(StateChanged("picking", sess["device"]))
    _advance(ctx, sess["device"])


def _stock_move(
    ctx: Ctx,
    bin_label: str,
    sku: str,
    delta: int,
    reason: str,
    order_id: int | None,
    actor: str,
    device: str,
) -> None:
    after = ctx.tx.value("SELECT on_hand FROM stock WHERE bin = ? AND sku = ?", (bin_label, sku))
    ctx.tx.run(
        "INSERT INTO stock_moves(bin, sku, delta, on_hand_after, reason, order_id, actor, device,"
        " at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (bin_label, sku, delta, after, reason, order_id, actor, device, ctx.at),
    )


def _bin_found_short(
    ctx: Ctx, task: dict[str, Any], short: int, picker: str, device: str, reason: str
) -> None:
    """The bin held less than the system thought: it is empty now. Correct the count, then
    find the missing units (this task's and every other task's on this bin) elsewhere."""
    tx = ctx.tx
    bin_label, sku = task["bin"], task["sku"]
    tx.run(
        "UPDATE stock SET reserved = reserved - ? WHERE bin = ? AND sku = ?",
        (short, bin_label, sku),
    )
    others = tx.all(
        "SELECT * FROM tasks WHERE bin = ? AND sku = ? AND status = 'open' AND id != ?",
        (bin_label, sku, task["id"]),
    )
    for other in others:
        tx.run(
            "UPDATE stock SET reserved = reserved - ? WHERE bin = ? AND sku = ?",
            (other["qty"] - other["picked"], bin_label, sku),
        )
    left = tx.value("SELECT on_hand FROM stock WHERE bin = ? AND sku = ?", (bin_label, sku))
    tx.run("UPDATE stock SET on_hand = 0 WHERE bin = ? AND sku = ?", (bin_label, sku))
    _stock_move(
        ctx, bin_label, sku, -left, f"count correction: {reason}", task["order_id"], picker, device
    )
    _resource(ctx, task, short, bin_label)
    for other in others:
        need = other["qty"] - other["picked"]
        tx.run(
            "UPDATE tasks SET status = 'cancelled', qty = CASE WHEN picked > 0 THEN picked"
            " ELSE qty END WHERE id = ?",
            (other["id"],),
        )
        _resource(ctx, other, need, bin_label)
        task_gone(ctx, other["id"])


def _resource(ctx: Ctx, task: dict[str, Any], qty: int, empty_bin: str) -> None:
    """New tasks for qty from other bins, in the same trip; what no bin has is short."""
    sources = orders.plan_sources(ctx, task["sku"], qty, exclude=empty_bin)
    found = 0
    for bin_label, q in sources:
        orders.reserve(ctx, bin_label, task["sku"], q)
        ctx.tx.run(
            "INSERT INTO tasks(order_id, line_no, bin, sku, qty, trip_id, tote, seq)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
            (
                task["order_id"],
                task["line_no"],
                bin_label,
                task["sku"],
                q,
                task["trip_id"],
                task["tote"],
            ),
        )
        found += q
    if found < qty:
        ctx.tx.run(
            "UPDATE order_lines SET short = short + ? WHERE order_id = ? AND line_no = ?",
            (qty - found, task["order_id"], task["line_no"]),
        )
    if sources and task["trip_id"] is not None:
        _reroute(ctx, task["trip_id"])


def _reroute(ctx: Ctx, trip_id: int) -> None:
    """Put the trip's open stops (old and re-sourced) back into walking order."""
    open_tasks = ctx.tx.all(
        "SELECT id, bin, tote FROM tasks WHERE trip_id = ? AND status = 'open'", (trip_id,)
    )
    base = ctx.tx.value("SELECT coalesce(max(seq), 0) FROM tasks WHERE trip_id = ?", (trip_id,))
    route = plan_route(ctx.cat.layout, sorted({t["bin"] for t in open_tasks}))
    position = {stop.label: n for n, stop in enumerate(route.stops)}
    open_tasks.sort(key=lambda t: (position[t["bin"]], t["tote"] or 0, t["id"]))
    for n, t in enumerate(open_tasks, start=1):
        ctx.tx.run("UPDATE tasks SET seq = ? WHERE id = ?", (base + n, t["id"]))


# --- lights ----------------------------------------------------------------------------------


def _light_on(ctx: Ctx, task: dict[str, Any], badge: str) -> None:
    device = ctx.cat.light_of_bin.get(task["bin"])
    if device is None:
        return
    busy = ctx.tx.one(
        "SELECT task_id FROM lights WHERE device = ? AND slot = ?", (device, task["bin"])
    )
    if busy is not None and busy["task_id"] != task["id"]:
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


def _light_off(ctx: Ctx, task_id: int) -> None:
    row = ctx.tx.one("SELECT device, slot FROM lights WHERE task_id = ?", (task_id,))
    if row is None:
        return
    ctx.tx.run("DELETE FROM lights WHERE task_id = ?", (task_id,))
    ctx.emit(LightOff(row["device"], row["slot"], ctx.new_id()))


# --- views -----------------------------------------------------------------------------------


def resend_view(ctx: Ctx, device: str, error: DomainError | None = None) -> None:
    if ctx.cat.kind_of(device) != "scanner":
        return
    view = view_for(ctx, device)
    if error is not None:
        # The text for simple screens; the code and details for screens that translate it.
        view = {
            **view,
            "error": str(error),
            "error_code": error.code,
            "error_details": error.details,
        }
    ctx.emit(ScannerView(device, view))


def view_for(ctx: Ctx, device: str) -> dict[str, Any]:
    """The whole screen of a scanner now (MQTT views and the handheld page share it)."""
    sess = session_of(ctx, device)
    if sess is None:
        return {"screen": "login", "expect": "badge", "message": "Scan your badge to log in"}
    who = ctx.cat.staff.get(sess["badge"])
    base: dict[str, Any] = {"who": who.name if who else sess["badge"], "badge": sess["badge"]}
    if sess["role"] == "packer":
        return {**base, **packing.view(ctx, sess)}
    stage = sess["stage"]
    if stage == "idle":
        return {
            **base,
            "screen": "idle",
            "expect": "none",
            "message": "No orders waiting. Ask again in a moment.",
        }
    if stage == "planning":
        return {
            **base,
            "screen": "planning",
            "expect": "none",
            "message": "Finding your next pick list…",
        }
    if stage == "trip_done":
        return {
            **base,
            "screen": "trip_done",
            "expect": "none",
            "trip_id": sess["order_id"],
            "message": "Pick list done: take the cart to packing.",
        }
    task = _task(ctx, sess["task_id"])
    counts = ctx.tx.one(
        "SELECT count(*) AS total, sum(CASE WHEN seq < ? AND status != 'cancelled' THEN 1"
        " ELSE 0 END) AS before FROM tasks WHERE trip_id = ? AND status != 'cancelled'",
        (task["seq"] or 0, sess["trip_id"]),
    )
    assert counts is not None
    sku = ctx.cat.skus[task["sku"]]
    light = ctx.tx.one("SELECT device FROM lights WHERE task_id = ?", (task["id"],))
    need = task["qty"] - task["picked"]
    prompts = {
        "bin": f"Go to {task['bin']} and scan the bin label",
        "item": f"Scan the item: {sku.name}",
        "qty": f"{task['picked']} of {task['qty']} taken: scan the next, or confirm {need}",
    }
    upcoming = ctx.tx.all(
        "SELECT bin, sku, qty - picked AS qty FROM tasks WHERE trip_id = ? AND status = 'open'"
        " AND id != ? ORDER BY seq LIMIT 3",
        (sess["trip_id"], task["id"]),
    )
    for row in upcoming:
        row["name"] = ctx.cat.skus[row["sku"]].name
    return {
        **base,
        "screen": "stop",
        "expect": stage,
        "trip_id": sess["trip_id"],
        "message": prompts[stage],
        "stop": {
            "n": (counts["before"] or 0) + 1,
            "of": counts["total"],
            "bin": task["bin"],
            "sku": sku.sku,
            "name": sku.name,
            "gtins": list(sku.gtins),
            "qty": need,
            "picked": task["picked"],
            "qty_total": task["qty"],
            "tote": task["tote"],
            "order_id": task["order_id"],
            "lit": light is not None,
            "light_device": light["device"] if light else None,
        },
        "upcoming": upcoming,
        "can_skip": _can_skip(ctx, sess["trip_id"], task["bin"]),
    }
