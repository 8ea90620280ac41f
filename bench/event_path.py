"""Event-path benchmark: device event → Mosquitto → service commit → light command back."""

# python bench/event_path.py [--seconds 20] [--pickers 40] [--rates 250,500,1000]
#                            [--rate N ...] [--write] [--out docs/benchmarks.md] [--profile FILE]
#
# Starts a private Mosquitto (the system binary with deploy/mosquitto.conf + ACL, on a free
# loopback port, random passwords) and the real service (`python -m edge serve`, SQLite WAL with
# synchronous=FULL: the product's defaults) on a generated warehouse where every bin has a light
# module. Creates orders over HTTP, then simulated pickers (one scanner each) and shelf
# controllers work them as fast as the service answers: a closed loop for the maximum, then
# paced open-loop rates. Reports the events/s the service applied durably (its inbound_seen
# table), p50/p99 scan-to-light latency (the event that completes a lit stop → the controller
# receives the LightOn of the picker's next stop, matched by the picker's own light colour) and
# the raw broker pass-through in the same run (paho → Mosquitto → paho, QoS 1, same publishers
# and payload sizes, no service). `--rate N` (repeatable) runs only open-loop rates of N
# events/s for --seconds each. Every loop has a count and a time limit; the default run takes
# about two minutes.

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import select
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as mqtt

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from _bench_broker import REPO, Broker, Service, cpu_seconds  # noqa: E402
from _bench_docs import replace_section  # noqa: E402
from _bench_mqtt import Hub, new_client  # noqa: E402

from edge import demo_warehouse  # noqa: E402
from edge.picking import BATCH_LOOKAHEAD  # noqa: E402

SITE = "bench"
ROOT = "wh"
SECTION = "## Event path"
FINDINGS = "### Findings"
TARGET_EVENTS_S = 1000
TARGET_P99_MS = 20.0
WARMUP_S = 3.0
DRAIN_S = 20.0
EVENTS_PER_ORDER_GUESS = 9.0  # scans, confirms, buttons, controller acks, `next`


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def pctl(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


def iso(t_wall: float) -> str:
    """The service's timestamp format (Ctx.at): UTC, milliseconds, +00:00."""
    return datetime.fromtimestamp(t_wall, UTC).isoformat(timespec="milliseconds")


# --- the bench warehouse -----------------------------------------------------------------------


def _ean13(seq: int) -> str:
    body = f"872{seq:09d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _color(n: int) -> str:
    # An odd multiplier is a bijection modulo 2**24: every picker gets its own colour, which
    # is how a LightOn is matched to the picker whose stop it lights.
    return f"#{(n * 2654435761) & 0xFFFFFF:06x}"


def bench_warehouse(pickers: int) -> dict[str, Any]:
    """The demo warehouse with a light module on every bin (one controller per aisle), one SKU
    per bin with ample stock (few pickers meet at one slot), and one scanner per picker."""
    desc = demo_warehouse.build()
    desc["site"] = {**desc["site"], "id": SITE, "name": "Event-path benchmark"}
    bins = [b["label"] for b in desc["bins"]]
    templates = desc["skus"]
    skus = []
    for i in range(len(bins)):
        base = templates[i % len(templates)]
        skus.append(
            {
                **base,
                "sku": f"SKU-{i + 1:04d}",
                "name": f"{base['name']} #{i // len(templates) + 1}",
                "gtins": [_ean13(i + 1)],
            }
        )
    desc["skus"] = skus
    desc["stock"] = [
        {"bin": label, "sku": sku["sku"], "qty": 1_000_000}
        for label, sku in zip(bins, skus, strict=True)
    ]
    aisles = sorted({label.split("-")[0] for label in bins})
    devices: list[dict[str, Any]] = [
        {"id": f"bench-scanner-{n:03d}", "kind": "scanner"} for n in range(1, pickers + 1)
    ]
    for aisle in aisles:
        slots = [b for b in bins if b.split("-")[0] == aisle]
        devices.append({"id": f"ptl-{aisle}", "kind": "shelf", "slots": slots})
    desc["devices"] = devices
    desc["staff"] = [
        {"badge": f"P-{1001 + n}", "name": f"Picker {n + 1}", "role": "picker", "color": _color(n)}
        for n in range(pickers)
    ] + [{"badge": "S-3001", "name": "Supervisor", "role": "supervisor"}]
    return desc


# --- orders over HTTP -----------------------------------------------------------------------------


def create_orders(service: Service, count: int, skus: list[str], start: int, seed: int) -> float:
    """POST count orders (1-3 lines) with 8 concurrent clients; returns orders per second."""
    if count <= 0:
        return 0.0
    rng = random.Random(seed + start)
    bodies = []
    paid = datetime.now(UTC).isoformat(timespec="seconds")
    for k in range(start, start + count):
        lines = [{"sku": s, "qty": rng.randint(1, 3)} for s in rng.sample(skus, rng.randint(1, 3))]
        bodies.append({"shop_order_id": f"bench-{k}", "lines": lines, "paid_at": paid})
    local = threading.local()
    failures: list[str] = []

    def post(body: dict[str, Any]) -> None:
        client = getattr(local, "client", None)
        if client is None:
            client = httpx.Client(
                base_url=service.url, headers={"X-API-Key": service.api_key}, timeout=60
            )
            local.client = client
        response = client.post("/api/v1/orders", json=body)
        if response.status_code not in (200, 201):
            failures.append(f"{response.status_code} {response.text[:200]}")

    t0 = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(post, bodies))
    elapsed = time.perf_counter() - t0
    if failures:
        raise RuntimeError(f"{len(failures)} orders refused, e.g. {failures[0]}")
    return count / elapsed


