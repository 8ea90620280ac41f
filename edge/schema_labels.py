"""Shipping labels: each parcel's SSCC, the carrier an order names, number counters, prints."""

from __future__ import annotations

# A parcel that passes its weight check gets an SSCC (unique) and, from a carrier with a
# number range, its tracking number, both from counters that only move forward in the
# transaction that uses them, so no number is ever issued twice. Every print and reprint is
# a row of label_prints: who asked, when, on which device, to which printer, the result
# the printer gave (or the error), and a reprint's reason.
LABELS = """
    ALTER TABLE parcels ADD COLUMN sscc TEXT;
    ALTER TABLE parcels ADD COLUMN labelled_at TEXT;
    CREATE UNIQUE INDEX parcels_by_sscc ON parcels(sscc) WHERE sscc IS NOT NULL;
    ALTER TABLE orders ADD COLUMN carrier TEXT;
    CREATE TABLE label_counters (name TEXT PRIMARY KEY, next INTEGER NOT NULL);
    CREATE TABLE label_prints (
        id INTEGER PRIMARY KEY, parcel_id INTEGER NOT NULL REFERENCES parcels(id),
        station TEXT NOT NULL, printer TEXT NOT NULL, actor TEXT NOT NULL, device TEXT NOT NULL,
        at TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '',
        result TEXT NOT NULL DEFAULT 'sending', error TEXT NOT NULL DEFAULT '', done_at TEXT);
    CREATE INDEX label_prints_by_parcel ON label_prints(parcel_id, id);
    CREATE INDEX label_prints_by_result ON label_prints(result, id)
"""
