"""The `edge` command: one readable line and exit 2 for bad input, never a traceback."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from edge.__main__ import main
from edge.staff import pin_matches
from tests.support.harness import small_warehouse


def _config(tmp_path: Path, warehouse: dict | None = None, extra: str = "") -> Path:
    wh = tmp_path / "warehouse.json"
    wh.write_text(json.dumps(warehouse or small_warehouse()))
    cfg = tmp_path / "edge.toml"
    cfg.write_text(f'data_dir = "{tmp_path}"\nwarehouse_file = "{wh}"\n{extra}')
    return cfg


def test_check_config_accepts_a_good_setup(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["check-config", "--config", str(_config(tmp_path))]) == 0
    assert "config ok: site demo, warehouse t1 with 72 bins, 4 SKUs" in capsys.readouterr().out


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
    assert "schema version 4" in capsys.readouterr().out  # 0004 dropped the mirror tables


def test_serve_refuses_to_start_without_an_api_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--config", str(_config(tmp_path))]) == 2
    assert "cloud.api_keys: set at least one key" in capsys.readouterr().err


def test_hash_pin_reads_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setattr("sys.stdin", io.StringIO("4821\n"))
    assert main(["hash-pin"]) == 0
    assert pin_matches("4821", capsys.readouterr().out.strip())
    monkeypatch.setattr("sys.stdin", io.StringIO("12\n"))
    assert main(["hash-pin"]) == 2
