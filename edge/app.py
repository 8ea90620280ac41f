"""The composition root: the one place that builds and wires every part of the service."""

from __future__ import annotations

import gc
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn
from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from cloud_sync.router import router as feed_router
from edge.catalog import Catalogs, description_digest
from edge.config import ConfigError, Settings
from edge.core.context import CoreConfig
from edge.core.dispatch import Core
from edge.effects import EffectRouter
from edge.feed_mark import MARK_FILE, FeedMark, open_epoch
from edge.feed_signal import FeedSignal
from edge.lightwatch import LightWatch
from edge.messages import Inbound, LoadWarehouse, Origin, ResumePlanning
from edge.metrics import Metrics
from edge.mqtt import MqttLink
from edge.planner import TripPlanner
from edge.printing import LabelPrinters
from edge.queries import Queries
from edge.runtime import Runtime, utc_now
from edge.service import ApiClient, BodyLimits, Service
from edge.staff import LockoutPolicy, StaffSessions
from edge.store import Database
from edge.warehouse import WarehouseDescription, demo_description_path, load_description
from edge.web import errors, people
from edge.web import metrics as web_metrics
from edge.web.api import router as api_router
from edge.web.limits import RequestLimits
from handheld_ui.live import Hub
from handheld_ui.router import router as pages_router
from handheld_ui.router import static_files

if TYPE_CHECKING:
    from cloud_sync.nats_publisher import NatsPublisher

# The writer gives the GIL up for every SQLite step and every fsync; at Python's default
# (5 ms) a busy MQTT thread then keeps it up to 5 ms each time, and a scan waits behind a
# few of those. At 0.5 ms the writer gets it back sooner (bench/site_scale at 1,000
# events/s: waits over 20 ms in the writer's queue fell from 711-1,021 to 64-527 a run).
GIL_SWITCH_INTERVAL_S = 0.0005


def core_config(settings: Settings) -> CoreConfig:
    return CoreConfig(
        totes_per_cart=settings.picking.totes_per_cart,
        walking_speed_dm_s=settings.picking.walking_speed_dm_s,
        seconds_per_pick=settings.picking.seconds_per_pick,
        weight_floor_g=settings.weighing.floor_g,
        box_tare_sd_g=settings.weighing.box_tare_sd_g,
        retain_acked_days=settings.cloud.retain_acked_days,
        feed_consumers=tuple(
            sorted(name for name, c in settings.api.clients.items() if "feed" in c.roles)
        ),
        lockout=lockout_policy(settings),
    )


def api_clients(settings: Settings) -> tuple[ApiClient, ...]:
    """The configured API clients that have at least one key."""
    return tuple(
        ApiClient(name, frozenset(c.roles), tuple(k.get_secret_value() for k in c.keys))
        for name, c in settings.api.clients.items()
        if c.keys
    )


def staff_sessions(settings: Settings, clock: Callable[[], float] | None = None) -> StaffSessions:
    """People's web sessions, ending when idle and at an absolute limit (`staff` section)."""
    return StaffSessions(
        idle_s=settings.staff.session_idle_minutes * 60,
        max_s=settings.staff.session_max_hours * 3600,
        clock=clock or time.monotonic,
    )


def lockout_policy(settings: Settings) -> LockoutPolicy:
    """Failed logins lock a badge and a device out (`staff` section); for CoreConfig."""
    return LockoutPolicy(
        max_failures=settings.staff.login_max_failures,
        base_s=settings.staff.lockout_base_s,
        max_s=settings.staff.lockout_max_s,
    )


