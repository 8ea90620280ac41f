"""Fixtures: a private PostgreSQL cluster (one a session, a database a test), a fake gateway."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import psycopg
import pytest

from cloud_sync.pull import pg
from tests.support.postgres import PrivateCluster, cluster_or_skip
from tests.unit.cloud.fake_gateway import FakeGateway

_numbers = itertools.count()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PrivateCluster]:
    with cluster_or_skip() as cluster:
        yield cluster


@pytest.fixture
def dsn(pg_cluster: PrivateCluster) -> str:
    return pg_cluster.create_database(f"t{next(_numbers)}")


@pytest.fixture
def conn(dsn: str) -> Iterator[psycopg.Connection[object]]:
    with psycopg.connect(dsn, autocommit=True) as c:
        pg.migrate(c)
        yield c


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    gw = FakeGateway().start()
    try:
        yield gw
    finally:
        gw.stop()
