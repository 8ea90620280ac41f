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
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CONF = REPO / "deploy" / "mosquitto.conf"
ACL = REPO / "deploy" / "mosquitto.acl"

# Settings that name this machine's files or ports; the test broker supplies its own.
_REPLACED = {
    "listener",
    "password_file",
    "acl_file",
    "persistence_location",
    "log_dest",
    "pid_file",
    "user",
    "include_dir",
    "certfile",
    "keyfile",
    "cafile",
    "tls_version",
}


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


def broker_config(conf_text: str, port: int, workdir: Path, *, log_all: bool = True) -> str:
    """The shipped config with the listener, file paths and persistence moved to workdir.
    log_all adds per-message logging for test diagnosis (benchmarks leave it off)."""
    lines: list[str] = []
    for line in conf_text.splitlines():
        words = line.split()
        if words and not words[0].startswith("#") and words[0] in _REPLACED:
            if words[0] == "listener" and not any(x.startswith("listener ") for x in lines):
                lines.append(f"listener {port} 127.0.0.1")
            continue
        lines.append(line)
    if not any(x.startswith("listener ") for x in lines):
        lines.append(f"listener {port} 127.0.0.1")
    lines += [
        f"password_file {workdir / 'passwd'}",
        f"acl_file {workdir / 'acl'}",
        f"persistence_location {workdir}/",
        f"log_dest file {workdir / 'mosquitto.log'}",
        *(["log_type all"] if log_all else []),
        # Run as whoever runs the tests (as root mosquitto would switch to "mosquitto" and
        # lose access to the temporary files).
        f"user {getpass.getuser()}",
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
    """One broker process on a free port; users get random passwords made at test time."""

    host = "127.0.0.1"

    def __init__(
        self, binary: str, passwd_binary: str, workdir: Path, *, log_all: bool = True
    ) -> None:
        self._binary = binary
        self._passwd_binary = passwd_binary
        self.workdir = workdir
        self.port = free_port()
        self._passwords: dict[str, str] = {}
        self._proc: subprocess.Popen[bytes] | None = None
        workdir.mkdir(parents=True, exist_ok=True)
        conf = broker_config(CONF.read_text(encoding="utf-8"), self.port, workdir, log_all=log_all)
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
        """Create a user with a random password (idempotent) and make the broker reload."""
        if user in self._passwords:
            return self._passwords[user]
        password = secrets.token_urlsafe(18)
        subprocess.run(
            [self._passwd_binary, "-b", str(self.workdir / "passwd"), user, password],
            check=True,
            capture_output=True,
        )
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


def private_broker(workdir: Path, *users: str) -> Mosquitto | None:
    """A started broker with these users, or None when Mosquitto is not installed."""
    binary, passwd = find_binary("mosquitto"), find_binary("mosquitto_passwd")
    if binary is None or passwd is None:
        return None
    broker = Mosquitto(binary, passwd, workdir)
    broker.add_users(*users)
    broker.start()
    return broker
