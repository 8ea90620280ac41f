"""HTTPS: the service serves its pages and API over TLS when given a certificate and key."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import pytest
import trustme

from edge import app as edge_app
from edge.config import ConfigError, load_settings


def test_the_service_answers_over_https_with_the_configured_certificate(tmp_path: Path) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert.cert_chain_pems[0].write_to_path(str(tmp_path / "server.crt"))
    cert.private_key_pem.write_to_path(str(tmp_path / "server.key"))
    ca.cert_pem.write_to_path(str(tmp_path / "ca.crt"))
    settings = load_settings(
        None,
        data_dir=tmp_path / "data",
        http={
            "port": 0,
            "tls_certfile": str(tmp_path / "server.crt"),
            "tls_keyfile": str(tmp_path / "server.key"),
        },
    )
    running = edge_app.start(settings, edge_app.warehouse_from_settings(settings), mqtt=False)
    try:
        assert running.url.startswith("https://")
        answer = httpx.get(
            f"{running.url}/api/v1/health",
            verify=ssl.create_default_context(cafile=str(tmp_path / "ca.crt")),
        )
        assert answer.status_code == 200
        # A client that does not trust the site's CA is refused by TLS, not served.
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{running.url}/api/v1/health", verify=ssl.create_default_context())
        # Plain HTTP to the TLS port gets no page.
        with pytest.raises(httpx.HTTPError):
            httpx.get(running.url.replace("https://", "http://") + "/api/v1/health", timeout=3)
    finally:
        running.stop()


def test_half_a_tls_setup_stops_start_up_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "server.crt").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(None, http={"tls_certfile": str(tmp_path / "server.crt")})
    assert "tls_certfile and tls_keyfile" in str(err.value)
    assert "\n" not in str(err.value)
    with pytest.raises(ConfigError) as err:
        load_settings(
            None, http={"tls_certfile": str(tmp_path / "nope.crt"), "tls_keyfile": "nope.key"}
        )
    assert "not a readable file" in str(err.value)
