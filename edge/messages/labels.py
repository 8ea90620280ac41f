"""Shipping labels: the print the core asks for, the printer's answer, a reprint request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from edge.messages.common import Origin

PrintResult = Literal["printed", "refused", "timeout", "offline"]


@dataclass(frozen=True)
class PrintLabel:
    """Send a label's ZPL to a station's printer (after the commit, off the writer thread);
    the answer comes back as LabelPrinted with the same print_id."""

    print_id: int
    parcel_id: int
    station: str
    host: str
    port: int
    timeout_ms: int
    zpl: str


@dataclass(frozen=True)
class LabelPrinted:
    """What the printer adapter saw: the whole label sent and the connection closed cleanly
    (printed), the printer closed or reset it early (refused), no answer in time (timeout),
    or no connection at all (offline); error is the reason in words."""

    origin: Origin  # actor "system", device: the printer (host:port)
    print_id: int
    result: PrintResult
    error: str = ""


@dataclass(frozen=True)
class ReprintLabel:
    """A packer or supervisor prints a parcel's label again, with a reason (audited)."""

    origin: Origin
    parcel_id: int
    reason: str
