"""Many paho clients on one thread (paho's external-loop API), and the raw-broker sink process."""

# One thread drives every simulated device, so a 2-core box does not also spend its CPU on a
# hundred paho network threads and the GIL handovers between them; timestamps are taken on
# the thread that reads the socket. The clock is time.monotonic(), the one DeviceClient stamps
# received commands with, so send and receive times compare directly.
#
#   python -m bench._bench_mqtt sink HOST PORT TOPIC_FILTER OUT_JSON REPLY_BYTES
#       (user and password in BENCH_SINK_USER / BENCH_SINK_PASSWORD)

from __future__ import annotations

import contextlib
import heapq
import itertools
import json
import os
import selectors
import signal
import socket
import sys
import time
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion

_READ = selectors.EVENT_READ
_WRITE = selectors.EVENT_WRITE


def new_client(client_id: str, username: str, password: str, clean: bool = True) -> mqtt.Client:
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=clean,
        protocol=MQTTProtocolVersion.MQTTv311,
    )
    client.username_pw_set(username, password)
    client.max_inflight_messages_set(100)
    client.max_queued_messages_set(0)
    return client


def _nodelay(sock: Any) -> None:
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Hub:
    """Runs many paho clients with one selector; publishes go out at the end of each turn."""

    def __init__(self) -> None:
        self.sel = selectors.DefaultSelector()
        self.clients: list[mqtt.Client] = []
        self._dirty: set[mqtt.Client] = set()
        self._blocked: set[mqtt.Client] = set()
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._last_misc = time.monotonic()
        self.pumps: list[Callable[[float], float]] = []  # called each turn; return next wake
        self.disconnects = 0

    def add(self, client: mqtt.Client) -> mqtt.Client:
        client.on_socket_open = self._open
        client.on_socket_close = self._close
        client.on_socket_register_write = self._want_write
        client.on_socket_unregister_write = self._no_write
        self.clients.append(client)
        return client

    def connect(self, client: mqtt.Client, host: str, port: int, keepalive: int = 60) -> None:
        client.connect(host, port, keepalive=keepalive)

    def after(self, delay_s: float, fn: Callable[[], None]) -> None:
        heapq.heappush(self._timers, (time.monotonic() + delay_s, next(self._seq), fn))

    # --- socket callbacks ----------------------------------------------------------------

    def _open(self, client: mqtt.Client, userdata: Any, sock: Any) -> None:
        _nodelay(sock)
        self.sel.register(sock, _READ, client)

    def _close(self, client: mqtt.Client, userdata: Any, sock: Any) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self.sel.unregister(sock)
        self._dirty.discard(client)
        self._blocked.discard(client)

    def _want_write(self, client: mqtt.Client, userdata: Any, sock: Any) -> None:
        self._dirty.add(client)

    def _no_write(self, client: mqtt.Client, userdata: Any, sock: Any) -> None:
        if client in self._blocked:
            self._blocked.discard(client)
            with contextlib.suppress(KeyError, ValueError):
                self.sel.modify(sock, _READ, client)

    # --- the loop ------------------------------------------------------------------------

    def _flush(self) -> None:
        while self._dirty:
            client = self._dirty.pop()
            if client in self._blocked:
                continue  # waits for the selector to say the socket is writable
            client.loop_write()
            self._dirty.discard(client)
            sock = client.socket()
            if client.want_write() and sock is not None:
                self._blocked.add(client)
                with contextlib.suppress(KeyError, ValueError):
                    self.sel.modify(sock, _READ | _WRITE, client)

    def turn(self, max_wait: float) -> None:
        now = time.monotonic()
        wake = now + max_wait
        if self._timers:
            wake = min(wake, self._timers[0][0])
        for pump in self.pumps:
            wake = min(wake, pump(now))
        self._flush()
        timeout = max(0.0, wake - time.monotonic())
        for key, mask in self.sel.select(timeout if self.clients else min(timeout, 0.01)):
            client: mqtt.Client = key.data
            if mask & _READ:
                rc = client.loop_read()
                if rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
                    self.disconnects += 1
            if mask & _WRITE and client.socket() is not None:
                client.loop_write()
        now = time.monotonic()
        while self._timers and self._timers[0][0] <= now:
            _, _, fn = heapq.heappop(self._timers)
            fn()
        for pump in self.pumps:
            pump(now)
        self._flush()
        if now - self._last_misc > 1.0:
            self._last_misc = now
            for client in self.clients:
                client.loop_misc()

    def run(self, until: Callable[[], bool], timeout_s: float) -> bool:
        """Turn until `until()` holds (True) or the time is up (False)."""
        deadline = time.monotonic() + timeout_s
        while not until():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.turn(min(left, 0.05))
        return True

    def run_for(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.turn(min(left, 0.05))

    def close(self) -> None:
        for client in self.clients:
            try:
                client.disconnect()
                client.loop_write()
            except Exception:
                pass
            sock = client.socket()
            if sock is not None:
                with contextlib.suppress(KeyError, ValueError):
                    self.sel.unregister(sock)
                sock.close()
        self.sel.close()


# --- the raw sink: subscribe, count per 100 ms, optionally echo -------------------------------


def sink_main(argv: list[str]) -> int:
    host, port, topic_filter, out_path, reply_bytes = argv
    reply_size = int(reply_bytes)
    bins: dict[int, int] = {}
    stop = False

    def on_term(*_: Any) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_term)
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id="bench-raw-sink",
        clean_session=True,
        protocol=MQTTProtocolVersion.MQTTv311,
    )
    client.username_pw_set(os.environ["BENCH_SINK_USER"], os.environ["BENCH_SINK_PASSWORD"])
    client.max_inflight_messages_set(100)
    client.on_socket_open = lambda c, u, s: _nodelay(s)
    filler = b'{"type":"view","screen":"stop","pad":"' + b"x" * max(0, reply_size - 40) + b'"}'

    def on_connect(c: mqtt.Client, u: Any, f: Any, rc: Any, p: Any) -> None:
        c.subscribe(topic_filter, qos=1)

    def on_subscribe(c: mqtt.Client, u: Any, mid: int, rcs: Any, p: Any) -> None:
        print("ready", flush=True)

    def on_message(c: mqtt.Client, u: Any, msg: mqtt.MQTTMessage) -> None:
        slot = int(time.time() * 10)
        bins[slot] = bins.get(slot, 0) + 1
        if reply_size > 0:
            c.publish(msg.topic[: -len("/evt")] + "/cmd", filler, qos=1)

    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_message = on_message
    client.connect(host, int(port), keepalive=60)
    deadline = time.monotonic() + 600  # never outlive a forgotten benchmark
    while not stop and time.monotonic() < deadline:
        client.loop(timeout=0.05)
    client.disconnect()
    with open(out_path, "w", encoding="utf-8") as fh:
        json.dump({str(k): v for k, v in bins.items()}, fh)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "sink":
        sys.exit(sink_main(sys.argv[2:]))
    print(
        "usage: python -m bench._bench_mqtt sink HOST PORT TOPIC_FILTER OUT_JSON REPLY_BYTES",
        file=sys.stderr,
    )
    sys.exit(2)
