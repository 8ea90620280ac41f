"""What a shipping label says: one value object the ZPL and the preview both draw."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# 4x6 in at 203 dpi (8 dots/mm): the Zebra desktop and industrial printers' common label.
DPI = 203
WIDTH_DOTS = 812
HEIGHT_DOTS = 1218
# Address lines printed at most, and characters per line at the ship-to font size.
SHIP_TO_LINES = 5
LINE_CHARS = 36


@dataclass(frozen=True)
class ShippingLabel:
    carrier: str
    tracking: str | None  # None: a manual carrier, the number is typed at hand-over
    sscc: str
    ship_from: str
    ship_to: tuple[str, ...]
    order: str  # the order code and the shop's order number
    parcel_n: int
    parcel_of: int
    weight_g: int
    packer: str


def weight_text(grams: int) -> str:
    """1234 → '1.234 kg' (integers only: weights are never floats)."""
    return f"{grams // 1000}.{grams % 1000:03d} kg"


def ship_to_lines(customer: dict[str, Any]) -> tuple[str, ...]:
    """The address block from the shop's customer object: the common field names, in order;
    `address` may be a string or a list of lines."""
    lines: list[str] = []
    for key in ("name", "company"):
        if isinstance(customer.get(key), str):
            lines.append(customer[key])
    address = customer.get("address")
    if isinstance(address, str):
        lines += address.splitlines()
    elif isinstance(address, list):
        lines += [str(x) for x in address if isinstance(x, str | int)]
    elif isinstance(address, dict):
        customer = {**customer, **address}
    for key in ("street", "street2"):
        if isinstance(customer.get(key), str):
            lines.append(customer[key])
    postcode = str(customer.get("postcode") or customer.get("zip") or "")
    city = str(customer.get("city") or "")
    if postcode or city:
        lines.append(f"{postcode} {city}".strip())
    if isinstance(customer.get("country"), str):
        lines.append(customer["country"])
    cleaned = [" ".join(line.split())[:LINE_CHARS] for line in lines if line.strip()]
    return tuple(cleaned[:SHIP_TO_LINES]) or ("(no address given)",)
