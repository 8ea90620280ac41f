"""Put-away suggestion quality: a day's walking per order after new SKUs are put away by the
slotting suggestion versus into random empty bins, on the demo warehouse.

    .venv/bin/python -m bench.putaway_quality [--seeds 3] [--new-skus 40] [--orders 400]
        [--write-docs]

For each seed, two stores start from the same demo warehouse, with a set of SKUs taken out
of stock (new to the range: no bin yet) and a month of pick history generated as the demo
shop orders (fast movers most). A delivery of every new SKU is received on a scanner and put
away through the real core: in one store into the bin the handheld suggests
(edge.core.slotting.suggest), in the other into a random empty pick bin with room. Then a
day's orders (same generator, another seed) are routed: each order's pick faces, a closed
walk from the depot (edge.routing.plan_route, exact). The table gives the walk per order.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench._bench_docs import replace_section
from edge.catalog import Catalog
from edge.messages import (
    CloseRequested,
    DeliveryLineIn,
    IntakeDelivery,
    LoadWarehouse,
    ModeRequested,
    NextRequested,
)
from edge.model import DomainError
from edge.routing import plan_route
from edge.warehouse import demo_description_path, load_description, parse_description
from tests.support.harness import Harness, make_harness

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
HEADING = "## Put-away suggestion: walking per order"
DEVICE, BADGE = "scanner-01", "P-1001"
HISTORY_ORDERS = 3000  # a month of the demo shop's orders: the pick frequency the slotting reads
DELIVERED_UNITS = 48  # per new SKU: fits any demo pick face (capacity 60-80)


def shop_order(rng: random.Random, skus: list[str]) -> list[str]:
    """The SKUs of one order, drawn as edge.demo's shop draws them: the first SKUs of the
    catalogue (the fast movers) most often, 1-4 lines."""
    weights = [1.0 / (1 + i / 15) for i in range(len(skus))]
    return sorted(set(rng.choices(skus, weights, k=rng.choice([1, 1, 2, 2, 3, 4]))))


def new_skus(skus: list[str], count: int, rng: random.Random) -> list[str]:
    """New SKUs spread over the whole demand curve: fast and slow movers alike."""
    return sorted(rng.sample(skus, count))


def store(data_dir: Path, new: list[str], history_seed: int) -> Harness:
    """The demo warehouse without stock of the new SKUs, and a month of pick history."""
    raw = load_description(demo_description_path()).model_dump(mode="json")
    raw["stock"] = [s for s in raw["stock"] if s["sku"] not in new]
    h = make_harness(data_dir)  # a store with the test site, where the demo layout is loaded
    raw["site"]["id"] = h.service.catalog().description.site.id
    h.handle(LoadWarehouse(h.origin("bench"), parse_description(raw)))
    skus = [s["sku"] for s in raw["skus"]]
    rng = random.Random(history_seed)
    rows = []
    for n in range(HISTORY_ORDERS):
        at = (h.clock.now - timedelta(minutes=14 * (HISTORY_ORDERS - n))).isoformat()
        rows += [(n + 1, n + 1, sku, at) for sku in shop_order(rng, skus)]
    # History as the picks table keeps it (orders long shipped): only sku and time are read.
    db = h.service.db.writer
    db.executemany(
        "INSERT INTO picks(task_id, order_id, line_no, bin, sku, qty, picker, device, via, at)"
        " VALUES (?, ?, 1, '', ?, 1, 'history', 'history', 'history', ?)",
        rows,
    )
    db.commit()
    return h


def receive(h: Harness, new: list[str]) -> None:
    """The delivery of every new SKU, scanned in on a handheld and closed."""
    cat = h.service.catalog()
    lines = tuple(DeliveryLineIn(sku, DELIVERED_UNITS) for sku in new)
    h.handle(IntakeDelivery(h.origin("erp"), "DLV-BENCH", "Bench supplier", lines))
    h.scan(DEVICE, BADGE)
    h.handle(ModeRequested(DEVICE, h.msg_id(), h.clock.now, "receive"))
    h.scan(DEVICE, "DLV-BENCH")
    for sku in new:
        h.scan(DEVICE, cat.skus[sku].gtins[0][1:])
        h.confirm(DEVICE, DELIVERED_UNITS)
    h.handle(CloseRequested(DEVICE, h.msg_id(), h.clock.now))


def empty_pick_bins(h: Harness, cat: Catalog) -> list[str]:
    with h.service.read() as tx:
        used = {r["bin"] for r in tx.all("SELECT bin FROM stock WHERE on_hand > 0")}
    return [b for b in cat.pick_bins_by_walk if b not in used]


def put_away(h: Harness, follow: bool, rng: random.Random) -> tuple[int, int]:
    """Every put-away task done on the handheld: to the suggested bin, or to random empty
    pick bins. Returns (put-aways, followed)."""
    cat = h.service.catalog()
    h.handle(ModeRequested(DEVICE, h.msg_id(), h.clock.now, "putaway"))
    while h.view(DEVICE)["screen"] == "putaway_select" and h.view(DEVICE)["tasks"]:
        h.handle(NextRequested(DEVICE, h.msg_id(), h.clock.now))
        while h.view(DEVICE)["screen"] == "putaway":
            task = h.view(DEVICE)["task"]
            if follow:
                h.scan(DEVICE, task["suggested_bin"])
                continue
            for candidate in rng.sample(empty_pick_bins(h, cat), 20):
                try:
                    h.scan(DEVICE, candidate)
                    break
                except DomainError:  # no room for this SKU there: another one
                    continue
    with h.service.read() as tx:
        row = tx.one("SELECT count(*) AS n, coalesce(sum(followed), 0) AS f FROM putaways")
    assert row is not None
    return int(row["n"]), int(row["f"])


@dataclass(frozen=True)
class Walk:
    per_order_m: float
    median_m: float
    with_new_m: float  # orders holding at least one new SKU
    orders_with_new: int


def day_of_walking(h: Harness, new: list[str], orders: int, seed: int) -> Walk:
    """Route each of a day's orders through the pick faces of its SKUs."""
    cat = h.service.catalog()
    face: dict[str, str] = {}
    with h.service.read() as tx:
        for r in tx.all("SELECT bin, sku FROM stock WHERE on_hand > 0"):
            if r["bin"] in cat.reserve_bins:
                continue
            best = face.get(r["sku"])
            if best is None or cat.walk_from_depot(r["bin"]) < cat.walk_from_depot(best):
                face[r["sku"]] = r["bin"]
    layout = cat.layout
    rng = random.Random(seed)
    skus = list(cat.skus)
    lengths, with_new = [], []
    for _ in range(orders):
        wanted = shop_order(rng, skus)
        bins = [face[s] for s in wanted if s in face]
        metres = plan_route(layout, bins).length_dm / 10 if bins else 0.0
        lengths.append(metres)
        if set(wanted) & set(new):
            with_new.append(metres)
    return Walk(
        statistics.fmean(lengths),
        statistics.median(lengths),
        statistics.fmean(with_new) if with_new else 0.0,
        len(with_new),
    )


