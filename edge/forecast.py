"""Which open orders will miss their cut-off and their carrier pick-up: picking, packing, holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from edge.catalog import Catalog
from edge.routing import OrderToPick, PickPace, estimate_cutoffs, plan_batches, trip_duration

# Routing every waiting order on each refresh would cost seconds on a 2-core gateway; the
# supervisor needs the ones due first, and those are what the batcher takes first anyway.
# The orders after them are estimated at the routed ones' average picking time per order.
FORECAST_ORDERS = 24
# Packing one order (tote scan, box, weigh, label) takes about this long; a packer works one
# order at a time, so the packers are a queue the picked orders join.
SECONDS_PER_PACK = 90
# Statuses that still need work before the order is ready to ship.
OPEN_STATUSES = ("received", "awaiting_stock", "picking", "packing", "on_hold")
# Orders that cannot make any cut-off without someone acting: a hold, missing stock.
NEEDS_ACTION = frozenset({"on_hold", "awaiting_stock"})
# Statuses after which an order no longer waits for a carrier.
GONE = frozenset({"shipped", "cancelled", "returned", "partly_returned"})


@dataclass(frozen=True)
class Forecast:
    order_id: int
    shop_order_id: str
    status: str
    cutoff_at: str
    finish: str | None  # when it will be ready to ship (None: not without action)
    makes_cutoff: bool
    slack_s: int | None
    carrier_pickup: str | None  # the pick-up it is due for: the first at or after its cut-off
    makes_pickup: bool
    # routed (its trip planned), estimated (at the routed orders' pace), packing, or
    # needs_action (on hold or awaiting stock: it will not move by itself)
    basis: str


def carrier_pickup(cutoff_at: datetime, tz: str, pickups: list[time]) -> datetime | None:
    """The first carrier pick-up at or after an order's cut-off on the same local day."""
    local = cutoff_at.astimezone(ZoneInfo(tz))
    for at in sorted(pickups):
        if at >= local.time():
            return datetime.combine(local.date(), at, tzinfo=local.tzinfo)
    return None


def _pick_finishes(
    cat: Catalog,
    rows: list[dict[str, Any]],
    bins_of: dict[int, list[str]],
    now: datetime,
    pace: PickPace,
    pickers: int,
    totes_per_cart: int,
) -> dict[int, tuple[datetime, str]]:
    """When each order still to pick has its last unit in a tote, and how that was judged."""
    pickable = [r for r in rows if r["status"] in ("received", "picking")]
    out = {r["id"]: (now, "routed") for r in pickable if not bins_of.get(r["id"])}
    waiting = [r for r in pickable if bins_of.get(r["id"])]
    routed, rest = waiting[:FORECAST_ORDERS], waiting[FORECAST_ORDERS:]
    to_pick = [
        OrderToPick(
            str(r["id"]),
            tuple(sorted(set(bins_of[r["id"]]))),
            datetime.fromisoformat(r["cutoff_at"]),
        )
        for r in routed
    ]
    if not to_pick:
        return out
    trips = plan_batches(cat.layout, to_pick, totes=totes_per_cart)
    for est in estimate_cutoffs(trips, now, orders=to_pick, pace=pace, pickers=pickers):
        out[int(est.order_id)] = (est.finish, "routed")
    # The rest at the same pace: picker-seconds per order, shared by the pickers.
    busy = sum((trip_duration(t, pace) for t in trips), timedelta())
    per_order = busy / len(to_pick)
    for k, r in enumerate(rest, start=1):
        out[r["id"]] = (now + (busy + per_order * k) / pickers, "estimated")
    return out


