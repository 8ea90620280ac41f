"""Indexes the shift's numbers read through: the last hours of picks, changes, trips and scans."""

from __future__ import annotations

# Each read of edge.queries.shift starts at a moment a few hours back; without these it would
# scan every pick, status change, trip and device message ever kept.
SHIFT_INDEXES = """
    CREATE INDEX picks_by_time ON picks(at);
    CREATE INDEX order_events_by_status_time ON order_events(to_status, at);
    CREATE INDEX trips_by_finish ON trips(finished_at);
    CREATE INDEX inbound_seen_by_time ON inbound_seen(at)
"""
