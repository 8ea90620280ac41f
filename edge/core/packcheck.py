"""Packing that proves the contents: which items a parcel needs scanned, the scans, the holds."""

from __future__ import annotations

import json
from typing import Any

from edge.barcodes import parse_item_code
from edge.core.context import Ctx
from edge.core.packviews import current_parcel, scanned, stage_for, still_to_scan
from edge.messages import Origin
from edge.model import ORDER_CODE, DomainError

# What the packer of a held parcel does next (parcels.hold_next; screens say it in words).
RE_WEIGH = "re_weigh"
SCAN_CONTENTS = "scan_contents"
SUPERVISOR = "supervisor"
# A parcel held this often was checked by the packer already: someone else should look.
HOLDS_FOR_SUPERVISOR = 2


def items_to_scan(
    contents: dict[str, int], unit_weights: dict[str, int], tolerance_g: int, verify_all: bool
) -> dict[str, int]:
    """The units a parcel needs scanned before it is weighed: every unit of each item the
    scale cannot see missing (its unit weight is within the parcel's tolerance), and every
    unit of every item when the order asks for it (verify_contents)."""
    return {
        sku: qty
        for sku, qty in sorted(contents.items())
        if verify_all or unit_weights[sku] <= tolerance_g
    }


def hold_next_step(diff_g: int, lightest_g: int, holds: int) -> str:
    """A held parcel's next step: a difference as large as a whole item may be an item
    missing, extra or swapped (open the box and scan what is in it); a smaller one is the box
    on the scale (re-weigh); the second hold of one parcel is for a supervisor."""
    if holds >= HOLDS_FOR_SUPERVISOR:
        return SUPERVISOR
    return SCAN_CONTENTS if abs(diff_g) >= lightest_g else RE_WEIGH


def _named(ctx: Ctx, counts: dict[str, int]) -> str:
    return ", ".join(f"{ctx.cat.skus[sku].name} ({sku}) × {qty}" for sku, qty in counts.items())


def contents_first(ctx: Ctx, order_id: int, grams: int) -> DomainError:
    """A weight came before the scans the parcel needs: what to scan first."""
    parcel = current_parcel(ctx.tx, order_id)
    assert parcel is not None  # the stage is 'contents' only while a parcel needs scans
    missing = _named(ctx, still_to_scan(ctx.tx, parcel))
    return DomainError(
        f"scan the items into parcel {parcel['n']} before weighing it: still to scan {missing}",
        "contents_first",
        {"expected": missing, "scanned": f"{grams} g"},
    )


def _is_order_code(ctx: Ctx, code: str) -> bool:
    return bool(
        ORDER_CODE.match(code)
        or ctx.tx.value("SELECT 1 FROM orders WHERE shop_order_id = ?", (code,))
    )


def _identify(ctx: Ctx, order_id: int, code: str) -> tuple[str, str | None, str] | None:
    """(sku, gtin, via) for an item code; None for a code that names no product."""
    # A damaged barcode: the SKU, typed (any case), stands for the item, as when picking.
    lines = ctx.tx.all("SELECT sku FROM order_lines WHERE order_id = ?", (order_id,))
    candidates = [*(r["sku"] for r in lines), *ctx.cat.skus]
    typed = next((s for s in candidates if s.casefold() == code.casefold()), None)
    if typed is not None:
        return typed, None, "typed"
    item = parse_item_code(code)
    if item is None:
        return None
    sku = ctx.cat.sku_by_gtin.get(item.gtin14)
    if sku is None:
        raise DomainError(
            f"wrong item: unknown product {item.gtin14}",
            "wrong_item",
            {"scanned": item.gtin14},
        )
    return sku, item.gtin14, "scan"


def on_item_scan(ctx: Ctx, sess: dict[str, Any], code: str, who: Origin) -> bool:
    """A packer scans an item into the parcel being packed; False: the code is no item."""
    order_id = sess["order_id"]
    if _is_order_code(ctx, code):
        return False  # the packer moves on to that order (or the same one again)
    found = _identify(ctx, order_id, code)
    if found is None:
        if sess["stage"] == "contents":
            raise DomainError(
                f"not a product barcode: {code!r}; scan the items of the parcel",
                "wrong_item",
                {"scanned": code},
            )
        return False
    sku, gtin, via = found
    parcel = current_parcel(ctx.tx, order_id)
    if parcel is None:
        raise DomainError(f"order {order_id} has no parcel waiting to be packed")
    contents: dict[str, int] = json.loads(parcel["contents"])
    name = f"{ctx.cat.skus[sku].name} ({sku})"
    done = scanned(ctx.tx, parcel)
    if sku not in contents:
        home = ctx.tx.value(
            "SELECT n FROM parcels WHERE order_id = ? AND json_extract(contents, '$.' || ?)"
            " IS NOT NULL ORDER BY n LIMIT 1",
            (order_id, json.dumps(sku)),
        )
        where = f"; it belongs in parcel {home}" if home else ""
        raise DomainError(
            f"wrong item: {name} is not in parcel {parcel['n']}{where}",
            "wrong_item",
            {"expected": _named(ctx, still_to_scan(ctx.tx, parcel) or contents), "scanned": name},
        )
    if done.get(sku, 0) >= contents[sku]:
        raise DomainError(
            f"too many: parcel {parcel['n']} holds {contents[sku]} × {name}, all scanned",
            "extra_item",
            {"expected": f"{name} × {contents[sku]}", "scanned": f"{name} × {done[sku] + 1}"},
        )
    ctx.tx.run(
        "INSERT INTO pack_scans(parcel_id, order_id, round, sku, gtin, via, packer, device,"
        " msg_id, at, device_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            parcel["id"],
            order_id,
            parcel["check_round"],
            sku,
            gtin,
            via,
            who.actor,
            who.device,
            who.msg_id,
            ctx.at,
            who.at.isoformat(),
        ),
    )
    ctx.tx.run(
        "UPDATE sessions SET stage = ? WHERE device = ?",
        (stage_for(ctx.tx, order_id), sess["device"]),
    )
    return True


def record_hold(ctx: Ctx, parcel: dict[str, Any], measured_g: int) -> str:
    """Count the parcel's hold and keep what its packer does next."""
    holds = parcel["holds"] + 1
    step = hold_next_step(measured_g - parcel["expected_g"], parcel["lightest_g"], holds)
    ctx.tx.run(
        "UPDATE parcels SET holds = ?, hold_next = ? WHERE id = ?", (holds, step, parcel["id"])
    )
    return step


def reopen_held(ctx: Ctx, order_id: int) -> None:
    """The packer fixed a held order and scans it again: each held parcel waits for its
    weight again; one whose next step was to open it needs every unit scanned, afresh."""
    for parcel in ctx.tx.all(
        "SELECT id, contents, hold_next FROM parcels WHERE order_id = ? AND result = 'hold'",
        (order_id,),
    ):
        if parcel["hold_next"] in (SCAN_CONTENTS, SUPERVISOR):
            ctx.tx.run(
                "UPDATE parcels SET must_scan = contents, check_round = check_round + 1"
                " WHERE id = ?",
                (parcel["id"],),
            )
    ctx.tx.run(
        "UPDATE parcels SET result = 'waiting', measured_g = NULL"
        " WHERE order_id = ? AND result = 'hold'",
        (order_id,),
    )
