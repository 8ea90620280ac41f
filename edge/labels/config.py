"""The shipping-label part of the warehouse description: printers, carriers, the GS1 prefix."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LabelPrinter(_Strict):
    """A pack station's label printer: ZPL over raw TCP (the Zebra convention, port 9100)."""

    host: str = Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.:_-]+$")
    port: int = Field(9100, ge=1, le=65535)
    # How long a print may take to connect and send before it counts as timed out.
    timeout_ms: int = Field(3000, ge=100, le=60000)


class TrackingRange(_Strict):
    """A carrier's block of tracking numbers: prefix + serial (zero-padded to `digits`) +
    check digit + suffix. Schemes (docs/labels.md): `s10` (UPU S10: 2 letters, 8 digits,
    mod 11 check, 2-letter country; postal operators), `mod7` (serial mod 7: DHL Express
    waybills), `mod10` (GS1 weights 3-1: USPS IMpb and GS1 keys), `none`."""

    prefix: str = Field("", pattern=r"^[A-Z0-9]{0,12}$")
    first: int = Field(ge=0)
    last: int = Field(ge=0)
    digits: int = Field(8, ge=1, le=9)
    check: Literal["s10", "mod7", "mod10", "none"] = "mod10"
    suffix: str = Field("", pattern=r"^[A-Z]{0,4}$")

    @model_validator(mode="after")
    def _range(self) -> TrackingRange:
        if self.first > self.last:
            raise ValueError("first must not be above last")
        if self.last >= 10**self.digits:
            raise ValueError(f"last must have at most {self.digits} digits")
        if self.check == "s10" and (
            len(self.prefix) != 2 or not self.prefix.isalpha() or len(self.suffix) != 2
        ):
            raise ValueError(
                "s10 needs a 2-letter prefix (service) and a 2-letter suffix (country)"
            )
        if self.check == "s10" and self.digits != 8:
            raise ValueError("s10 serial numbers have 8 digits")
        return self


class Carrier(_Strict):
    """Who takes the parcels, and where their tracking numbers come from: a configured
    range (`range`), or typed in at hand-over (`manual`)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    name: str = ""
    tracking: Literal["range", "manual"] = "manual"
    range: TrackingRange | None = None

    @model_validator(mode="after")
    def _source(self) -> Carrier:
        if self.tracking == "range" and self.range is None:
            raise ValueError("tracking 'range' needs a range")
        if self.tracking == "manual" and self.range is not None:
            raise ValueError("a manual carrier has no range")
        return self


class Labels(_Strict):
    """Shipping labels: the GS1 company prefix and extension digit of every SSCC-18, and the
    carrier an order gets when it names none."""

    gs1_company_prefix: str = Field(pattern=r"^[0-9]{7,10}$")
    sscc_extension: int = Field(0, ge=0, le=9)
    default_carrier: str
