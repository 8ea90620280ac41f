"""Which open orders will miss their cut-off, from the routed, batched work still ahead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

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


def cutoff_forecast(
    cat: Catalog,
    open_orders: list[dict[str, Any]],
    bins_of: dict[int, list[str]],
    now: datetime,
    pickers: int,
    walking_speed_dm_s: int,
    seconds_per_pick: int,
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
    trips = plan_batches(cat.layout, to_pick, totes=4)
    pace = PickPace(
        walking_speed_m_per_s=walking_speed_dm_s / 10, seconds_per_pick=seconds_per_pick
    )
    by_id = {str(r["id"]): r for r in rows}
    out = []
    for est in estimate_cutoffs(trips, now, orders=to_pick, pace=pace, pickers=max(1, pickers)):
        row = by_id[est.order_id]
        slack = est.slack // timedelta(seconds=1) if est.slack is not None else None
        out.append(
            Forecast(
                row["id"],
                row["shop_order_id"],
                row["status"],
                row["cutoff_at"],
                est.finish.isoformat(timespec="seconds"),
                est.makes_cutoff,
                slack,
            )
        )
    return sorted(out, key=lambda f: (f.makes_cutoff, f.slack_s or 0))
