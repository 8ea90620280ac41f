"""Benchmark processes: a private Mosquitto (shipped config) and the service as a subprocess."""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterable
from pathlib import Path

import httpx

# The private broker is started exactly as the integration tests start it: one copy of how
# the shipped config is moved into a temporary directory.
from tests.support.broker import Mosquitto, find_binary
from tests.support.service_process import ServiceProcess

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


class Service(ServiceProcess):
    """The tests' service process, with a kept-open HTTP client for the benchmark's reads."""

    def __init__(self, broker: Broker, workdir: Path, warehouse_file: Path, site: str) -> None:
        super().__init__(broker, workdir, site=site, warehouse_file=warehouse_file)
        self.http = httpx.Client(base_url=self.url, headers={"X-API-Key": self.api_key}, timeout=30)

    def order_counts(self) -> dict[str, int]:
        response = self.http.get("/api/v1/orders", params={"limit": 1})
        response.raise_for_status()
        counts: dict[str, int] = response.json()["counts"]
        return counts

    def stop(self) -> None:
        self.http.close()
        super().stop()

    def log_tail(self, chars: int = 3000) -> str:
        return self.log(chars)
