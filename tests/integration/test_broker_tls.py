"""The shipped TLS listener (8883) with a test CA, and the shipped config starting cleanly."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import ssl
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
import trustme
from paho.mqtt.enums import CallbackAPIVersion

from tests.support.broker import (
    SERVICE_USER,
    Mosquitto,
    TlsFiles,
    find_binary,
    private_broker,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

DEVICE = "scanner-01"
WAIT_S = 10.0


def _tls_files(folder: Path, ca: trustme.CA) -> TlsFiles:
    """The CA and a server certificate for the broker's loopback address, as PEM files."""
    folder.mkdir(parents=True, exist_ok=True)
    server = ca.issue_cert("127.0.0.1", "localhost")
    files = TlsFiles(folder / "ca.crt", folder / "server.crt", folder / "server.key")
    ca.cert_pem.write_to_path(str(files.cafile))
    files.certfile.write_bytes(b"".join(blob.bytes() for blob in server.cert_chain_pems))
    server.private_key_pem.write_to_path(str(files.keyfile))
    files.keyfile.chmod(0o600)
    return files


@pytest.fixture
def tls_broker(tmp_path: Path) -> Iterator[tuple[Mosquitto, TlsFiles]]:
    files = _tls_files(tmp_path / "certs", trustme.CA())
    broker = private_broker(tmp_path / "broker", SERVICE_USER, DEVICE, tls=files)
    if broker is None:
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    try:
        yield broker, files
    finally:
        broker.stop()


def _client(broker: Mosquitto, user: str, ca_file: Path | None) -> tuple[mqtt.Client, Any]:
    """A client for the TLS port (trusting `ca_file`, or speaking plain MQTT without it),
    connected in the background; the event is set once the broker accepted it."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=user)
    client.username_pw_set(user, broker.password_for(user))
    if ca_file is not None:
        client.tls_set(ca_certs=str(ca_file))
    accepted = threading.Event()
    client.on_connect = lambda c, u, f, rc, p: None if rc.is_failure else accepted.set()
    assert broker.tls_port is not None
    client.connect(broker.host, broker.tls_port)
    client.loop_start()
    return client, accepted


def test_a_device_and_the_service_exchange_an_event_over_tls(
    tls_broker: tuple[Mosquitto, TlsFiles],
) -> None:
    broker, files = tls_broker
    got: list[dict[str, Any]] = []
    arrived, subscribed = threading.Event(), threading.Event()
    service, service_ok = _client(broker, SERVICE_USER, files.cafile)
    service.on_subscribe = lambda *args: subscribed.set()

    def on_message(client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        got.append(json.loads(message.payload))
        arrived.set()

    service.on_message = on_message
    device, device_ok = _client(broker, DEVICE, files.cafile)
    try:
        assert service_ok.wait(WAIT_S) and device_ok.wait(WAIT_S), broker.log_tail()
        service.subscribe("wh/demo/+/+/evt", qos=1)
        assert subscribed.wait(WAIT_S)
        body = {"msg_id": "over-tls", "type": "next"}
        info = device.publish(f"wh/demo/scanner/{DEVICE}/evt", json.dumps(body), qos=1)
        info.wait_for_publish(WAIT_S)
        assert arrived.wait(WAIT_S) and got == [body]
        sock = device.socket()
        assert isinstance(sock, ssl.SSLSocket) and sock.version() in {"TLSv1.2", "TLSv1.3"}
    finally:
        for client in (device, service):
            client.disconnect()
            client.loop_stop()


def test_plain_mqtt_to_the_tls_port_is_refused(tls_broker: tuple[Mosquitto, TlsFiles]) -> None:
    broker, _ = tls_broker
    client, accepted = _client(broker, DEVICE, None)
    try:
        assert not accepted.wait(2.0), "a plain MQTT client connected to the TLS listener"
    finally:
        client.disconnect()
        client.loop_stop()


def test_a_client_trusting_another_ca_is_refused(tls_broker: tuple[Mosquitto, TlsFiles]) -> None:
    broker, _ = tls_broker
    other = trustme.CA()
    with tempfile.NamedTemporaryFile(suffix=".pem") as other_ca:
        other.cert_pem.write_to_path(other_ca.name)
        with pytest.raises(ssl.SSLCertVerificationError):
            _client(broker, DEVICE, Path(other_ca.name))


def test_the_shipped_config_starts_and_logs_without_a_warning() -> None:
    # As installed: started as root, Mosquitto drops to the "mosquitto" user and keeps
    # logging (the shipped log_dest, not a test file); both listeners, ACL, passwords.
    binary, passwd = find_binary("mosquitto"), find_binary("mosquitto_passwd")
    if binary is None or passwd is None:
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    as_root = os.geteuid() == 0
    try:
        service_user = pwd.getpwnam("mosquitto") if as_root else None
    except KeyError:
        pytest.skip("started as root but there is no 'mosquitto' user to drop to")
    # Not under pytest's tmp_path: its parents are private to root, the broker's user must
    # reach these files.
    workdir = Path(tempfile.mkdtemp(prefix="edge-mosquitto-"))
    try:
        files = _tls_files(workdir / "certs", trustme.CA())
        broker = Mosquitto(
            binary,
            passwd,
            workdir,
            log_all=False,
            tls=files,
            run_as="mosquitto" if as_root else None,
            log_to_file=False,
        )
        broker.add_users(SERVICE_USER, DEVICE)
        if service_user is not None:
            for path in [workdir, *workdir.rglob("*")]:
                os.chown(path, service_user.pw_uid, service_user.pw_gid)
        broker.start()
        try:
            client, accepted = _client(broker, DEVICE, files.cafile)
            assert accepted.wait(WAIT_S), broker.log_tail()
            client.disconnect()
            client.loop_stop()
            time.sleep(2.5)  # at least one snapshot (every ~2 s)
        finally:
            broker.stop()
        log = (workdir / "stderr.log").read_text(encoding="utf-8", errors="replace")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    assert "New client connected from 127.0.0.1" in log and f"as {DEVICE}" in log, log
    assert "Saving in-memory database" not in log  # every 2 s: not worth a log line
    problems = [line for line in log.splitlines() if "Warning" in line or "Error" in line]
    assert problems == [], log