# --- the simulated floor ------------------------------------------------------------------------


@dataclass
class Picker:
    n: int
    device: str
    badge: str
    color: str
    client: mqtt.Client
    view: dict[str, Any] = field(default_factory=dict)
    sent_at: float | None = None  # an action is out, waiting for the view it causes
    waiting_light: tuple[str, str, int] | None = None  # (controller, slot, qty) to press
    last_key: tuple[Any, ...] = ()
    repeats: int = 0
    stuck: bool = False
    has_stop: bool = False


@dataclass
class Shelf:
    device: str
    client: mqtt.Client
    lit: dict[str, str] = field(default_factory=dict)  # slot -> colour


@dataclass
class Outgoing:
    client: mqtt.Client
    device: str
    topic: str
    body: dict[str, Any]
    picker: Picker | None = None
    completes: bool = False


class Floor:
    """Pickers and controllers reacting to what the service sends, through one pacer."""

    def __init__(
        self, hub: Hub, broker: Broker, pickers: int, shelves: list[str], button_prob: float
    ) -> None:
        self.hub = hub
        self.broker = broker
        self.rng = random.Random(7)
        self.button_prob = button_prob
        self.queue: deque[Outgoing] = deque()
        self.mode = "paused"
        self.rate = 0.0
        self.next_t = 0.0
        self.max_lag = 0.0
        self.sent = 0
        self.sent_ids: list[tuple[str, str]] = []
        self.inflight = 0  # QoS 1 publishes without a PUBACK from the broker yet
        self.pending_complete: dict[str, float] = {}  # colour -> when the completing event left
        self.light_samples: list[tuple[float, float]] = []  # (sent at, seconds to LightOn)
        self.view_samples: list[tuple[float, float]] = []  # (sent at, seconds to the view)
        self.idle_views: list[float] = []
        self.errors = 0
        self.event_sizes: list[int] = []
        self.view_sizes: list[int] = []
        self.connected = 0
        self.pickers: list[Picker] = []
        self.shelves: dict[str, Shelf] = {}
        self.by_color: dict[str, Picker] = {}
        self.waiting: dict[tuple[str, str], Picker] = {}
        for n in range(pickers):
            device = f"bench-scanner-{n + 1:03d}"
            client = self._client(device)
            picker = Picker(n, device, f"P-{1001 + n}", _color(n), client)
            client.on_message = self._scanner_message(picker)
            self.pickers.append(picker)
            self.by_color[picker.color] = picker
        for device in shelves:
            client = self._client(device)
            shelf = Shelf(device, client)
            client.on_message = self._shelf_message(shelf)
            self.shelves[device] = shelf
        hub.pumps.append(self.pump)

    # --- connections ---

    def _client(self, device: str) -> mqtt.Client:
        client = self.hub.add(new_client(device, device, self.broker.passwords[device]))
        kind = "shelf" if device.startswith("ptl-") else "scanner"
        base = f"{ROOT}/{SITE}/{kind}/{device}"
        client.will_set(f"{base}/status", b'{"online":false}', qos=1, retain=True)

        def on_connect(c: mqtt.Client, u: Any, f: Any, rc: Any, p: Any) -> None:
            c.subscribe([(f"{base}/cmd", 1), (f"{base}/err", 1)])
            self.inflight += 1
            c.publish(f"{base}/status", b'{"online":true,"sim":true}', qos=1, retain=True)
            self.connected += 1

        def on_publish(c: mqtt.Client, u: Any, mid: int, rc: Any, p: Any) -> None:
            self.inflight -= 1

        client.on_connect = on_connect
        client.on_publish = on_publish
        return client

    def connect(self, timeout: float = 30.0) -> None:
        for client in self.hub.clients:
            self.hub.connect(client, self.broker.host, self.broker.port)
        total = len(self.pickers) + len(self.shelves)
        if not self.hub.run(lambda: self.connected >= total, timeout):
            raise RuntimeError(f"only {self.connected} of {total} devices connected")

    # --- sending ---

    def send(self, out: Outgoing, now: float) -> None:
        body = {"msg_id": uuid.uuid4().hex, **out.body, "ts": iso(time.time())}
        payload = json.dumps(body, separators=(",", ":")).encode()
        out.client.publish(out.topic, payload, qos=1)
        self.inflight += 1
        self.sent += 1
        self.sent_ids.append((out.device, body["msg_id"]))
        if len(self.event_sizes) < 20000:
            self.event_sizes.append(len(payload))
        if out.picker is not None:
            out.picker.sent_at = now
            if out.completes:
                self.pending_complete[out.picker.color] = now
            elif body["type"] == "next":
                self.pending_complete.pop(out.picker.color, None)

    def pump(self, now: float) -> float:
        """Send what is due; returns when to be called again."""
        if self.mode == "paused" or not self.queue:
            return now + 1.0
        if self.mode == "closed":
            while self.queue:
                self.send(self.queue.popleft(), now)
            return now + 1.0
        step = 1.0 / self.rate
        while self.queue and self.next_t <= now:
            self.max_lag = max(self.max_lag, now - self.next_t)
            self.send(self.queue.popleft(), now)
            self.next_t += step
        return self.next_t if self.queue else now + 1.0

    def set_mode(self, mode: str, rate: float = 0.0) -> None:
        self.mode, self.rate = mode, rate
        self.next_t = time.perf_counter()
        self.max_lag = 0.0

    def _scanner_evt(self, picker: Picker, body: dict[str, Any], completes: bool = False) -> None:
        topic = f"{ROOT}/{SITE}/scanner/{picker.device}/evt"
        self.queue.append(Outgoing(picker.client, picker.device, topic, body, picker, completes))

    def _press(self, picker: Picker, shelf: Shelf, slot: str, qty: int) -> None:
        topic = f"{ROOT}/{SITE}/shelf/{shelf.device}/evt"
        body = {"type": "button", "slot": slot, "qty": qty}
        self.queue.append(Outgoing(shelf.client, shelf.device, topic, body, picker, True))

    # --- devices reacting ---

    def _scanner_message(self, picker: Picker) -> Callable[[mqtt.Client, Any, Any], None]:
        def on_message(c: mqtt.Client, u: Any, msg: mqtt.MQTTMessage) -> None:
            if msg.topic.endswith("/err"):
                self.errors += 1
                return
            data = json.loads(msg.payload)
            if data.get("type") == "view":
                if len(self.view_sizes) < 5000:
                    self.view_sizes.append(len(msg.payload))
                self.on_view(picker, data, time.perf_counter())

        return on_message

    def _shelf_message(self, shelf: Shelf) -> Callable[[mqtt.Client, Any, Any], None]:
        topic = f"{ROOT}/{SITE}/shelf/{shelf.device}/evt"

        def on_message(c: mqtt.Client, u: Any, msg: mqtt.MQTTMessage) -> None:
            now = time.perf_counter()
            if msg.topic.endswith("/err"):
                self.errors += 1
                return
            data = json.loads(msg.payload)
            slot, color = str(data.get("slot", "")), str(data.get("color", ""))
            if data.get("type") == "light":
                shelf.lit[slot] = color
                started = self.pending_complete.pop(color, None)
                if started is not None:
                    self.light_samples.append((started, now - started))
                picker = self.waiting.get((shelf.device, slot))
                if picker is not None and picker.color == color:
                    self._release(picker)
            elif data.get("type") == "off":
                shelf.lit.pop(slot, None)
            if data.get("cmd_id"):
                body = {"type": "ack", "cmd_id": data["cmd_id"]}
                self.queue.append(Outgoing(shelf.client, shelf.device, topic, body))

        return on_message

    def _release(self, picker: Picker) -> None:
        if picker.waiting_light is None:
            return
        device, slot, qty = picker.waiting_light
        picker.waiting_light = None
        self.waiting.pop((device, slot), None)
        self._press(picker, self.shelves[device], slot, qty)

    def _light_timeout(self, picker: Picker, key: tuple[str, str, int]) -> None:
        # The light never came (another picker's stop holds the slot): scan instead.
        if picker.waiting_light == key:
            picker.waiting_light = None
            self.waiting.pop((key[0], key[1]), None)
            self._scanner_evt(picker, {"type": "scan", "code": key[1]})

    def on_view(self, picker: Picker, view: dict[str, Any], now: float) -> None:
        if picker.sent_at is not None:
            self.view_samples.append((picker.sent_at, now - picker.sent_at))
            picker.sent_at = None
        picker.view = view
        screen, expect = view.get("screen"), view.get("expect")
        stop = view.get("stop") if isinstance(view.get("stop"), dict) else {}
        assert isinstance(stop, dict)
        if view.get("error"):
            self.errors += 1
        key = (screen, expect, view.get("trip_id"), stop.get("n"), stop.get("bin"))
        if key == picker.last_key and screen != "idle":
            picker.repeats += 1
            if picker.repeats >= 3:
                picker.stuck = True
                return
        else:
            picker.last_key, picker.repeats = key, 0
        if screen != "stop" or (expect == "bin" and not stop.get("lit")):
            # No LightOn follows for this picker: a stale start time must not pair with a
            # later one (the trip's first light comes after `next`, not after a completion).
            self.pending_complete.pop(picker.color, None)
        if screen == "login":
            self._scanner_evt(picker, {"type": "scan", "code": picker.badge})
        elif screen == "idle":
            self.idle_views.append(now)
            self.hub.after(0.5, lambda: self._scanner_evt(picker, {"type": "next"}))
        elif screen == "trip_done":
            self._scanner_evt(picker, {"type": "next"})
        elif screen == "stop":
            picker.has_stop = True
            slot, qty = str(stop.get("bin", "")), int(stop.get("qty", 0))
            if expect == "bin":
                shelf = self.shelves.get(str(stop.get("light_device")))
                if stop.get("lit") and shelf is not None and self.rng.random() < self.button_prob:
                    wait = (shelf.device, slot, qty)
                    picker.waiting_light = wait
                    self.waiting[(shelf.device, slot)] = picker
                    if shelf.lit.get(slot) == picker.color:
                        self._release(picker)
                    else:
                        self.hub.after(2.0, lambda: self._light_timeout(picker, wait))
                else:
                    self._scanner_evt(picker, {"type": "scan", "code": slot})
            elif expect == "item":
                gtins = stop.get("gtins") or [stop.get("sku")]
                self._scanner_evt(picker, {"type": "scan", "code": str(gtins[0])})
            elif expect == "qty":
                lit = bool(stop.get("lit"))
                self._scanner_evt(picker, {"type": "confirm", "qty": qty}, completes=lit)

    def outstanding(self) -> int:
        return sum(1 for p in self.pickers if p.sent_at is not None and not p.stuck)


