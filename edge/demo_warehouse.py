"""Generates the shipped demo warehouse (deterministic): `python -m edge.demo_warehouse > FILE`."""

from __future__ import annotations

import json
import random
import sys
from typing import Any

AISLES = 12
BLOCKS = 2
BAYS_PER_BLOCK = 10
LEVELS = 3
SKU_COUNT = 200
LIT_AISLES = ("A", "B")  # the fast-mover zone has pick-to-light
# The far aisles hold overstock: their bins without pick stock are reserve bins, never
# picked from for an order; replenishment tops the pick faces up from them.
RESERVE_AISLES = ("K", "L")
RESERVE_CAPACITY = 240
# Pick faces by level: the floor level is deepest. Above the largest opening stock (60).
FACE_CAPACITY = {1: 80, 2: 70, 3: 60}
# Overstock waits in reserve for this many of the fastest movers (the first SKUs).
RESERVE_SKUS = 40

# The first variant of a few goods has a picture on the handheld (by index into the SKUs).
_PICTURES = {0: "phone-case.svg", 2: "mug.svg", 3: "notebook.svg", 4: "water-bottle.svg"}
_GOODS = [
    ("Phone case", 45, 2, (160, 85, 15)),
    ("USB-C cable 1 m", 38, 2, (120, 90, 20)),
    ("Ceramic mug", 340, 8, (120, 95, 95)),
    ("Notebook A5", 210, 4, (210, 150, 12)),
    ("Water bottle", 180, 3, (260, 75, 75)),
    ("Desk lamp", 950, 15, (380, 160, 140)),
    ("Running socks", 60, 3, (180, 90, 25)),
    ("Board game", 1150, 20, (300, 300, 80)),
    ("Scented candle", 420, 10, (90, 90, 110)),
    ("Wireless mouse", 95, 2, (115, 65, 40)),
    ("Yoga mat", 1300, 30, (610, 120, 120)),
    ("Tea tin 100 g", 160, 4, (90, 90, 130)),
    ("Kids' T-shirt", 120, 6, (250, 200, 20)),
    ("Paperback novel", 300, 12, (198, 129, 25)),
    ("Hand cream 75 ml", 95, 2, (150, 50, 35)),
    ("Screwdriver set", 520, 6, (220, 110, 40)),
    ("Bluetooth speaker", 610, 5, (180, 75, 75)),
    ("Plant pot 12 cm", 280, 9, (125, 125, 110)),
    ("Chocolate bar 200 g", 205, 2, (200, 80, 15)),
    ("Headphones", 260, 4, (190, 170, 80)),
]
DEMO_PIN_HASH = (
    "pbkdf2_sha256$200000$c66e81ce601eb280$"
    "70639dda6cb1c49de29c57e48e46d98c7f6dc4dc3bb24fc4b976bf4a5d3ee832"
)
_VARIANTS = ["black", "white", "blue", "green", "red", "grey", "sand", "pink", "navy", "olive"]


# The demo's simulated label printers listen on loopback at this port + the station's number.
DEMO_PRINTER_PORT = 19100
# Tracking numbers from configured ranges: a postal carrier with UPU S10 numbers (mod 11,
# country suffix) and an express carrier with DHL-style mod 7 waybills; one typed by hand.
DEMO_CARRIERS: list[dict[str, Any]] = [
    {
        "id": "post",
        "name": "DemoPost",
        "tracking": "range",
        "range": {
            "prefix": "CD",
            "first": 10000000,
            "last": 99999999,
            "digits": 8,
            "check": "s10",
            "suffix": "NL",
        },
    },
    {
        "id": "express",
        "name": "Demo Express",
        "tracking": "range",
        "range": {"prefix": "40", "first": 1, "last": 99999999, "digits": 8, "check": "mod7"},
    },
    {"id": "courier", "name": "City courier", "tracking": "manual"},
]


def _aisle_letter(i: int) -> str:
    return chr(ord("A") + i)


