"""Reads about the floor: devices, people on scanners, their screens and maps, dead letters."""

from __future__ import annotations

from typing import Any

from edge.catalog import Catalog
from edge.core.views import view_for
from edge.ports import Reader


def devices(tx: Reader, cat: Catalog) -> list[dict[str, Any]]:
    """Every device with its presence (retained status, Last Will, last message)."""
    rows = tx.all(
        "SELECT id, kind, station, online, status_since, last_seen FROM devices ORDER BY kind, id"
    )
    for d in rows:
        d["online"] = bool(d["online"])
        d["transport"] = cat.transport_of(d["id"])
    return rows


def dead_letters(tx: Reader, limit: int) -> list[dict[str, Any]]:
    rows = tx.all(
        "SELECT id, at, device, msg_id, topic, reason, payload FROM dead_letters"
        " ORDER BY id DESC LIMIT ?",
        (limit,),
    )
    for r in rows:
        r["payload"] = bytes(r["payload"]).decode("utf-8", "replace")[:2000]
    return rows


def people(tx: Reader, cat: Catalog) -> list[dict[str, Any]]:
    """Who is logged in where, and what each is on (step, bin, stop x of y, order)."""
    rows = tx.all(
        "SELECT s.device, s.badge, s.role, s.stage, s.trip_id, s.order_id, s.since,"
        " t.bin, t.sku, t.order_id AS task_order FROM sessions s"
        " LEFT JOIN tasks t ON t.id = s.task_id ORDER BY s.role, s.device"
    )
    for p in rows:
        p["name"] = cat.staff_name(p["badge"])
        if p["trip_id"] is not None:
            counts = tx.one(
                "SELECT sum(status IN ('done', 'short')) AS done,"
                " sum(status != 'cancelled') AS total FROM tasks WHERE trip_id = ?",
                (p["trip_id"],),
            )
            assert counts is not None
            p["stops_done"], p["stops_total"] = counts["done"] or 0, counts["total"] or 0
        if p["task_order"] is not None:
            p["order_id"] = p["task_order"]
        del p["task_order"]
    return rows


def scanner_view(tx: Reader, cat: Catalog, device: str) -> dict[str, Any]:
    """What a scanner shows now: the same view an MQTT scanner is sent."""
    return view_for(tx, cat, device)


def badge_on(tx: Reader, device: str) -> str | None:
    """The badge logged in on a scanner, if any."""
    value = tx.value("SELECT badge FROM sessions WHERE device = ?", (device,))
    return str(value) if value is not None else None


def first_outcome(tx: Reader, device: str, msg_id: str) -> str:
    """What became of a device message the first time it arrived."""
    outcome = tx.value(
        "SELECT outcome FROM inbound_seen WHERE device = ? AND msg_id = ?", (device, msg_id)
    )
    return str(outcome or "applied")


def trip_map(tx: Reader, device: str) -> tuple[str | None, list[str], list[str]]:
    """The current pick list of a scanner as (where the picker is, bins ahead in walking
    order with the current one first, bins done)."""
    sess = tx.one("SELECT trip_id, task_id FROM sessions WHERE device = ?", (device,))
    if sess is None or sess["trip_id"] is None:
        return None, [], []
    tasks = tx.all(
        "SELECT id, bin, status FROM tasks WHERE trip_id = ? AND status != 'cancelled'"
        " ORDER BY seq",
        (sess["trip_id"],),
    )
    last = (
        tx.value(
            "SELECT p.bin FROM picks p JOIN tasks t ON t.id = p.task_id"
            " WHERE t.trip_id = ? ORDER BY p.id DESC LIMIT 1",
            (sess["trip_id"],),
        )
        if tasks
        else None
    )
    current = sess["task_id"]
    ahead = [t["bin"] for t in tasks if t["id"] == current]
    ahead += [t["bin"] for t in tasks if t["status"] == "open" and t["id"] != current]
    done = [t["bin"] for t in tasks if t["status"] in ("done", "short")]
    return last, list(dict.fromkeys(ahead)), done


def parcels_on_scales(tx: Reader) -> list[dict[str, Any]]:
    """Parcels waiting for their station's scale, with the device of the packer."""
    return tx.all(
        "SELECT p.id, p.expected_g, p.tolerance_g, p.station, s.device FROM sessions s"
        " JOIN parcels p ON p.order_id = s.order_id AND p.result = 'waiting'"
        " WHERE s.stage = 'weight' ORDER BY p.n"
    )
