"""Returns: an RMA the shop announces for a shipped order (idempotent by its rma_id)."""

from __future__ import annotations

from dataclasses import dataclass

from edge.messages.common import Origin

# How the returns desk grades each unit it inspects (buttons, or the printed GRADE-… codes).
GRADES: tuple[str, ...] = ("resellable", "damaged", "wrong_item", "missing")


@dataclass(frozen=True)
class ReturnLineIn:
    sku: str
    qty: int
    reason: str = ""  # the customer's reason, as the shop has it


@dataclass(frozen=True)
class IntakeReturn:
    """The shop announces a return of units of a shipped order; `order` is the shop's order
    id or the gateway's order id. The same rma_id with the same content changes nothing."""

    origin: Origin
    rma_id: str
    order: str
    lines: tuple[ReturnLineIn, ...]
    note: str = ""
