"""The shift in numbers: lines and orders per hour, paid to shipped, walking, scan errors."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from edge.catalog import Catalog
from edge.ports import Reader

HOUR = timedelta(hours=1)


def _hour_buckets(now: datetime, hours: int, tz: str) -> list[datetime]:
    """The starts of the last `hours` hours of the site's clock, the current one last."""
    local = now.astimezone(ZoneInfo(tz))
    top = local.replace(minute=0, second=0, microsecond=0).astimezone(now.tzinfo)
    return [top - HOUR * (hours - 1 - k) for k in range(hours)]


def _percentile(values: list[float], p: float) -> int | None:
    """Nearest-rank percentile (p in 0..100) of the values, whole seconds; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)])


def _per_hour(count: int, hours: float) -> float | None:
    return round(count / hours, 1) if hours > 0 else None


class _Hours:
    """Which hour each moment falls in, and how long each hour has run so far."""

    def __init__(self, starts: list[datetime], now: datetime) -> None:
        self.starts = starts
        self.length = [min(HOUR, now - s) / HOUR for s in starts]

    def index(self, at: str) -> int:
        when = datetime.fromisoformat(at)
        return max(k for k, s in enumerate(self.starts) if s <= when)

    def worked(self, indexes: Iterable[int]) -> float:
        """Hours worked: the hours with any such work (the current one as far as it ran)."""
        return sum(self.length[k] for k in set(indexes))


def shift_numbers(tx: Reader, cat: Catalog, now: datetime, hours: int) -> dict[str, Any]:
    """The floor's work over the last `hours` hours of the site's clock (the current hour
    included as far as it ran). Rates are per hour worked: the hours with such work, so a
    shift that began two hours ago is not divided by eight."""
    starts = _hour_buckets(now, hours, cat.timezone)
    grid = _Hours(starts, now)
    since = starts[0].isoformat(timespec="milliseconds")
    # Stored moments are UTC ISO text of one width: comparing them as text is by time.
    picks = tx.all(
        "SELECT picker, order_id, line_no, at FROM picks WHERE at >= ? ORDER BY at", (since,)
    )
    packed = tx.all(
        "SELECT e.order_id, e.actor, e.at,"
        " (SELECT count(*) FROM order_lines l WHERE l.order_id = e.order_id) AS lines"
        " FROM order_events e WHERE e.to_status = 'ready_to_ship' AND e.from_status = 'packing'"
        " AND e.at >= ?",
        (since,),
    )
    shipped = tx.all(
        "SELECT o.paid_at, e.at FROM order_events e JOIN orders o ON o.id = e.order_id"
        " WHERE e.to_status = 'shipped' AND e.at >= ?",
        (since,),
    )
    trips = tx.all(
        "SELECT t.length_dm, (SELECT count(*) FROM (SELECT DISTINCT order_id, line_no FROM tasks"
        "  WHERE trip_id = t.id AND picked > 0)) AS lines"
        " FROM trips t WHERE t.finished_at >= ?",
        (since,),
    )
    scanners = {d.id for d in cat.description.devices if d.kind == "scanner"}
    scans = [
        r
        for r in tx.all("SELECT device, outcome, at FROM inbound_seen WHERE at >= ?", (since,))
        if r["device"] in scanners
    ]

    per_hour: dict[str, list[int]] = {
        key: [0] * len(starts) for key in ("lines", "orders", "scans", "refused")
    }
    line_hour: dict[tuple[int, int], int] = {}
    by_picker: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"lines": set(), "orders": set(), "hours": set()}
    )
    for p in picks:
        k = grid.index(p["at"])
        line_hour.setdefault((p["order_id"], p["line_no"]), k)  # a line counts where it began
        mine = by_picker[p["picker"]]
        mine["lines"].add((p["order_id"], p["line_no"]))
        mine["orders"].add(p["order_id"])
        mine["hours"].add(k)
    for k in line_hour.values():
        per_hour["lines"][k] += 1
    by_packer: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"lines": 0, "orders": 0, "hours": set()}
    )
    for e in packed:
        k = grid.index(e["at"])
        per_hour["orders"][k] += 1
        mine = by_packer[e["actor"]]
        mine["lines"] += e["lines"]
        mine["orders"] += 1
        mine["hours"].add(k)
    for s in scans:
        k = grid.index(s["at"])
        per_hour["scans"][k] += 1
        per_hour["refused"][k] += s["outcome"].startswith("refused")

    def person(badge: str, lines: int, orders: int, worked: set[int]) -> dict[str, Any]:
        h = grid.worked(worked)
        return {
            "badge": badge,
            "name": cat.staff_name(badge),
            "lines": lines,
            "orders": orders,
            "hours_worked": round(h, 2),
            "lines_per_hour": _per_hour(lines, h),
            "orders_per_hour": _per_hour(orders, h),
        }

    waits = [
        (datetime.fromisoformat(r["at"]) - datetime.fromisoformat(r["paid_at"])).total_seconds()
        for r in shipped
    ]
    walked_dm = sum(t["length_dm"] for t in trips)
    walked_lines = sum(t["lines"] for t in trips)
    refused = sum(per_hour["refused"])
    lines_hours = grid.worked(line_hour.values())
    orders_hours = grid.worked(grid.index(e["at"]) for e in packed)
    return {
        "from": starts[0].isoformat(timespec="seconds"),
        "to": now.isoformat(timespec="seconds"),
        "hours": hours,
        "floor": {
            "lines": len(line_hour),
            "orders": len(packed),
            "lines_per_hour": _per_hour(len(line_hour), lines_hours),
            "orders_per_hour": _per_hour(len(packed), orders_hours),
            "shipped": len(waits),
            "paid_to_shipped_s": {"p50": _percentile(waits, 50), "p90": _percentile(waits, 90)},
            "walking_m_per_line": round(walked_dm / 10 / walked_lines, 1) if walked_lines else None,
            "scans": len(scans),
            "refused_scans": refused,
            "scan_error_rate": round(refused / len(scans), 4) if scans else None,
        },
        "pickers": sorted(
            (
                person(b, len(v["lines"]), len(v["orders"]), v["hours"])
                for b, v in by_picker.items()
            ),
            key=lambda p: (-p["lines"], p["badge"]),
        ),
        "packers": sorted(
            (person(b, v["lines"], v["orders"], v["hours"]) for b, v in by_packer.items()),
            key=lambda p: (-p["orders"], p["badge"]),
        ),
        "hourly": [
            {"from": start.isoformat(timespec="seconds"), **{k: v[i] for k, v in per_hour.items()}}
            for i, start in enumerate(starts)
        ],
    }