# --- phases -------------------------------------------------------------------------------------


@dataclass
class PhaseResult:
    name: str
    offered: float | None  # events/s; None = closed loop
    seconds: float
    sent: int
    applied: int
    refused: int
    light_ms: list[float]
    view_ms: list[float]
    idle: int
    max_lag_s: float
    batch_mean: float
    cpu: dict[str, float]
    orders_picked: int

    @property
    def applied_s(self) -> float:
        return self.applied / self.seconds

    @property
    def sent_s(self) -> float:
        return self.sent / self.seconds

    @property
    def kept_up(self) -> bool:
        if self.offered is None:
            return True
        return self.applied_s >= 0.97 * self.offered and self.max_lag_s < 0.5


def count_seen(db: Path, t0: float, t1: float) -> tuple[int, int]:
    """Device messages the service recorded (applied, refused) with apply time in [t0, t1)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        rows = conn.execute(
            "SELECT outcome LIKE 'refused%', count(*) FROM inbound_seen"
            " WHERE at >= ? AND at < ? AND device NOT LIKE 'probe%' GROUP BY 1",
            (iso(t0), iso(t1)),
        ).fetchall()
    finally:
        conn.close()
    counts = dict(rows)
    return int(counts.get(0, 0)), int(counts.get(1, 0))


def missing_events(db: Path, sent: list[tuple[str, str]]) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        seen = set(conn.execute("SELECT device, msg_id FROM inbound_seen").fetchall())
    finally:
        conn.close()
    return sum(1 for key in sent if key not in seen)


class Bench:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.desc = bench_warehouse(args.pickers)
        self.skus = [s["sku"] for s in self.desc["skus"]]
        self.shelf_ids = [d["id"] for d in self.desc["devices"] if d["kind"] == "shelf"]
        self.scanner_ids = [d["id"] for d in self.desc["devices"] if d["kind"] == "scanner"]
        wh = workdir / "warehouse.json"
        wh.write_text(json.dumps(self.desc), encoding="utf-8")
        self.broker = Broker(
            workdir / "broker", ["edge-service", *self.scanner_ids, *self.shelf_ids]
        )
        self.service = Service(self.broker, workdir / "service", wh, SITE)
        self.orders_created = 0
        self.intake_rate = 0.0
        self.results: list[PhaseResult] = []
        self.raw: dict[str, float] = {}
        self.raw_cpu: dict[str, dict[str, float]] = {}
        self.disk: dict[str, float] = {}
        self.code = code_version()
        self.missing = -1
        self.profile_summary: list[str] = []
        self.total_events = 0
        self.stuck = 0
        self.elapsed = 0.0
        self.event_sizes: list[int] = [150]
        self.view_sizes: list[int] = [400]
        self.sink_pid = 0

    # --- orders ---

    def ensure_orders(self, events: float, epo: float) -> None:
        """Enough received orders for about `events` more device events."""
        counts = self.service.order_counts()
        waiting = counts.get("received", 0)
        need = int(events / epo * 1.3) + 4 * self.args.pickers - waiting
        if need <= 0:
            return
        need = min(need, self.args.max_orders - self.orders_created)
        if need <= 0:
            return
        log(f"creating {need} orders over HTTP ({waiting} waiting)")
        self.intake_rate = create_orders(
            self.service, need, self.skus, self.orders_created, self.args.seed
        )
        self.orders_created += need
        log(f"  {self.intake_rate:.0f} orders/s")

    def picked_orders(self) -> int:
        counts = self.service.order_counts()
        return sum(v for k, v in counts.items() if k not in ("received", "picking"))

    # --- one measured phase ---

    def phase(self, floor: Floor, name: str, rate: float | None, seconds: float) -> PhaseResult:
        hub, service = floor.hub, self.service
        writer0 = service.health()["writer"]
        picked0 = self.picked_orders()
        floor.set_mode("closed" if rate is None else "rate", rate or 0.0)
        hub.run_for(WARMUP_S)
        floor.max_lag = 0.0
        pids = {"service": service.pid, "broker": self.broker.pid, "load": os.getpid()}
        cpu0 = {k: cpu_seconds(p) for k, p in pids.items()}
        w0, p0, s0 = time.time(), time.perf_counter(), floor.sent
        profiler = self.start_profile(seconds) if rate is None and self.args.profile else None
        hub.run_for(seconds)
        w1, p1, s1 = time.time(), time.perf_counter(), floor.sent
        cpu = {k: (cpu_seconds(p) - cpu0[k]) / (p1 - p0) * 100 for k, p in pids.items()}
        lag = floor.max_lag
        floor.set_mode("paused")
        hub.run(lambda: floor.outstanding() == 0 and floor.inflight <= 0, DRAIN_S)
        hub.run_for(0.3)
        if profiler is not None:
            self.finish_profile(profiler)
        applied, refused = count_seen(service.db_path, w0, w1)
        writer1 = service.health()["writer"]
        batches = writer1["batches"] - writer0["batches"]
        batch_mean = (writer1["applied"] - writer0["applied"]) / batches if batches else 0.0
        result = PhaseResult(
            name=name,
            offered=rate,
            seconds=p1 - p0,
            sent=s1 - s0,
            applied=applied,
            refused=refused,
            light_ms=[d * 1000 for t, d in floor.light_samples if p0 <= t < p1],
            view_ms=[d * 1000 for t, d in floor.view_samples if p0 <= t < p1],
            idle=sum(1 for t in floor.idle_views if p0 <= t < p1),
            max_lag_s=lag,
            batch_mean=batch_mean,
            cpu=cpu,
            orders_picked=self.picked_orders() - picked0,
        )
        self.results.append(result)
        log(
            f"  {name}: applied {result.applied_s:.0f} events/s (sent {result.sent_s:.0f}/s,"
            f" refused {refused}), scan→light p50 {pctl(result.light_ms, 50):.1f} ms"
            f" p99 {pctl(result.light_ms, 99):.1f} ms (n={len(result.light_ms)}),"
            f" batch {batch_mean:.1f}, CPU service {cpu['service']:.0f}%"
            f" broker {cpu['broker']:.0f}% load {cpu['load']:.0f}%"
        )
        return result

    # --- profiling (optional) ---

    def start_profile(self, seconds: float) -> subprocess.Popen[bytes] | None:
        exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        if not Path(exe).exists():
            log("py-spy not found (pip install py-spy); not profiling")
            return None
        out = Path(self.args.profile).resolve()
        return subprocess.Popen(
            [
                exe,
                "record",
                "--pid",
                str(self.service.pid),
                "--duration",
                str(int(seconds)),
                "--rate",
                "200",
                "--format",
                "raw",
                "--threads",
                "--nonblocking",
                "--output",
                str(out),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def finish_profile(self, proc: subprocess.Popen[bytes]) -> None:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            return
        path = Path(self.args.profile)
        if path.exists():
            self.profile_summary = summarize_profile(path)

    # --- the whole run ---

    def run(self) -> None:
        args = self.args
        t_start = time.perf_counter()
        self.disk = disk_probe(self.service.workdir, args.disk_seconds)
        log(
            f"disk: SQLite commit (WAL, synchronous=FULL) p50 {self.disk['p50']:.2f} ms,"
            f" p99 {self.disk['p99']:.2f} ms, max {self.disk['max']:.1f} ms"
        )
        self.broker.start()
        log(f"mosquitto on port {self.broker.port}; starting the service")
        self.service.start()
        log(f"service up ({len(self.desc['bins'])} bins, all lit; {args.pickers} pickers)")
        closed_events = 0.0 if args.rate else 1500 * (WARMUP_S + args.seconds)
        first_rate = args.rate[0] if args.rate else 0
        self.ensure_orders(
            max(closed_events, first_rate * (WARMUP_S + args.seconds)), EVENTS_PER_ORDER_GUESS
        )
        hub = Hub()
        floor = Floor(hub, self.broker, args.pickers, self.shelf_ids, args.button_prob)
        try:
            floor.connect()
            floor.set_mode("closed")
            if not hub.run(lambda: all(p.has_stop for p in floor.pickers), 60):
                log("warning: not every picker got a first stop")
            floor.set_mode("paused")
            hub.run(lambda: floor.outstanding() == 0 and floor.inflight <= 0, DRAIN_S)
            epo = EVENTS_PER_ORDER_GUESS
            if not args.rate:
                log(f"closed loop for {args.seconds:.0f} s")
                r = self.phase(floor, "closed loop (max)", None, args.seconds)
                if r.orders_picked:
                    epo = max(3.0, r.applied / r.orders_picked)
            rates = args.rate or args.rates
            seconds = args.seconds if args.rate else args.rate_seconds
            for rate in rates:
                self.ensure_orders(rate * (WARMUP_S + seconds), epo)
                log(f"open loop at {rate} events/s for {seconds:.0f} s")
                self.phase(floor, f"open loop {rate}/s", float(rate), seconds)
            floor.set_mode("paused")
            hub.run(lambda: floor.outstanding() == 0 and floor.inflight <= 0, DRAIN_S)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                self.missing = missing_events(self.service.db_path, floor.sent_ids)
                if self.missing == 0:
                    break
                hub.run_for(0.5)
            self.total_events = floor.sent
            self.stuck = sum(1 for p in floor.pickers if p.stuck)
            self.event_sizes = floor.event_sizes or [150]
            self.view_sizes = floor.view_sizes or [400]
            # For a closer look with --keep: every latency sample against the run's clock.
            (self.workdir / "samples.json").write_text(
                json.dumps(
                    {
                        "wall_minus_perf": time.time() - time.perf_counter(),
                        "light": floor.light_samples,
                        "view": floor.view_samples,
                    }
                ),
                encoding="utf-8",
            )
        finally:
            hub.close()
            self.service.stop()
        log("service stopped; raw broker pass-through with the same clients")
        self.raw_phase()
        self.broker.stop()
        self.elapsed = time.perf_counter() - t_start

    # --- raw broker ---

    @contextmanager
    def sink(self, reply_bytes: int) -> Iterator[Path]:
        out = self.workdir / f"sink-{reply_bytes}.json"
        env = {
            **os.environ,
            "BENCH_SINK_USER": "edge-service",
            "BENCH_SINK_PASSWORD": self.broker.passwords["edge-service"],
        }
        proc = subprocess.Popen(
            [
                sys.executable,
                str(BENCH / "_bench_mqtt.py"),
                "sink",
                self.broker.host,
                str(self.broker.port),
                f"{ROOT}/raw/+/+/evt",
                str(out),
                str(reply_bytes),
            ],
            env=env,
            stdout=subprocess.PIPE,
        )
        assert proc.stdout is not None
        readable, _, _ = select.select([proc.stdout], [], [], 15.0)
        ready = proc.stdout.readline() if readable else b""
        if b"ready" not in ready:
            proc.kill()
            proc.wait(timeout=10)
            raise RuntimeError("raw sink did not start")
        self.sink_pid = proc.pid
        try:
            yield out
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()

    def raw_phase(self) -> None:
        seconds = self.args.raw_seconds
        sizes = self.event_sizes
        devices = [*self.scanner_ids, *self.shelf_ids]

        def payload(i: int) -> bytes:
            size = sizes[i % len(sizes)]
            head = b'{"msg_id":"' + uuid.uuid4().hex.encode() + b'","type":"scan","code":"'
            return head + b"x" * max(0, size - len(head) - 2) + b'"}'

        # 1. stream: every publisher keeps up to 20 QoS 1 messages in flight.
        with self.sink(0) as out:
            t0, t1, _, cpu = self.raw_run(devices, payload, seconds, window=20, echo=False)
        self.raw["stream"] = sink_rate(out, t0, t1)
        self.raw_cpu["stream"] = cpu
        # 2. echo: one message out per publisher; the sink answers on its cmd topic with a
        # view-sized message (the shape of the service's closed loop, without the service).
        view = int(pctl([float(s) for s in self.view_sizes], 50))
        with self.sink(view) as out:
            t0, t1, rtts, cpu = self.raw_run(devices, payload, seconds, window=1, echo=True)
        self.raw["echo"] = sink_rate(out, t0, t1)
        self.raw_cpu["echo"] = cpu
        self.raw["echo_p50"] = pctl(rtts, 50)
        self.raw["echo_p99"] = pctl(rtts, 99)
        log(
            f"  raw stream {self.raw['stream']:.0f} msg/s, raw echo {self.raw['echo']:.0f} msg/s"
            f" (round trip p50 {self.raw['echo_p50']:.2f} ms, p99 {self.raw['echo_p99']:.2f} ms)"
        )

    def raw_run(
        self,
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

        def publish(device: str) -> None:
            if state["stop"] or state["sent"] >= limit:
                return
            kind = "shelf" if device.startswith("ptl-") else "scanner"
            clients[device].publish(f"{ROOT}/raw/{kind}/{device}/evt", payload(state["sent"]), 1)
            state["sent"] += 1
            sent_at[device] = time.perf_counter()

        for device in devices:
            client = hub.add(new_client(f"raw-{device}", device, self.broker.passwords[device]))
            clients[device] = client
            kind = "shelf" if device.startswith("ptl-") else "scanner"
            cmd = f"{ROOT}/raw/{kind}/{device}/cmd"

            def on_connect(
                c: mqtt.Client, u: Any, f: Any, rc: Any, p: Any, topic: str = cmd
            ) -> None:
                c.subscribe(topic, 1)

            def on_subscribe(c: mqtt.Client, u: Any, mid: int, rcs: Any, p: Any) -> None:
                state["connected"] += 1

            def on_publish(
                c: mqtt.Client, u: Any, mid: int, rc: Any, p: Any, d: str = device
            ) -> None:
                if not echo:
                    publish(d)

            def on_message(c: mqtt.Client, u: Any, msg: mqtt.MQTTMessage, d: str = device) -> None:
                now = time.perf_counter()
                rtts.append((now, (now - sent_at[d]) * 1000))
                publish(d)

            client.on_connect = on_connect
            client.on_subscribe = on_subscribe
            client.on_publish = on_publish
            client.on_message = on_message
            hub.connect(client, self.broker.host, self.broker.port)
        if not hub.run(lambda: state["connected"] >= len(devices), 30):
            raise RuntimeError("raw publishers did not connect")
        for device in devices:
            for _ in range(window):
                publish(device)
        hub.run_for(1.0)
        pids = {"sink": self.sink_pid, "broker": self.broker.pid, "load": os.getpid()}
        cpu0 = {k: cpu_seconds(pid) for k, pid in pids.items()}
        t0, p0 = time.time(), time.perf_counter()
        hub.run_for(seconds)
        t1, p1 = time.time(), time.perf_counter()
        cpu = {k: (cpu_seconds(pid) - cpu0[k]) / (p1 - p0) * 100 for k, pid in pids.items()}
        state["stop"] = 1
        hub.run_for(0.5)
        hub.close()
        return t0, t1, [d for t, d in rtts if p0 <= t < p1], cpu


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


def sink_rate(out: Path, t0: float, t1: float) -> float:
    """Messages per second the sink received in [t0, t1) (it counts per 100 ms)."""
    bins = {int(k): int(v) for k, v in json.loads(out.read_text(encoding="utf-8")).items()}
    s0, s1 = math.ceil(t0 * 10), math.floor(t1 * 10)
    if s1 <= s0:
        return math.nan
    return sum(bins.get(k, 0) for k in range(s0, s1)) / ((s1 - s0) / 10)


def summarize_profile(path: Path, top: int = 14) -> list[str]:
    """Collapsed py-spy stacks → where the service's threads spend their samples."""
    inclusive: dict[str, int] = {}
    by_thread: dict[str, int] = {}
    total = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        thread = frames[0]
        by_thread[thread] = by_thread.get(thread, 0) + count
        seen: set[str] = set()
        for frame in frames[1:]:
            name = frame.split(" (")[0]
            where = frame.split(" (")[1].rstrip(")") if " (" in frame else ""
            where = where.split("/site-packages/")[-1].replace(str(REPO) + "/", "")
            key = f"{name} ({where.rsplit(':', 1)[0]})"
            if key not in seen:
                seen.add(key)
                inclusive[key] = inclusive.get(key, 0) + count
    if not total:
        return []
    lines = [
        "threads: "
        + ", ".join(
            f"{t} {c * 100 / total:.0f}%"
            for t, c in sorted(by_thread.items(), key=lambda x: -x[1])[:6]
        )
    ]
    for key, count in sorted(inclusive.items(), key=lambda x: -x[1])[:top]:
        lines.append(f"{count * 100 / total:5.1f}%  {key}")
    return lines


