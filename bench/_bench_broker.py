"""Benchmark processes: a private Mosquitto (shipped config) and the service as a subprocess."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx

# The private broker is started exactly as the integration tests start it: one copy of how
# the shipped config is moved into a temporary directory.
from tests.support.broker import Mosquitto, find_binary, free_port

REPO = Path(__file__).resolve().parents[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process (all its threads) has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Broker(Mosquitto):
    """The integration tests' private Mosquitto, without per-message logging, with every
    user made up front in one mosquitto_passwd call (dozens of devices)."""

    def __init__(self, workdir: Path, users: Iterable[str]) -> None:
        binary, passwd = find_binary("mosquitto"), find_binary("mosquitto_passwd")
        if binary is None or passwd is None:
            raise RuntimeError("mosquitto and mosquitto_passwd are needed (apt install mosquitto)")
        super().__init__(binary, passwd, workdir, log_all=False)
        self.binary = binary
        self.passwords = {user: secrets.token_urlsafe(18) for user in users}
        self._passwords.update(self.passwords)
        # One mosquitto_passwd call hashes the whole file (-U); it never leaves workdir.
        pw_file = workdir / "passwd"
        pw_file.write_text("".join(f"{u}:{p}\n" for u, p in self.passwords.items()))
        subprocess.run([passwd, "-U", str(pw_file)], check=True, capture_output=True)


class Service:
    """`python -m edge serve --config FILE` with the product's defaults (WAL, synchronous=FULL);
    the broker password and API key come through EDGE_* variables, never through files."""

    def __init__(self, broker: Broker, workdir: Path, warehouse_file: Path, site: str) -> None:
        self.broker = broker
        self.workdir = workdir
        self.port = free_port()
        self.api_key = secrets.token_urlsafe(16)
        self.proc: subprocess.Popen[bytes] | None = None
        self.http: httpx.Client | None = None
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "edge.toml").write_text(
            f'site = "{site}"\n'
            f"data_dir = {json.dumps(str(workdir))}\n"
            f"warehouse_file = {json.dumps(str(warehouse_file))}\n"
            "[mqtt]\n"
            f'host = "{broker.host}"\nport = {broker.port}\n'
            "[http]\n"
            f'host = "127.0.0.1"\nport = {self.port}\n',
            encoding="utf-8",
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def db_path(self) -> Path:
        return self.workdir / "edge.db"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 60.0) -> None:
        env = {
            **os.environ,
            "EDGE_MQTT__PASSWORD": self.broker.passwords["edge-service"],
            "EDGE_CLOUD__API_KEYS": json.dumps([self.api_key]),
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "edge", "serve", "--config", str(self.workdir / "edge.toml")],
            env=env,
            cwd=str(REPO),
            stdout=open(self.workdir / "service.log", "ab"),  # noqa: SIM115 - kept by the child
            stderr=subprocess.STDOUT,
        )
        self.http = httpx.Client(base_url=self.url, headers={"X-API-Key": self.api_key}, timeout=30)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"service exited at start:\n{self.log_tail()}")
            try:
                if self.health().get("mqtt_connected"):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"service did not become healthy:\n{self.log_tail()}")

    def health(self) -> dict[str, Any]:
        assert self.http is not None
        data: dict[str, Any] = self.http.get("/api/v1/health", timeout=30).json()
        return data

    def order_counts(self) -> dict[str, int]:
        assert self.http is not None
        response = self.http.get("/api/v1/orders", params={"limit": 1})
        response.raise_for_status()
        counts: dict[str, int] = response.json()["counts"]
        return counts

    def stop(self) -> None:
        if self.http is not None:
            self.http.close()
            self.http = None
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def log_tail(self, chars: int = 3000) -> str:
        path = self.workdir / "service.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""
