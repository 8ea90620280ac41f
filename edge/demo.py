"""The one-command demo: embedded broker, demo warehouse, simulated devices, shop and carrier."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from edge.catalog import Catalog
from edge.demo_returns import ReturnActors
from edge.demo_stock import StockActors
from edge.devices.label_printer import SimulatedLabelPrinter
from edge.devices.simulator import SimDevice
from edge.messages import (
    IntakeOrder,
    OrderLineIn,
    Origin,
    ParcelHandover,
    ShipOrder,
)
from edge.model import DomainError
from edge.runtime import Runtime
from edge.service import Service
from edge.warehouse import WarehouseDescription

log = logging.getLogger(__name__)


class EmbeddedBroker:
    """amqtt on loopback, for the demo only (production and tests use Mosquitto)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="demo-broker", daemon=True)
        self._started = threading.Event()
        self._broker: Any = None
        self._error: BaseException | None = None

    def _run(self) -> None:
        from amqtt.broker import Broker

        asyncio.set_event_loop(self._loop)
        # amqtt races on its subscription table when many clients connect at once and logs a
        # traceback per race; the client just reconnects, so a demo console need not see it.
        self._loop.set_exception_handler(
            lambda _loop, ctx: log.debug(
                "embedded broker: %s", ctx.get("exception") or ctx.get("message")
            )
        )
        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{self.port}"}},
            # Loopback only and no secrets in a demo; the shipped Mosquitto config is the
            # production broker, with passwords and per-device ACLs.
            "plugins": {
                "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}
            },
        }
        try:
            self._broker = Broker(config, loop=self._loop)
            self._loop.run_until_complete(self._broker.start())
        except BaseException as exc:  # reported to start() below
            self._error = exc
            self._started.set()
            return
        self._started.set()
        self._loop.run_forever()

    def start(self) -> None:
        logging.getLogger("amqtt").setLevel(logging.WARNING)
        logging.getLogger("transitions").setLevel(logging.WARNING)
        self._thread.start()
        self._started.wait(15)
        if self._error is not None:
            raise RuntimeError(f"embedded broker did not start: {self._error}")

    def stop(self) -> None:
        if self._broker is not None:
            fut = asyncio.run_coroutine_threadsafe(self._broker.shutdown(), self._loop)
            try:
                fut.result(timeout=5)
            except Exception:
                log.debug("broker shutdown", exc_info=True)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)


def demo_api_key(data_dir: Path) -> str:
    """A random key made on first run and kept beside the database (never in the repo)."""
    path = data_dir / "demo-api-key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    return key


Weigh = Callable[[str, Sequence[tuple[int, bool]]], None]


def demo_printers(cat: Catalog) -> list[SimulatedLabelPrinter]:
    """A simulated label printer for each station printing to loopback (not started)."""
    return [
        SimulatedLabelPrinter(st.printer.host, st.printer.port)
        for st in cat.description.pack_stations
        if st.printer is not None and st.printer.host in ("127.0.0.1", "localhost")
    ]


