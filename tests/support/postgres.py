"""A private PostgreSQL cluster for tests and benchmarks, from Debian's binaries in a temp dir."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.broker import free_port


def find_bindir() -> Path | None:
    """The newest /usr/lib/postgresql/<major>/bin that has initdb, or one on PATH."""
    majors = [Path(p).parents[1] for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    majors.sort(key=lambda d: int(d.name) if d.name.isdigit() else 0)
    if majors:
        return majors[-1] / "bin"
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _run_as() -> str | None:
    """The user the cluster runs as: initdb refuses root, so root uses `postgres`."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"],
            check=True,
        )
    return "postgres"


@dataclass
class PrivateCluster:
    """A cluster listening on a free loopback port and on a unix socket in its own dir."""

    bindir: Path
    root: Path
    port: int
    user: str | None
    superuser: str = "postgres"
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.root / "postgres.log"

    @property
    def data(self) -> Path:
        return self.root / "data"

    def dsn(self, dbname: str = "postgres") -> str:
        """Through the unix socket in the cluster's own directory."""
        return f"host={self.root} port={self.port} user={self.superuser} dbname={dbname}"

    def tcp_dsn(self, dbname: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user={self.superuser} dbname={dbname}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            list(args), user=self.user, check=check, capture_output=True, cwd=str(self.root)
        )

    def start(self, *, fsync: bool = True, timeout: float = 30.0) -> None:
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            self.superuser,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        options = " ".join(
            [
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.root}",
                f"-c fsync={'on' if fsync else 'off'}",
                "-c max_connections=60",
                "-c shared_buffers=64MB",
            ]
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "-t",
            str(int(timeout)),
            "start",
        )
        deadline = time.monotonic() + timeout
        while self._run(
            str(self.bindir / "pg_isready"), "-h", str(self.root), "-p", str(self.port), check=False
        ).returncode:
            if time.monotonic() > deadline:
                raise RuntimeError(f"postgres did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.1)

    def create_database(self, name: str) -> str:
        """A fresh database; its DSN."""
        self._run(
            str(self.bindir / "createdb"),
            "-h",
            str(self.root),
            "-p",
            str(self.port),
            "-U",
            self.superuser,
            name,
        )
        return self.dsn(name)

    def stop(self) -> None:
        if self.data.exists():
            self._run(
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.data),
                "-m",
                "immediate",
                "stop",
                check=False,
            )
        shutil.rmtree(self.root, ignore_errors=True)


def private_cluster(*, fsync: bool = True) -> PrivateCluster | None:
    """A started private cluster, or None when PostgreSQL is not installed. Never touches a
    cluster already running on the standard port: this one has its own port and socket."""
    bindir = find_bindir()
    if bindir is None:
        return None
    user = _run_as()
    # Not under pytest's tmp dir: its parents are private to the test user.
    root = Path(tempfile.mkdtemp(prefix="edge-pg-"))
    if user is not None:
        shutil.chown(root, user)
    cluster = PrivateCluster(bindir, root, free_port(), user)
    try:
        cluster.start(fsync=fsync)
    except BaseException:
        cluster.stop()
        raise
    return cluster


@contextmanager
def cluster_or_skip() -> Iterator[PrivateCluster]:
    """A private cluster (fsync off: tests, not durability) stopped after use; the test skips
    where PostgreSQL is not installed."""
    cluster = private_cluster(fsync=False)
    if cluster is None:
        pytest.skip("PostgreSQL is not installed (deploy/system-packages.sh installs it)")
    try:
        yield cluster
    finally:
        cluster.stop()
