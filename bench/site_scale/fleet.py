"""The load-generator processes seen from the parent: start, command, gather, stop."""

from __future__ import annotations

import contextlib
import multiprocessing
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from bench._bench_broker import Broker
from bench.event_path.warehouse import scanner_id
from bench.site_scale.generator import BrokerAddress, GeneratorSpec, generator_main
from bench.site_scale.site import device_ids


class Fleet:
    """N generator processes, the site's devices dealt round-robin over them."""

    def __init__(
        self,
        broker: Broker,
        desc: dict[str, Any],
        pickers: int,
        processes: int,
        seed: int,
        status_every_s: float,
        weight_every_s: float,
        status_all: bool = False,
    ) -> None:
        self.processes = processes
        scanners = device_ids(desc, "scanner", station=False)
        shelves = device_ids(desc, "shelf")
        scales = device_ids(desc, "scale")
        status_only = device_ids(desc, "scanner", station=True)
        # Scanners beyond --pickers stay connected and report presence, without work.
        idle_scanners = scanners[pickers:]
        self.specs: list[GeneratorSpec] = []
        for i in range(processes):
            mine = [
                *shelves[i::processes],
                *scales[i::processes],
                *status_only[i::processes],
                *idle_scanners[i::processes],
            ]
            numbers = list(range(pickers))[i::processes]
            mine += [scanner_id(n) for n in numbers]
            self.specs.append(
                GeneratorSpec(
                    index=i,
                    broker=BrokerAddress(
                        broker.host, broker.port, {d: broker.passwords[d] for d in mine}
                    ),
                    pickers=numbers,
                    shelves=shelves[i::processes],
                    scales=scales[i::processes],
                    status_only=[*status_only[i::processes], *idle_scanners[i::processes]],
                    seed=seed,
                    status_every_s=status_every_s,
                    weight_every_s=weight_every_s,
                    status_all=status_all,
                )
            )
        self.procs: list[BaseProcess] = []
        self.conns: list[Connection] = []

    def start(self, timeout: float = 240.0) -> list[dict[str, Any]]:
        """Start every process and wait until each has all its devices connected."""
        ctx = multiprocessing.get_context("spawn")
        for spec in self.specs:
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=generator_main, args=(spec, child), daemon=True)
            proc.start()
            self.procs.append(proc)
            self.conns.append(parent)
        ready = []
        deadline = time.monotonic() + timeout
        for i, conn in enumerate(self.conns):
            if not conn.poll(max(0.0, deadline - time.monotonic())):
                raise RuntimeError(f"generator {i} did not connect its devices in time")
            kind, body = conn.recv()
            if kind != "ready":
                raise RuntimeError(f"generator {i}: {body}")
            ready.append(body)
        return ready

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs if p.pid is not None]

    def call(self, *cmd: Any, timeout: float = 60.0) -> list[Any]:
        """Send one command to every process (they run it in parallel); their answers."""
        for conn in self.conns:
            conn.send(cmd)
        answers = []
        for i, conn in enumerate(self.conns):
            if not conn.poll(timeout):
                raise RuntimeError(f"generator {i} did not answer {cmd[0]!r}")
            kind, body = conn.recv()
            if kind != "ok":
                raise RuntimeError(f"generator {i}: {body}")
            answers.append(body)
        return answers

    def rate(self, events_s: float) -> None:
        """The whole site's offered rate, split evenly (0 pauses)."""
        self.call("rate", events_s / self.processes)

    def status(self) -> dict[str, Any]:
        """The processes' counters summed (max for the lag, all-of for `acked`)."""
        return merge(self.call("status"))

    def collect(self) -> dict[str, Any]:
        return merge(self.call("collect", timeout=120))

    def stop(self) -> None:
        for conn in self.conns:
            with contextlib.suppress(OSError):
                conn.send(("stop",))
        for proc in self.procs:
            proc.join(timeout=15)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=5)


def merge(answers: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for answer in answers:
        for key, value in answer.items():
            if key == "max_lag_s":
                out[key] = max(out.get(key, 0.0), value)
            elif key == "acked":
                out[key] = out.get(key, True) and value
            elif isinstance(value, list):
                out.setdefault(key, []).extend(value)
            else:
                out[key] = out.get(key, 0) + value
    return out
