"""The one effect router: each device's effects go out by its own transport (MQTT or HTTP)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from edge.catalog import Catalogs
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

log = logging.getLogger(__name__)

DeviceEffect = LightOn | LightOff | ScannerView | DeviceError


class Transport(Protocol):
    """How effects reach the devices of one transport (Frigate's "communicator")."""

    def publish_effects(self, effects: Sequence[Effect]) -> None:
        """Carry out effects after their commit (skipping those it has no use for); never
        blocks for long, never raises."""


class EffectRouter:
    """A runtime sink: device effects by the device's transport (`Device.transport` in the
    warehouse description, "mqtt" for a device it does not know), state changes and live
    weights to every transport that shows them. The catalog is the one in force now, so a
    reloaded warehouse routes at once."""

    def __init__(self, catalogs: Catalogs) -> None:
        self._catalogs = catalogs
        self._transports: dict[str, Transport] = {}

    def attach(self, name: str, transport: Transport) -> None:
        self._transports[name] = transport

    def detach(self, name: str) -> None:
        self._transports.pop(name, None)

    def transport_of(self, device_id: str) -> str:
        cat = self._catalogs.current
        return cat.transport_of(device_id) if cat is not None else "mqtt"

    def __call__(self, effects: Sequence[Effect]) -> None:
        batches: dict[str, list[Effect]] = {name: [] for name in self._transports}
        for effect in effects:
            if isinstance(effect, DeviceEffect):
                target = batches.get(self.transport_of(effect.device_id))
                if target is not None:
                    target.append(effect)
            elif isinstance(effect, StateChanged):
                for batch in batches.values():
                    batch.append(effect)
        for name, batch in batches.items():
            if batch:
                _safely(self._transports[name].publish_effects, batch)

    def live_weight(self, reading: LiveWeight) -> None:
        """A settling or stable scale reading: to the screens at the scale's station."""
        cat = self._catalogs.current
        station = cat.station_of(reading.device_id) if cat is not None else None
        if station is None:
            return
        shown = [StationWeight(station, reading.device_id, reading.grams, reading.stable)]
        for transport in self._transports.values():
            _safely(transport.publish_effects, shown)


def _safely(fn: Callable[..., None], *args: object) -> None:
    try:
        fn(*args)
    except Exception:
        log.exception("a transport failed to carry effects")
