"""Where received stock should go: room in a bin, and the bin that keeps future picks short."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from edge.core.context import Ctx

# Units never fill a bin's inner volume exactly: plan on this share of it.
FILL_FACTOR = 0.85
# A bin with no stated capacity takes any quantity.
UNLIMITED = 10**9
# Pick frequency is read over this window (the same window classifies counts by ABC).
FREQUENCY_DAYS = 30


@dataclass(frozen=True)
class Suggestion:
    bin: str
    room: int
    reason: str


def room(ctx: Ctx, bin_label: str, sku: str, exclude_task: int | None = None) -> int:
    """How many more units of sku fit in a bin: its capacity less what is in it and what
    open put-aways are already heading there (by units, volume and load, the tightest)."""
    info = ctx.cat.bin_info[bin_label]
    if info.capacity_units is None and info.inner_mm is None and info.max_load_g is None:
        return UNLIMITED
    content = ctx.tx.all(
        "SELECT sku, on_hand AS units FROM stock WHERE bin = ? AND on_hand > 0"
        " UNION ALL SELECT sku, qty - done FROM putaway_tasks WHERE suggested_bin = ?"
        " AND status = 'open' AND id IS NOT ?"
        " UNION ALL SELECT sku, qty FROM replen_tasks WHERE to_bin = ? AND status = 'open'",
        (bin_label, bin_label, exclude_task, bin_label),
    )
    item = ctx.cat.skus[sku]
    limits = []
    if info.capacity_units is not None:
        limits.append(info.capacity_units - sum(r["units"] for r in content))
    if info.inner_mm is not None:
        space = math.prod(info.inner_mm) * FILL_FACTOR
        used = sum(r["units"] * math.prod(ctx.cat.skus[r["sku"]].dims_mm) for r in content)
        limits.append(int((space - used) // math.prod(item.dims_mm)))
    if info.max_load_g is not None:
        load = sum(r["units"] * ctx.cat.skus[r["sku"]].unit_weight_g for r in content)
        limits.append((info.max_load_g - load) // item.unit_weight_g)
    return int(max(0, min(limits)))


def occupied(ctx: Ctx) -> set[str]:
    """Bins holding stock or promised to an open put-away or top-up."""
    rows = ctx.tx.all(
        "SELECT bin FROM stock WHERE on_hand > 0"
        " UNION SELECT suggested_bin FROM putaway_tasks WHERE status = 'open'"
        " AND suggested_bin IS NOT NULL UNION SELECT to_bin FROM replen_tasks WHERE status = 'open'"
    )
    return {r["bin"] for r in rows}


# The pick statistics are read again after this long, or after this many new picks.
STATS_TTL = timedelta(minutes=10)
STATS_NEW_PICKS = 500


def pick_counts(ctx: Ctx) -> dict[str, int]:
    """Picks per SKU over the last 30 days (pick lines, not units: each is a walk there)."""
    newest = int(ctx.tx.value("SELECT coalesce(max(id), 0) FROM picks"))
    cached = ctx.cat.pick_stats
    if cached is not None:
        at, last_id, counts = cached
        if ctx.now - at < STATS_TTL and 0 <= newest - last_id < STATS_NEW_PICKS:
            return counts
    since = (ctx.now - timedelta(days=FREQUENCY_DAYS)).isoformat()
    counts = {
        r["sku"]: r["n"]
        for r in ctx.tx.all(
            "SELECT sku, count(*) AS n FROM picks WHERE at >= ? GROUP BY sku", (since,)
        )
    }
    ctx.cat.pick_stats = (ctx.now, newest, counts)
    return counts


def frequency_rank(ctx: Ctx, sku: str) -> float:
    """Where the SKU stands by picks over the last 30 days: 0.0 the fastest, 1.0 the slowest
    (a SKU never picked ranks with the slowest)."""
    counts = pick_counts(ctx)
    mine = counts.get(sku, 0)
    faster = sum(1 for n in counts.values() if n > mine)
    return faster / max(1, len(ctx.cat.skus) - 1) if mine else 1.0


def suggest(
    ctx: Ctx, sku: str, exclude: frozenset[str] = frozenset(), exclude_task: int | None = None
) -> Suggestion | None:
    """The bin for received units of sku: its pick face if it has room; else a reserve bin
    already holding it; else an empty bin — a pick face placed by how often the SKU is
    picked (fast movers nearest the depot), or, for a SKU that has a face, reserve near it."""
    holding = [
        r["bin"]
        for r in ctx.tx.all("SELECT bin FROM stock WHERE sku = ? ORDER BY bin", (sku,))
        if r["bin"] not in exclude
    ]
    faces = [b for b in holding if b not in ctx.cat.reserve_bins]
    faces.sort(key=ctx.cat.walk_from_depot)
    for face in faces:
        space = room(ctx, face, sku, exclude_task)
        if space > 0:
            return Suggestion(face, space, "existing bin")
    for reserve in sorted(b for b in holding if b in ctx.cat.reserve_bins):
        space = room(ctx, reserve, sku, exclude_task)
        if space > 0:
            return Suggestion(reserve, space, "reserve")
    taken = occupied(ctx) | exclude
    if faces:
        point = ctx.cat.layout.point_of(faces[0])
        reserves = [b for b in ctx.cat.reserve_bins if b not in taken]
        reserves.sort(key=lambda b: (ctx.cat.layout.distance(point, ctx.cat.layout.point_of(b)), b))
        for reserve in reserves:
            space = room(ctx, reserve, sku, exclude_task)
            if space > 0:
                return Suggestion(reserve, space, "reserve")
    return _empty_face(ctx, sku, taken, exclude_task)


def _empty_face(ctx: Ctx, sku: str, taken: set[str], exclude_task: int | None) -> Suggestion | None:
    # Slotting by rank: the SKU's place in the pick-frequency ranking maps onto the bin at
    # the same place in the ranking of pick bins by walk from the depot, so the fastest
    # movers sit nearest and every later pick of them is short.
    ordered = ctx.cat.pick_bins_by_walk
    if not ordered:
        return None
    rank = frequency_rank(ctx, sku)
    target = ctx.cat.walk_from_depot(ordered[min(len(ordered) - 1, int(rank * len(ordered)))])
    empty = [b for b in ordered if b not in taken]
    empty.sort(key=lambda b: (abs(ctx.cat.walk_from_depot(b) - target), b))
    reason = "empty bin near the depot for a fast mover" if rank < 0.2 else "empty bin"
    for candidate in empty:
        space = room(ctx, candidate, sku, exclude_task)
        if space > 0:
            return Suggestion(candidate, space, reason)
    return None


def suggest_task(ctx: Ctx, task_id: int, exclude: frozenset[str] = frozenset()) -> None:
    """Store the put-away suggestion for what is left of a task."""
    task = ctx.tx.one("SELECT sku FROM putaway_tasks WHERE id = ?", (task_id,))
    assert task is not None
    found = suggest(ctx, task["sku"], exclude, exclude_task=task_id)
    ctx.tx.run(
        "UPDATE putaway_tasks SET suggested_bin = ?, suggest_reason = ? WHERE id = ?",
        (found.bin if found else None, found.reason if found else "no bin has room", task_id),
    )