def run_seed(seed: int, count: int, orders: int, work: Path) -> dict[str, Any]:
    skus = [s.sku for s in load_description(demo_description_path()).skus]
    new = new_skus(skus, count, random.Random(seed))
    out: dict[str, Any] = {"seed": seed}
    for arm, follow in (("suggested", True), ("random", False)):
        h = store(work / f"{arm}-{seed}", new, history_seed=seed + 100)
        try:
            receive(h, new)
            done, followed = put_away(h, follow, random.Random(seed + 200))
            out[arm] = (day_of_walking(h, new, orders, seed + 300), done, followed)
        finally:
            h.service.db.close()
    return out


def table(results: list[dict[str, Any]], count: int, orders: int) -> list[str]:
    rows = [
        f"{count} new SKUs (48 units each) put away, then {orders} orders of a day routed"
        " (exact shortest closed walk from the depot through each order's pick faces):",
        "",
        "| seed | put-away | walk per order (m) | median (m) | orders with a new SKU |"
        " their walk (m) | put-aways (followed) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        for arm in ("suggested", "random"):
            walk, done, followed = r[arm]
            rows.append(
                f"| {r['seed']} | {arm} | {walk.per_order_m:.1f} | {walk.median_m:.1f}"
                f" | {walk.orders_with_new} | {walk.with_new_m:.1f} | {done} ({followed}) |"
            )
    sug = statistics.fmean(r["suggested"][0].per_order_m for r in results)
    rnd = statistics.fmean(r["random"][0].per_order_m for r in results)
    sug_new = statistics.fmean(r["suggested"][0].with_new_m for r in results)
    rnd_new = statistics.fmean(r["random"][0].with_new_m for r in results)
    rows += [
        "",
        f"Mean over seeds: {sug:.1f} m per order with the suggestion, {rnd:.1f} m with random"
        f" empty bins ({100 * (rnd - sug) / rnd:.1f} % less walking); for the orders that hold"
        f" a new SKU {sug_new:.1f} m versus {rnd_new:.1f} m"
        f" ({100 * (rnd_new - sug_new) / rnd_new:.1f} % less).",
    ]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--new-skus", type=int, default=40)
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--write-docs", action="store_true", help=f"update {HEADING!r}")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = [
            run_seed(seed, args.new_skus, args.orders, Path(tmp))
            for seed in range(1, args.seeds + 1)
        ]
    rows = table(results, args.new_skus, args.orders)
    print("\n".join(rows))
    if args.write_docs:
        body = [
            HEADING,
            "",
            "`.venv/bin/python -m bench.putaway_quality --write-docs` (about 15 s). On the demo"
            " warehouse, SKUs new to the range (no bin yet; a month of pick history, generated as"
            " the demo shop orders, says how fast each moves) arrive in one delivery, are received"
            " on a scanner and put away through the real core: into the bin the handheld suggests"
            " (edge.core.slotting: the SKU's rank by picks mapped to the pick face at the same rank"
            " of walking distance from the depot), or into a random empty pick bin with room.",
            "",
            *rows,
        ]
        replace_section(DOCS, HEADING, body)


if __name__ == "__main__":
    main()
