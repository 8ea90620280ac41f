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
    expiry: str = ""  # ISO date from AI (17), when the code carries one


@dataclass(frozen=True)
class ItemExtras:
    """The second half of a GS1 code split over two barcodes: lot and expiry, no GTIN."""

    lot: str = ""
    expiry: str = ""


# Plain GTIN-12/13/14 (UPC-A, EAN-13, ITF-14): what most item scans are. Too short to hold
# a GS1 element string with a GTIN (AI 01 needs 16 characters), so the answer is the same as
# biip's, without its ~160 µs of trying every symbology on the writer's thread.
_PLAIN_GTIN_LENGTHS = frozenset({12, 13, 14})


def mod10_check_digit(digits: str) -> int:
    """The GS1 mod-10 check digit of a key's data digits: weights 3, 1, 3, … from the right."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def parse_item_code(text: str) -> ItemCode | None:
    """The item a scan names, or None when the text is no valid product code."""
    value = text.strip()
    if len(value) in _PLAIN_GTIN_LENGTHS and value.isascii() and value.isdigit():
        if mod10_check_digit(value[:-1]) != int(value[-1]):
            return None
        return ItemCode(gtin14=value.zfill(14))
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


def parse_item_extras(text: str) -> ItemExtras | None:
    """A GS1 element string with a lot (10) and/or expiry (17) but no GTIN, or None."""
    value = text.strip()
    try:
        message = (
            GS1Message.parse_hri(value) if value.startswith("(") else biip.parse(value).gs1_message
        )
    except Exception:  # biip's ParseError family: not GS1 at all
        return None
    if message is None:
        return None
    ais = {e.ai.ai for e in message.element_strings}
    if not ais or "01" in ais or "02" in ais or not ais <= {"10", "17", "15", "11", "21"}:
        return None
    found = _values(message)
    return ItemExtras(lot=found["10"], expiry=found["17"])


def _values(message: GS1Message) -> dict[str, str]:
    out: dict[str, str] = {"10": "", "17": ""}
    for e in message.element_strings:
        out[e.ai.ai] = e.date.isoformat() if e.ai.ai == "17" and e.date else e.value
    return out


def _from_message(message: GS1Message) -> ItemCode | None:
    values = _values(message)
    gtin = values.get("01") or values.get("02")
    if not gtin:
        return None
    count = values.get("30") or values.get("37")
    return ItemCode(
        gtin14=gtin,
        lot=values["10"],
        count=int(count) if count else None,
        expiry=values["17"],
    )
