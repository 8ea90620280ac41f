"""The demo's returns: the shop announces an RMA for a shipped order every few minutes."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime

from edge.messages import IntakeReturn, Origin, ReturnLineIn
from edge.model import DomainError, Status
from edge.service import Service

log = logging.getLogger(__name__)

REASONS = ("too small", "changed my mind", "arrived damaged", "not as pictured", "ordered twice")
# RMAs the simulated returns desk (returns-desk-1) inspects, and those it leaves for the
# person trying the demo on a handheld: scan MODE-RETURN, then the RMA or the parcel's label.
DEMO_PREFIX = "RMA-DEMO-"
PEOPLE_PREFIX = "RMA-TRY-"
# How many returns wait for people at most: one or two, not a backlog.
FOR_PEOPLE = 2


class ReturnActors:
    """The shop's customer service: every 2-4 minutes an RMA for a recently shipped order
    (up to two of its units), and a return or two kept waiting for people."""

    def __init__(self, service: Service, seed: int = 17, first_after_s: float = 30.0) -> None:
        self.service = service
        self.rng = random.Random(seed)
        self.first_after_s = first_after_s
        self._started = False

    def _announce(self, prefix: str, order_id: int) -> str | None:
        """An RMA for some of the order's shipped units; its id names the order, so a second
        announcement for the same order (a restart) is the same RMA again, not a new one."""
        detail = self.service.queries.order(order_id)
        line = next((ln for ln in detail["lines"] if ln["picked"] > ln["returned"]), None)
        if line is None:
            return None
        rma = f"{prefix}{order_id}"
        reason = REASONS[order_id % len(REASONS)]
        qty = min(2, line["picked"] - line["returned"])
        msg = IntakeReturn(
            Origin("demo-shop", datetime.now(UTC), "demo"),
            rma,
            detail["shop_order_id"],
            (ReturnLineIn(line["sku"], qty, reason),),
        )
        try:
            self.service.runtime.handle(msg)
        except DomainError as err:  # announced before with other content, or not shipped now
            log.info("demo return %s not announced: %s", rma, err)
            return None
        return rma

    def _shipped_without_return(self) -> list[int]:
        shipped = self.service.queries.orders(Status.SHIPPED, 200)["orders"]
        taken = {r["order_id"] for r in self.service.queries.returns(None, None, 1000)}
        return [o["id"] for o in shipped if o["id"] not in taken]

    def step(self) -> float:
        """One announcement (for the desk, and for people while fewer than two wait); the
        pause until the next."""
        if not self._started:
            self._started = True
            return self.first_after_s
        candidates = self._shipped_without_return()
        if not candidates:
            return 20.0  # nothing shipped yet: look again soon
        waiting = self.service.queries.returns("open", PEOPLE_PREFIX, 10)
        if len(waiting) < FOR_PEOPLE:
            made = self._announce(PEOPLE_PREFIX, candidates.pop(0))
            log.info("demo return for people: %s", made)
        if candidates:
            made = self._announce(DEMO_PREFIX, self.rng.choice(candidates))
            log.info("demo return for the desk: %s", made)
        return self.rng.uniform(120.0, 240.0)

    def waiting_for_people(self) -> list[str]:
        """The returns a person trying the demo can inspect now."""
        return [r["rma_id"] for r in self.service.queries.returns("open", PEOPLE_PREFIX, 10)]