# --- the report ---------------------------------------------------------------------------------


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


def verdict(results: list[PhaseResult]) -> tuple[bool, str]:
    ok = [
        r
        for r in results
        if r.offered is not None and r.kept_up and pctl(r.light_ms, 99) <= TARGET_P99_MS
    ]
    best = max((r.offered or 0.0 for r in ok), default=0.0)
    closed = next((r for r in results if r.offered is None), None)
    met = best >= TARGET_EVENTS_S
    parts = [
        f"Target ≥ {TARGET_EVENTS_S:,} events/s sustained (durable) with p99 scan-to-light"
        f" ≤ {TARGET_P99_MS:.0f} ms: **{'met' if met else 'missed'}**"
    ]
    if best:
        parts.append(f"highest paced rate held with p99 ≤ {TARGET_P99_MS:.0f} ms: {best:.0f}/s")
    else:
        parts.append(f"no paced rate was held with p99 ≤ {TARGET_P99_MS:.0f} ms")
    if closed is not None:
        parts.append(
            f"closed-loop maximum {closed.applied_s:.0f} events/s"
            f" ({closed.applied_s / TARGET_EVENTS_S * 100:.0f}% of the target) at p99"
            f" {pctl(closed.light_ms, 99):.0f} ms"
        )
    return met, "; ".join(parts) + "."