def build(settings: Settings, clock: Callable[[], datetime] = utc_now) -> Service:
    """Store, core, writer, planner, effect router and read side (not started; no network).
    Production, the demo and the tests all build the service here."""
    db = Database(settings.database_path)
    # A restored or replaced database starts a new feed stream, before anything is served.
    feed_mark = FeedMark(settings.data_dir / MARK_FILE)
    open_epoch(db.writer, feed_mark)
    feed_signal = FeedSignal()
    catalogs = Catalogs()
    cfg = core_config(settings)
    core = Core(cfg, catalogs)
    metrics = Metrics()  # the service's own registry: GET /api/v1/metrics
    runtime = Runtime(db, core, clock, metrics)
    planner = TripPlanner(runtime)
    effects = EffectRouter(catalogs)
    # Effects before the planner: a planner not started plans inline, and the screens must
    # see the message's own views before those of the plan it asked for.
    printers = LabelPrinters(runtime)  # shipping labels to the stations' printers
    runtime.sinks += [effects, planner, feed_signal, printers]
    with db.read() as tx:
        catalogs.refresh(tx)  # the warehouse the store already holds, if any
    return Service(
        db=db,
        catalogs=catalogs,
        core=core,
        runtime=runtime,
        planner=planner,
        effects=effects,
        queries=Queries(db.read, catalogs, cfg, lambda: runtime.committed, feed_mark, feed_signal),
        api_clients=api_clients(settings),
        sessions=staff_sessions(settings),
        body_limits=BodyLimits(
            anonymous=settings.api.max_anonymous_body_kb * 1024,
            caller=settings.api.max_body_kb * 1024,
            warehouse=settings.api.max_warehouse_body_mb * 1024 * 1024,
        ),
        metrics=metrics,
        printers=printers,
    )


def warehouse_from_settings(settings: Settings) -> WarehouseDescription:
    path = (
        demo_description_path()
        if settings.warehouse_file == "demo"
        else Path(settings.warehouse_file)
    )
    return load_description(path)


def check_site(settings: Settings, desc: WarehouseDescription, stored: str | None = None) -> None:
    """One site id everywhere: the config's `site` (the topic tree) must be the warehouse
    description's and the stored one's; ConfigError says which differs, in one line."""
    if desc.site.id != settings.site:
        raise ConfigError(
            f"site: the config says {settings.site!r} but the warehouse description"
            f" {settings.warehouse_file!r} is for site {desc.site.id!r}; make them the same"
        )
    if stored is not None and stored != settings.site:
        raise ConfigError(
            f"site: the config says {settings.site!r} but the database"
            f" {settings.database_path} holds site {stored!r}; use that site's database"
        )


def ensure_warehouse(service: Service, desc: WarehouseDescription) -> bool:
    """Load the description when the store has none or another one; True if it loaded."""
    stored = service.catalogs.current
    if stored is not None and description_digest(stored.description) == description_digest(desc):
        return False
    service.handle(LoadWarehouse(Origin("system", datetime.now(UTC), "startup"), desc))
    return True


def create_app(service: Service, hub: Hub | None = None) -> FastAPI:
    """The HTTP app; the hub (made here when not given) is the transport of the pages'
    live views, attached to the effect router as the "http" transport."""
    hub = hub or Hub(lambda: service.runtime.dispatching)
    service.effects.attach("http", hub)
    service.runtime.sinks.append(people.end_tokens(service))  # a logout ends its tokens
    web_metrics.watch(service, hub.stream_counts)
    # /docs and /redoc from Swagger UI and ReDoc files served here: a gateway has no CDN.
    app = FastAPIOffline(
        static_url="/static-docs",
        favicon_url="/static/favicon.svg",
        title="Warehouse edge service",
        version="0.1.0",
        description="Orders, picking, packing and the cloud pull feed on a warehouse gateway.",
    )
    app.state.service = service
    app.state.hub = hub
    errors.install(app)
    app.add_middleware(RequestLimits, service=service)
    app.include_router(api_router)
    app.include_router(feed_router)
    app.include_router(pages_router)
    app.mount("/static", static_files(), name="static")
    return app


