"""The demo's simulated people know the PINs its warehouse asks for, and type them."""

from __future__ import annotations

import random

from edge.demo import devices_from_description
from edge.devices.brain import ScannerBrain, Send, SimOptions
from edge.staff import pin_matches
from edge.warehouse import demo_description_path, load_description

PIN_SCREEN = {"screen": "pin", "expect": "pin", "who": "Fatima", "message": "Enter your PIN"}


def test_every_simulated_badge_with_a_pin_hash_has_the_matching_pin() -> None:
    desc = load_description(demo_description_path())
    hashes = {s.badge: s.pin_hash for s in desc.staff}
    simulated = [d for d in devices_from_description(desc) if d.badge]
    with_pin = [d for d in simulated if hashes[d.badge or ""]]
    assert with_pin, "the demo gives at least one simulated person a PIN"
    for device in simulated:
        pin_hash = hashes[device.badge or ""]
        if pin_hash:
            assert device.pin is not None and pin_matches(device.pin, pin_hash)
        else:
            assert device.pin is None
        assert device.pin is None or device.pin not in repr(device)


def test_a_simulated_person_types_the_pin_when_asked_and_only_then() -> None:
    desc = load_description(demo_description_path())
    fatima = next(d for d in devices_from_description(desc) if d.pin)
    brain = ScannerBrain(fatima, SimOptions.instant(seed=1), random.Random(1))
    assert brain.on_view({"screen": "login", "expect": "badge"}) == [
        Send(0.0, "scan", {"code": fatima.badge})
    ]
    assert brain.on_view(PIN_SCREEN) == [Send(0.0, "pin", {"pin": fatima.pin})]
    ana = next(d for d in devices_from_description(desc) if d.badge == "P-1001")
    # Without the PIN there is nothing to type: the person stays on the screen.
    assert ScannerBrain(ana, SimOptions.instant(seed=1), random.Random(1)).on_view(PIN_SCREEN) == []
