"""The device simulator driven through the service's MQTT link on a private Mosquitto."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from edge.devices.simulator import SimDevice, SimOptions, Simulator
from edge.messages import (
    DeviceError,
    LightAck,
    LightButton,
    LightOn,
    PresenceChanged,
    QuantityConfirmed,
    ScannerView,
    ScanRead,
    WeightMeasured,
)
from tests.support.broker import Mosquitto
from tests.support.link import FIXED_NOW, WAIT_S, FakeRuntime, LinkFactory, unique

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


# --- the simulator driven through the link ------------------------------------------------------


@pytest.fixture
def simulator_factory(mosquitto: Mosquitto) -> Iterator[Callable[..., Simulator]]:
    sims: list[Simulator] = []

    def make(site: str, devices: list[SimDevice], **options: Any) -> Simulator:
        for device in devices:
            mosquitto.add_user(device.id)
        sim = Simulator(
            mosquitto.host,
            mosquitto.port,
            "wh",
            site,
            devices,
            mosquitto.password_for,
            SimOptions.instant(seed=7, **options),
        )
        sims.append(sim)
        sim.start()
        assert sim.wait_connected(WAIT_S)
        return sim

    yield make
    for sim in sims:
        sim.stop()


def test_simulated_picker_logs_in_scans_and_uses_the_light_module(
    links: LinkFactory, site: str, simulator_factory: Callable[..., Simulator]
) -> None:
    runtime = FakeRuntime()
    link = links.make(site, runtime)
    scanner, ptl = unique("scanner"), unique("ptl")
    sim = simulator_factory(
        site,
        [SimDevice(scanner, "scanner", badge="P-1001"), SimDevice(ptl, "shelf", slots=("A-1",))],
        button_prob=1.0,
        short_prob=0.0,
        login_after_s=30.0,
    )
    runtime.wait_for(lambda m: isinstance(m, PresenceChanged) and m.device_id == ptl)

    link.publish_effects([ScannerView(scanner, {"screen": "login", "expect": "badge"})])
    badge = runtime.wait_for(lambda m: isinstance(m, ScanRead) and m.device_id == scanner)
    assert isinstance(badge, ScanRead) and badge.code == "P-1001"

    stop = {"n": 1, "of": 1, "bin": "A-1", "sku": "S", "gtins": ["08712345678906"], "qty": 2}
    lit_stop = {**stop, "lit": True, "light_device": ptl}
    view = {"screen": "stop", "expect": "bin", "trip_id": 1, "stop": lit_stop, "extra": [1]}
    link.publish_effects([LightOn(ptl, "A-1", 2, "#00a0ff", "c-9"), ScannerView(scanner, view)])
    ack = runtime.wait_for(lambda m: isinstance(m, LightAck))
    assert isinstance(ack, LightAck) and ack.cmd_id == "c-9"
    press = runtime.wait_for(lambda m: isinstance(m, LightButton))
    assert press == LightButton(ptl, press.msg_id, FIXED_NOW, "A-1", 2)  # type: ignore[union-attr]
    assert sim.lit_slots(ptl) == {"A-1": (2, "#00a0ff")}

    # Without a light the picker scans: bin, item, quantity.
    def scans() -> list[str]:
        return [m.code for m in runtime.of_device(scanner) if isinstance(m, ScanRead)]

    for n, expect in enumerate(("bin", "item"), start=2):
        view = {"screen": "stop", "expect": expect, "trip_id": 2, "stop": stop}
        link.publish_effects([ScannerView(scanner, view)])
        runtime.wait_for(lambda m, n=n: len(scans()) >= n)  # type: ignore[misc]
    view = {"screen": "stop", "expect": "qty", "trip_id": 2, "stop": stop}
    link.publish_effects([ScannerView(scanner, view)])
    confirm = runtime.wait_for(lambda m: isinstance(m, QuantityConfirmed))
    assert isinstance(confirm, QuantityConfirmed) and confirm.qty == 2
    assert scans()[1] == "A-1"
    assert re.fullmatch(r"8712345678906|\]C1010871234567890610L\d{4}", scans()[2])
    assert sim.stats().events_sent >= 5


def test_simulated_pack_station_weighs_the_waiting_parcel(
    links: LinkFactory, site: str, simulator_factory: Callable[..., Simulator]
) -> None:
    runtime = FakeRuntime()
    link = links.make(site, runtime)
    packer, scale = unique("pack-scanner"), unique("scale")
    simulator_factory(
        site,
        [
            SimDevice(packer, "scanner", badge="K-2001", station="PS-1"),
            SimDevice(scale, "scale", station="PS-1"),
        ],
        wrong_weight_prob=0.0,
        login_after_s=30.0,
    )
    view: dict[str, Any] = {
        "screen": "pack_order",
        "expect": "order",
        "queue": [{"order_id": 17, "code": "ORD-17"}],
    }
    link.publish_effects([ScannerView(packer, view)])
    scan = runtime.wait_for(lambda m: isinstance(m, ScanRead) and m.device_id == packer)
    assert isinstance(scan, ScanRead) and scan.code == "ORD-17"

    parcels = [
        {"parcel_id": 4, "box": "S", "expected_g": 900, "tolerance_g": 30, "state": "pass"},
        {"parcel_id": 5, "box": "M", "expected_g": 1234, "tolerance_g": 30, "state": "waiting"},
    ]
    view = {
        "screen": "pack_weigh",
        "expect": "weight",
        "order_id": 17,
        "station": "PS-1",
        "parcels": parcels,
    }
    link.publish_effects([ScannerView(packer, view)])
    weight = runtime.wait_for(lambda m: isinstance(m, WeightMeasured))
    assert isinstance(weight, WeightMeasured) and weight.device_id == scale
    assert abs(weight.grams - 1234) <= 10


def test_simulator_survives_odd_views_and_counts_errors(
    links: LinkFactory, site: str, simulator_factory: Callable[..., Simulator]
) -> None:
    runtime = FakeRuntime()
    link = links.make(site, runtime)
    scanner = unique("scanner")
    sim = simulator_factory(site, [SimDevice(scanner, "scanner", badge="P-1")], login_after_s=30.0)
    odd: list[dict[str, Any]] = [
        {"screen": 5},
        {"screen": "stop", "expect": "bin", "stop": "nope"},
        {"screen": "stop", "expect": "item", "stop": {"gtins": [None, 3]}},
        {"screen": "pack_weigh", "parcels": [{"state": "waiting", "expected_g": "x"}]},
        {"screen": "martian", "expect": "???"},
    ]
    link.publish_effects([ScannerView(scanner, v) for v in odd])
    link.publish_effects([DeviceError(scanner, "scanner", "x", "refused for a test", "refused")])
    link.publish_effects([ScannerView(scanner, {"screen": "login", "expect": "badge"})])
    scan = runtime.wait_for(lambda m: isinstance(m, ScanRead) and m.device_id == scanner)
    assert isinstance(scan, ScanRead) and scan.code == "P-1"
    # The scan can leave before the simulator's counters are updated: let them settle.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        stats = sim.stats()
        if stats.views_received == len(odd) + 1 and stats.errors_received == 1:
            break
        time.sleep(0.05)
    assert stats.errors_received == 1 and stats.views_received == len(odd) + 1


def test_simulator_reconnects_after_a_broker_restart(
    mosquitto: Mosquitto,
    links: LinkFactory,
    site: str,
    simulator_factory: Callable[..., Simulator],
) -> None:
    runtime = FakeRuntime()
    link = links.make(site, runtime)
    scanner = unique("scanner")
    sim = simulator_factory(site, [SimDevice(scanner, "scanner", badge="P-9")], login_after_s=30.0)
    mosquitto.restart()
    assert link.wait_connected(20) and sim.wait_connected(20)
    link.publish_effects([ScannerView(scanner, {"screen": "login", "expect": "badge"})])
    scan = runtime.wait_for(lambda m: isinstance(m, ScanRead) and m.device_id == scanner, 20)
    assert isinstance(scan, ScanRead) and scan.code == "P-9"
