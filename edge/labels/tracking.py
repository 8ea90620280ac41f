"""Carriers' tracking numbers: a configured range with the check digit the carrier uses."""

from __future__ import annotations

from edge.labels.config import TrackingRange
from edge.labels.sscc import gs1_check_digit

# UPU S10 (postal items: EE123456785NL): weights of the 8 serial digits, mod 11.
_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def s10_check_digit(serial8: str) -> int:
    """UPU S10 check digit: 11 - (weighted sum mod 11); 10 → 0, 11 → 5."""
    total = sum(int(d) * w for d, w in zip(serial8, _S10_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: 0, 11: 5}.get(check, check)


def mod7_check_digit(digits: str) -> int:
    """The check digit of DHL Express style waybills: the number mod 7."""
    return int(digits) % 7


def check_digit(scheme: str, digits: str) -> str:
    if scheme == "s10":
        return str(s10_check_digit(digits))
    if scheme == "mod7":
        return str(mod7_check_digit(digits))
    if scheme == "mod10":
        return str(gs1_check_digit(digits))
    return ""


def tracking_number(rng: TrackingRange, serial: int) -> str:
    """The tracking number of one serial of a range (the caller keeps serials in range)."""
    if not rng.first <= serial <= rng.last:
        raise ValueError(f"serial {serial} is outside {rng.first}-{rng.last}")
    digits = f"{serial:0{rng.digits}d}"
    # mod7 and mod10 cover the numeric part the carrier scans (a letter prefix is kept out).
    numeric = rng.prefix + digits if rng.prefix.isdigit() else digits
    data = digits if rng.check == "s10" else numeric
    return f"{rng.prefix}{digits}{check_digit(rng.check, data)}{rng.suffix}"


def valid_tracking(rng: TrackingRange, number: str) -> bool:
    """Whether a number belongs to the range with the right check digit."""
    serial = number[len(rng.prefix) : len(rng.prefix) + rng.digits]
    if not number.startswith(rng.prefix) or not serial.isdigit():
        return False
    value = int(serial)
    return rng.first <= value <= rng.last and tracking_number(rng, value) == number