def _ean13(seq: int) -> str:
    body = f"871{seq:09d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _bins(labels: list[str], stocked: set[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Every bin with its capacity: pick faces with a top-up level (a quarter of what they
    hold), reserve bins in the far aisles wherever no pick stock already sits."""
    rows: list[dict[str, Any]] = []
    reserve: list[str] = []
    for label in labels:
        if label[0] in RESERVE_AISLES and label not in stocked:
            rows.append({"label": label, "kind": "reserve", "capacity_units": RESERVE_CAPACITY})
            reserve.append(label)
            continue
        capacity = FACE_CAPACITY[int(label.split("-")[2])]
        rows.append({"label": label, "capacity_units": capacity, "min_qty": capacity // 4})
    return rows, reserve


def _reserve_stock(skus: list[dict[str, Any]], reserve: list[str]) -> list[dict[str, Any]]:
    # Its own seed: the pick stock above keeps its exact sequence (tests rely on it).
    rng = random.Random(20261206)
    spots = rng.sample(reserve, RESERVE_SKUS)
    return [
        {"bin": spot, "sku": sku["sku"], "qty": rng.randint(60, 200)}
        for sku, spot in zip(skus[:RESERVE_SKUS], spots, strict=True)
    ]


def build() -> dict[str, Any]:
    rng = random.Random(20261122)
    bays = BLOCKS * BAYS_PER_BLOCK
    bins = [
        f"{_aisle_letter(a)}-{bay:02d}-{lvl}-{side}"
        for a in range(AISLES)
        for bay in range(1, bays + 1)
        for lvl in range(1, LEVELS + 1)
        for side in "AB"
    ]
    skus = []
    for i in range(SKU_COUNT):
        name, weight, sd, dims = _GOODS[i % len(_GOODS)]
        variant = _VARIANTS[(i // len(_GOODS)) % len(_VARIANTS)]
        skus.append(
            {
                "sku": f"SKU-{i + 1:04d}",
                "name": f"{name}, {variant}",
                "gtins": [_ean13(i + 1)],
                "unit_weight_g": weight,
                "weight_sd_g": sd,
                "dims_mm": list(dims),
            }
        )
        if i in _PICTURES:  # a few pictures (handheld_ui/static/products/); the rest, initials
            skus[-1]["image"] = _PICTURES[i]
    # ABC slotting: the first (fast-moving) SKUs sit near the depot, in the lit aisles.
    by_distance = sorted(bins, key=lambda b: (ord(b[0]) - 65) * 30 + int(b[2:4]) * 10)
    free = list(by_distance)
    stock: list[dict[str, Any]] = []
    for i, sku in enumerate(skus):
        for _ in range(1 + (i % 3 == 0)):
            pick = free.pop(0 if i < 60 else rng.randrange(len(free)))
            stock.append({"bin": pick, "sku": sku["sku"], "qty": rng.randint(8, 60)})
    bin_rows, reserve = _bins(bins, {s["bin"] for s in stock})
    stock += _reserve_stock(skus, reserve)
    # Each station's label printer: a simulated one on loopback (edge.demo starts them).
    stations: list[dict[str, Any]] = [
        {
            "id": f"PS-{n}",
            "name": f"Pack station {n}",
            "printer": {"host": "127.0.0.1", "port": DEMO_PRINTER_PORT + n, "timeout_ms": 2000},
        }
        for n in (1, 2, 3)
    ]
    devices: list[dict[str, Any]] = [
        {"id": f"scanner-{n:02d}", "kind": "scanner"} for n in range(1, 7)
    ]
    # Handhelds running the service's own page, for people trying the demo (not simulated).
    devices += [{"id": f"handheld-{n}", "kind": "scanner", "transport": "http"} for n in (1, 2)]
    # The returns desk: a simulated person inspects returned parcels there (edge.demo_returns).
    devices.append({"id": "returns-desk-1", "kind": "scanner"})
    for st in stations:
        n = st["id"][-1]
        scanner = {"id": f"pack-scanner-{n}", "kind": "scanner", "station": st["id"]}
        if n == "3":
            scanner = {**scanner, "id": "pack-handheld-3", "transport": "http"}
        devices.append(scanner)
        devices.append(
            {"id": f"scale-{n}", "kind": "scale", "station": st["id"], "resolution_g": 2}
        )
    for aisle in LIT_AISLES:
        slots = [b for b in bins if b.startswith(aisle + "-")]
        devices.append({"id": f"ptl-{aisle}", "kind": "shelf", "slots": slots})
    colors = ["#00a0ff", "#ff8c00", "#30d158", "#bf5af2", "#ffd60a", "#ff375f"]
    names = ["Ana", "Bram", "Chen", "Dilnoza", "Emeka", "Fatima"]
    staff = [
        {"badge": f"P-{1001 + i}", "name": names[i], "role": "picker", "color": colors[i]}
        for i in range(6)
    ]
    # One simulated picker logs in with a PIN (edge.demo.DEMO_PINS holds it in plain text);
    # a fixed hash, so regenerating the file gives the same bytes.
    staff[5]["pin_hash"] = DEMO_PIN_HASH
    staff += [
        {"badge": "K-2001", "name": "Greta", "role": "packer"},
        {"badge": "K-2002", "name": "Hiro", "role": "packer"},
        {"badge": "S-3001", "name": "Ines", "role": "supervisor"},
        {"badge": "P-1009", "name": "Mira", "role": "picker", "color": "#ac8e68"},
        # For people trying the demo on the handheld page: nobody simulated uses these.
        {"badge": "P-1007", "name": "Jun", "role": "picker", "color": "#64d2ff"},
        {"badge": "P-1008", "name": "Kees", "role": "picker", "color": "#ffffff", "lang": "nl"},
        {"badge": "K-2003", "name": "Lena", "role": "packer"},
    ]
    return {
        "site": {
            "id": "demo",
            "name": "Demo fulfilment centre",
            "timezone": "Europe/Amsterdam",
            "cutoff": "13:00",
            "carrier_pickups": ["15:00", "17:00"],
        },
        "layout": {
            "aisles": AISLES,
            "blocks": BLOCKS,
            "bays_per_block": BAYS_PER_BLOCK,
            "aisle_pitch_dm": 30,
            "bay_width_dm": 12,
            "cross_aisle_width_dm": 30,
            "levels": LEVELS,
            "depot": {"name": "front-left", "x_dm": 0, "y_dm": 0},
        },
        "skus": skus,
        "bins": bin_rows,
        "stock": stock,
        "pack_stations": stations,
        "box_types": [
            {"id": "XS", "inner_mm": [200, 150, 80], "tare_g": 90, "max_load_g": 2000},
            {"id": "S", "inner_mm": [300, 200, 120], "tare_g": 160, "max_load_g": 5000},
            {"id": "M", "inner_mm": [400, 300, 200], "tare_g": 290, "max_load_g": 10000},
            {"id": "L", "inner_mm": [600, 400, 300], "tare_g": 520, "max_load_g": 20000},
            {"id": "XL", "inner_mm": [800, 600, 400], "tare_g": 900, "max_load_g": 30000},
        ],
        "devices": devices,
        "staff": staff,
        "carriers": DEMO_CARRIERS,
        # GS1's example company prefix (0614141): the demo's SSCCs look like real ones.
        "labels": {"gs1_company_prefix": "0614141", "sscc_extension": 0, "default_carrier": "post"},
    }


if __name__ == "__main__":
    json.dump(build(), sys.stdout, indent=1)
    sys.stdout.write("\n")
