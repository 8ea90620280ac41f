"""SSCC-18: the GS1 serial shipping container code on every parcel, check digit included."""

from __future__ import annotations

from biip import ParseError
from biip.sscc import Sscc

from edge.barcodes import mod10_check_digit

SSCC_LENGTH = 18


class SsccError(ValueError):
    """An SSCC that cannot be made (serial beyond the prefix's room) or is not valid."""


def gs1_check_digit(digits: str) -> int:
    """The GS1 mod-10 check digit of a key's data digits: weights 3, 1, 3, … from the right."""
    if not digits.isdigit():
        raise SsccError(f"{digits!r}: digits only")
    return mod10_check_digit(digits)


def serial_room(company_prefix: str) -> int:
    """How many serial references a company prefix leaves room for (the largest + 1)."""
    return int(10 ** (SSCC_LENGTH - 2 - len(company_prefix)))


def make_sscc(extension: int, company_prefix: str, serial: int) -> str:
    """Extension digit + company prefix + serial reference (zero-padded) + check digit."""
    if not 0 <= extension <= 9:
        raise SsccError("extension digit must be 0-9")
    if not company_prefix.isdigit() or not 7 <= len(company_prefix) <= 10:
        raise SsccError("a GS1 company prefix has 7 to 10 digits")
    if not 0 <= serial < serial_room(company_prefix):
        raise SsccError(
            f"serial {serial} does not fit the {16 - len(company_prefix)} digits this prefix leaves"
        )
    width = SSCC_LENGTH - 2 - len(company_prefix)
    data = f"{extension}{company_prefix}{serial:0{width}d}"
    return data + str(gs1_check_digit(data))


def verify_sscc(value: str) -> str:
    """The SSCC if it is 18 digits with the right check digit (checked by biip, a maintained
    GS1 parser, independently of gs1_check_digit); SsccError otherwise."""
    if len(value) != SSCC_LENGTH or not value.isdigit():
        raise SsccError(f"{value!r}: an SSCC is 18 digits")
    try:
        Sscc.parse(value)
    except ParseError as exc:
        raise SsccError(str(exc)) from None
    return value


def sscc_hri(value: str) -> str:
    """The human-readable form under the barcode: (00) and the digits in groups."""
    return f"(00) {value[0]} {value[1:8]} {value[8:17]} {value[17]}"
