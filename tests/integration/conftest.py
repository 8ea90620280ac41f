"""Fixtures for integration tests: a private Mosquitto with the project's own config."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.broker import Mosquitto, private_broker
from tests.support.link import LinkFactory, unique
from tests.support.service_process import ServiceProcess

SERVICE_USER = "edge-service"


@pytest.fixture(scope="session")
def mosquitto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mosquitto]:
    """A broker on a free port for the whole session; add users with add_user(user)."""
    broker = private_broker(Path(tmp_path_factory.mktemp("mosquitto")), SERVICE_USER)
    if broker is None:
        pytest.skip(
            "mosquitto and mosquitto_passwd are not installed "
            "(e.g. apt-get install mosquitto); integration tests need a real broker"
        )
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture
def links(mosquitto: Mosquitto) -> Iterator[LinkFactory]:
    factory = LinkFactory(mosquitto)
    yield factory
    for link in factory.links:
        link.stop()


@pytest.fixture
def site() -> str:
    # One site per test keeps retained statuses and queued messages of other tests away.
    return unique("t")


@pytest.fixture
def service(mosquitto: Mosquitto, tmp_path: Path) -> Iterator[ServiceProcess]:
    """The real service (`python -m edge serve`, demo warehouse) against the broker."""
    svc = ServiceProcess(mosquitto, tmp_path / "svc")
    svc.start()
    try:
        yield svc
    finally:
        svc.stop()
