"""The raw broker in the same run: paho → Mosquitto → paho, QoS 1, no service in between."""

from __future__ import annotations

import json
import math
import os
import select
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

from bench._bench_broker import REPO, Broker, cpu_seconds
from bench._bench_mqtt import Hub, new_client
from bench.event_path.measures import log, pctl
from bench.event_path.warehouse import ROOT

# The raw publishers are bare paho clients on purpose: the baseline is the broker's own
# pass-through, without the device contract (status, will, subscriptions) or the service.
RAW_SITE = "raw"


def sink_rate(out: Path, t0: float, t1: float) -> float:
    """Messages per second the sink received in [t0, t1) (it counts per 100 ms)."""
    bins = {int(k): int(v) for k, v in json.loads(out.read_text(encoding="utf-8")).items()}
    s0, s1 = math.ceil(t0 * 10), math.floor(t1 * 10)
    if s1 <= s0:
        return math.nan
    return sum(bins.get(k, 0) for k in range(s0, s1)) / ((s1 - s0) / 10)


@contextmanager
def sink(broker: Broker, workdir: Path, reply_bytes: int) -> Iterator[tuple[Path, int]]:
    """The sink in its own process (it counts into the yielded file; its pid for CPU)."""
    out = workdir / f"sink-{reply_bytes}.json"
    env = {
        **os.environ,
        "BENCH_SINK_USER": "edge-service",
        "BENCH_SINK_PASSWORD": broker.passwords["edge-service"],
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench._bench_mqtt",
            "sink",
            broker.host,
            str(broker.port),
            f"{ROOT}/{RAW_SITE}/+/+/evt",
            str(out),
            str(reply_bytes),
        ],
        env=env,
        cwd=str(REPO),
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None
    readable, _, _ = select.select([proc.stdout], [], [], 15.0)
    ready = proc.stdout.readline() if readable else b""
    if b"ready" not in ready:
        proc.kill()
        proc.wait(timeout=10)
        raise RuntimeError("raw sink did not start")
    try:
        yield out, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def raw_pass_through(
    broker: Broker,
    workdir: Path,
    devices: list[str],
    event_sizes: list[int],
    view_sizes: list[int],
    seconds: float,
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Stream and echo through the broker with the devices' users and payload sizes; returns
    the rates and round trips, and the CPU % of sink, broker and load per test."""
    rates: dict[str, float] = {}
    cpus: dict[str, dict[str, float]] = {}

    def payload(i: int) -> bytes:
        size = event_sizes[i % len(event_sizes)]
        head = b'{"msg_id":"' + uuid.uuid4().hex.encode() + b'","type":"scan","code":"'
        return head + b"x" * max(0, size - len(head) - 2) + b'"}'

    # 1. stream: every publisher keeps up to 20 QoS 1 messages in flight.
    with sink(broker, workdir, 0) as (out, pid):
        t0, t1, _, cpu = raw_run(broker, pid, devices, payload, seconds, window=20, echo=False)
    rates["stream"] = sink_rate(out, t0, t1)
    cpus["stream"] = cpu
    # 2. echo: one message out per publisher; the sink answers on its cmd topic with a
    # view-sized message (the shape of the service's closed loop, without the service).
    view = int(pctl([float(s) for s in view_sizes], 50))
    with sink(broker, workdir, view) as (out, pid):
        t0, t1, rtts, cpu = raw_run(broker, pid, devices, payload, seconds, window=1, echo=True)
    rates["echo"] = sink_rate(out, t0, t1)
    cpus["echo"] = cpu
    rates["echo_p50"] = pctl(rtts, 50)
    rates["echo_p99"] = pctl(rtts, 99)
    log(
        f"  raw stream {rates['stream']:.0f} msg/s, raw echo {rates['echo']:.0f} msg/s"
        f" (round trip p50 {rates['echo_p50']:.2f} ms, p99 {rates['echo_p99']:.2f} ms)"
    )
    return rates, cpus


def raw_run(
    broker: Broker,
    sink_pid: int,
    devices: list[str],
    payload: Callable[[int], bytes],
    seconds: float,
    window: int,
    echo: bool,
) -> tuple[float, float, list[float], dict[str, float]]:
    """Publishers flat out (or one at a time, answered by the sink); returns the measured
    wall-clock window (after 1 s of warm-up) and the round trips in it (echo)."""
    hub = Hub()
    state = {"connected": 0, "sent": 0, "stop": 0}
    limit = 5_000_000
    sent_at: dict[str, float] = {}
    rtts: list[tuple[float, float]] = []
    clients: dict[str, mqtt.Client] = {}

    def kind_of(device: str) -> str:
        return "shelf" if device.startswith("ptl-") else "scanner"

    def publish(device: str) -> None:
        if state["stop"] or state["sent"] >= limit:
            return
        topic = f"{ROOT}/{RAW_SITE}/{kind_of(device)}/{device}/evt"
        clients[device].publish(topic, payload(state["sent"]), 1)
        state["sent"] += 1
        sent_at[device] = time.monotonic()

    for device in devices:
        client = hub.add(new_client(f"raw-{device}", device, broker.passwords[device]))
        clients[device] = client
        cmd = f"{ROOT}/{RAW_SITE}/{kind_of(device)}/{device}/cmd"

        def on_connect(c: mqtt.Client, u: Any, f: Any, rc: Any, p: Any, topic: str = cmd) -> None:
            c.subscribe(topic, 1)

        def on_subscribe(c: mqtt.Client, u: Any, mid: int, rcs: Any, p: Any) -> None:
            state["connected"] += 1

        def on_publish(c: mqtt.Client, u: Any, mid: int, rc: Any, p: Any, d: str = device) -> None:
            if not echo:
                publish(d)

        def on_message(c: mqtt.Client, u: Any, msg: mqtt.MQTTMessage, d: str = device) -> None:
            now = time.monotonic()
            rtts.append((now, (now - sent_at[d]) * 1000))
            publish(d)

        client.on_connect = on_connect
        client.on_subscribe = on_subscribe
        client.on_publish = on_publish
        client.on_message = on_message
        hub.connect(client, broker.host, broker.port)
    if not hub.run(lambda: state["connected"] >= len(devices), 30):
        raise RuntimeError("raw publishers did not connect")
    for device in devices:
        for _ in range(window):
            publish(device)
    hub.run_for(1.0)
    pids = {"sink": sink_pid, "broker": broker.pid, "load": os.getpid()}
    cpu0 = {k: cpu_seconds(pid) for k, pid in pids.items()}
    t0, p0 = time.time(), time.monotonic()
    hub.run_for(seconds)
    t1, p1 = time.time(), time.monotonic()
    cpu = {k: (cpu_seconds(pid) - cpu0[k]) / (p1 - p0) * 100 for k, pid in pids.items()}
    state["stop"] = 1
    hub.run_for(0.5)
    hub.close()
    return t0, t1, [d for t, d in rtts if p0 <= t < p1], cpu
