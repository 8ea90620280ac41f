"""The pull loop against a fake gateway speaking the contract, into a real PostgreSQL."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pydantic import SecretStr

from cloud_sync.pull import pg
from cloud_sync.pull.config import Gateway, PullConfig
from cloud_sync.pull.loop import FAULT_ENV, Puller
from cloud_sync.pull.main import lag_lines, run
from tests.unit.cloud.fake_gateway import KEY, FakeGateway

REPO = Path(__file__).resolve().parents[3]


def _cfg(dsn: str, *gateways: FakeGateway, limit: int = 7, wait_s: int = 0) -> PullConfig:
    return PullConfig(
        dsn=dsn,
        gateways=[
            Gateway(name=f"gw{i}", url=g.url, key=SecretStr(KEY)) for i, g in enumerate(gateways)
        ],
        page_limit=limit,
        wait_s=wait_s,
        report_every_s=0.2,
        max_backoff_s=0.2,
    )


def _stored(conn: psycopg.Connection[Any], gateway: str = "gw0") -> list[int]:
    rows = conn.execute(
        "SELECT (record->>'order_id')::int FROM cloud_records WHERE gateway = %s ORDER BY id",
        (gateway,),
    )
    return [r[0] for r in rows.fetchall()]


def _drain(cfg: PullConfig) -> list[Puller]:
    return run(cfg, threading.Event(), once=True)


def test_drains_every_record_once_and_acks_only_what_is_stored(
    dsn: str, conn: psycopg.Connection[Any], gateway: FakeGateway
) -> None:
    gateway.ship(30)
    _drain(_cfg(dsn, gateway))
    assert _stored(conn) == list(range(1, 31))
    assert pg.cursor(conn, "gw0") == (gateway.stream_id, 30)
    # Every ack names the stream and a seq already committed: 7, 14, 21, 28, 30.
    assert gateway.acks == [(gateway.stream_id, s) for s in (7, 14, 21, 28, 30)]
    gateway.ship(3)
    _drain(_cfg(dsn, gateway))
    assert _stored(conn) == list(range(1, 34))
    assert gateway.requests[-1]["stream"] == gateway.stream_id


def test_a_tampered_record_is_refused_not_stored_not_acked(
    dsn: str, conn: psycopg.Connection[Any], gateway: FakeGateway, caplog: pytest.LogCaptureFixture
) -> None:
    gateway.ship(10)

    def tamper(r: dict[str, Any]) -> dict[str, Any]:
        if r["seq"] != 4:
            return r
        return {**r, "record": {**r["record"], "shop_order_id": "S-forged"}}

    gateway.tamper = tamper
    puller = Puller(_cfg(dsn, gateway).gateways[0], _cfg(dsn, gateway))
    stop = threading.Event()
    thread = threading.Thread(target=puller.run, args=(stop,))
    with caplog.at_level(logging.ERROR, "cloud_sync.pull"):
        thread.start()
        while puller.lag.refused < 2:  # refused again on every retry
            stop.wait(0.05)
        stop.set()
        thread.join()
    assert _stored(conn) == [1, 2, 3]
    assert gateway.acked == 3
    assert "TAMPERED OR BROKEN FEED" in caplog.text and "seq 4: hash does not match" in caplog.text
    row = conn.execute("SELECT cursor_seq, behind, error FROM cloud_lag").fetchone()
    assert row is not None and row[:2] == (3, 7) and "seq 4" in row[2]
    gateway.tamper = None  # the proxy is gone: the real record is stored
    _drain(_cfg(dsn, gateway))
    assert _stored(conn) == list(range(1, 11))


def test_a_new_epoch_is_followed_and_records_offered_again_are_not_duplicated(
    dsn: str, conn: psycopg.Connection[Any], gateway: FakeGateway, caplog: pytest.LogCaptureFixture
) -> None:
    gateway.ship(12)
    _drain(_cfg(dsn, gateway))
    old = gateway.stream_id
    gateway.new_epoch(keep=9)  # restored from an older copy: 10-12 are gone from the gateway
    gateway.ship(4)  # 13-16 in the new stream
    with caplog.at_level(logging.WARNING, "cloud_sync.pull"):
        _drain(_cfg(dsn, gateway))
    assert f"stream {old} ends at seq 12" in caplog.text
    assert _stored(conn) == list(range(1, 17))
    assert pg.cursor(conn, "gw0") == (gateway.stream_id, 16)
    # Nothing of the old stream is acknowledged after the switch; the new one is.
    assert gateway.acks[-1] == (gateway.stream_id, 16)


def test_records_pruned_before_they_were_stored_are_reported_not_skipped(
    dsn: str, conn: psycopg.Connection[Any], gateway: FakeGateway, caplog: pytest.LogCaptureFixture
) -> None:
    gateway.ship(10)
    _drain(_cfg(dsn, gateway, limit=100))
    gateway.ship(10)
    gateway.prune(15)  # someone else's ack pruned 11-15 before this consumer read them
    puller = Puller(_cfg(dsn, gateway).gateways[0], _cfg(dsn, gateway))
    with caplog.at_level(logging.ERROR, "cloud_sync.pull"), pytest.raises(Exception) as exc:
        puller.step(wait=False)
    puller._failed(exc.value)
    assert "RECORDS LOST TO RETENTION" in caplog.text and "up to seq 15" in caplog.text
    assert pg.cursor(conn, "gw0") == (gateway.stream_id, 10)
    assert _stored(conn) == list(range(1, 11))


def test_a_failed_ack_is_sent_again_and_nothing_is_stored_twice(
    dsn: str, conn: psycopg.Connection[Any], gateway: FakeGateway
) -> None:
    gateway.ship(5)
    gateway.fail_acks = True
    cfg = _cfg(dsn, gateway)
    puller = Puller(cfg.gateways[0], cfg)
    with pytest.raises(Exception, match="HTTP 503"):
        puller.step(wait=False)
    assert _stored(conn) == [1, 2, 3, 4, 5] and gateway.acks == []
    gateway.fail_acks = False
    assert puller.step(wait=False)
    assert gateway.acks == [(gateway.stream_id, 5)]
    assert _stored(conn) == [1, 2, 3, 4, 5]


def test_a_crash_between_commit_and_ack_loses_and_duplicates_nothing(
    dsn: str, conn: psycopg.Connection[Any], gateway: FakeGateway, tmp_path: Path
) -> None:
    gateway.ship(40)
    config = tmp_path / "pull.toml"
    config.write_text(
        f'dsn = "{dsn}"\npage_limit = 3\nwait_s = 0\nmax_backoff_s = 0.2\n'
        f'[[gateways]]\nname = "gw0"\nurl = "{gateway.url}"\nkey = "env:FAKE_KEY"\n'
    )
    env = {**os.environ, "FAKE_KEY": KEY, FAULT_ENV: "after_commit:0.5"}
    crashes = 0
    for _ in range(60):
        done = subprocess.run(
            [sys.executable, "-m", "cloud_sync.pull", "--config", str(config), "--once"],
            env=env,
            cwd=REPO,
            capture_output=True,
            timeout=60,
        )
        if done.returncode == 0:
            break
        assert done.returncode == 70, done.stderr.decode()
        crashes += 1
        assert gateway.acked < pg.cursor(conn, "gw0")[1]  # committed, not acknowledged
    assert crashes >= 3
    assert _stored(conn) == list(range(1, 41))
    assert gateway.acked == 40


def test_many_gateways_concurrently_and_the_lag_report(
    dsn: str, conn: psycopg.Connection[Any]
) -> None:
    gateways = [FakeGateway().start() for _ in range(4)]
    try:
        for i, g in enumerate(gateways):
            g.ship(10 * (i + 1))
        pullers = _drain(_cfg(dsn, *gateways))
        for i, _ in enumerate(gateways):
            assert _stored(conn, f"gw{i}") == list(range(1, 10 * (i + 1) + 1))
        lines = lag_lines(pullers)
        assert lines[3].startswith("lag gw3: stream=")
        assert "cursor=40 newest=40 behind=0" in lines[3]
        rows = conn.execute("SELECT gateway, behind FROM cloud_lag ORDER BY gateway").fetchall()
        assert rows == [(f"gw{i}", 0) for i in range(4)]
    finally:
        for g in gateways:
            g.stop()


def test_long_poll_answers_when_a_record_is_shipped(
    dsn: str, conn: psycopg.Connection[Any], gateway: FakeGateway
) -> None:
    cfg = _cfg(dsn, gateway, wait_s=5)
    puller = Puller(cfg.gateways[0], cfg)
    threading.Timer(0.3, gateway.ship, (2,)).start()
    assert puller.step() is True
    assert _stored(conn) == [1, 2]
    assert gateway.requests[0]["wait"] == "5"
    puller.close()