def cutoff_forecast(
    cat: Catalog,
    open_orders: list[dict[str, Any]],
    bins_of: dict[int, list[str]],
    now: datetime,
    pickers: int,
    walking_speed_dm_s: int,
    seconds_per_pick: int,
    totes_per_cart: int,
    packers: int = 1,
) -> list[Forecast]:
    """Open orders (earliest cut-off first; any of OPEN_STATUSES) with the bins still to visit
    → when each will be ready to ship: picked (routed in carts of totes_per_cart), then
    packed by the packers in the order the orders reach them; holds need someone to act."""
    pace = PickPace(
        walking_speed_m_per_s=walking_speed_dm_s / 10, seconds_per_pick=seconds_per_pick
    )
    picked = _pick_finishes(cat, open_orders, bins_of, now, pace, max(1, pickers), totes_per_cart)
    # The pack queue: orders at the benches now first, then each as its picking ends.
    arrivals = sorted(
        [(now, r["cutoff_at"], r["id"], "packing") for r in open_orders if r["status"] == "packing"]
        + [
            (at, r["cutoff_at"], r["id"], basis)
            for r in open_orders
            if r["id"] in picked
            for at, basis in (picked[r["id"]],)
        ]
    )
    free_at = [now] * max(1, packers)
    ready: dict[int, tuple[datetime, str]] = {}
    for arrives, _, order_id, basis in arrivals:
        packer = min(range(len(free_at)), key=lambda p: free_at[p])
        done = max(arrives, free_at[packer]) + timedelta(seconds=SECONDS_PER_PACK)
        free_at[packer] = done
        ready[order_id] = (done, basis)
    out = []
    for row in open_orders:
        cutoff = datetime.fromisoformat(row["cutoff_at"])
        pickup = carrier_pickup(cutoff, cat.timezone, cat.carrier_pickups)
        finish, basis = ready.get(row["id"], (None, "needs_action"))
        slack = (cutoff - finish) // timedelta(seconds=1) if finish is not None else None
        out.append(
            Forecast(
                row["id"],
                row["shop_order_id"],
                row["status"],
                row["cutoff_at"],
                finish.isoformat(timespec="seconds") if finish else None,
                finish is not None and finish <= cutoff,
                slack,
                pickup.isoformat(timespec="seconds") if pickup else None,
                finish is not None and pickup is not None and finish <= pickup,
                basis,
            )
        )

    # Late first, the latest first; an order needing action ranks by the time left to act.
    def urgency(f: Forecast) -> tuple[bool, float, int]:
        left = f.slack_s
        if left is None:
            left = (datetime.fromisoformat(f.cutoff_at) - now) // timedelta(seconds=1)
        return (f.makes_cutoff, left, f.order_id)

    return sorted(out, key=urgency)


def pickup_summary(
    due: list[dict[str, Any]], forecast: list[dict[str, Any]], now: datetime, cat: Catalog
) -> list[dict[str, Any]]:
    """Today's carrier pick-ups (site time): per pick-up the orders due for it that are not
    gone, those forecast to miss it (before it) and those that missed it (after it).
    `due` holds (id, status, cutoff_at) of every order not gone, `forecast` the forecast."""
    zone = ZoneInfo(cat.timezone)
    today = now.astimezone(zone).date()
    late = {f["order_id"] for f in forecast if not f["makes_pickup"]}
    by_pickup: dict[datetime | None, list[dict[str, Any]]] = {}
    for r in due:
        cutoff = datetime.fromisoformat(r["cutoff_at"])
        by_pickup.setdefault(carrier_pickup(cutoff, cat.timezone, cat.carrier_pickups), []).append(
            r
        )
    out = []
    for at in sorted(cat.carrier_pickups):
        pickup = datetime.combine(today, at, tzinfo=zone)
        mine = by_pickup.get(pickup, [])
        passed = now >= pickup
        out.append(
            {
                "at": pickup.isoformat(timespec="seconds"),
                "local": at.strftime("%H:%M"),
                "passed": passed,
                "waiting": len(mine),
                "will_miss": 0 if passed else sum(1 for r in mine if r["id"] in late),
                "missed": len(mine) if passed else 0,
                "needs_action": sum(1 for r in mine if r["status"] in NEEDS_ACTION),
            }
        )
    return out


def missed_cutoff(due: list[dict[str, Any]], now: datetime) -> int:
    """Orders whose cut-off has passed and that are still not ready to ship."""
    return sum(
        1
        for r in due
        if r["status"] in OPEN_STATUSES and datetime.fromisoformat(r["cutoff_at"]) <= now
    )
