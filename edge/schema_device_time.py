"""Migration 0008_device_time: a pick's record keeps when it was scanned beside when applied."""

from __future__ import annotations

# A handheld that queued scans offline sends each with the device's time of the scan
# (`scanned_at`); `at` stays the time the service applied it. Picks recorded before this
# migration have no scan time (NULL): it was never sent. `scanned_late` flags a scan
# applied more than a day after its device time (a clock set wrong, or a queue kept for
# long): recorded as scanned, for a person to look at, never dropped.
DEVICE_TIME = """
    ALTER TABLE picks ADD COLUMN scanned_at TEXT;
    ALTER TABLE picks ADD COLUMN scanned_late INTEGER NOT NULL DEFAULT 0;
"""
