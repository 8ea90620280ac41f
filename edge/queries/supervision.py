"""The supervisor's controls read: open pick lists, who can take one, roles, the audit trail."""

from __future__ import annotations

import json
from typing import Any

from edge.catalog import Catalog
from edge.ports import Reader

# The audit trail lists this many recent controls; older ones stay in supervisor_actions.
ACTIONS_SHOWN = 20


def pick_lists(tx: Reader, cat: Catalog) -> list[dict[str, Any]]:
    """Every active pick list: its picker, scanner, stops done of all and its orders."""
    rows = tx.all(
        "SELECT t.id AS trip_id, t.picker, t.device, t.created_at,"
        " sum(k.status IN ('done', 'short')) AS stops_done,"
        " sum(k.status != 'cancelled') AS stops_total,"
        " json_group_array(DISTINCT k.order_id) AS orders"
        " FROM trips t JOIN tasks k ON k.trip_id = t.id WHERE t.status = 'active'"
        " GROUP BY t.id ORDER BY t.id"
    )
    for r in rows:
        r["name"] = cat.staff_name(r["picker"])
        r["orders"] = sorted(json.loads(r["orders"]))
        r["logged_in"] = bool(tx.value("SELECT 1 FROM sessions WHERE trip_id = ?", (r["trip_id"],)))
    return rows


def free_pickers(tx: Reader, cat: Catalog) -> list[dict[str, Any]]:
    """Pickers logged in on a picking scanner without a pick list: who can take one over."""
    rows = tx.all(
        "SELECT s.badge, s.device, s.stage FROM sessions s WHERE s.role = 'picker'"
        " AND s.mode = 'pick' AND s.trip_id IS NULL AND NOT EXISTS"
        " (SELECT 1 FROM trips t WHERE t.picker = s.badge AND t.status = 'active')"
        " ORDER BY s.badge"
    )
    for r in rows:
        r["name"] = cat.staff_name(r["badge"])
    return rows


def floor_staff(tx: Reader, cat: Catalog) -> list[dict[str, Any]]:
    """Pickers and packers with what they do this shift (moved or as described)."""
    moved = {r["badge"]: r for r in tx.all("SELECT * FROM shift_roles")}
    logged = {r["badge"]: r["device"] for r in tx.all("SELECT badge, device FROM sessions")}
    out = []
    for person in sorted(cat.staff.values(), key=lambda p: (p.name, p.badge)):
        if person.role not in ("picker", "packer"):
            continue
        shift = moved.get(person.badge)
        out.append(
            {
                "badge": person.badge,
                "name": person.name,
                "role": shift["role"] if shift else person.role,
                "described_role": person.role,
                "moved_by": shift["actor"] if shift else None,
                "device": logged.get(person.badge),
            }
        )
    return out


def recent_actions(tx: Reader, cat: Catalog, limit: int = ACTIONS_SHOWN) -> list[dict[str, Any]]:
    """The latest controls, newest first: who, when, where, why and what they touched."""
    rows = tx.all(
        "SELECT id, action, target, detail, reason, actor, device, at FROM supervisor_actions"
        " ORDER BY id DESC LIMIT ?",
        (limit,),
    )
    for r in rows:
        r["detail"] = json.loads(r["detail"])
        r["actor_name"] = cat.staff_name(r["actor"])
    return rows


def controls(tx: Reader, cat: Catalog) -> dict[str, Any]:
    """Everything the supervisor's controls offer, in one snapshot."""
    return {
        "pick_lists": pick_lists(tx, cat),
        "free_pickers": free_pickers(tx, cat),
        "staff": floor_staff(tx, cat),
        "actions": recent_actions(tx, cat),
    }
