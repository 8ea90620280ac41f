"""One site id everywhere: config, description and store agree, or nothing starts (finding 2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from edge.__main__ import main
from edge.app import create_app, start
from edge.config import ConfigError, load_settings
from edge.messages import LoadWarehouse, Origin
from edge.model import DomainError
from edge.warehouse import parse_description
from tests.support.harness import Harness, small_warehouse

ADMIN = {"X-API-Key": "test-key"}


def _other_site() -> dict[str, Any]:
    desc = small_warehouse()
    desc["site"] = {**desc["site"], "id": "dc-north"}
    return desc


def test_a_description_of_another_site_is_refused_by_the_core(harness: Harness) -> None:
    before = harness.service.catalog().description.site.id
    with pytest.raises(DomainError) as refused:
        harness.handle(
            LoadWarehouse(Origin("test", harness.clock.now), parse_description(_other_site()))
        )
    assert refused.value.code == "invalid"
    assert str(refused.value) == "site.id: 'dc-north' is not this service's site 't1'"
    assert harness.service.catalog().description.site.id == before
    with harness.service.read() as tx:
        assert tx.value("SELECT count(*) FROM warehouse_loads") == 1


def test_put_warehouse_of_another_site_is_422_naming_site_id(harness: Harness) -> None:
    with TestClient(create_app(harness.service), raise_server_exceptions=False) as client:
        r = client.put("/api/v1/warehouse", json=_other_site(), headers=ADMIN)
        assert r.status_code == 422, r.text
        assert r.json()["detail"].startswith("site.id: 'dc-north'")
        same = small_warehouse()
        same["stock"][0]["qty"] = 11  # the same site may change its description
        assert client.put("/api/v1/warehouse", json=same, headers=ADMIN).status_code == 200
        assert client.get("/api/v1/warehouse", headers=ADMIN).json()["site"]["id"] == "t1"


def _config(tmp_path: Path, site: str) -> Path:
    wh = tmp_path / "warehouse.json"
    wh.write_text(json.dumps(small_warehouse()))  # site t1
    cfg = tmp_path / "edge.toml"
    cfg.write_text(f'site = "{site}"\ndata_dir = "{tmp_path}"\nwarehouse_file = "{wh}"\n')
    return cfg


def test_check_config_refuses_a_site_mismatch_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check-config", "--config", str(_config(tmp_path, "dc-north"))]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert err.startswith("edge: site: the config says 'dc-north' but the warehouse description")
    assert err.endswith("is for site 't1'; make them the same")
    assert main(["check-config", "--config", str(_config(tmp_path, "t1"))]) == 0


def test_serve_refuses_a_site_mismatch_before_starting(tmp_path: Path) -> None:
    settings = load_settings(None, site="dc-north", data_dir=tmp_path, http={"port": 0})
    with pytest.raises(ConfigError, match=r"^site: the config says 'dc-north'"):
        start(settings, parse_description(small_warehouse()), mqtt=False)


def test_serve_refuses_a_database_of_another_site(harness: Harness, tmp_path: Path) -> None:
    # The harness's database (tmp_path/edge.db) holds site t1; a config and description of
    # dc-north pointed at it must not start.
    harness.service.db.close()
    settings = load_settings(None, site="dc-north", data_dir=tmp_path, http={"port": 0})
    with pytest.raises(ConfigError) as refused:
        start(settings, parse_description(_other_site()), mqtt=False)
    assert str(refused.value).startswith("site: the config says 'dc-north' but the database")
    assert str(refused.value).endswith("holds site 't1'; use that site's database")
