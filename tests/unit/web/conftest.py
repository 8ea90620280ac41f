"""Fixtures of the web tests: the harness with HTTP handhelds, its app and a TestClient."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from edge.app import create_app
from tests.support.harness import Harness, make_harness
from tests.support.web import handheld_warehouse, load_warehouse


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    h = make_harness(tmp_path)
    load_warehouse(h, handheld_warehouse())
    yield h
    h.service.db.close()


@pytest.fixture
def app(harness: Harness) -> FastAPI:
    return create_app(harness.service)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        try:
            yield c
        finally:
            app.state.hub.close()  # any stream still open ends, so the client can close
