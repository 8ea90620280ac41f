"""A private Mosquitto for integration tests, started from the project's own deploy config."""

from __future__ import annotations

import getpass
import os
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CONF = REPO / "deploy" / "mosquitto.conf"
ACL = REPO / "deploy" / "mosquitto.acl"
SERVICE_USER = "edge-service"

# What provisioning appends to the ACL for each device (deploy/mosquitto-passwd.md): the
# service's presence is the one topic every device reads that does not contain its id.
DEVICE_ACL = "user {user}\ntopic read wh/+/service/edge/status\n"
# A second service-like user (its own session: the broker names a session after its user).
SERVICE_ACL = "user {user}\ntopic readwrite wh/#\n"

# Settings that name this machine's files or ports; the test broker supplies its own.
_REPLACED = {
    "password_file",
    "acl_file",
    "persistence_location",
    "log_dest",
    "pid_file",
    "user",
    "include_dir",
}
# The TLS listener's files: the test's own CA and server certificate, or no TLS listener.
_TLS_FILES = {"certfile", "keyfile", "cafile", "capath"}
# Options that belong to the listener above them (dropped with a listener the test omits).
_LISTENER_OPTIONS = {
    *_TLS_FILES,
    "tls_version",
    "ciphers",
    "ciphers_tls1.3",
    "crlfile",
    "dhparamfile",
    "require_certificate",
    "use_identity_as_username",
    "use_subject_as_username",
    "use_username_as_clientid",
    "protocol",
    "socket_domain",
    "bind_interface",
    "max_connections",
    "mount_point",
    "http_dir",
}


@dataclass(frozen=True)
class TlsFiles:
    """PEM files for the TLS listener: the CA, the server's certificate chain and its key."""

    cafile: Path
    certfile: Path
    keyfile: Path


def find_binary(name: str) -> str | None:
    """The binary on PATH or in the sbin directories a non-root PATH often lacks."""
    found = shutil.which(name)
    if found:
        return found
    for folder in ("/usr/sbin", "/usr/local/sbin", "/sbin"):
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _option(line: str) -> str:
    """The option a config line sets ("" for a blank line, "#" for a comment)."""
    words = line.split()
    return words[0] if words else ""


def broker_config(
    conf_text: str,
    port: int,
    workdir: Path,
    *,
    log_all: bool = True,
    tls: TlsFiles | None = None,
    tls_port: int | None = None,
    run_as: str | None = None,
    log_to_file: bool = True,
) -> str:
    """The shipped config with its listeners on loopback ports and its file paths and
    persistence moved to workdir. The plain listener gets `port`; the TLS listener (the one
    with a certfile) gets `tls_port` and the files of `tls`, or is left out without them.
    Every other listener option (use_username_as_clientid, tls_version) stays as shipped.
    log_all adds per-message logging for test diagnosis (benchmarks leave it off);
    log_to_file False keeps the shipped log_dest; run_as is the user Mosquitto switches to
    when started as root (default: whoever runs the tests)."""
    preamble: list[str] = []
    blocks: list[list[str]] = []  # each listener line with the lines below it
    for line in conf_text.splitlines():
        if _option(line) == "listener":
            blocks.append([line])
        else:
            (blocks[-1] if blocks else preamble).append(line)

    def keep(line: str) -> bool:
        option = _option(line)
        if option not in _REPLACED:
            return True
        return option == "log_dest" and not log_to_file

    lines = [x for x in preamble if keep(x)]
    plain_done = False
    for block in blocks:
        is_tls = any(_option(x) == "certfile" for x in block)
        if (is_tls and (tls is None or tls_port is None)) or (not is_tls and plain_done):
            # Left out: its own options would otherwise land on the listener above.
            lines += [x for x in block[1:] if keep(x) and _option(x) not in _LISTENER_OPTIONS]
            continue
        if is_tls:
            assert tls is not None
            files = {"cafile": tls.cafile, "certfile": tls.certfile, "keyfile": tls.keyfile}
            lines.append(f"listener {tls_port} 127.0.0.1")
            for line in block[1:]:
                option = _option(line)
                if option in _TLS_FILES:
                    if option in files:
                        lines.append(f"{option} {files[option]}")
                elif keep(line):
                    lines.append(line)
        else:
            plain_done = True
            lines.append(f"listener {port} 127.0.0.1")
            lines += [x for x in block[1:] if keep(x)]
    if not plain_done:
        lines.append(f"listener {port} 127.0.0.1")
    lines += [
        f"password_file {workdir / 'passwd'}",
        f"acl_file {workdir / 'acl'}",
        f"persistence_location {workdir}/",
        *([f"log_dest file {workdir / 'mosquitto.log'}"] if log_to_file else []),
        *(["log_type all"] if log_all else []),
        # As root mosquitto switches to this user (by default "mosquitto", which could not
        # reach the temporary files): whoever runs the tests unless told otherwise.
        f"user {run_as or getpass.getuser()}",
    ]
    return "\n".join(lines) + "\n"


def _connect_packet(client_id: str, username: str, password: str) -> bytes:
    def field(text: str) -> bytes:
        data = text.encode()
        return struct.pack("!H", len(data)) + data

    flags = 0x80 | 0x40 | 0x02  # username, password, clean session
    body = field("MQTT") + bytes([4, flags]) + struct.pack("!H", 10)
    body += field(client_id) + field(username) + field(password)
    size = len(body)
    remaining = bytearray()
    while True:
        byte, size = size % 128, size // 128
        remaining.append(byte | (0x80 if size else 0))
        if not size:
            break
    return bytes([0x10]) + bytes(remaining) + body


