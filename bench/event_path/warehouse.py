"""The bench warehouse (every bin lit, one scanner per picker) and orders posted over HTTP."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx

from bench._bench_broker import Service
from edge import demo_warehouse

SITE = "bench"
ROOT = "wh"


def scanner_id(n: int) -> str:
    """The scanner of picker n (0-based)."""
    return f"bench-scanner-{n + 1:03d}"


def badge(n: int) -> str:
    """The badge of picker n (0-based)."""
    return f"P-{1001 + n}"


def picker_color(n: int) -> str:
    # An odd multiplier is a bijection modulo 2**24: every picker gets its own colour, which
    # is how a LightOn is matched to the picker whose stop it lights.
    return f"#{(n * 2654435761) & 0xFFFFFF:06x}"


def _ean13(seq: int) -> str:
    body = f"872{seq:09d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


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
        {"id": scanner_id(n), "kind": "scanner"} for n in range(pickers)
    ]
    for aisle in aisles:
        slots = [b for b in bins if b.split("-")[0] == aisle]
        devices.append({"id": f"ptl-{aisle}", "kind": "shelf", "slots": slots})
    desc["devices"] = devices
    desc["staff"] = [
        {"badge": badge(n), "name": f"Picker {n + 1}", "role": "picker", "color": picker_color(n)}
        for n in range(pickers)
    ] + [{"badge": "S-3001", "name": "Supervisor", "role": "supervisor"}]
    return desc


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
