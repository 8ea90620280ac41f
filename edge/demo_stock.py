"""The demo's stock coming in and kept right: a supplier, the physical truth, a supervisor."""

from __future__ import annotations

import logging
import random
import threading
from datetime import UTC, date, datetime, timedelta

from edge.messages import DecideCount, DeliveryLineIn, IntakeDelivery, Origin
from edge.model import DomainError
from edge.runtime import Runtime
from edge.service import Service

log = logging.getLogger(__name__)

SUPERVISOR = "S-3001"
SUPPLIERS = ("Nordic Goods BV", "Delta Supplies", "Kanto Trading", "Rhine Wholesale")
# A SKU with fewer free units than this in all its bins (faces and reserve) is reordered.
LOW_UNITS = 30
# How long a count waits for the simulated supervisor: long enough to see it on the page.
APPROVE_AFTER = timedelta(seconds=90)
# Share of bins whose physical stock differs from the store (breakage, theft, a misplaced
# case): a count there finds it, the recount agrees, the supervisor approves the difference.
LOSS_SHARE = 0.1

# Deliveries for the people trying the demo on a handheld (the simulated receivers leave
# every DN-TRY- delivery alone). Fixed content: announcing them again on a restart is a no-op.
PEOPLE_DELIVERIES: tuple[tuple[str, tuple[DeliveryLineIn, ...]], ...] = (
    (
        "DN-TRY-1",
        (
            DeliveryLineIn("SKU-0001", 12, "LTRY1", date(2027, 6, 30)),
            DeliveryLineIn("SKU-0007", 6),
        ),
    ),
    ("DN-TRY-2", (DeliveryLineIn("SKU-0003", 24), DeliveryLineIn("SKU-0012", 4, "LTRY2"))),
    ("DN-TRY-3", (DeliveryLineIn("SKU-0150", 3), DeliveryLineIn("SKU-0151", 2))),
)


class PhysicalStock:
    """What a person counting a bin finds: the store's units, less a loss some bins have
    suffered unnoticed. A count approved by the supervisor makes the store right again."""

    # The default seed puts a loss among the first few bins counted: the demo's first
    # minutes show a recount and an approval, not only matching counts.
    def __init__(self, service: Service, seed: int = 12, loss_share: float = LOSS_SHARE) -> None:
        self.service = service
        self.rng = random.Random(seed)
        self.loss_share = loss_share
        self._lock = threading.Lock()
        self._loss: dict[tuple[str, str], int] = {}

    def units(self, bin_label: str, sku: str) -> int | None:
        rows = self.service.queries.stock(sku, bin_label, 1)
        if not rows:
            return None
        with self._lock:
            if (bin_label, sku) not in self._loss:
                lost = self.rng.random() < self.loss_share
                self._loss[(bin_label, sku)] = self.rng.randint(3, 6) if lost else 0
            loss = self._loss[(bin_label, sku)]
        return max(0, int(rows[0]["on_hand"]) - loss)

    def settled(self, bin_label: str, sku: str) -> None:
        """The store now holds what the bin holds."""
        with self._lock:
            self._loss[(bin_label, sku)] = 0


