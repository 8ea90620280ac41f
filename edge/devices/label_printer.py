"""A simulated label printer: a raw TCP 9100 listener that keeps each job it receives, and can
be told to refuse, hang or go offline (the demo and the tests print to it)."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Mode = Literal["ok", "refuse", "hang", "offline"]
# How long a hanging printer holds a connection before it lets go.
HANG_S = 60.0


@dataclass(frozen=True)
class Job:
    data: bytes
    received_at: float  # time.time() when the last byte arrived
    received_mono: float  # time.monotonic() at the same moment (for benchmarks)

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", "replace")


class SimulatedLabelPrinter:
    """The same as a Zebra's raw port from the service's side: it reads the job to the end,
    stores it (in memory and, when given a folder, as NNNNNN.zpl), and closes. `refuse`
    resets each connection unread, `hang` accepts and never reads, `offline` stops listening."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, folder: Path | None = None):
        self.host = host
        self.port = port
        self.folder = folder
        self.mode: Mode = "ok"
        self.jobs: list[Job] = []
        self._listener: socket.socket | None = None
        self._lock = threading.Condition()
        self._stopping = threading.Event()

    def start(self) -> SimulatedLabelPrinter:
        self._listen()
        return self

    def set_mode(self, mode: Mode) -> None:
        """ok / refuse / hang / offline; back from offline, it listens on the same port."""
        self.mode = mode
        if mode == "offline":
            self._close_listener()
        elif self._listener is None and not self._stopping.is_set():
            self._listen()

    def stop(self) -> None:
        self._stopping.set()
        self._close_listener()

    def wait_for_jobs(self, n: int, timeout: float = 10.0) -> list[Job]:
        """The first n jobs, once they have arrived (TimeoutError otherwise)."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self.jobs) >= n, timeout):
                raise TimeoutError(f"{len(self.jobs)} of {n} label jobs arrived")
            return self.jobs[:n]

    def _listen(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        sock.listen(16)
        self._listener = sock
        threading.Thread(
            target=self._accept, args=(sock,), name=f"label-printer-{self.port}", daemon=True
        ).start()

    def _close_listener(self) -> None:
        sock, self._listener = self._listener, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, sock: socket.socket) -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return  # closed: offline or stopped
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            if self.mode == "refuse":
                # Reset, not a clean close: a clean close would read as "received it all".
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            if self.mode == "hang":
                self._stopping.wait(HANG_S)
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            chunks = []
            conn.settimeout(30)
            try:
                while chunk := conn.recv(65536):
                    chunks.append(chunk)
            except OSError:
                return
            self._keep(Job(b"".join(chunks), time.time(), time.monotonic()))

    def _keep(self, job: Job) -> None:
        with self._lock:
            self.jobs.append(job)
            n = len(self.jobs)
            self._lock.notify_all()
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / f"{n:06d}.zpl").write_bytes(job.data)
