"""The service's Prometheus metrics: its own registry, cheap hot-path counts, live readings."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

# A live reading: one number, or one number per label value (e.g. devices by kind).
Reading = Callable[[], float | Mapping[str, float]]

# Seconds: the writer's COMMIT (an fsync) and scan→light sit around a millisecond; the
# target is a p99 under 20 ms, so the buckets are finest there.
_FAST_S = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
_PLAN_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_BATCH = (1, 2, 4, 8, 16, 32, 64, 128, 256)


@dataclass(frozen=True)
class _Live:
    name: str
    doc: str
    kind: str  # "gauge" or "counter"
    label: str
    read: Reading


class _LiveCollector(Collector):
    """Reads values that already exist (queue depth, devices, streams, the feed) when
    Prometheus scrapes, so nothing is counted twice on the hot path."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._readings: dict[str, _Live] = {}
        self.scrapes = 0  # one more at each collection: readings may share one read per scrape

    def add(self, live: _Live) -> None:
        with self._lock:
            self._readings[live.name] = live  # wired again (a new app): the newest wins

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            readings = list(self._readings.values())
            self.scrapes += 1
        for live in readings:
            try:
                value = live.read()
            except Exception:  # one failing reading must not lose the whole scrape
                log.exception("metric %s could not be read", live.name)
                continue
            family: GaugeMetricFamily | CounterMetricFamily
            labels = [live.label] if live.label else None
            if live.kind == "counter":
                family = CounterMetricFamily(live.name, live.doc, labels=labels)
            else:
                family = GaugeMetricFamily(live.name, live.doc, labels=labels)
            if isinstance(value, Mapping):
                for label_value, number in sorted(value.items()):
                    family.add_metric([label_value], float(number))
            else:
                family.add_metric([], float(value))
            yield family


class Metrics:
    """One service's metrics in a registry of its own (several services in one process,
    as in the tests, do not collide). The writer, the MQTT link and the planner call the
    cheap methods below; everything else is a live reading added with `live`."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        reg = self.registry
        self._applied = Counter(
            "edge_events_applied",
            "Messages committed by the writer, by message type (duplicates included).",
            ["kind"],
            registry=reg,
        )
        self._duplicates = Counter(
            "edge_events_duplicate",
            "Messages recognised as redeliveries (device, msg_id seen before), by type.",
            ["kind"],
            registry=reg,
        )
        self._refused = Counter(
            "edge_events_refused",
            "Messages the rules refused (rolled back, the device told why), by error code.",
            ["code"],
            registry=reg,
        )
        self._failed = Counter(
            "edge_events_failed",
            "Messages that hit an internal error (a bug; kept as a dead letter), by type.",
            ["kind"],
            registry=reg,
        )
        self._dead_letters = Counter(
            "edge_dead_letters",
            "Dead letters committed (undecodable or unknown messages), by code.",
            ["code"],
            registry=reg,
        )
        self._batch_size = Histogram(
            "edge_writer_batch_size",
            "Messages applied per transaction (group commit).",
            buckets=_BATCH,
            registry=reg,
        )
        self._commit_s = Histogram(
            "edge_writer_commit_seconds",
            "Time of the writer's COMMIT statement (the fsync with synchronous=FULL).",
            buckets=_FAST_S,
            registry=reg,
        )
        self._apply_s = Histogram(
            "edge_writer_apply_seconds",
            "Time from BEGIN to just before COMMIT: applying a batch's messages.",
            buckets=_FAST_S,
            registry=reg,
        )
        self._scan_to_light_s = Histogram(
            "edge_scan_to_light_seconds",
            "A device event that lights the next stop (a scan, a quantity confirmed, a"
            " button): from its hand-over to the writer (right after decoding) until the"
            " light command was handed to the MQTT client, measured inside the service.",
            buckets=_FAST_S,
            registry=reg,
        )
        self._stage_s = Histogram(
            "edge_event_stage_seconds",
            "Where a device event's time goes inside the service, stage by stage: decode (MQTT"
            " payload to message), queue (waiting for the writer), apply (its rules, in the"
            " batch's transaction), commit (the batch's COMMIT and fsync, once per batch),"
            " publish (handing its effects to the MQTT client and the pages).",
            ["stage"],
            buckets=_FAST_S,
            registry=reg,
        )
        self._stages: dict[str, Any] = {}
        self._planner_s = Histogram(
            "edge_planner_seconds",
            "Planning one trip (batching and routing), including the hop to the worker.",
            buckets=_PLAN_S,
            registry=reg,
        )
        self._live = _LiveCollector()
        reg.register(self._live)
        # Per label value, the child made once: labels() takes a lock and builds a key.
        self._children: dict[tuple[str, str], Counter] = {}

    # --- the hot path: a dictionary look-up and an inc() or observe() each --------------

    def _child(self, counter: Counter, name: str, value: str) -> Counter:
        key = (name, value)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = counter.labels(value)
        return child

    def applied(self, kind: str, duplicate: bool) -> None:
        self._child(self._applied, "applied", kind).inc()
        if duplicate:
            self._child(self._duplicates, "duplicate", kind).inc()

    def refused(self, code: str) -> None:
        self._child(self._refused, "refused", code).inc()

    def failed(self, kind: str) -> None:
        self._child(self._failed, "failed", kind).inc()

    def dead_letter(self, code: str) -> None:
        self._child(self._dead_letters, "dead", code).inc()

    def batch(self, size: int, apply_s: float, commit_s: float) -> None:
        self._batch_size.observe(size)
        self._apply_s.observe(apply_s)
        self._commit_s.observe(commit_s)

    def stage(self, name: str, seconds: float) -> None:
        """One stage of one event (or of one batch, for the commit)."""
        child = self._stages.get(name)
        if child is None:
            child = self._stages[name] = self._stage_s.labels(name)
        child.observe(seconds)

    def scan_to_light(self, seconds: float) -> None:
        self._scan_to_light_s.observe(seconds)

    def planned(self, seconds: float) -> None:
        self._planner_s.observe(seconds)

    # --- live readings, made at scrape time ---------------------------------------------

    @property
    def scrapes(self) -> int:
        """Collections so far: a reading can serve several metrics from one read per scrape."""
        return self._live.scrapes

    def live(
        self, name: str, doc: str, read: Reading, *, label: str = "", counter: bool = False
    ) -> None:
        """A value read when scraped: a gauge (or a counter that only grows, named without
        `_total`, which the exposition adds), optionally one sample per value of label."""
        self._live.add(_Live(name, doc, "counter" if counter else "gauge", label, read))
