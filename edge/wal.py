"""WAL checkpoints beside the writer, and the WAL file kept from growing without end."""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

# The WAL file's size past which the checkpointer empties it (a short writer pause), and the
# longest it waits for the write lock or a reader to do so.
WAL_TRUNCATE_BYTES = 64 * 1024 * 1024
WAL_TRUNCATE_WAIT_S = 0.2


def keep_wal_small(conn: sqlite3.Connection, stop: threading.Event, every_s: float) -> None:
    """Checkpoint every `every_s` on `conn` (its own connection) until `stop`; closes it."""
    wal = Path(conn.execute("PRAGMA database_list").fetchone()[2] + "-wal")
    # A TRUNCATE checkpoint holds the write lock while it waits for readers: never keep the
    # writer waiting longer than this for one; the next round tries again.
    conn.execute(f"PRAGMA busy_timeout={int(WAL_TRUNCATE_WAIT_S * 1000)}")
    try:
        while not stop.wait(every_s):
            # PASSIVE never blocks the writer or readers; it copies what it can. But under a
            # steady stream of commits it never copies the last frames, and the WAL only
            # starts over once all are copied: it grew to 24 GB in a 40-minute soak at 1,000
            # events/s. Past WAL_TRUNCATE_BYTES, TRUNCATE copies the rest (little, after the
            # passive ones) and empties the file.
            try:
                big = wal.exists() and wal.stat().st_size > WAL_TRUNCATE_BYTES
                mode = "TRUNCATE" if big else "PASSIVE"
                conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchall()
            except (sqlite3.Error, OSError) as exc:
                # A full disk or an I/O error: keep trying, or the WAL grows unbounded.
                log.warning("WAL checkpoint failed: %s", exc)
    finally:
        conn.close()