class Mosquitto:
    """One broker process on a free port; users get random passwords made at test time.
    With `tls` it also runs the shipped TLS listener, on `tls_port`."""

    host = "127.0.0.1"

    def __init__(
        self,
        binary: str,
        passwd_binary: str,
        workdir: Path,
        *,
        log_all: bool = True,
        tls: TlsFiles | None = None,
        run_as: str | None = None,
        log_to_file: bool = True,
    ) -> None:
        self._binary = binary
        self._passwd_binary = passwd_binary
        self.workdir = workdir
        self.port = free_port()
        self.tls_port: int | None = free_port() if tls is not None else None
        self._passwords: dict[str, str] = {}
        self._proc: subprocess.Popen[bytes] | None = None
        workdir.mkdir(parents=True, exist_ok=True)
        conf = broker_config(
            CONF.read_text(encoding="utf-8"),
            self.port,
            workdir,
            log_all=log_all,
            tls=tls,
            tls_port=self.tls_port,
            run_as=run_as,
            log_to_file=log_to_file,
        )
        (workdir / "mosquitto.conf").write_text(conf, encoding="utf-8")
        shutil.copyfile(ACL, workdir / "acl")
        (workdir / "passwd").write_text("", encoding="utf-8")
        (workdir / "passwd").chmod(0o600)

    # --- process ---------------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> None:
        with open(self.workdir / "stderr.log", "ab") as stderr:
            self._proc = subprocess.Popen(
                [self._binary, "-c", str(self.workdir / "mosquitto.conf")],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"mosquitto exited at start:\n{self.log_tail()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"mosquitto did not listen on port {self.port}:\n{self.log_tail()}")

    def stop(self) -> None:
        """Terminate (persistence is saved on a clean exit) and wait."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def kill9(self) -> None:
        """Crash: SIGKILL, so nothing is saved beyond the last periodic snapshot."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)

    def restart(self) -> None:
        """Stop and start on the same port, keeping users and persisted sessions."""
        self.stop()
        self.start()

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        out: list[str] = []
        for name in ("mosquitto.log", "stderr.log"):
            path = self.workdir / name
            if path.exists():
                out += path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
        return "\n".join(out)

    # --- users -----------------------------------------------------------------------------

    def password_for(self, user: str) -> str | None:
        return self._passwords.get(user)

    def add_user(self, user: str) -> str:
        """Create a user with a random password (idempotent) and make the broker reload.
        A device user also gets its ACL lines, as provisioning appends them."""
        acl = "" if user == SERVICE_USER else DEVICE_ACL.format(user=user)
        return self._create(user, acl)

    def add_service_user(self, user: str) -> str:
        """A user with the service's rights (`wh/#`) under another name. The broker forces
        the client id to the username, so this is how a test gets a service session of its
        own, apart from the shared `edge-service` one."""
        return self._create(user, SERVICE_ACL.format(user=user))

    def _create(self, user: str, acl_lines: str) -> str:
        if user in self._passwords:
            return self._passwords[user]
        password = secrets.token_urlsafe(18)
        subprocess.run(
            [self._passwd_binary, "-b", str(self.workdir / "passwd"), user, password],
            check=True,
            capture_output=True,
        )
        if acl_lines:
            with open(self.workdir / "acl", "a", encoding="utf-8") as acl:
                acl.write(acl_lines)
        self._passwords[user] = password
        if self.running:
            assert self._proc is not None
            self._proc.send_signal(signal.SIGHUP)
            self._wait_accepts(user, password)
        return password

    def add_users(self, *users: str) -> None:
        for user in users:
            self.add_user(user)

    def _wait_accepts(self, user: str, password: str, timeout: float = 5.0) -> None:
        # SIGHUP reloads asynchronously: probe with a bare CONNECT until the CONNACK says yes.
        # The broker names the probe's session after the user (use_username_as_clientid):
        # a clean session of a user nobody uses yet, so it disturbs no one.
        probe = _connect_packet(f"probe-{secrets.token_hex(4)}", user, password)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with socket.create_connection((self.host, self.port), timeout=2) as sock:
                sock.sendall(probe)
                connack = sock.recv(4)
                sock.sendall(b"\xe0\x00")  # DISCONNECT
            if len(connack) == 4 and connack[3] == 0:
                return
            time.sleep(0.05)
        raise RuntimeError(f"broker did not accept new user {user!r}:\n{self.log_tail()}")


def private_broker(workdir: Path, *users: str, tls: TlsFiles | None = None) -> Mosquitto | None:
    """A started broker with these users, or None when Mosquitto is not installed."""
    binary, passwd = find_binary("mosquitto"), find_binary("mosquitto_passwd")
    if binary is None or passwd is None:
        return None
    broker = Mosquitto(binary, passwd, workdir, tls=tls)
    broker.add_users(*users)
    broker.start()
    return broker


@contextmanager
def broker_or_skip(workdir: Path, *users: str) -> Iterator[Mosquitto]:
    """A started broker for one test, stopped after it; the test skips without Mosquitto."""
    started = private_broker(workdir, *users)
    if started is None:
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    try:
        yield started
    finally:
        started.stop()
