"""The supervisor's overview: the whole floor in one read snapshot."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from edge.catalog import Catalog
from edge.model import cutoff_for
from edge.ports import Reader
from edge.queries import feed, floor, orders, stockflow, supervision

# The overview lists this many holds and recent changes; the rest is a search away.
HOLDS_SHOWN = 30
RECENT_SHOWN = 15
RISK_SHOWN = 30


def _age_s(iso: str | None, now: datetime) -> int | None:
    return int((now - datetime.fromisoformat(iso)).total_seconds()) if iso else None


def overview(
    tx: Reader,
    cat: Catalog,
    now: datetime,
    outlook: dict[str, Any],
    viewer: str | None,
    feed_consumers: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """Everything the supervisor screen shows; outlook is the forecast's late orders
    ("late"), how many orders missed their cut-off ("missed") and today's carrier pick-ups
    ("pickups"); feed_consumers the declared consumers whose backlog counts."""
    site = cat.description.site
    held = orders.holds(tx, HOLDS_SHOWN)
    for hold in held:
        for parcel in hold["parcels"]:
            packer = cat.staff.get(parcel["packer"] or "")
            parcel["packer_name"] = packer.name if packer else parcel["packer"]
    backlog = feed.backlog(tx, None, feed_consumers)
    cutoff = cutoff_for(now, site.timezone, site.cutoff)
    # Today's cut-off, once passed, stays on the clock while orders due by it are not ready:
    # the count of those replaces tomorrow's countdown.
    zone = ZoneInfo(site.timezone)
    today = datetime.combine(now.astimezone(zone).date(), site.cutoff, tzinfo=zone)
    late = outlook["late"]
    ahead = [f for f in late if datetime.fromisoformat(f["cutoff_at"]) > now]
    me = cat.staff.get(viewer) if viewer is not None else None
    return {
        "at": now.isoformat(timespec="seconds"),
        "site": {"id": site.id, "name": site.name, "timezone": site.timezone},
        "cutoff": {
            "at": cutoff.isoformat(timespec="seconds"),
            "local": site.cutoff.strftime("%H:%M"),
            "seconds_left": int((cutoff - now).total_seconds()),
            "carrier_pickups": [t.strftime("%H:%M") for t in cat.carrier_pickups],
            "today_at": today.isoformat(timespec="seconds"),
            "passed": now >= today,
            "missed": outlook["missed"],
            # Due later and forecast late; of those, the ones that will not move by themselves.
            "will_miss": sum(1 for f in ahead),
            "needs_action": sum(1 for f in ahead if f["basis"] == "needs_action"),
            "pickups": outlook["pickups"],
        },
        "counts": orders.status_counts(tx),
        "people": floor.people(tx, cat),
        "devices": floor.devices(tx, cat),
        "holds": held,
        "feed": {
            "unacked": backlog["unacked"],
            "oldest_at": backlog["oldest"],
            "oldest_age_s": _age_s(backlog["oldest"], now),
            "consumers": backlog["consumers"],
        },
        "at_risk": late[:RISK_SHOWN],
        "at_risk_total": len(late),
        "recent": orders.recent_changes(tx, RECENT_SHOWN),
        "stock_work": stockflow.stock_work_overview(tx, cat),
        # The supervisor's controls: open pick lists, free pickers, roles, the audit trail.
        "controls": supervision.controls(tx, cat),
        # Who is looking: the page greets them and uses their language, if they set one.
        "viewer": {"badge": me.badge, "name": me.name, "lang": me.lang} if me else None,
    }
