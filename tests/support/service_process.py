"""The real service (`python -m edge serve`) as a child process, for tests and benchmarks."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tests.support.broker import Mosquitto, free_port

SITE = "demo"
REPO = Path(__file__).resolve().parents[2]


class ServiceProcess:
    """The service against a private broker, with its own data dir, API keys and HTTP port;
    the product's defaults (WAL, synchronous=FULL). The broker password and the API keys
    reach it through EDGE_* variables, never through files."""

    def __init__(
        self,
        broker: Mosquitto,
        workdir: Path,
        *,
        site: str = SITE,
        warehouse_file: Path | str = "demo",
    ) -> None:
        self.broker = broker
        self.workdir = workdir
        self.warehouse_file = warehouse_file
        self.port = free_port()
        # An admin key (every route a key may call) and a key per role, as a site names them.
        self.api_key = secrets.token_urlsafe(16)
        self.role_keys = {role: secrets.token_urlsafe(16) for role in ("intake", "carrier", "feed")}
        self.proc: subprocess.Popen[bytes] | None = None
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "edge.toml").write_text(
            f'site = "{site}"\n'
            f"data_dir = {json.dumps(str(workdir))}\n"
            f"warehouse_file = {json.dumps(str(warehouse_file))}\n"
            "[mqtt]\n"
            f'host = "{broker.host}"\nport = {broker.port}\n'
            "[http]\n"
            f'host = "127.0.0.1"\nport = {self.port}\n'
            "[api.clients.tests]\n"
            'roles = ["admin"]\n'
            + "".join(f'[api.clients.{role}]\nroles = ["{role}"]\n' for role in self.role_keys),
            encoding="utf-8",
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        env = {
            **os.environ,
            "EDGE_MQTT__PASSWORD": self.broker.password_for("edge-service") or "",
            # Roles in the file, keys from the environment (deep-merged by pydantic-settings).
            "EDGE_API__CLIENTS__TESTS__KEYS": json.dumps([self.api_key]),
            **{
                f"EDGE_API__CLIENTS__{role.upper()}__KEYS": json.dumps([key])
                for role, key in self.role_keys.items()
            },
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "edge", "serve", "--config", str(self.workdir / "edge.toml")],
            env=env,
            cwd=str(REPO),
            stdout=open(self.workdir / "stdout.log", "ab"),  # noqa: SIM115 - kept by the child
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"service exited at start:\n{self.log()}")
            try:
                health = httpx.get(f"{self.url}/api/v1/health", timeout=1).json()
                if health.get("mqtt_connected"):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"service did not become healthy:\n{self.log()}")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def health(self) -> dict[str, Any]:
        data: dict[str, Any] = httpx.get(f"{self.url}/api/v1/health", timeout=30).json()
        return data

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log(self, chars: int = 4000) -> str:
        path = self.workdir / "stdout.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    # --- HTTP helpers ---

    def get(self, path: str, **params: Any) -> Any:
        r = httpx.get(
            f"{self.url}{path}", params=params, headers={"X-API-Key": self.api_key}, timeout=10
        )
        r.raise_for_status()
        return r.json()

    def post(self, path: str, body: Any, token: str | None = None) -> httpx.Response:
        headers = {"X-API-Key": self.api_key}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return httpx.post(f"{self.url}{path}", json=body, headers=headers, timeout=10)

    def feed(self, **params: Any) -> httpx.Response:
        """GET /api/v1/feed as the consumer `feed` (the client with the role feed)."""
        headers = {"X-API-Key": self.role_keys["feed"]}
        return httpx.get(f"{self.url}/api/v1/feed", params=params, headers=headers, timeout=40)

    def feed_ack(self, stream_id: str, seq: int) -> httpx.Response:
        """POST /api/v1/feed/ack as the consumer `feed`."""
        body = {"stream_id": stream_id, "seq": seq}
        headers = {"X-API-Key": self.role_keys["feed"]}
        return httpx.post(f"{self.url}/api/v1/feed/ack", json=body, headers=headers, timeout=10)

    @property
    def db_path(self) -> Path:
        return self.workdir / "edge.db"
