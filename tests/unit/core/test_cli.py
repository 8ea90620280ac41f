"""The `edge` command: one readable line and exit 2 for bad input, never a traceback."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import sqlite_utils

from edge.__main__ import main
from edge.config import load_settings
from edge.staff import pin_matches
from edge.store import migrations
from tests.support.harness import small_warehouse


def _config(tmp_path: Path, warehouse: dict | None = None, extra: str = "") -> Path:
    wh = tmp_path / "warehouse.json"
    wh.write_text(json.dumps(warehouse or small_warehouse()))
    cfg = tmp_path / "edge.toml"
    cfg.write_text(f'site = "t1"\ndata_dir = "{tmp_path}"\nwarehouse_file = "{wh}"\n{extra}')
    return cfg


def test_check_config_accepts_a_good_setup(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["check-config", "--config", str(_config(tmp_path))]) == 0
    assert "config ok: site t1, warehouse t1 with 72 bins, 4 SKUs" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "warehouse_change", "expected"),
    [
        ("[http]\nport = -1\n", None, "http.port: Input should be greater than or equal to 0"),
        ("surprise = 1\n", None, "surprise: Extra inputs are not permitted"),
        ("", {"box_types": [{"id": "S"}]}, "warehouse.json: box_types[0].inner_mm: Field required"),
    ],
)
def test_bad_setups_are_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: str,
    warehouse_change: dict | None,
    expected: str,
) -> None:
    warehouse = {**small_warehouse(), **(warehouse_change or {})}
    assert main(["check-config", "--config", str(_config(tmp_path, warehouse, extra))]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert err.startswith("edge: ")


def test_migrate_creates_the_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "--config", str(_config(tmp_path))]) == 0
    newest = len(migrations.pending(sqlite_utils.Database(memory=True)))
    assert f"schema version {newest}" in capsys.readouterr().out  # every migration applied


def test_serve_refuses_to_start_without_an_api_client(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--config", str(_config(tmp_path))]) == 2
    assert "api.clients: configure at least one API client with a key" in capsys.readouterr().err
    # A client named in the file whose key the environment does not give cannot call either.
    named = _config(tmp_path, extra='[api.clients.shop]\nroles = ["intake"]\n')
    assert main(["serve", "--config", str(named)]) == 2
    assert "api.clients: configure at least one" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "env"),
    [
        ('[cloud]\napi_keys = ["k"]\n', {}),
        ("", {"EDGE_CLOUD__API_KEYS": '["k"]'}),
    ],
)
def test_the_old_api_keys_point_to_api_clients(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    extra: str,
    env: dict[str, str],
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for command in ("check-config", "serve"):
        assert main([command, "--config", str(_config(tmp_path, extra=extra))]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err
        assert "api_keys is gone" in err and "[api.clients.shop]" in err
        assert "EDGE_API__CLIENTS__SHOP__KEYS" in err


def test_client_roles_from_the_file_and_keys_from_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """pydantic-settings deep-merges the two: the roles stay, the keys join them."""
    monkeypatch.setenv("EDGE_API__CLIENTS__SHOP__KEYS", '["old-key", "new-key"]')
    extra = '[api.clients.shop]\nroles = ["intake"]\n[api.clients.cloud]\nroles = ["feed"]\n'
    cfg = _config(tmp_path, extra=extra)
    settings = load_settings(cfg)
    shop = settings.api.clients["shop"]
    assert shop.roles == ["intake"]
    assert [k.get_secret_value() for k in shop.keys] == ["old-key", "new-key"]
    assert main(["check-config", "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "API client shop: roles intake; 2 key(s)" in out
    assert "API client cloud: roles feed; no key: cannot call" in out
    assert "old-key" not in out and "new-key" not in out


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ('[api.clients.Shop]\nroles = ["intake"]\n', "api.clients.Shop.[key]: String should match"),
        ('[api.clients.shop]\nroles = ["root"]\n', "api.clients.shop.roles.0: Input should be"),
        ("[api.clients.shop]\nroles = []\n", "api.clients.shop.roles: List should have at least"),
        (
            '[api.clients.a]\nroles = ["feed"]\nkeys = ["k1"]\n'
            '[api.clients.b]\nroles = ["admin"]\nkeys = ["k1"]\n',
            "a and b share a key",
        ),
    ],
)
def test_bad_api_clients_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str, expected: str
) -> None:
    assert main(["check-config", "--config", str(_config(tmp_path, extra=extra))]) == 2
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1, err


def test_the_example_config_parses(monkeypatch: pytest.MonkeyPatch) -> None:
    example = Path(__file__).resolve().parents[3] / "deploy" / "edge.example.toml"
    monkeypatch.setenv("EDGE_API__CLIENTS__CLOUD__KEYS", '["k"]')
    settings = load_settings(example)
    assert {n: c.roles for n, c in settings.api.clients.items()} == {
        "shop": ["intake"],
        "carrier-desk": ["carrier"],
        "cloud": ["feed"],
        "prometheus": ["metrics"],
    }
    assert settings.api.max_warehouse_body_mb == 64


def test_hash_pin_reads_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setattr("sys.stdin", io.StringIO("4821\n"))
    assert main(["hash-pin"]) == 0
    assert pin_matches("4821", capsys.readouterr().out.strip())
    monkeypatch.setattr("sys.stdin", io.StringIO("12\n"))
    assert main(["hash-pin"]) == 2
