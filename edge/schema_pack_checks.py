"""The packer's content scans: which items a parcel must have scanned, and each scan kept."""

from __future__ import annotations

# A parcel's scale cannot see an item missing when the item weighs less than the parcel's
# tolerance; then a scan of it into the box is the proof (edge.core.packcheck says which).
# parcels.must_scan: {sku: units} to scan into this parcel; check_round: the scans that count
# (a hold that sends the packer to open the box starts a new round; older scans stay as the
# record); holds / hold_next: how often this parcel was held and what the packer does next.
# pack_scans: one row per accepted scan, who, when, on which device; (device, msg_id) once.
PACK_CHECKS = """
    ALTER TABLE orders ADD COLUMN verify_contents INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE parcels ADD COLUMN must_scan TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE parcels ADD COLUMN check_round INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE parcels ADD COLUMN holds INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE parcels ADD COLUMN hold_next TEXT;
    CREATE TABLE pack_scans (
        id INTEGER PRIMARY KEY, parcel_id INTEGER NOT NULL, order_id INTEGER NOT NULL,
        round INTEGER NOT NULL, sku TEXT NOT NULL, gtin TEXT, via TEXT NOT NULL,
        packer TEXT NOT NULL, device TEXT NOT NULL, msg_id TEXT NOT NULL, at TEXT NOT NULL,
        device_at TEXT NOT NULL, UNIQUE (device, msg_id));
    CREATE INDEX pack_scans_by_parcel ON pack_scans(parcel_id, round, sku)
"""
