"""The real service with its database on a small tmpfs that fills up: device events are held
(not acknowledged, not lost), HTTP writes get a JSON 503, health says degraded; when space
returns everything held is applied exactly once, without a restart (findings 13 and 14)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.broker import Mosquitto
from tests.support.device import TestDevice
from tests.support.service_process import ServiceProcess

DEVICE = "scanner-06"  # a scanner of the demo warehouse
PAD = "x" * 3000  # each held event is a ~3 kB dead letter: the file must grow to keep it


class ServiceOnDisk(ServiceProcess):
    """The service process with its database file (and WAL) on another filesystem."""

    def __init__(self, broker: Mosquitto, workdir: Path, database: Path) -> None:
        super().__init__(broker, workdir)
        self._database = database
        config = workdir / "edge.toml"
        config.write_text(
            f"database = {json.dumps(str(database))}\n" + config.read_text(encoding="utf-8"),
            encoding="utf-8",
        )

    @property
    def db_path(self) -> Path:
        return self._database


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(path: Path) -> None:
    """Write until the filesystem says it is full."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        for size in (1 << 20, 1 << 12, 1 << 9):
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * size):
                    pass
    finally:
        os.close(fd)


def _mine(service: ServiceProcess) -> list[int]:
    """The numbers of the held events that were applied (one dead letter each)."""
    rows = service.get("/api/v1/dead-letters", limit=1000)["dead_letters"]
    return [
        int(r["payload"].split()[2])
        for r in rows
        if r["device"] == DEVICE and r["payload"].startswith("not json ")
    ]


def _order(service: ServiceProcess, n: int) -> httpx.Response:
    body = {
        "shop_order_id": f"FULL-{n}",
        "paid_at": "2026-11-20T08:00:00+00:00",
        "lines": [{"sku": "SKU-0001", "qty": 1}],
    }
    return service.post("/api/v1/orders", body)


def _health(service: ServiceProcess) -> dict[str, Any]:
    r = httpx.get(f"{service.url}/api/v1/health", timeout=10)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_a_full_disk_holds_device_events_and_refuses_writes_until_space_returns(
    mosquitto: Mosquitto, small_disk: Path, tmp_path: Path
) -> None:
    service = ServiceOnDisk(mosquitto, tmp_path / "svc", small_disk / "edge.db")
    service.start()
    dev = TestDevice(mosquitto, "scanner", DEVICE)
    filler = small_disk / "filler"
    try:
        _fill(filler)
        sent = 0
        refused: httpx.Response | None = None
        deadline = time.monotonic() + 60
        while refused is None and time.monotonic() < deadline:
            for _ in range(20):  # device events until the database needs room it lacks
                dev.publish(dev.evt_topic, f"not json {sent} {PAD}".encode())
                sent += 1
            r = _order(service, sent)
            assert r.status_code in (200, 201, 503), r.text  # never a plain 500
            refused = r if r.status_code == 503 else None
        assert refused is not None, "the full disk never refused a write"
        assert refused.json() == {"detail": "storage: database or disk is full; try again"}
        health = _health(service)
        assert health["status"] == "degraded", health
        assert health["reason"].startswith("storage: database or disk is full")
        for _ in range(30):  # held by the service (unacknowledged) or queued by the broker
            dev.publish(dev.evt_topic, f"not json {sent} {PAD}".encode())
            sent += 1
        assert len(_mine(service)) < sent

        filler.unlink()  # space comes back: no restart
        deadline = time.monotonic() + 10
        while len(_mine(service)) < sent and time.monotonic() < deadline:
            time.sleep(0.2)
        kept = _mine(service)
        assert sorted(kept) == list(range(sent)), f"{len(kept)} of {sent} applied, once each"
        assert _health(service)["status"] == "ok"
        assert _order(service, 0).status_code == 201
    finally:
        dev.close()
        service.stop()
        with contextlib.suppress(FileNotFoundError):
            filler.unlink()