class DemoActors:
    """The shop (new paid orders), the carrier (collects ready parcels), the supplier (new
    deliveries of what runs low) and the supervisor (approves recounted differences), and
    the parcels that people pack on the handheld page landing on their station's scale.
    Stock reaches the pick faces only through the simulated floor workers' scanners."""

    def __init__(
        self,
        service: Service,
        cat: Catalog,
        order_every_s: float = 4.0,
        seed: int = 7,
        weigh: Weigh | None = None,
        first_delivery_s: float = 10.0,
    ) -> None:
        self.service = service
        self.weigh = weigh
        self._weighed: set[int] = set()
        self.runtime: Runtime = service.runtime
        self.cat = cat
        self.order_every_s = order_every_s
        self.rng = random.Random(seed)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._n = 0
        self.stock = StockActors(service, seed + 6, first_delivery_s)
        self.returns = ReturnActors(service, seed + 10)
        # The DN-TRY- deliveries still open for people to receive (the banner lists them).
        self.for_people: list[str] = []
        self.printers = demo_printers(cat)
        self._carrier_rng = random.Random(seed + 11)  # apart: the orders' sequence stays

    def count_oracle(self, bin_label: str, sku: str) -> int | None:
        """What a simulated person counting a bin finds there (edge.devices.floor_brain)."""
        return self.stock.physical.units(bin_label, sku)

    def start(self) -> None:
        for printer in self.printers:
            try:
                printer.start()
            except OSError as exc:  # its station's labels then fail loudly, as they should
                log.warning("demo label printer on port %s: %s", printer.port, exc)
        self.for_people = self.stock.announce_for_people()
        for name, fn in (
            ("shop", self._shop),
            ("carrier", self._carrier),
            ("supplier", self.stock.supplier),
            ("supervisor", self.stock.supervisor),
            ("returns", self.returns.step),
            ("scales", self._scales),
        ):
            t = threading.Thread(target=self._loop, args=(fn,), name=f"demo-{name}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=5)
        for printer in self.printers:
            printer.stop()

    def _loop(self, step: Callable[[], float]) -> None:
        while not self._stop.is_set():
            try:
                pause = step()
            except DomainError as err:
                log.info("demo actor refused: %s", err)
                pause = 2.0
            except Exception:
                log.exception("demo actor failed")
                pause = 5.0
            self._stop.wait(pause)

    def _origin(self, actor: str) -> Origin:
        return Origin(actor, datetime.now(UTC), "demo")

    def _shop(self) -> float:
        self._n += 1
        # Fast movers (the first SKUs) are ordered most, as in real shops.
        skus = list(self.cat.skus)
        weights = [1.0 / (1 + i / 15) for i in range(len(skus))]
        chosen = set(self.rng.choices(skus, weights, k=self.rng.choice([1, 1, 2, 2, 3, 4])))
        lines = tuple(OrderLineIn(s, self.rng.choice([1, 1, 1, 2, 3])) for s in sorted(chosen))
        now = datetime.now(UTC)
        paid = now - timedelta(minutes=self.rng.randint(0, 240))
        stamp = now.strftime("%H%M%S")
        # Most go by post, some by express (each with its own tracking numbers).
        ranged = [c.id for c in self.cat.description.carriers if c.range is not None]
        carrier = self._carrier_rng.choice(ranged) if ranged else None
        self.runtime.handle(
            IntakeOrder(
                self._origin("demo-shop"),
                f"SHOP-{stamp}-{self._n:05d}",
                lines,
                paid,
                carrier=carrier,
            )
        )
        return self.order_every_s * self.rng.uniform(0.5, 1.5)

    def _carrier(self) -> float:
        for oid, ids in self.service.queries.ready_to_ship(20).items():
            # Labelled parcels carry their tracking numbers; others get one typed in.
            labelled = self.service.catalog().description.labels is not None
            handover = tuple(
                ParcelHandover(pid, f"DEMO{self.rng.randrange(10**9, 10**10)}") for pid in ids
            )
            self.runtime.handle(
                ShipOrder(self._origin("demo-carrier"), oid, None, () if labelled else handover)
            )
        return 10.0

    def _scales(self) -> float:
        """A parcel waiting at a station worked from the handheld page goes on the scale: it
        settles for a moment, then reads true (one in four is off, to show a hold)."""
        if self.weigh is None:
            return 60.0
        people = {d.id for d in self.cat.devices.values() if d.transport == "http"}
        for parcel in self.service.queries.parcels_on_scales():
            if parcel["device"] not in people or parcel["id"] in self._weighed:
                continue
            self._weighed.add(parcel["id"])
            off = 3 * parcel["tolerance_g"] + 60 if len(self._weighed) % 4 == 0 else 0
            grams = parcel["expected_g"] - off + self.rng.randint(-2, 2)
            settling = [(grams + 240, False), (grams + 55, False), (grams + 6, False)]
            for reading in settling:
                self.weigh(parcel["station"], [reading])
                self._stop.wait(0.7)
            self.weigh(parcel["station"], [(grams, True)])
        return 2.0


def wait_forever(stop: threading.Event) -> None:
    while not stop.is_set():
        time.sleep(0.5)


# The demo's PINs, in plain text for its simulated people only: the description holds just
# their hashes (edge.staff.hash_pin). A real site's PINs are never written down anywhere.
DEMO_PINS = {"P-1006": "2468"}
# Two of the six simulated pickers do floor work instead (edge.devices.floor_brain): one
# receives deliveries and puts them away, one tops up pick faces and counts bins. The
# returns desk's person inspects returned parcels (edge.devices.returns_brain).
FLOOR_WORK = {"scanner-04": "inbound", "scanner-05": "stock", "returns-desk-1": "returns"}


def devices_from_description(desc: WarehouseDescription) -> list[SimDevice]:
    """Simulated devices for every device of the description, each scanner with a badge
    (and the demo PIN of a badge that needs one)."""
    pickers = iter([s.badge for s in desc.staff if s.role == "picker"])
    packers = iter([s.badge for s in desc.staff if s.role == "packer"])
    out = []
    for d in desc.devices:
        if d.transport == "http":
            continue  # a handheld running the service's page: people use it, not the simulator
        badge = None
        if d.kind == "scanner":
            badge = next(packers, None) if d.station else next(pickers, None)
            if badge is None:
                continue  # more scanners than people: the spare stays on the charger
        pin = DEMO_PINS.get(badge) if badge else None
        out.append(
            SimDevice(
                d.id,
                d.kind,
                badge=badge,
                station=d.station,
                slots=tuple(d.slots),
                pin=pin,
                floor=FLOOR_WORK.get(d.id) if badge and not d.station else None,
            )
        )
    return out
