"""Item barcodes: plain EAN/UPC and GS1-128 / DataMatrix element strings, parsed with biip."""

from __future__ import annotations

from dataclasses import dataclass

import biip
from biip.gs1_messages import GS1Message


@dataclass(frozen=True)
class ItemCode:
    """What an item scan says: the GTIN-14, and a lot and count when the code carries them."""

    gtin14: str
    lot: str = ""
    count: int | None = None


def parse_item_code(text: str) -> ItemCode | None:
    """The item a scan names, or None when the text is no valid product code."""
    value = text.strip()
    if value.startswith("("):
        # Human-readable interpretation, e.g. typed from the label: (01)…(10)…
        try:
            message = GS1Message.parse_hri(value)
        except Exception:  # biip raises its own ParseError family for anything unreadable
            return None
        return _from_message(message)
    result = biip.parse(value)
    if result.gs1_message is not None:
        found = _from_message(result.gs1_message)
        if found is not None:
            return found
    if result.gtin is not None:
        return ItemCode(gtin14=result.gtin.as_gtin_14())
    return None


def _from_message(message: GS1Message) -> ItemCode | None:
    values = {e.ai.ai: e.value for e in message.element_strings}
    gtin = values.get("01") or values.get("02")
    if gtin is None:
        return None
    count = values.get("30") or values.get("37")
    return ItemCode(gtin14=gtin, lot=values.get("10", ""), count=int(count) if count else None)
