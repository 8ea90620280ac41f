"""The running service's parts in one object, and the read models the HTTP API serves."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from edge.catalog import Catalog
from edge.core import Core, load_catalog
from edge.forecast import FORECAST_ORDERS, cutoff_forecast
from edge.messages import Inbound
from edge.model import DomainError
from edge.planner import TripPlanner
from edge.runtime import Runtime
from edge.staff_auth import StaffSessions
from edge.store import Database, Tx


@dataclass
class Service:
    db: Database
    core: Core
    runtime: Runtime
    api_keys: list[str]
    planner: TripPlanner
    sessions: StaffSessions = field(default_factory=StaffSessions)
    mqtt_connected: Any = None  # Callable[[], bool] when an MQTT link runs
    _catalog: tuple[Any, Catalog] | None = field(default=None, repr=False)

    @contextmanager
    def read(self) -> Iterator[Tx]:
        with self.db.read() as tx:
            yield tx

    def handle(self, msg: Inbound) -> Any:
        return self.runtime.handle(msg)

    def catalog(self) -> Catalog:
        """The current warehouse, parsed once per loaded description (readers call it often)."""
        with self.read() as tx:
            load_id = tx.value("SELECT max(id) FROM warehouse_loads")
            if self._catalog is not None and self._catalog[0] == load_id:
                return self._catalog[1]
            cat = load_catalog(tx)
        if cat is None:
            raise DomainError("no warehouse description is loaded yet", "not_ready")
        self._catalog = (load_id, cat)
        return cat

    def order_detail(self, order_id: int) -> dict[str, Any]:
        with self.read() as tx:
            order = tx.one("SELECT * FROM orders WHERE id = ?", (order_id,))
            if order is None:
                from fastapi import HTTPException

                raise HTTPException(404, f"order_id: no order {order_id}")
            order.pop("request_hash", None)
            order["customer"] = json.loads(order["customer"])
            order["lines"] = tx.all(
                "SELECT line_no, sku, qty, picked, short FROM order_lines WHERE order_id = ?"
                " ORDER BY line_no",
                (order_id,),
            )
            order["tasks"] = tx.all(
                "SELECT id, line_no, bin, sku, qty, picked, status, trip_id, seq, tote FROM tasks"
                " WHERE order_id = ? ORDER BY id",
                (order_id,),
            )
            order["picks"] = tx.all(
                "SELECT line_no, sku, bin, qty, gtin, lot, picker, device, via, msg_id, at"
                " FROM picks WHERE order_id = ? ORDER BY id",
                (order_id,),
            )
            order["parcels"] = tx.all(
                "SELECT id AS parcel_id, n, station, box_type, expected_g, tolerance_g,"
                " lightest_g, measured_g, result, packer, device, weighed_at, carrier, tracking"
                " FROM parcels WHERE order_id = ? ORDER BY n",
                (order_id,),
            )
            order["history"] = tx.all(
                "SELECT from_status, to_status, reason, actor, device, at FROM order_events"
                " WHERE order_id = ? ORDER BY id",
                (order_id,),
            )
        return order

    def cutoff_risk(self, now: datetime) -> list[dict[str, Any]]:
        """Forecast of the open orders due first: will each make its cut-off?"""
        with self.read() as tx:
            open_orders = tx.all(
                "SELECT id, shop_order_id, status, cutoff_at FROM orders"
                " WHERE status IN ('received', 'picking') ORDER BY cutoff_at, paid_at, id"
                " LIMIT ?",
                (FORECAST_ORDERS,),
            )
            bins_of: dict[int, list[str]] = {}
            for row in tx.all(
                "SELECT t.order_id, t.bin FROM tasks t JOIN orders o ON o.id = t.order_id"
                " WHERE t.status = 'open' AND o.status IN ('received', 'picking')"
            ):
                bins_of.setdefault(row["order_id"], []).append(row["bin"])
            pickers = tx.value("SELECT count(*) FROM sessions WHERE role = 'picker'") or 0
        cfg = self.core.cfg
        found = cutoff_forecast(
            self.catalog(),
            open_orders,
            bins_of,
            now,
            pickers,
            cfg.walking_speed_dm_s,
            cfg.seconds_per_pick,
        )
        return [asdict(f) for f in found]

    def health(self) -> dict[str, Any]:
        with self.read() as tx:
            integrity = tx.value("PRAGMA quick_check")
            orders = tx.value("SELECT count(*) FROM orders")
        return {
            "ok": integrity == "ok",
            "database": integrity,
            "orders": orders,
            "mqtt_connected": bool(self.mqtt_connected()) if self.mqtt_connected else None,
            "writer": {"batches": self.runtime.batches, "applied": self.runtime.applied},
        }
