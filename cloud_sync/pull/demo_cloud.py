"""The demo's cloud: pulls the feed, checks hashes and chain, keeps it in memory, acks."""

from __future__ import annotations

import logging
import threading

from pydantic import SecretStr

from cloud_sync.pull.client import BelowFloor, FeedClient, FeedError, StreamChanged
from cloud_sync.pull.config import Gateway
from cloud_sync.pull.verify import verify_page

log = logging.getLogger(__name__)

PAGE = 500
# Short long-polls: the demo's Ctrl-C should not wait for one to end.
WAIT_S = 2


class DemoCloud:
    """What the reference consumer does (edge-cloud-pull), with a dict standing in for
    PostgreSQL, so `edge demo` shows the feed drained without a database server: the
    supervisor's cloud backlog falls to zero as records are verified and acknowledged."""

    def __init__(self, url: str, key: str) -> None:
        gateway = Gateway(name="demo-cloud", url=url, key=SecretStr(key), gzip=False)
        self._client = FeedClient(gateway, timeout_s=10, wait_s=WAIT_S)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.stored: dict[tuple[str, int], str] = {}  # (stream, seq) -> hash
        self.refused = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="demo-cloud", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=WAIT_S + 10)
        self._client.close()

    def _run(self) -> None:
        stream: str | None = None
        after = 0
        while not self._stop.is_set():
            try:
                page = self._client.page(stream, after, PAGE)
            except StreamChanged as changed:  # the gateway's database was restored
                stream, after = changed.stream_id, 0
                continue
            except (BelowFloor, FeedError) as exc:
                log.warning("demo cloud: %s", exc)
                self._stop.wait(2)
                continue
            stream = page.stream_id
            verified = verify_page(page.records, after)
            for record in verified.records:
                self.stored[(stream, int(record["seq"]))] = str(record["hash"])
            if verified.records:
                after = int(verified.records[-1]["seq"])
                try:
                    self._client.ack(stream, after)  # "stored" first, then acknowledged
                except (StreamChanged, FeedError) as exc:
                    log.warning("demo cloud: ack: %s", exc)
            if verified.problem is not None:
                self.refused += 1
                log.error("demo cloud: refused a record: %s", verified.problem)
                self._stop.wait(2)
