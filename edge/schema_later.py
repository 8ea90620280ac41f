"""The migrations after the first six, in the order they run: one (name, script) pair each."""

from __future__ import annotations

from edge.schema_device_time import DEVICE_TIME
from edge.schema_exceptions import EXCEPTIONS
from edge.schema_labels import LABELS
from edge.schema_pack_checks import PACK_CHECKS
from edge.schema_plan_queue import PLAN_QUEUE
from edge.schema_returns import RETURNS
from edge.schema_shift import SHIFT_INDEXES
from edge.schema_stock import STOCK_FLOWS
from edge.schema_supervision import SUPERVISION

# Each script lives in its own edge.schema_* module, which says why. A new one goes at the end;
# the order is the order a store made before meets them, so it never changes.
LATER_MIGRATIONS: tuple[tuple[str, str], ...] = (
    ("0007_stock_flows", STOCK_FLOWS),  # receiving, put-away, replenishment, counts
    ("0008_device_time", DEVICE_TIME),  # a pick's device time beside its applied time
    ("0008b_supervision", SUPERVISION),  # supervisor actions
    ("0009_shift_indexes", SHIFT_INDEXES),  # the shift in numbers
    ("0010_labels", LABELS),  # shipping labels: SSCC, tracking counters, prints
    ("0011_pack_checks", PACK_CHECKS),  # items scanned into the box
    ("0012_returns", RETURNS),  # returns desk
    ("0013_exceptions", EXCEPTIONS),  # acknowledged exceptions, light re-sends
    ("0014_plan_queue", PLAN_QUEUE),  # waiting orders in the planner's order
)