def _ms(values: list[float]) -> str:
    if not values:
        return "–"
    return f"{pctl(values, 50):.1f} / {pctl(values, 99):.1f}"


def _cpu(cpu: dict[str, float] | None) -> str:
    if not cpu:
        return "–"
    return f"{cpu['sink']:.0f} / {cpu['broker']:.0f} / {cpu['load']:.0f}"


def report_lines(bench: Bench) -> list[str]:
    args = bench.args
    rows = [
        "| load | offered events/s | applied events/s (durable) | scan→light p50 / p99 ms"
        " (samples) | event→view p50 / p99 ms | writer batch (mean) | CPU % service / broker"
        " / load | held |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in bench.results:
        held = "–" if r.offered is None else ("yes" if r.kept_up else "no")
        if r.refused:
            held += f" ({r.refused} refused)"
        if r.idle:
            held += f" ({r.idle} idle views: orders ran out)"
        rows.append(
            f"| {r.name} | {'max' if r.offered is None else f'{r.offered:.0f}'} |"
            f" {r.applied_s:.0f} | {_ms(r.light_ms)} ({len(r.light_ms)}) | {_ms(r.view_ms)} |"
            f" {r.batch_mean:.1f} | {r.cpu['service']:.0f} / {r.cpu['broker']:.0f} /"
            f" {r.cpu['load']:.0f} | {held} |"
        )
    publishers = len(bench.scanner_ids) + len(bench.shelf_ids)
    raw = bench.raw
    disk = {"n": 0.0, "p50": math.nan, "p99": math.nan, "p999": math.nan, "max": math.nan}
    disk.update(bench.disk)
    closed = next((r for r in bench.results if r.offered is None), None)
    service_best = closed.applied_s if closed else max(r.applied_s for r in bench.results)
    rows += [
        "",
        f"Raw broker, same run, no service ({publishers} paho publishers → Mosquitto → one paho"
        " subscriber in its own process, QoS 1, the payload sizes the devices sent):",
        "",
        "| raw path | messages/s | round trip p50 / p99 ms | CPU % sink / broker / load |",
        "| --- | ---: | ---: | ---: |",
        f"| stream (20 in flight per publisher) | {raw.get('stream', math.nan):.0f} | – |"
        f" {_cpu(bench.raw_cpu.get('stream'))} |",
        f"| echo (one outstanding per client, a view-sized reply) | {raw.get('echo', math.nan):.0f}"
        f" | {raw.get('echo_p50', math.nan):.2f} / {raw.get('echo_p99', math.nan):.2f} |"
        f" {_cpu(bench.raw_cpu.get('echo'))} |",
        "",
        f"Ratio service / raw: {service_best / raw.get('stream', math.nan):.3f} of the stream,"
        f" {service_best / raw.get('echo', math.nan):.3f} of the echo"
        f" ({'closed-loop maximum' if closed else 'best paced rate'} {service_best:.0f} events/s).",
        "",
        verdict(bench.results)[1],
        "",
        "The disk alone, before the service started: a small SQLite commit (WAL,"
        " synchronous=FULL, the writer's settings) on the service's filesystem takes p50"
        f" {disk['p50']:.2f} ms, p99 {disk['p99']:.2f} ms, p99.9 {disk['p999']:.1f} ms, max"
        f" {disk['max']:.1f} ms ({disk['n']:.0f} commits in {args.disk_seconds:g} s): every"
        " light command waits for one such commit.",
        "",
        f"Load: {args.pickers} pickers with a scanner each, {len(bench.shelf_ids)} shelf"
        f" controllers (one per aisle, a light module on all {len(bench.desc['bins'])} bins;"
        f" every command acked), {bench.orders_created:,} orders of 1–3 lines created over HTTP"
        f" ({bench.intake_rate:.0f} orders/s with 8 clients). One SKU per bin, order lines"
        " spread evenly over all 12 aisles, and every order has the same cut-off (today's):"
        f" each `next` makes the batcher weigh {BATCH_LOOKAHEAD} equally urgent orders, its"
        " hardest case."
        " A picker confirms a lit stop with"
        f" the module's button with probability {args.button_prob:.1f}, otherwise scans bin and"
        " item and confirms the quantity; events = scans, confirms, buttons, `next`, controller"
        f" acks. {bench.total_events:,} events in the run; missing from the service's"
        f" inbound_seen after the run: {bench.missing}; pickers stuck: {bench.stuck}."
        " Applied events/s counts the service's inbound_seen rows by apply time (committed"
        " with synchronous=FULL before the light command or view leaves); scan→light is from"
        " the device publishing the confirm or button press to the controller receiving the"
        " LightOn of the picker's next stop; event→view is any event to the scanner's next"
        " view. Open-loop rows pace all device events at the offered rate (a backlog is sent"
        " as soon as pickers can: 'held' = applied ≥ 97% of offered and the pacer never more"
        " than 0.5 s behind). Writer batch = messages per transaction (the service's own"
        " counters, warm-up included).",
    ]
    return rows


def docs_section(bench: Bench, findings: list[str]) -> list[str]:
    args = bench.args
    command = ["python bench/event_path.py"]
    if args.rate:
        command += [f"--rate {r}" for r in args.rate]
    if args.seconds != 20:
        command.append(f"--seconds {args.seconds:g}")
    if args.pickers != 40:
        command.append(f"--pickers {args.pickers}")
    if not args.rate and args.rates != [250, 500, 1000]:
        command.append("--rates " + ",".join(str(r) for r in args.rates))
    command.append("--write")
    return [
        SECTION,
        "",
        "A device event over MQTT (QoS 1) → Mosquitto → the service (`python -m edge serve`:"
        " decode, the one writer thread, SQLite WAL with `synchronous=FULL`, commit) → the light"
        " command back to the shelf controller, everything on one box over loopback. Reproduce"
        " from the repository root (the project's virtualenv active; needs `mosquitto` and"
        " `mosquitto_passwd`):",
        "",
        "```",
        " ".join(command),
        "```",
        "",
        f"Run: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, {bench.elapsed:.0f} s in all,"
        f" service code at commit {bench.code}."
        f" Machine: {machine_note(bench.broker.binary)}. The broker, the service and the load"
        " generator (one process, one thread for all device clients) share the cores, as they"
        " would on the gateway, so CPU % adds up to at most 100 per core.",
        "",
        *report_lines(bench),
        "",
        *findings,
    ]


def existing_findings(path: Path) -> list[str]:
    """The hand-written findings under the section, kept across runs."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    if SECTION not in lines:
        return []
    start = lines.index(SECTION)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    body = lines[start:end]
    if FINDINGS not in body:
        return []
    kept = body[body.index(FINDINGS) :]
    while kept and not kept[-1].strip():
        kept.pop()
    return kept


def write_section(path: Path, body: list[str]) -> None:
    """Replace (or append) only the `## Event path` section; other sections stay as they are."""
    replace_section(path, SECTION, body)


def _rates(text: str) -> list[int]:
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: comma-separated integers") from None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="bench/event_path.py",
        description=(__doc__ or "").strip(),
        epilog="Without --rate: a closed loop for --seconds, then each of --rates for"
        " --rate-seconds, then the raw broker. --write updates the '## Event path' section of"
        " --out (other sections stay as they are).",
    )
    p.add_argument("--seconds", type=float, default=20.0, help="closed-loop measured seconds")
    p.add_argument("--pickers", type=int, default=40, help="simulated pickers (scanners)")
    p.add_argument(
        "--rates",
        type=_rates,
        default=[250, 500, 1000],
        help="open-loop rates (events/s) after the closed loop",
    )
    p.add_argument("--rate-seconds", type=float, default=10.0, help="seconds per open-loop rate")
    p.add_argument(
        "--rate",
        type=int,
        action="append",
        help="only open-loop at this rate (repeatable), for --seconds each",
    )
    p.add_argument("--raw-seconds", type=float, default=5.0, help="seconds per raw broker test")
    p.add_argument("--disk-seconds", type=float, default=3.0, help="seconds of the disk probe")
    p.add_argument("--button-prob", type=float, default=0.5, help="lit stops confirmed by button")
    p.add_argument("--max-orders", type=int, default=30000, help="orders created at most")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    p.add_argument("--write", action="store_true", help="update the section in --out")
    p.add_argument("--profile", help="py-spy the service during the closed loop (raw stacks)")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory")
    p.add_argument(
        "--tmp-root",
        help="where the temporary directory (broker, database) goes, e.g. /dev/shm to see the"
        " service's own latency without the disk's fsync tail (not durable: a what-if only)",
    )
    args = p.parse_args(argv)
    if not 1 <= args.pickers <= 500:
        p.error("--pickers: 1 to 500")
    if args.seconds <= 0 or args.seconds > 600 or args.rate_seconds <= 0:
        p.error("--seconds and --rate-seconds: more than 0, at most 600")
    if any(r <= 0 or r > 20000 for r in (args.rate or []) + args.rates):
        p.error("rates: 1 to 20000 events/s")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="edge-bench-", dir=args.tmp_root))
    bench = Bench(args, workdir)
    try:
        bench.run()
    except (RuntimeError, OSError, httpx.HTTPError) as exc:
        print(f"event_path: {exc}", file=sys.stderr)
        print(bench.service.log_tail(), file=sys.stderr)
        return 1
    finally:
        bench.service.stop()
        bench.broker.stop()
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print()
    print("\n".join(report_lines(bench)))
    if bench.profile_summary:
        print("\nservice profile (closed loop, share of samples per frame, inclusive):")
        print("\n".join("  " + x for x in bench.profile_summary))
    if args.write:
        findings = existing_findings(args.out) or [
            FINDINGS,
            "",
            "- (profile with `--profile stacks.txt` and note where the time goes)",
        ]
        write_section(args.out, docs_section(bench, findings))
        print(f"\nupdated the {SECTION[3:]} section of {args.out}")
    print(f"\nrun time {bench.elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
