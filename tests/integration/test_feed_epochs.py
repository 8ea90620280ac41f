"""Stream epochs (docs/cloud-sync.md): a database restored from an older copy, or another
database file, is a new stream whose seqs continue above everything ever let out; the old
stream's pages and acks get 409. The issue's repro: seqs 57-68 issued again after a restore."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from edge.feed_mark import MARK_FILE
from tests.support.broker import Mosquitto
from tests.support.feed import append_records, check_page, read_page
from tests.support.harness import Harness, make_harness, small_warehouse
from tests.support.service_process import ServiceProcess


def _offline(data_dir: Path, ship: int = 0) -> dict[str, Any]:
    """The service built on data_dir (as `edge serve` builds it, not serving): ship records,
    let them out in a page (which raises the mark) and return that page."""
    h: Harness = make_harness(data_dir)
    try:
        append_records(h, ship)
        return read_page(h, 0, 5000, "feed", None)
    finally:
        h.service.db.close()


def _copy_db(src: Path, dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src / "edge.db", dst / "edge.db")


def _restore_db(backup: Path, data_dir: Path) -> None:
    for suffix in ("-wal", "-shm"):
        (data_dir / f"edge.db{suffix}").unlink(missing_ok=True)
    shutil.copy2(backup / "edge.db", data_dir / "edge.db")


def test_a_restored_database_starts_a_new_stream_above_the_mark(
    mosquitto: Mosquitto, tmp_path: Path
) -> None:
    data, backup = tmp_path / "gw", tmp_path / "backup"
    first = _offline(data, ship=5)
    _copy_db(data, backup)  # the operator's copy, at seq 5
    second = _offline(data, ship=7)  # 6-12 shipped and let out to the cloud
    assert second["stream_id"] == first["stream_id"] and second["newest"] == 12
    assert json.loads((data / MARK_FILE).read_text()) == {
        "stream_id": first["stream_id"],
        "seq": 12,
    }
    _restore_db(backup, data)
    wh = tmp_path / "small.json"
    wh.write_text(json.dumps(small_warehouse()))
    service = ServiceProcess(mosquitto, data, site="t1", warehouse_file=wh)
    service.start()
    try:
        assert "restored or replaced; new stream" in service.log()
        page = service.feed(after=0).json()
        stream = page["stream_id"]
        assert stream != first["stream_id"]
        # The records the copy holds are offered again in the new stream, unchanged.
        assert [r["hash"] for r in page["records"]] == [r["hash"] for r in first["records"]]
        old = service.feed(after=5, stream=first["stream_id"])
        assert old.status_code == 409 and old.json()["stream_id"] == stream
        ack = service.feed_ack(first["stream_id"], 5)
        assert ack.status_code == 409 and ack.json()["stream_id"] == stream
        assert service.feed_ack(stream, 5).status_code == 200
    finally:
        service.stop()
    # The next record continues above everything ever let out, chained to the copy's last.
    after = _offline(data, ship=1)
    assert after["stream_id"] == stream
    assert [r["seq"] for r in after["records"]] == [1, 2, 3, 4, 5, 13]
    assert after["records"][-1]["prev_seq"] == 5
    check_page(after, 0)
    seqs_ever = {r["seq"] for r in second["records"]} | {r["seq"] for r in after["records"]}
    assert len(seqs_ever) == 13  # no seq names two different records


def test_another_database_file_starts_a_new_stream(tmp_path: Path) -> None:
    data, other = tmp_path / "gw", tmp_path / "other"
    mine = _offline(data, ship=4)
    theirs = _offline(other, ship=2)  # another gateway's (or a fresh) database
    _restore_db(other, data)
    swapped = _offline(data, ship=1)
    assert swapped["stream_id"] not in (mine["stream_id"], theirs["stream_id"])
    assert [r["seq"] for r in swapped["records"]] == [1, 2, 5]
    assert swapped["records"][-1]["prev_seq"] == 2
    check_page(swapped, 0)
    # Restarting on the same file goes on with the same stream.
    again = _offline(data, ship=1)
    assert again["stream_id"] == swapped["stream_id"]
    assert [r["seq"] for r in again["records"]][-2:] == [5, 6]


def test_an_emptied_database_continues_from_the_mark(tmp_path: Path) -> None:
    """Nothing of the old stream left (a fresh database in place of one that let out 3):
    the new stream's floor is the mark and its first record names it."""
    data, fresh = tmp_path / "gw", tmp_path / "fresh"
    _offline(data, ship=3)
    _offline(fresh)
    _restore_db(fresh, data)
    page = _offline(data, ship=1)
    assert page["floor"] == 3 and [(r["seq"], r["prev_seq"]) for r in page["records"]] == [(4, 3)]


@pytest.mark.parametrize("ship", [0, 2])
def test_the_mark_is_adopted_at_the_first_start(tmp_path: Path, ship: int) -> None:
    page = _offline(tmp_path, ship=ship)
    mark = json.loads((tmp_path / MARK_FILE).read_text())
    assert mark == {"stream_id": page["stream_id"], "seq": ship}


def test_a_database_without_its_mark_starts_a_new_stream(tmp_path: Path) -> None:
    """A database copied to another gateway (or whose mark was lost) must not serve the
    stream id its original still serves: a new stream, continuing above what it issued."""
    first = _offline(tmp_path / "gw", ship=2)
    _copy_db(tmp_path / "gw", tmp_path / "clone")  # the database without its mark
    clone = _offline(tmp_path / "clone", ship=1)
    assert clone["stream_id"] != first["stream_id"]
    assert [r["seq"] for r in clone["records"]][-1] == 3
    assert (
        json.loads((tmp_path / "clone" / MARK_FILE).read_text())["stream_id"]
        == (clone["stream_id"])
    )
