"""The feed's high-water mark outside the database, and the stream epoch it decides at start-up."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import uuid
from pathlib import Path

log = logging.getLogger(__name__)

MARK_FILE = "feed-hwm.json"


def write_durably(path: Path, data: dict[str, object]) -> None:
    """Replace a small JSON file so that a crash leaves the old or the new one: a temporary
    file fsynced, renamed over it, and the directory fsynced (the rename itself)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FeedMark:
    """The stream id and the highest seq ever let out (served in a page or published), kept
    in `<data_dir>/feed-hwm.json`: a database restored from an older copy, or another one,
    cannot know what the gateway already let out; this file does. None: kept in memory only."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.stream_id: str | None = None
        self.seq = 0
        self._lock = threading.Lock()
        if path is not None and path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            self.stream_id, self.seq = str(data["stream_id"]), int(data["seq"])

    def let_out(self, stream_id: str, seq: int) -> None:
        """Before records up to seq leave the gateway: raise the mark, durably (the file and
        its directory fsynced) when seq is above it; no disk write otherwise."""
        if stream_id == self.stream_id and seq <= self.seq:
            return
        with self._lock:
            if stream_id == self.stream_id and seq <= self.seq:
                return
            self._write(stream_id, max(seq, self.seq))

    def _write(self, stream_id: str, seq: int) -> None:
        if self.path is not None:
            write_durably(self.path, {"stream_id": stream_id, "seq": seq})
        self.stream_id, self.seq = stream_id, seq

    def reset(self, stream_id: str, seq: int) -> None:
        """Name a new stream (a new epoch), continuing from seq."""
        with self._lock:
            self._write(stream_id, seq)


def open_epoch(conn: sqlite3.Connection, mark: FeedMark) -> str | None:
    """At start-up, before anything is served: when the database's stream is not the mark's
    or is behind it (restored from an older copy, or another file), start a new stream whose
    seqs continue above the mark. Returns the new stream id, or None when the stream goes on."""
    stream = conn.execute("SELECT value FROM meta WHERE key = 'stream_id'").fetchone()[0]
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'feed'").fetchone()
    issued = int(row[0]) if row else 0
    if mark.stream_id is None and issued == 0:  # a new gateway: adopt its empty stream
        mark.reset(stream, issued)
        return None
    # From here on a database without its mark (copied to another gateway, moved, or the
    # mark lost) is treated like a restored one: a new stream, so that no two gateways ever
    # serve the same stream id; a consumer recognises records it already has by their hash.
    if stream == mark.stream_id and issued >= mark.seq:
        return None
    new, start = uuid.uuid4().hex, max(issued, mark.seq)
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'stream_id'", (new,))
        conn.execute("DELETE FROM sqlite_sequence WHERE name = 'feed'")
        conn.execute("INSERT INTO sqlite_sequence(name, seq) VALUES ('feed', ?)", (start,))
        if conn.execute("SELECT 1 FROM feed LIMIT 1").fetchone() is None:
            # Nothing of the old stream is left: the new one starts above the mark.
            conn.execute(
                "INSERT INTO meta(key, value) VALUES ('feed_floor', ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (str(start),),
            )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    old_stream, old_seq = mark.stream_id, mark.seq
    mark.reset(new, start)
    log.warning(
        "feed: the database's stream %s (seqs issued up to %d) does not continue the"
        " high-water mark (stream %s, seq %d): restored or replaced; new stream %s from seq %d",
        stream,
        issued,
        old_stream,
        old_seq,
        new,
        start + 1,
    )
    return new
