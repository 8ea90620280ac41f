"""The demo's cloud consumer drains a real gateway's feed: verified, acknowledged, nothing left."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from cloud_sync.pull.demo_cloud import DemoCloud
from tests.support.broker import Mosquitto
from tests.support.feed import append_records
from tests.support.harness import make_harness, small_warehouse
from tests.support.service_process import ServiceProcess

pytestmark = pytest.mark.integration


def test_the_demo_cloud_stores_every_record_once_and_leaves_no_backlog(
    mosquitto: Mosquitto, tmp_path: Path
) -> None:
    data = tmp_path / "gw"
    h = make_harness(data)
    try:
        seqs = append_records(h, 12)
    finally:
        h.service.db.close()
    wh = tmp_path / "small.json"
    wh.write_text(json.dumps(small_warehouse()), encoding="utf-8")
    service = ServiceProcess(mosquitto, data, site="t1", warehouse_file=wh)
    service.start()
    cloud = DemoCloud(service.url, service.role_keys["feed"])
    cloud.start()
    try:
        deadline = time.monotonic() + 15
        backlog: dict[str, object] = {}
        while time.monotonic() < deadline:
            backlog = httpx.get(
                f"{service.url}/api/v1/feed/backlog",
                headers={"X-API-Key": service.role_keys["feed"]},
                timeout=5,
            ).json()
            if backlog["unacked"] == 0:
                break
            time.sleep(0.1)
        assert backlog["unacked"] == 0, backlog
        assert sorted(seq for _, seq in cloud.stored) == seqs
        assert cloud.refused == 0
    finally:
        cloud.stop()
        service.stop()
