"""[cloud.nats] in the gateway's config: defaults, secrets from the environment, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.config import ConfigError, load_settings


def test_absent_section_means_no_publisher_and_defaults_name_the_site_stream() -> None:
    assert load_settings().cloud.nats is None
    cfg = load_settings(cloud={"nats": {}}).cloud.nats
    assert cfg is not None
    assert (cfg.url, cfg.stream, cfg.subject, cfg.user) == (
        "nats://127.0.0.1:4222",
        "",
        "",
        "edge-service",
    )


def test_the_password_comes_from_the_environment_and_never_shows(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "edge.toml"
    path.write_text('[cloud.nats]\nurl = "nats://127.0.0.1:4222"\n', encoding="utf-8")
    monkeypatch.setenv("EDGE_CLOUD__NATS__PASSWORD", "s3cret-pass")
    cfg = load_settings(path).cloud.nats
    assert cfg is not None and cfg.password is not None
    assert cfg.password.get_secret_value() == "s3cret-pass"
    assert "s3cret" not in repr(cfg)


@pytest.mark.parametrize(
    ("nats", "field"),
    [
        ({"url": "nats://edge:pw@127.0.0.1:4222"}, "cloud.nats.url"),  # no secret in a URL
        ({"url": "http://127.0.0.1:4222"}, "cloud.nats.url"),
        ({"stream": "FEED.site"}, "cloud.nats.stream"),
        ({"subject": "feed site"}, "cloud.nats.subject"),
        ({"credentials_file": "/nonexistent/edge.creds"}, "cloud.nats.credentials_file"),
        ({"urls": ["nats://127.0.0.1:4222"]}, "cloud.nats.urls"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_field(nats: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(cloud={"nats": nats})
    assert field in str(err.value) and "\n" not in str(err.value)
