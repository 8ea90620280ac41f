"""Gateway data for the cloud-sync tests and bench: orders ready to ship, or a feed backlog."""

from __future__ import annotations

import copy
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from edge.core.feed import canonical, text_hash
from edge.messages import LoadWarehouse, NextRequested, Origin, ParcelHandover, ShipOrder
from edge.warehouse import parse_description
from tests.support.harness import make_harness, small_warehouse

SITE = "t1"  # the small warehouse's site


def warehouse(stock: int) -> dict[str, Any]:
    """The tests' small warehouse with `stock` mugs in one bin."""
    desc = small_warehouse()
    desc["stock"] = [*desc["stock"], {"bin": "A-01-1-A", "sku": "MUG", "qty": stock}]
    return desc


def ready_orders(data_dir: Path, n: int) -> tuple[Path, list[tuple[int, int]]]:
    """n one-mug orders picked, packed and weighed (ready_to_ship) in data_dir's database,
    driven through the core like the devices would; the warehouse file to start the service
    with, and each order's (id, parcel id)."""
    h = make_harness(data_dir)
    desc = warehouse(n + 10)
    desc_path = data_dir / "warehouse.json"
    desc_path.write_text(json.dumps(desc), encoding="utf-8")
    h.handle(LoadWarehouse(Origin("test", h.clock.now, "test"), parse_description(desc)))
    ids = [h.intake(f"CHAOS-{i}", ("MUG", 1)) for i in range(n)]
    h.scan("pack-1", "K-1")
    done: list[tuple[int, int]] = []
    h.scan("scan-1", "P-1")
    while len(done) < n:
        if h.view("scan-1")["screen"] == "trip_done":
            h.handle(NextRequested("scan-1", h.msg_id(), h.clock.now))
        while h.view("scan-1")["screen"] == "stop":
            h.pick_current_stop("scan-1")
        packed = {d[0] for d in done}
        for oid in ids:
            if oid in packed or h.order(oid)["status"] != "packing":
                continue
            h.scan("pack-1", f"ORD-{oid}")
            parcel = h.view("pack-1")["parcels"][0]
            h.weigh("scale-1", parcel["expected_g"])
            detail = h.order(oid)
            assert detail["status"] == "ready_to_ship", detail["status"]
            done.append((oid, detail["parcels"][0]["parcel_id"]))
    h.service.db.close()
    return desc_path, done


def feed_backlog(data_dir: Path, n: int) -> Path:
    """A gateway database whose feed holds n records: one order is shipped through the core
    (the real shipment record's shape), then n - 1 copies of it with their own order id,
    shop order id, tracking and time are inserted straight into the feed table, hashed and
    chained as the core does. Returns the warehouse file to start the service with."""
    desc_path, ready = ready_orders(data_dir, 1)
    h = make_harness(data_dir)
    oid, parcel = ready[0]
    ship = ShipOrder(h.origin("carrier"), oid, "DHL", (ParcelHandover(parcel, "T0"),))
    h.handle(ship)
    h.service.db.close()
    db = sqlite3.connect(data_dir / "edge.db")
    seq, _prev, record_text = db.execute(
        "SELECT seq, prev_seq, record FROM feed ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    template = json.loads(record_text)
    start = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    rows = []
    last = seq
    for i in range(1, n):
        rec = copy.deepcopy(template)
        rec["order_id"] = 100_000 + i
        rec["shop_order_id"] = f"BENCH-{i:06d}"
        rec["parcels"][0]["tracking"] = f"T{i:08d}"
        at = (start + timedelta(milliseconds=i)).isoformat()
        rec["shipped_at"] = at
        text = canonical(rec)
        rows.append(
            (last + 1, rec["order_id"], rec["shop_order_id"], at, text, last, text_hash(text))
        )
        last += 1
    with db:
        db.executemany(
            "INSERT INTO feed(seq, order_id, shop_order_id, created_at, record, prev_seq, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    db.close()
    return desc_path