class StockActors:
    """The supplier (announces deliveries of what runs low, every 60-90 s) and the
    supervisor (approves recounted differences after a while, with a reason)."""

    def __init__(self, service: Service, seed: int = 13, first_delivery_s: float = 10.0) -> None:
        self.service = service
        self.runtime: Runtime = service.runtime
        self.rng = random.Random(seed)
        self.physical = PhysicalStock(service)
        self.first_delivery_s = first_delivery_s
        self._deliveries = 0

    def announce_for_people(self) -> list[str]:
        """Announce the DN-TRY- deliveries; the ids still open (for the banner)."""
        now = datetime.now(UTC)
        open_ids = []
        for delivery_id, lines in PEOPLE_DELIVERIES:
            origin = Origin("demo-erp", now, "demo")
            try:
                self.runtime.handle(IntakeDelivery(origin, delivery_id, "Demo supplier", lines))
            except DomainError as err:  # a warehouse without these SKUs: nothing to try
                log.info("demo delivery %s not announced: %s", delivery_id, err)
                continue
            with self.service.queries.snapshot() as (tx, _):
                status = tx.value(
                    "SELECT status FROM receipts WHERE delivery_id = ?", (delivery_id,)
                )
            if status != "closed":
                open_ids.append(delivery_id)
        return open_ids

    def low_skus(self, limit: int = 4) -> list[tuple[str, int]]:
        """SKUs running low (free units everywhere, fewest first) that no open delivery or
        put-away is already bringing; orders waiting for a SKU put it first."""
        with self.service.queries.snapshot() as (tx, cat):
            free = {
                r["sku"]: r["free"]
                for r in tx.all(
                    "SELECT sku, sum(on_hand - reserved) AS free FROM stock GROUP BY sku"
                )
            }
            coming = {
                r["sku"]
                for r in tx.all(
                    "SELECT l.sku FROM receipt_lines l JOIN receipts r ON r.id = l.receipt_id"
                    # The deliveries kept for people may never be received: not on their way.
                    " WHERE r.status != 'closed' AND r.delivery_id NOT LIKE 'DN-TRY-%'"
                    " UNION SELECT sku FROM putaway_tasks WHERE status = 'open'"
                )
            }
            waiting = {
                r["sku"]
                for r in tx.all(
                    "SELECT DISTINCT l.sku FROM order_lines l JOIN orders o ON o.id = l.order_id"
                    " WHERE o.status = 'awaiting_stock'"
                )
            }
            skus = list(cat.skus)
        low = [
            (s, free.get(s, 0))
            for s in skus
            if s not in coming and (s in waiting or free.get(s, 0) < LOW_UNITS)
        ]
        low.sort(key=lambda item: (item[0] not in waiting, item[1], item[0]))
        return low[:limit]

    def supplier(self) -> float:
        """One delivery of the SKUs running low; the pause until the next."""
        if self._deliveries == 0 and self.first_delivery_s > 0:
            self._deliveries = -1  # the first one a little after the start, not at once
            return self.first_delivery_s
        low = self.low_skus(self.rng.randint(2, 4))
        if low:
            self.runtime.handle(self._delivery(low))
        return self.rng.uniform(60.0, 90.0)

    def _delivery(self, low: list[tuple[str, int]]) -> IntakeDelivery:
        self._deliveries = max(1, self._deliveries + 1)
        now = datetime.now(UTC)
        lines = []
        for sku, _free in low:
            cases = self.rng.randint(2, 5)
            if self.rng.random() < 0.4:  # lot-tracked goods come with lot and best-before
                lot = f"L{now:%y%m}{self.rng.randrange(100):02d}"
                expiry = (now + timedelta(days=self.rng.randint(180, 720))).date()
                lines.append(DeliveryLineIn(sku, 12 * cases, lot, expiry))
            else:
                lines.append(DeliveryLineIn(sku, 12 * cases))
        # Unique across restarts of the demo (its database persists in the data dir).
        delivery_id = f"DN-{now:%y%m%d-%H%M%S}-{self._deliveries:03d}"
        return IntakeDelivery(
            Origin("demo-erp", now, "demo"),
            delivery_id,
            self.rng.choice(SUPPLIERS),
            tuple(lines),
            expected_at=now + timedelta(minutes=5),
        )

    def supervisor(self, now: datetime | None = None) -> float:
        """Approve recounted differences that have waited APPROVE_AFTER."""
        now = now or datetime.now(UTC)
        with self.service.queries.snapshot() as (tx, _):
            waiting = tx.all(
                "SELECT id, bin, sku, second_at FROM counts WHERE status = 'approval'"
                " ORDER BY id LIMIT 20"
            )
        for count in waiting:
            if count["second_at"] and now - _when(count["second_at"]) < APPROVE_AFTER:
                continue
            try:
                self.runtime.handle(
                    DecideCount(
                        Origin(SUPERVISOR, now, "demo"),
                        count["id"],
                        True,
                        "counted twice by two people; write-off of damaged or missing units",
                    )
                )
            except DomainError as err:  # decided meanwhile (the supervisor page): fine
                log.info("demo supervisor: count %s: %s", count["id"], err)
                continue
            self.physical.settled(count["bin"], count["sku"])
        return 15.0


def _when(iso: str) -> datetime:
    at = datetime.fromisoformat(iso)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def banner_lines(open_deliveries: list[str]) -> list[str]:
    """What the person trying the demo can scan on a handheld for the floor work."""
    modes = ("PICK", "RECEIVE", "PUTAWAY", "REPLENISH", "COUNT", "RETURN")
    codes = ", ".join(f"MODE-{m}" for m in modes)
    out = [f"  floor work: scan (or type) a mode code to switch: {codes}"]
    if open_deliveries:
        out.append(
            "  delivery notes for you (MODE-RECEIVE, then scan one): " + ", ".join(open_deliveries)
        )
        out.append(
            "    e.g. DN-TRY-1: SKU-0001 as GS1 with lot and expiry:"
            " (01)08710000000017(17)270630(10)LTRY1 ; SKU-0007: 8710000000079"
        )
    out.append(
        "  simulated floor workers: scanner-04 receives and puts away, scanner-05 tops up"
        " pick faces and counts; supervisor S-3001 approves recounted differences"
    )
    out.append(
        "  returns: the shop announces one every few minutes; returns-desk-1 (Mira) inspects"
        " RMA-DEMO-…, the RMA-TRY-… ones are yours (MODE-RETURN, scan the RMA or the parcel's"
        " label, then each unit and a grade: GRADE-RESELLABLE, GRADE-DAMAGED, GRADE-WRONG,"
        " GRADE-MISSING)"
    )
    return out
