"""Migration 0008b_supervision: order priorities, the controls' audit and roles for the shift."""

from __future__ import annotations

# An order's priority: higher goes first (release from a backorder, pick lists, pack queues);
# 0 is everyone's. Every supervisor control (edge.core.supervision) leaves one audit row:
# who, when, on which device, why, and what it touched (detail: JSON). A person moved
# between picking and packing keeps that role over the description's until moved back.
SUPERVISION = """
    ALTER TABLE orders ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE supervisor_actions (
        id INTEGER PRIMARY KEY, action TEXT NOT NULL, target TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '{}', reason TEXT NOT NULL, actor TEXT NOT NULL,
        device TEXT NOT NULL, at TEXT NOT NULL);
    CREATE INDEX supervisor_actions_by_target ON supervisor_actions(target, id);
    CREATE TABLE shift_roles (
        badge TEXT PRIMARY KEY, role TEXT NOT NULL, since TEXT NOT NULL,
        actor TEXT NOT NULL, device TEXT NOT NULL, reason TEXT NOT NULL)
"""
