"""The config file (one line per mistake, keys by reference) and the page checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cloud_sync.pull.config import ConfigError, load
from cloud_sync.pull.main import main
from cloud_sync.pull.verify import canonical, content_hash, verify_page

GOOD = """
dsn = "host=/tmp dbname=cloud"
[[gateways]]
name = "dc-north"
url = "https://north.example:8443/"
key = "env:NORTH_FEED_KEY"
[[gateways]]
name = "dc-south"
url = "http://10.0.0.7:8080"
key = "file:{keyfile}"
"""


def _write(tmp_path: Path, text: str) -> Path:
    keyfile = tmp_path / "south.key"
    keyfile.write_text("south-secret\n")
    path = tmp_path / "pull.toml"
    path.write_text(text.replace("{keyfile}", str(keyfile)))
    return path


def test_keys_come_from_the_environment_or_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NORTH_FEED_KEY", "north-secret")
    cfg = load(_write(tmp_path, GOOD))
    assert [g.key.get_secret_value() for g in cfg.gateways] == ["north-secret", "south-secret"]
    assert cfg.gateways[0].url == "https://north.example:8443"
    assert "north-secret" not in repr(cfg)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("env:NORTH_FEED_KEY", "north-secret"), "gateways.0.key: write env:VARIABLE or file:"),
        (("env:NORTH_FEED_KEY", "env:ABSENT_KEY_VAR"), "environment variable ABSENT_KEY_VAR"),
        (('"dc-south"', '"dc-north"'), "gateway name 'dc-north' is used twice"),
        (("http://10.0.0.7:8080", "ftp://x"), "gateways.1.url: String should match pattern"),
        (('dsn = "host=/tmp dbname=cloud"', ""), "dsn: Field required"),
        (("[[gateways]]", "[[gateway]]"), "gateway: Extra inputs are not permitted"),
        (('"dc-north"', '"dc north"'), "gateways.0.name: String should match pattern"),
    ],
)
def test_a_bad_config_is_one_readable_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    change: tuple[str, str],
    expected: str,
) -> None:
    monkeypatch.setenv("NORTH_FEED_KEY", "north-secret")
    path = _write(tmp_path, GOOD.replace(*change, 1))
    with pytest.raises(ConfigError, match=expected.replace(".", r"\.")):
        load(path)
    assert main(["--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err and "north-secret" not in err


def test_a_missing_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load(tmp_path / "absent.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load(_write(tmp_path, "dsn = "))


def _chain(first: int, n: int, prev: int | None = None) -> list[dict[str, Any]]:
    out = []
    for seq in range(first, first + n):
        shipment = {"order_id": seq, "name": "Zoë"}
        p = (seq - 1) if prev is None or seq > first else prev
        out.append({"seq": seq, "prev_seq": p, "hash": content_hash(shipment), "record": shipment})
    return out


def test_an_intact_page_passes_with_canonical_text() -> None:
    page = _chain(5, 3)
    checked = verify_page(page, 4)
    assert checked.problem is None
    assert [r["record"] for r in checked.records] == [canonical(r["record"]) for r in page]
    assert "Zoë" in checked.records[0]["record"]  # the canonical form keeps UTF-8


def test_a_changed_record_stops_the_page_there() -> None:
    page = _chain(1, 4)
    page[2]["record"] = {**page[2]["record"], "order_id": 999}
    checked = verify_page(page, 0)
    assert [r["seq"] for r in checked.records] == [1, 2]
    assert checked.problem == "seq 3: hash does not match the record's content"


@pytest.mark.parametrize(
    ("page", "after", "problem"),
    [
        (_chain(6, 2), 4, "seq 6: prev_seq 5 is not the seq stored before it (4): a gap"),
        (_chain(5, 1) + _chain(7, 1), 4, "seq 7: prev_seq 6 is not the seq stored before it (5)"),
        (_chain(3, 1), 4, "seq 3: out of order after seq 4"),
        ([{"seq": 1}], 0, "after seq 0: a record without seq/prev_seq/hash/record"),
        ([{"seq": "1", "prev_seq": 0, "hash": "h", "record": {}}], 0, "must be integers"),
    ],
)
def test_a_gap_or_a_malformed_record_is_refused(
    page: list[dict[str, Any]], after: int, problem: str
) -> None:
    checked = verify_page(page, after)
    assert checked.problem is not None and problem in checked.problem


def test_the_first_record_of_a_stream_may_continue_from_an_earlier_epoch() -> None:
    assert verify_page(_chain(69, 2, prev=68), 0).problem is None
