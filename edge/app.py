"""The composition root: builds the store, core, runtime, MQTT link and the web app."""

from __future__ import annotations

import gc
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from cloud_sync.router import build_router as build_feed_router
from edge import http_api
from edge.config import Settings
from edge.core import Core, CoreConfig
from edge.messages import (
    AckFeed,
    Effect,
    Inbound,
    LiveWeight,
    LoadWarehouse,
    Origin,
    ResumePlanning,
)
from edge.model import DomainError
from edge.mqtt import MqttLink
from edge.planner import TripPlanner
from edge.runtime import Runtime, utc_now
from edge.service import Service
from edge.store import Database
from edge.warehouse import WarehouseDescription, demo_description_path, load_description
from handheld_ui.live import Hub
from handheld_ui.router import build_router as build_ui_router
from handheld_ui.router import static_files

log = logging.getLogger(__name__)


def core_config(settings: Settings) -> CoreConfig:
    return CoreConfig(
        totes_per_cart=settings.picking.totes_per_cart,
        walking_speed_dm_s=settings.picking.walking_speed_dm_s,
        seconds_per_pick=settings.picking.seconds_per_pick,
        weight_floor_g=settings.weighing.floor_g,
        box_tare_sd_g=settings.weighing.box_tare_sd_g,
        retain_acked_days=settings.cloud.retain_acked_days,
    )


def build(settings: Settings) -> Service:
    """Store, core and runtime (not started); no network yet."""
    db = Database(settings.database_path)
    core = Core(core_config(settings))
    runtime = Runtime(db, core)
    planner = TripPlanner(runtime)
    runtime.sinks.append(planner)
    keys = [k.get_secret_value() for k in settings.cloud.api_keys]
    return Service(db=db, core=core, runtime=runtime, api_keys=keys, planner=planner)


def warehouse_from_settings(settings: Settings) -> WarehouseDescription:
    from pathlib import Path

    path = (
        demo_description_path()
        if settings.warehouse_file == "demo"
        else Path(settings.warehouse_file)
    )
    return load_description(path)


def ensure_warehouse(service: Service, desc: WarehouseDescription) -> bool:
    """Load the description when the store has none or another one; True if it loaded."""
    with service.read() as tx:
        stored = tx.value("SELECT value FROM meta WHERE key = 'warehouse'")
    if stored is not None and json.loads(stored) == json.loads(desc.model_dump_json()):
        return False
    service.handle(LoadWarehouse(Origin("system", datetime.now(UTC), "startup"), desc))
    return True


def create_app(service: Service, hub: Hub | None = None) -> FastAPI:
    """The HTTP app; the hub (created here when not given) carries live views to the pages."""
    if hub is None:
        hub = Hub(lambda: service.runtime.dispatching)
    if hub not in service.runtime.sinks:
        service.runtime.sinks.append(hub)
    app = FastAPI(
        title="Warehouse edge service",
        version="0.1.0",
        description="Orders, picking, packing and the cloud pull feed on a warehouse gateway.",
    )
    app.state.service = service

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # Name the field first, in one line a client developer can act on.
        errors = [
            {
                "field": ".".join(str(p) for p in e["loc"] if p != "body") or "body",
                "problem": e["msg"],
            }
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"field": "body", "problem": "invalid"}
        return JSONResponse(
            {"detail": f"{first['field']}: {first['problem']}", "errors": errors}, 422
        )

    @app.exception_handler(DomainError)
    async def _refused(request: Request, exc: DomainError) -> JSONResponse:
        err = http_api.domain_http_error(exc)
        return JSONResponse({"detail": err.detail}, err.status_code)

    def ack(consumer: str, seq: int, client: str) -> dict[str, Any]:
        try:
            result: dict[str, Any] = service.handle(
                AckFeed(Origin(client, datetime.now(UTC), "http"), consumer, seq)
            )
        except DomainError as err:
            raise ValueError(str(err)) from None
        return result

    app.include_router(http_api.build_router(service))
    app.include_router(build_feed_router(service.read, ack, service.api_keys))
    app.include_router(build_ui_router(service, hub))
    app.mount("/static", static_files(), name="static")
    app.state.hub = hub
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

    def stop(self) -> None:
        self.hub.close()  # open live streams end, so the HTTP server can stop at once
        self.server.should_exit = True
        self.thread.join(timeout=10)
        if self.link is not None:
            self.link.stop()
        self.service.planner.stop()
        self.service.runtime.stop()
        self.service.db.close()


def start(settings: Settings, desc: WarehouseDescription, *, mqtt: bool = True) -> Running:
    """Start everything against the configured broker; returns once HTTP answers."""
    service = build(settings)
    service.db.start_checkpointer()
    service.runtime.start()
    service.planner.start()
    ensure_warehouse(service, desc)
    service.handle(ResumePlanning(Origin("system", datetime.now(UTC), "startup")))
    # Start-up objects (catalog, modules) live forever: keep the collector from walking them,
    # and collect less often; full collections were pausing the writer for 25-70 ms.
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    link: MqttLink | None = None
    hub = Hub(lambda: service.runtime.dispatching)
    if mqtt:
        cat = service.catalog()

        def show_weight(reading: LiveWeight) -> None:
            scale = cat.devices.get(reading.device_id)
            if scale is not None and scale.station:
                hub.live_weight(scale.station, reading.device_id, reading.grams, reading.stable)

        def submit(msg: Inbound, on_committed: Callable[[], None]) -> None:
            service.runtime.submit(msg, on_committed)

        link = MqttLink(
            settings.mqtt,
            settings.site,
            submit,
            kind_of=lambda device: service.core.kind_of(device) or cat.kind_of(device),
            clock=utc_now,
            on_weight=show_weight,
        )
        sink_link = link

        def publish(effects: Sequence[Effect]) -> None:
            sink_link.publish_effects(effects)

        service.runtime.sinks.append(publish)
        service.mqtt_connected = lambda: sink_link.connected
        link.start()
    app = create_app(service, hub)
    port = settings.http.port or free_port(settings.http.host)
    config = uvicorn.Config(
        app,
        host=settings.http.host,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=3,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="edge-http", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline and thread.is_alive():
        time.sleep(0.02)
    if not server.started:
        raise RuntimeError(f"HTTP server did not start on {settings.http.host}:{port}")
    return Running(service, link, server, thread, f"http://{settings.http.host}:{port}", hub)