def port_is_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@dataclass
class Running:
    """A started service: runtime, MQTT link and HTTP server, stopped in reverse order."""

    service: Service
    link: MqttLink | None
    server: uvicorn.Server
    thread: threading.Thread
    url: str
    hub: Hub
    publisher: NatsPublisher | None = None  # [cloud.nats]: the feed to the JetStream leaf
    lights: LightWatch | None = None  # re-sends light commands their modules did not ack

    def stop(self) -> None:
        self.hub.close()  # open live streams end, so the HTTP server can stop at once
        self.service.queries.feed_signal.close()  # and the feed's long-polls
        self.server.should_exit = True
        self.thread.join(timeout=10)
        if self.lights is not None:
            self.lights.stop()
        if self.link is not None:
            self.link.stop()
        self.service.planner.stop()
        if self.service.printers is not None:
            self.service.printers.stop()
        self.service.runtime.stop()
        if self.publisher is not None:
            self.publisher.stop()  # after the writer's last commit, before the database closes
        self.service.db.close()


def connect_mqtt(settings: Settings, service: Service) -> MqttLink:
    """The MQTT link: device messages into the writer, effects out by the router."""
    catalogs = service.catalogs

    def kind_of(device: str) -> str:
        cat = catalogs.current
        return cat.kind_of(device) if cat is not None else ""

    def submit(msg: Inbound, on_committed: Callable[[], None]) -> None:
        service.runtime.submit(msg, on_committed)

    link = MqttLink(
        settings.mqtt,
        settings.site,
        submit,
        kind_of=kind_of,
        clock=utc_now,
        on_weight=service.effects.live_weight,
        on_stage=service.metrics.stage,
    )
    service.effects.attach("mqtt", link)
    service.mqtt_connected = lambda: link.connected
    live = service.metrics.live
    live("edge_mqtt_connected", "1 while connected and subscribed.", lambda: link.connected)
    live("edge_mqtt_received", "Messages from the broker.", lambda: link.received, counter=True)
    live("edge_mqtt_pending_acks", "Messages not yet acknowledged.", lambda: link.pending_acks)
    live(
        "edge_mqtt_reads_held",
        "Times reading from the broker waited for the writer.",
        lambda: link.reads_held,
        counter=True,
    )
    link.start()
    return link


def start(settings: Settings, desc: WarehouseDescription, *, mqtt: bool = True) -> Running:
    """Start everything against the configured broker; returns once HTTP answers."""
    service = build(settings)
    stored = service.catalogs.current
    try:
        check_site(settings, desc, stored.description.site.id if stored is not None else None)
    except ConfigError:
        service.db.close()
        raise
    service.db.start_checkpointer()
    service.runtime.start()
    service.planner.start()
    if service.printers is not None:
        service.printers.start()
    ensure_warehouse(service, desc)
    service.handle(ResumePlanning(Origin("system", datetime.now(UTC), "startup")))
    # Start-up objects (catalog, modules) live forever: keep the collector from walking them,
    # and collect less often; full collections were pausing the writer for 25-70 ms.
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    link = connect_mqtt(settings, service) if mqtt else None
    # Light commands go out on MQTT: without the link there is nothing to re-send.
    lights = LightWatch(service.queries.lights_overdue, service.submit) if link else None
    if lights is not None:
        lights.start()
    publisher = None
    if settings.cloud.nats is not None:
        # Imported only when configured: nats-py is the optional `nats` extra.
        from cloud_sync.nats_publisher import start_publisher

        publisher = start_publisher(settings, service)
        if publisher is not None:
            nats = publisher
            service.nats_status = lambda: {"confirmed_seq": nats.confirmed[1], "error": nats.error}
    hub = Hub(lambda: service.runtime.dispatching)
    app = create_app(service, hub)
    port = settings.http.port or free_port(settings.http.host)
    tls = settings.http
    config = uvicorn.Config(
        app,
        host=settings.http.host,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=3,
        ssl_certfile=str(tls.tls_certfile) if tls.tls_certfile else None,
        ssl_keyfile=str(tls.tls_keyfile) if tls.tls_keyfile else None,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="edge-http", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline and thread.is_alive():
        time.sleep(0.02)
    if not server.started:
        raise RuntimeError(f"HTTP server did not start on {settings.http.host}:{port}")
    scheme = "https" if tls.tls_certfile else "http"
    url = f"{scheme}://{settings.http.host}:{port}"
    return Running(service, link, server, thread, url, hub, publisher, lights)
