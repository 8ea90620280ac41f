"""Label printers: ZPL over raw TCP (port 9100) off the writer thread; the answer goes back in."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from edge.messages import Effect, LabelPrinted, Origin, PrintLabel, PrintResult
from edge.runtime import Runtime

log = logging.getLogger(__name__)

# Prints to different stations go out side by side; a hanging printer holds only its worker.
WORKERS = 8


def send_zpl(host: str, port: int, zpl: str, timeout_s: float) -> tuple[PrintResult, str]:
    """Send one job: connect, send every byte, close our side and wait for the printer to
    close its own (a Zebra closes the raw port once it has the whole job), all within the
    timeout. No connection: offline; reset or closed early: refused; slower: timeout."""
    deadline = time.monotonic() + timeout_s
    try:
        conn = socket.create_connection((host, port), timeout=timeout_s)
    except TimeoutError:
        return "offline", f"no answer from {host}:{port} within {timeout_s:g} s"
    except ConnectionResetError as exc:  # something listens there, and dropped us at once
        return "refused", f"{host}:{port} dropped the connection: {exc.strerror or exc}"
    except OSError as exc:
        return "offline", f"cannot connect to {host}:{port}: {exc.strerror or exc}"
    with conn:
        try:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.sendall(zpl.encode("utf-8"))
            conn.shutdown(socket.SHUT_WR)
            while True:
                conn.settimeout(max(0.001, deadline - time.monotonic()))
                if not conn.recv(4096):
                    return "printed", ""
        except TimeoutError:
            return "timeout", f"{host}:{port} took the job but did not finish in {timeout_s:g} s"
        except OSError as exc:
            return "refused", f"{host}:{port} dropped the job: {exc.strerror or exc}"


class LabelPrinters:
    """An effect sink: each PrintLabel is sent by a worker thread and its LabelPrinted is
    submitted to the writer. Without start() (tests, one-shots) it prints inline, right
    after the commit that asked for it."""

    def __init__(
        self,
        runtime: Runtime,
        send: Callable[[str, int, str, float], tuple[PrintResult, str]] = send_zpl,
    ) -> None:
        self.runtime = runtime
        self._send = send
        self._pool: ThreadPoolExecutor | None = None

    def __call__(self, effects: Sequence[Effect]) -> None:
        for effect in effects:
            if not isinstance(effect, PrintLabel):
                continue
            if self._pool is not None:
                self._pool.submit(self._print, effect)
            else:
                self._print(effect)

    def start(self) -> None:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="edge-printer")

    def stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def _print(self, job: PrintLabel) -> None:
        try:
            result, error = self._send(job.host, job.port, job.zpl, job.timeout_ms / 1000)
        except Exception as exc:  # a bug here must still end the print as failed, loudly
            log.exception("printing label %s failed", job.print_id)
            result, error = "offline", f"internal error: {type(exc).__name__}"
        answer = LabelPrinted(
            Origin("system", datetime.now(UTC), f"printer:{job.host}:{job.port}"),
            job.print_id,
            result,
            error,
        )
        if self.runtime.running:
            # Kept through a failed commit (a full disk): the print's state must not be lost.
            self.runtime.submit(answer, keep=True).add_done_callback(_log_refusal)
        else:
            self.runtime.handle(answer)


def _log_refusal(done: Any) -> None:
    error = done.exception()
    if error is not None:
        log.warning("a printer's answer was not recorded: %s", error)
