"""The demo's returns over real Mosquitto: the shop announces RMAs for shipped orders, one
is left for people, and the simulated returns desk inspects the other through MQTT."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from edge.demo import devices_from_description
from edge.demo_returns import ReturnActors
from edge.devices.simulator import SimOptions, Simulator
from tests.integration.test_stockflows_mqtt import start_service
from tests.support.broker import Mosquitto
from tests.support.returns import ship_on_live

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


def test_the_demo_desk_inspects_an_announced_return(mosquitto: Mosquitto, tmp_path: Path) -> None:
    running = start_service(mosquitto, tmp_path / "demo")
    service = running.service
    sim: Simulator | None = None
    try:
        first = ship_on_live(service, "SHOP-DEMO-1", (("SKU-0003", 2),), "TRK-D1")
        second = ship_on_live(service, "SHOP-DEMO-2", (("SKU-0010", 1),), "TRK-D2")
        actors = ReturnActors(service, first_after_s=0.0)
        assert actors.step() == 0.0  # the first call only waits
        actors.step()
        assert actors.waiting_for_people() == [f"RMA-TRY-{first}"]
        desk = [d for d in devices_from_description(service.catalog().description)
                if d.id == "returns-desk-1"]  # fmt: skip
        assert [(d.badge, d.floor) for d in desk] == [("P-1009", "returns")]
        mosquitto.add_users(*(d.id for d in desk))
        sim = Simulator(
            mosquitto.host,
            mosquitto.port,
            "wh",
            "demo",
            desk,
            mosquitto.password_for,
            SimOptions.instant(seed=5),
        )
        sim.start()
        deadline = time.monotonic() + 60
        found: dict[str, object] = {}
        while time.monotonic() < deadline:
            found = service.queries.return_detail(f"RMA-DEMO-{second}")
            if found["status"] == "closed":
                break
            time.sleep(0.2)
        assert found["status"] == "closed", found
        assert found["closed_by"] == "P-1009" and found["closed_device"] == "returns-desk-1"
        assert service.queries.order(second)["status"] == "returned"
        # The people's return is left alone.
        assert service.queries.return_detail(f"RMA-TRY-{first}")["status"] == "announced"
        with service.read() as tx:
            kinds = [r["kind"] for r in tx.all("SELECT kind FROM feed WHERE kind = 'return'")]
        assert kinds == ["return"]
    finally:
        if sim is not None:
            sim.stop()
        running.stop()
