"""The supervisor's overview: the whole floor in one read snapshot."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from edge.catalog import Catalog
from edge.model import cutoff_for
from edge.ports import Reader
from edge.queries import feed, floor, orders, stockflow

# The overview lists this many holds and recent changes; the rest is a search away.
HOLDS_SHOWN = 30
RECENT_SHOWN = 15


def _age_s(iso: str | None, now: datetime) -> int | None:
    return int((now - datetime.fromisoformat(iso)).total_seconds()) if iso else None


def overview(
    tx: Reader,
    cat: Catalog,
    now: datetime,
    at_risk: list[dict[str, Any]],
    viewer: str | None,
    feed_consumers: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """Everything the supervisor screen shows; at_risk is the forecast's late orders;
    feed_consumers the declared consumers whose backlog counts."""
    site = cat.description.site
    held = orders.holds(tx, HOLDS_SHOWN)
    for hold in held:
        for parcel in hold["parcels"]:
            packer = cat.staff.get(parcel["packer"] or "")
            parcel["packer_name"] = packer.name if packer else parcel["packer"]
    backlog = feed.backlog(tx, None, feed_consumers)
    cutoff = cutoff_for(now, site.timezone, site.cutoff)
    me = cat.staff.get(viewer) if viewer is not None else None
    return {
        "at": now.isoformat(timespec="seconds"),
        "site": {"id": site.id, "name": site.name, "timezone": site.timezone},
        "cutoff": {
            "at": cutoff.isoformat(timespec="seconds"),
            "local": site.cutoff.strftime("%H:%M"),
            "seconds_left": int((cutoff - now).total_seconds()),
            "carrier_pickups": [t.strftime("%H:%M") for t in cat.carrier_pickups],
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
        "at_risk": at_risk,
        "recent": orders.recent_changes(tx, RECENT_SHOWN),
        "stock_work": stockflow.stock_work_overview(tx, cat),
        # Who is looking: the page greets them and uses their language, if they set one.
        "viewer": {"badge": me.badge, "name": me.name, "lang": me.lang} if me else None,
    }
