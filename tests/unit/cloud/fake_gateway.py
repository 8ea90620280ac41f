"""A small in-memory gateway speaking the feed contract of docs/cloud-sync.md, for unit tests."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from cloud_sync.pull.verify import content_hash

KEY = "fake-feed-key"


class FakeGateway:
    """One stream of records; acks, epochs, a floor; `tamper` rewrites records as served."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.stream_id = uuid.uuid4().hex
        self.records: list[dict[str, Any]] = []
        self.floor = 0
        self.acks: list[tuple[str, int]] = []
        self.requests: list[dict[str, Any]] = []
        self.tamper: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        self.fail_acks = False
        self._next = 1
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeGateway:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def ship(self, n: int) -> None:
        with self.lock:
            for _ in range(n):
                last = self.records[-1]["seq"] if self.records else self.floor
                seq = max(last + 1, self._next)
                shipment = {"order_id": seq, "shop_order_id": f"S-{seq}", "lines": [seq] * 3}
                self.records.append(
                    {
                        "seq": seq,
                        "prev_seq": last if self.records else seq - 1,
                        "hash": content_hash(shipment),
                        "order_id": seq,
                        "shop_order_id": f"S-{seq}",
                        "created_at": datetime.now(UTC).isoformat(),
                        "record": shipment,
                    }
                )
            self.lock.notify_all()

    def new_epoch(self, keep: int) -> None:
        """A restored copy: the first `keep` records survive and are served again in a new
        stream; records shipped from now on continue above every seq issued before."""
        with self.lock:
            self._next = (self.records[-1]["seq"] if self.records else self.floor) + 1
            self.records = self.records[:keep]
            self.stream_id = uuid.uuid4().hex
            self.floor = 0

    def prune(self, upto: int) -> None:
        with self.lock:
            self.records = [r for r in self.records if r["seq"] > upto]
            self.floor = max(self.floor, upto)

    @property
    def acked(self) -> int:
        return max((s for st, s in self.acks if st == self.stream_id), default=0)

    def _page(self, q: dict[str, str]) -> tuple[int, dict[str, Any]]:
        after, limit = int(q.get("after", "0")), int(q.get("limit", "500"))
        if "stream" in q and q["stream"] != self.stream_id:
            return 409, {"detail": "stream: another stream", "stream_id": self.stream_id}
        if after < self.floor:
            return 410, {"detail": "after: below the floor", "floor": self.floor}
        wait = float(q.get("wait", "0"))
        with self.lock:
            self.lock.wait_for(lambda: any(r["seq"] > after for r in self.records), wait)
            rows = [r for r in self.records if r["seq"] > after][: limit + 1]
        served = [self.tamper(r) if self.tamper else r for r in rows[:limit]]
        return 200, {
            "stream_id": self.stream_id,
            "floor": self.floor,
            "newest": self.records[-1]["seq"] if self.records else self.floor,
            "records": served,
            "next": served[-1]["seq"] if served else after,
            "has_more": len(rows) > limit,
            "acked_seq": self.acked,
        }

    def _ack(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.fail_acks:
            return 503, {"detail": "storage: try again"}
        if body.get("stream_id") != self.stream_id:
            return 409, {"detail": "stream_id: another stream", "stream_id": self.stream_id}
        self.acks.append((body["stream_id"], int(body["seq"])))
        return 200, {"consumer": "cloud", "stream_id": self.stream_id, "acked_seq": self.acked}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        gw = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorized(self) -> bool:
                if self.headers.get("X-API-Key") == KEY:
                    return True
                self._answer(401, {"detail": "key"})
                return False

            def do_GET(self) -> None:
                url = urlparse(self.path)
                if not self._authorized() or url.path != "/api/v1/feed":
                    return
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                gw.requests.append(q)
                self._answer(*gw._page(q))

            def do_POST(self) -> None:
                if not self._authorized():
                    return
                length = int(self.headers.get("Content-Length", "0"))
                self._answer(*gw._ack(json.loads(self.rfile.read(length))))

        return Handler
