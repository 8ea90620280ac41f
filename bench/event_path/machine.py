"""What the numbers ran on: the machine, the disk's commit latency, the service's commit."""

from __future__ import annotations

import math
import os
import platform
import sqlite3
import subprocess
import time
from pathlib import Path

from bench._bench_broker import REPO
from bench.event_path.measures import pctl


def machine_note(mosquitto: str) -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {mem_kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        mem = ""
    version = subprocess.run(
        [mosquitto, "-h"], capture_output=True, text=True, check=False
    ).stdout.splitlines()
    mosq = version[0].replace("mosquitto version", "Mosquitto").strip() if version else "Mosquitto"
    return (
        f"{os.cpu_count()} cores ({model or platform.machine()}){mem}, {platform.system()},"
        f" Python {platform.python_version()}, {mosq}"
    )


def disk_probe(folder: Path, seconds: float) -> dict[str, float]:
    """What one durable commit costs on the service's filesystem while nothing else runs:
    small transactions (10 rows) in a WAL database with synchronous=FULL, as the writer's."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "disk-probe.db"
    conn = sqlite3.connect(str(path), isolation_level=None)
    times: list[float] = []
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE t (a INTEGER, b TEXT)")
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline and len(times) < 100_000:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT INTO t VALUES (?, ?)", [(i, "x" * 200) for i in range(10)])
            t = time.perf_counter()
            conn.execute("COMMIT")
            times.append((time.perf_counter() - t) * 1000)
            time.sleep(0.002)
    finally:
        conn.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return {
        "n": float(len(times)),
        "p50": pctl(times, 50),
        "p99": pctl(times, 99),
        "p999": pctl(times, 99.9),
        "max": max(times, default=math.nan),
    }


def code_version() -> str:
    """The commit the service ran from (read-only git calls), marked when edge/ has changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "edge"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head} (with uncommitted changes under edge/)" if dirty else head
