"""Which open orders will miss their cut-off, from the routed, batched work still ahead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from edge.catalog import Catalog
from edge.routing import OrderToPick, PickPace, estimate_cutoffs, plan_batches

# Routing every waiting order on each refresh would cost seconds on a 2-core gateway; the
# supervisor needs the ones due first, and those are what the batcher takes first anyway.
FORECAST_ORDERS = 24


@dataclass(frozen=True)
class Forecast:
    order_id: int
    shop_order_id: str
    status: str
    cutoff_at: str
    finish: str
    makes_cutoff: bool
    slack_s: int | None
    carrier_pickup: str | None  # the pick-up the order's parcels leave with, if it makes it


def carrier_pickup(cutoff_at: datetime, tz: str, pickups: list[time]) -> datetime | None:
    """The first carrier pick-up at or after an order's cut-off on the same local day."""
    local = cutoff_at.astimezone(ZoneInfo(tz))
    for at in sorted(pickups):
        if at >= local.time():
            return datetime.combine(local.date(), at, tzinfo=local.tzinfo)
    return None


def cutoff_forecast(
    cat: Catalog,
    open_orders: list[dict[str, Any]],
    bins_of: dict[int, list[str]],
    now: datetime,
    pickers: int,
    walking_speed_dm_s: int,
    seconds_per_pick: int,
    totes_per_cart: int,
) -> list[Forecast]:
    """Open orders (earliest cut-off first) with the bins still to visit → finish estimates."""
    rows = [r for r in open_orders if bins_of.get(r["id"])][:FORECAST_ORDERS]
    to_pick = [
        OrderToPick(
            str(r["id"]),
            tuple(sorted(set(bins_of[r["id"]]))),
            datetime.fromisoformat(r["cutoff_at"]),
        )
        for r in rows
    ]
    if not to_pick:
        return []
    trips = plan_batches(cat.layout, to_pick, totes=totes_per_cart)
    pace = PickPace(
        walking_speed_m_per_s=walking_speed_dm_s / 10, seconds_per_pick=seconds_per_pick
    )
    by_id = {str(r["id"]): r for r in rows}
    out = []
    for est in estimate_cutoffs(trips, now, orders=to_pick, pace=pace, pickers=max(1, pickers)):
        row = by_id[est.order_id]
        slack = est.slack // timedelta(seconds=1) if est.slack is not None else None
        pickup = carrier_pickup(
            datetime.fromisoformat(row["cutoff_at"]), cat.timezone, cat.carrier_pickups
        )
        out.append(
            Forecast(
                row["id"],
                row["shop_order_id"],
                row["status"],
                row["cutoff_at"],
                est.finish.isoformat(timespec="seconds"),
                est.makes_cutoff,
                slack,
                pickup.isoformat(timespec="seconds") if pickup else None,
            )
        )
    return sorted(out, key=lambda f: (f.makes_cutoff, f.slack_s or 0))
