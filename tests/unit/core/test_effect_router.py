"""The effect router as build() wires it: each device's effects by its own transport."""

from __future__ import annotations

from collections.abc import Sequence

from edge.catalog import Catalogs
from edge.effects import EffectRouter
from edge.messages import (
    DeviceError,
    Effect,
    LightOff,
    LightOn,
    LiveWeight,
    ScannerView,
    StateChanged,
    StationWeight,
)
from tests.support.harness import Harness
from tests.support.web import RecordingTransport, handheld_warehouse, load_warehouse


def _wired(harness: Harness) -> tuple[EffectRouter, RecordingTransport, RecordingTransport]:
    """The harness's router with HTTP handhelds in the warehouse and both transports recorded."""
    load_warehouse(harness, handheld_warehouse())
    router = harness.service.effects
    mqtt, http = RecordingTransport(), RecordingTransport()
    router.attach("mqtt", mqtt)
    router.attach("http", http)
    return router, mqtt, http


def test_device_effects_are_split_by_the_devices_transport(harness: Harness) -> None:
    router, mqtt, http = _wired(harness)
    effects: list[Effect] = [
        ScannerView("hh-1", {"screen": "login"}),
        ScannerView("scan-1", {"screen": "idle"}),
        LightOn("ptl-A", "A-02-1-A", 2, "#00ff00", "c1"),
        DeviceError("hh-pack", "scanner", "m1", "wrong bin"),
        LightOff("ptl-A", "A-02-1-A", "c1"),
    ]
    router(effects)
    assert mqtt.effects == [effects[1], effects[2], effects[4]]  # order kept per transport
    assert http.effects == [effects[0], effects[3]]
    assert len(mqtt.batches) == len(http.batches) == 1  # one call per transport per commit


def test_a_transport_with_nothing_to_carry_is_not_called(harness: Harness) -> None:
    router, mqtt, http = _wired(harness)
    router([ScannerView("scan-1", {"screen": "idle"})])
    assert len(mqtt.batches) == 1
    assert http.batches == []


def test_state_changed_reaches_every_transport(harness: Harness) -> None:
    router, mqtt, http = _wired(harness)
    change = StateChanged()
    router([change])
    assert mqtt.effects == [change] and http.effects == [change]


def test_a_device_unknown_to_the_catalog_goes_to_mqtt(harness: Harness) -> None:
    router, mqtt, http = _wired(harness)
    ghost = ScannerView("ghost-7", {"screen": "login"})
    router([ghost])
    assert router.transport_of("ghost-7") == "mqtt"
    assert mqtt.effects == [ghost] and http.effects == []


def test_before_any_warehouse_is_loaded_device_effects_go_to_mqtt() -> None:
    router = EffectRouter(Catalogs())
    mqtt, http = RecordingTransport(), RecordingTransport()
    router.attach("mqtt", mqtt)
    router.attach("http", http)
    view = ScannerView("hh-1", {"screen": "login"})
    router([view])
    assert mqtt.effects == [view] and http.effects == []


def test_a_failing_transport_does_not_keep_effects_from_the_others(harness: Harness) -> None:
    router, mqtt, http = _wired(harness)

    class Broken:
        def publish_effects(self, effects: Sequence[Effect]) -> None:
            raise ConnectionError("broker gone")

    router.attach("mqtt", Broken())
    change = StateChanged()
    router([change, ScannerView("hh-1", {"screen": "login"})])  # does not raise
    assert http.effects == [change, ScannerView("hh-1", {"screen": "login"})]
    assert mqtt.effects == []


def test_the_real_flow_routes_an_http_handhelds_view_to_http_only(harness: Harness) -> None:
    _, mqtt, http = _wired(harness)
    harness.intake("SHOP-1", ("MUG", 1))
    harness.scan("hh-1", "P-1")  # Ana logs in on the HTTP handheld and gets the pick list
    # (Inline, the plan's view reaches the router before the login's "planning" one: the
    # planner is the sink before it. Hence "some view", not "the last view".)
    stops = [
        e.view["stop"] for e in http.to("hh-1") if isinstance(e, ScannerView) and "stop" in e.view
    ]
    assert [s["bin"] for s in stops] == ["A-02-1-A"]
    assert mqtt.to("hh-1") == []
    assert [type(e) for e in mqtt.to("ptl-A")] == [LightOn]  # the shelf is still MQTT's


def test_a_reloaded_description_routes_at_once(harness: Harness) -> None:
    router, mqtt, http = _wired(harness)
    assert router.transport_of("scan-2") == "mqtt"
    desc = handheld_warehouse()
    next(d for d in desc["devices"] if d["id"] == "scan-2")["transport"] = "http"
    load_warehouse(harness, desc)
    assert router.transport_of("scan-2") == "http"
    harness.scan("scan-2", "P-2")
    assert any(isinstance(e, ScannerView) for e in http.to("scan-2"))
    assert mqtt.to("scan-2") == []


def test_live_weight_of_a_scale_added_by_a_reload_reaches_its_stations_screens(
    harness: Harness,
) -> None:
    router, mqtt, http = _wired(harness)
    router.live_weight(LiveWeight("scale-new", 1200, False))
    assert http.batches == [] and mqtt.batches == []  # not a scale of this site yet
    desc = handheld_warehouse()
    desc["pack_stations"].append({"id": "PS-3"})
    desc["devices"].append({"id": "scale-new", "kind": "scale", "station": "PS-3"})
    load_warehouse(harness, desc)
    assert harness.service.catalogs.current is not None
    assert harness.service.catalogs.current.station_of("scale-new") == "PS-3"
    router.live_weight(LiveWeight("scale-new", 1200, False))
    shown = StationWeight("PS-3", "scale-new", 1200, False)
    assert [e for e in http.effects if isinstance(e, StationWeight)] == [shown]
    assert http.batches[-1] == [shown]  # on its own, not waiting for a commit
