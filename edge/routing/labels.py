"""Bin labels of the form AISLE-BAY-LEVEL-SIDE (e.g. C-17-3-B) and their parts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_LABEL_RE = re.compile(r"^([A-Z]+)-([0-9]+)-([0-9]+)-([AB])$")


class LabelError(ValueError):
    """A bin label that is malformed or lies outside the layout."""


def aisle_index(letters: str) -> int:
    """Bijective base 26: A -> 0, Z -> 25, AA -> 26, AB -> 27."""
    value = 0
    for ch in letters:
        value = value * 26 + (ord(ch) - 64)
    return value - 1


def aisle_letters(index: int) -> str:
    """Inverse of aisle_index: 0 -> A, 26 -> AA."""
    if index < 0:
        raise ValueError(f"aisle index must be >= 0, got {index}")
    letters, rest = "", index + 1
    while rest:
        rest, r = divmod(rest - 1, 26)
        letters = chr(65 + r) + letters
    return letters


@dataclass(frozen=True, order=True)
class BinLocation:
    """Where a label points: 0-based aisle index, 1-based bay, 1-based level, side A or B."""

    aisle: int
    bay: int
    level: int
    side: str

    @property
    def aisle_name(self) -> str:
        return aisle_letters(self.aisle)

    @property
    def label(self) -> str:
        """The canonical label text (bay zero-padded to two digits)."""
        return f"{self.aisle_name}-{self.bay:02d}-{self.level}-{self.side}"


@lru_cache(maxsize=1 << 16)  # a site has a fixed set of bins; routes parse each many times
def parse_label(label: str) -> BinLocation:
    """Parse a canonical label; raise LabelError with a message naming the label otherwise."""
    match = _LABEL_RE.match(label) if isinstance(label, str) else None
    if match is None:
        raise LabelError(
            f"bin label {label!r} is not of the form AISLE-BAY-LEVEL-SIDE, e.g. C-17-3-B"
        )
    letters, bay, level, side = match.groups()
    location = BinLocation(aisle_index(letters), int(bay), int(level), side)
    if location.bay < 1 or location.level < 1:
        raise LabelError(f"bin label {label!r}: bay and level start at 1")
    canonical = (len(bay) == 2 or (len(bay) > 2 and bay[0] != "0")) and level[0] != "0"
    if not canonical:
        # Two spellings of one bin (C-7-3-B and C-07-3-B) would dodge deduplication.
        raise LabelError(f"bin label {label!r} is not canonical; write {location.label!r}")
    return location


def is_bin_label(text: str) -> bool:
    """True when text is a canonical bin label (what a scanner reads off a bin)."""
    try:
        parse_label(text)
    except LabelError:
        return False
    return True
