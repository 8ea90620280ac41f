"""Migration 0014_plan_queue: waiting orders in the order the planner takes them."""

from __future__ import annotations

# A picker's `next` takes the first few waiting orders by priority, then cut-off. The older
# index (status, cutoff_at, paid_at) could not give them in that order, so every `next`
# sorted all waiting orders: 6.6 ms of the writer's time with 9,000 waiting, growing with
# the backlog. With this one SQLite walks the queue in order and stops after a cart's worth.
PLAN_QUEUE = """
    CREATE INDEX orders_plan_queue ON orders(status, priority DESC, cutoff_at, paid_at);
"""
