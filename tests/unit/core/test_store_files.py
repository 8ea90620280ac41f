"""The store's files under load: the WAL stays bounded, read connections are reused."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

import edge.wal
from edge.store import Database


def _write(db: Database, total: int, seconds: float) -> int:
    """Commit ~8 KB transactions until `total` bytes or `seconds`; returns bytes written."""
    written = 0
    deadline = time.monotonic() + seconds
    n = 0
    while written < total and time.monotonic() < deadline:
        n += 1
        db.writer.execute("BEGIN IMMEDIATE")
        db.writer.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (f"k{n % 50}", "x" * 8000),
        )
        db.writer.execute("COMMIT")
        written += 8000
    return written


def test_the_wal_file_is_emptied_past_its_limit_while_readers_and_the_writer_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Passive checkpoints alone leave the WAL file at its largest for good (it is re-used,
    # never shrunk), and under a steady stream of commits it grew to 24 GB in a soak.
    monkeypatch.setattr(edge.wal, "WAL_TRUNCATE_BYTES", 1_000_000)
    db = Database(tmp_path / "edge.db")
    db.start_checkpointer(every_s=0.05)
    wal = tmp_path / "edge.db-wal"
    stop = threading.Event()
    largest = [0]

    def read_and_watch() -> None:
        # Two of these overlap, so some snapshot is always open (HTTP reads on a busy site).
        while not stop.is_set():
            with db.read() as tx:
                tx.value("SELECT count(*) FROM meta")
                time.sleep(0.005)
            if wal.exists():
                largest[0] = max(largest[0], wal.stat().st_size)

    readers = [threading.Thread(target=read_and_watch) for _ in range(2)]
    for reader in readers:
        reader.start()
        time.sleep(0.002)
    try:
        written = _write(db, 40_000_000, 30.0)
        # Once past the limit, the file itself is emptied (a passive checkpoint re-uses it
        # from the start but leaves it at its largest).
        deadline = time.monotonic() + 5
        while wal.stat().st_size >= 1_000_000 and time.monotonic() < deadline:
            time.sleep(0.05)
        after = wal.stat().st_size
    finally:
        stop.set()
        for reader in readers:
            reader.join()
        db.close()
    assert written >= 40_000_000
    assert largest[0] >= 1_000_000, "the test never filled the WAL past the limit"
    assert after < 1_000_000, f"the WAL file stayed at {after:,} bytes"
    assert largest[0] < 12_000_000, f"the WAL reached {largest[0]:,} bytes"


def test_reads_from_threads_that_come_and_go_reuse_their_connections(tmp_path: Path) -> None:
    db = Database(tmp_path / "edge.db")
    try:

        def read_once() -> None:
            with db.read() as tx:
                assert tx.value("SELECT 1") == 1

        for _ in range(40):  # like HTTP worker threads, which end when idle
            t = threading.Thread(target=read_once)
            t.start()
            t.join()
        assert db.reader_connections == 1
    finally:
        db.close()
