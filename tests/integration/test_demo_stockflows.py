"""The demo's floor over real Mosquitto: the supplier's delivery is received, closed and put
away by the simulated receiver; the stock worker tops up a pick face and counts bins."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from edge.demo import DemoActors, devices_from_description
from edge.devices.floor_brain import FloorOptions
from edge.devices.simulator import SimOptions, Simulator
from tests.integration.test_stockflows_mqtt import start_service
from tests.support.broker import Mosquitto

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

# Each SQL returns one number: how many of that flow the simulated floor has finished.
FINISHED = {
    "closed receipt": "SELECT count(*) FROM receipts WHERE status = 'closed'"
    " AND delivery_id NOT LIKE 'DN-TRY-%'",
    "put-away done": "SELECT count(*) FROM putaway_tasks WHERE status = 'done'",
    "top-up done": "SELECT count(*) FROM replen_tasks WHERE status = 'done'",
    "count submitted": "SELECT count(*) FROM counts WHERE first_count IS NOT NULL",
}


def test_the_demo_floor_receives_puts_away_tops_up_and_counts(
    mosquitto: Mosquitto, tmp_path: Path
) -> None:
    running = start_service(mosquitto, tmp_path / "demo")
    service = running.service
    desc = service.catalog().description
    devices = devices_from_description(desc)
    assert {d.id: d.floor for d in devices if d.floor} == {
        "scanner-04": "inbound",
        "scanner-05": "stock",
        "returns-desk-1": "returns",
    }
    assert sum(1 for d in devices if d.kind == "scanner" and d.badge and not d.floor) >= 4 + 2
    mosquitto.add_users(*(d.id for d in devices))
    sim: Simulator | None = None

    def weigh(station: str, readings: Sequence[tuple[int, bool]]) -> None:
        scale = sim.scale_at(station) if sim else None
        if scale is not None:
            scale.weigh(readings)

    actors = DemoActors(
        service, service.catalog(), order_every_s=0.4, weigh=weigh, first_delivery_s=0.5
    )
    sim = Simulator(
        mosquitto.host,
        mosquitto.port,
        "wh",
        desc.site.id,
        devices,
        mosquitto.password_for,
        SimOptions.instant(seed=3, wrong_weight_prob=0.0),
        FloorOptions.always(),
        count_oracle=actors.count_oracle,
    )
    actors.start()
    sim.start()
    done: dict[str, int] = {}
    try:
        assert actors.for_people == ["DN-TRY-1", "DN-TRY-2", "DN-TRY-3"]
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            with service.queries.snapshot() as (tx, _):
                done = {flow: int(tx.value(sql)) for flow, sql in FINISHED.items()}
            if all(done.values()):
                break
            time.sleep(0.5)
        assert all(done.values()), done
        with service.queries.snapshot() as (tx, _):
            receipt = tx.one(
                "SELECT r.id, r.closed_by FROM receipts r WHERE r.status = 'closed'"
                " AND r.delivery_id NOT LIKE 'DN-TRY-%' ORDER BY r.id LIMIT 1"
            )
            assert receipt is not None and receipt["closed_by"] == "P-1004"
            scans = tx.all(
                "SELECT lot, expiry, condition, via FROM receipt_scans WHERE receipt_id = ?",
                (receipt["id"],),
            )
            tops = tx.all("SELECT finished_by FROM replen_tasks WHERE status = 'done'")
            people = tx.all("SELECT DISTINCT first_by FROM counts WHERE first_by IS NOT NULL")
            feed = {r["kind"] for r in tx.all("SELECT DISTINCT kind FROM feed")}
            # Nobody simulated takes the deliveries kept for people trying the demo.
            kept = tx.value(
                "SELECT count(*) FROM receipts WHERE delivery_id LIKE 'DN-TRY-%'"
                " AND status = 'expected'"
            )
    finally:
        sim.stop()
        actors.stop()
        running.stop()
    # Every variation of FloorOptions.always(): one damaged unit, lots read from GS1 codes.
    assert any(s["condition"] == "damaged" for s in scans), scans
    assert any(s["lot"] for s in scans), scans
    assert {t["finished_by"] for t in tops} == {"P-1005"}
    assert {p["first_by"] for p in people} <= {"P-1004", "P-1005"}
    assert {"receipt", "putaway"} <= feed
    assert kept == 3
    assert sim.stats().stuck == 0
