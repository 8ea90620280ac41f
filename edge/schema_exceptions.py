"""Migration 0013_exceptions: the exceptions queue: acknowledgements, light re-sends."""

from __future__ import annotations

# A dead letter or a short pick leaves the supervisor's queue once someone acknowledged it:
# who, when, on which device and why (kind + ref: 'dead_letter' + its id, 'short' + the task
# id). A light command not acknowledged by its module is re-sent a few times (`resends`
# counts them) before it shows in the queue; a supervisor's re-send starts the count again.
EXCEPTIONS = """
    CREATE TABLE exception_acks (
        kind TEXT NOT NULL, ref TEXT NOT NULL, note TEXT NOT NULL, actor TEXT NOT NULL,
        device TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (kind, ref)) WITHOUT ROWID;
    ALTER TABLE lights ADD COLUMN resends INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX tasks_short ON tasks(status) WHERE status = 'short';
"""
