"""Routing benchmark: route every shared instance, score it, compare with baselines and batching.

    python -m bench.routing --instances ../shared/routing/instances.jsonl --out results.jsonl \
        [--docs docs]

Writes one JSON line per instance in the shared results format (`id`, `route`, `ms`) and prints
the tables; with --docs it also rewrites the `## Routing` section of docs/benchmarks.md and the
plot docs/routing-bench.svg. The instance file is the only source of optima.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.routing_report import machine_note, plot_svg, write_docs_section
from edge.routing import OrderToPick, RectLayout, plan_batches, plan_route
from edge.routing.baselines import (
    label_sort_length,
    largest_gap_length,
    s_shape_length,
)
from edge.routing.rect_graph import graph_of_rect

SIZE_BUCKETS = [(1, 10), (11, 30), (31, 60), (61, 100), (101, 200), (201, 300)]


def pctl(values: list[float], q: float) -> float:
    """Nearest-rank percentile, as the shared checker computes it."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


def gap(length: float, optimum: int) -> float:
    return (length - optimum) / optimum * 100


def route_all(instances: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for inst in instances:
        layout = RectLayout.from_dict(inst["layout"])
        start = time.perf_counter()
        route = plan_route(layout, inst["picks"])
        ms = (time.perf_counter() - start) * 1000
        row: dict[str, Any] = {
            "id": inst["id"],
            "cat": inst["category"],
            "blocks": layout.blocks,
            "picks": inst["n_picks"],
            "points": inst["n_points"],
            "proven": inst["proven"],
            "opt": inst["optimum_dm"],
            "route": list(route.labels),
            "len": route.length_dm,
            "method": route.method,
            "ms": ms,
            "label_sort": label_sort_length(layout, inst["picks"]),
        }
        if layout.blocks == 1:
            row["largest_gap"] = largest_gap_length(layout, inst["picks"])
            if layout.depot_x_dm == 0:
                row["s_shape"] = s_shape_length(layout, inst["picks"])
        rows.append(row)
    return rows


def route_as_graphs(instances: list[dict[str, Any]], max_points: int) -> list[dict[str, Any]]:
    """The general-layout planner on the aisle graph of every multi-block instance."""
    rows = []
    for inst in instances:
        if inst["layout"]["blocks"] < 2 or inst["n_points"] > max_points:
            continue
        graph = graph_of_rect(RectLayout.from_dict(inst["layout"]), inst["picks"])
        start = time.perf_counter()
        route = plan_route(graph, inst["picks"])
        ms = (time.perf_counter() - start) * 1000
        rows.append(
            {
                "id": inst["id"],
                "points": inst["n_points"],
                "picks": inst["n_picks"],
                "opt": inst["optimum_dm"],
                "proven": inst["proven"],
                "len": route.length_dm,
                "ms": ms,
                "method": route.method,
            }
        )
    return rows


def batching(instances: list[dict[str, Any]], totes: int) -> list[dict[str, Any]]:
    rows = []
    for inst in instances:
        if "orders" not in inst:
            continue
        layout = RectLayout.from_dict(inst["layout"])
        orders = [
            OrderToPick(f"{inst['id']}/{i}", tuple(labels))
            for i, labels in enumerate(inst["orders"])
        ]
        start = time.perf_counter()
        trips = plan_batches(layout, orders, totes=totes)
        ms = (time.perf_counter() - start) * 1000
        n = len(orders)
        single_opt = [plan_route(layout, o.labels).length_dm for o in orders]
        row = {
            "id": inst["id"],
            "orders": n,
            "blocks": layout.blocks,
            "trips": len(trips),
            "ms": ms,
            "batched": sum(t.length_dm for t in trips) / n,
            "optimum_one_trip": inst["optimum_dm"] / n,
            "single_optimum": sum(inst["order_optima_dm"]) / n,
            "single_optimum_ours_ok": single_opt == inst["order_optima_dm"],
            "single_label_sort": sum(label_sort_length(layout, o.labels) for o in orders) / n,
        }
        if layout.blocks == 1 and layout.depot_x_dm == 0:
            row["single_s_shape"] = sum(s_shape_length(layout, o.labels) for o in orders) / n
        rows.append(row)
    return rows


def cross_check(instances: list[dict[str, Any]], rows: list[dict[str, Any]]) -> list[str]:
    """Our baseline lengths against the instance file's reference values."""
    problems = []
    for inst, row in zip(instances, rows, strict=True):
        for ours, theirs in (("label_sort", "label_sort_dm"), ("s_shape", "s_shape_dm"),
                             ("largest_gap", "largest_gap_dm")):  # fmt: skip
            if theirs in inst and row.get(ours) != inst[theirs]:
                problems.append(f"{inst['id']}: {ours} {row.get(ours)} != {inst[theirs]}")
    return problems


def summary(rows: list[dict[str, Any]], key: str = "len") -> dict[str, float]:
    gaps = [gap(r[key], r["opt"]) for r in rows if key in r]
    n = len(gaps)
    return {
        "n": n,
        "optimal": 100
        * sum(1 for r in rows if key in r and r[key] <= r["opt"])
        / max(1, len(gaps)),
        "mean": sum(gaps) / len(gaps) if gaps else math.nan,
        "p95": pctl(gaps, 95),
        "max": max(gaps) if gaps else math.nan,
    }


def latency(rows: list[dict[str, Any]]) -> dict[str, float]:
    ms = [r["ms"] for r in rows]
    return {
        "n": len(ms),
        "p50": pctl(ms, 50),
        "p99": pctl(ms, 99),
        "max": max(ms, default=math.nan),
    }


def build_report(
    rows: list[dict[str, Any]],
    graph_rows: list[dict[str, Any]],
    batch_rows: list[dict[str, Any]],
    problems: list[str],
    totes: int,
    seconds: float,
) -> list[str]:
    out: list[str] = []
    overall = summary(rows)
    proven = [r for r in rows if r["proven"]]
    best_known = [r for r in rows if not r["proven"]]
    bk = summary(best_known)
    out += [
        f"Instances: {len(rows)} ({len(proven)} proven, {len(best_known)} best-known). "
        f"Optimal (length <= optimum_dm): {overall['optimal']:.1f} % of all, "
        f"{summary(proven)['optimal']:.1f} % of proven, {bk['optimal']:.1f} % of best-known. "
        f"Shorter than best-known: {sum(1 for r in best_known if r['len'] < r['opt'])}.",
        "",
        "| category | n | optimal % | mean gap % | p95 gap % | max gap % | method "
        "| p50 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    cats = [*sorted({r["cat"] for r in rows}), "all"]
    for cat in cats:
        sel = [r for r in rows if cat in ("all", r["cat"])]
        s, lat = summary(sel), latency(sel)
        methods = ", ".join(sorted({r["method"] for r in sel}))
        out.append(
            f"| {cat} | {s['n']} | {s['optimal']:.1f} | {s['mean']:.3f} | {s['p95']:.3f} | "
            f"{s['max']:.3f} | {methods} | {lat['p50']:.2f} | {lat['p99']:.2f} | {lat['max']:.2f} |"
        )
    out += [
        "",
        f"Best-known instances only: mean gap {bk['mean']:.3f} %, max {bk['max']:.3f} % "
        f"(n={bk['n']}).",
        "",
        "Planner latency (wall time of `plan_route`, including label parsing and distances) by "
        "blocks and number of picks:",
        "",
        "| blocks | picks | n | p50 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|",
    ]
    for blocks in sorted({r["blocks"] for r in rows}):
        for lo, hi in SIZE_BUCKETS:
            sel = [r for r in rows if r["blocks"] == blocks and lo <= r["picks"] <= hi]
            if sel:
                lat = latency(sel)
                out.append(
                    f"| {blocks} | {lo}-{hi} | {lat['n']} | {lat['p50']:.2f} | "
                    f"{lat['p99']:.2f} | {lat['max']:.2f} |"
                )
    out += ["", "Targets:", ""]
    single = [r for r in rows if r["blocks"] == 1 and r["picks"] <= 300]
    two = [r for r in rows if r["blocks"] == 2 and r["picks"] <= 100]
    graph_100 = [r for r in graph_rows if r["points"] <= 100]
    out += [
        f"- proven instances solved optimally: {summary(proven)['optimal']:.1f} % (target 100 %)",
        f"- mean gap on best-known instances: {bk['mean']:.3f} % (target <= 0.1 %)",
        f"- p99 single-block up to 300 picks: {latency(single)['p99']:.2f} ms (target <= 5 ms)",
        f"- p99 two-block up to 100 picks: {latency(two)['p99']:.2f} ms (target <= 50 ms)",
        f"- p99 general (graph) layouts up to 100 stops: {latency(graph_100)['p99']:.2f} ms "
        "(target <= 200 ms)",
    ]
    if graph_rows:
        gs = summary(graph_rows)
        out += [
            "",
            "General-layout planner (`GraphLayout`: the aisle network of every multi-block "
            f"instance with up to {max(r['points'] for r in graph_rows)} points as a graph; "
            "Held-Karp up to 10 points, otherwise fast-tsp + 2-opt/Or-opt):",
            "",
            "| stops | n | optimal % | mean gap % | max gap % | p50 ms | p99 ms | max ms |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for lo, hi in [(1, 30), (31, 60), (61, 100), (101, 300)]:
            sel = [r for r in graph_rows if lo <= r["points"] <= hi]
            if sel:
                s, lat = summary(sel), latency(sel)
                out.append(
                    f"| {lo}-{hi} | {s['n']} | {s['optimal']:.1f} | {s['mean']:.3f} | "
                    f"{s['max']:.3f} | {lat['p50']:.1f} | {lat['p99']:.1f} | {lat['max']:.1f} |"
                )
        out.append(
            f"| all | {gs['n']} | {gs['optimal']:.1f} | {gs['mean']:.3f} | {gs['max']:.3f} | "
            f"{latency(graph_rows)['p50']:.1f} | {latency(graph_rows)['p99']:.1f} | "
            f"{latency(graph_rows)['max']:.1f} |"
        )
    out += [
        "",
        "Baselines (computed with `edge.routing.baselines`, excess over the optimum in %):",
        "",
        "| category | policy | n | mean % | p95 % | max % |",
        "|---|---|---|---|---|---|",
    ]
    for cat in cats:
        sel = [r for r in rows if cat in ("all", r["cat"])]
        for key, name in (("label_sort", "label sort"), ("s_shape", "S-shape"),
                          ("largest_gap", "largest gap"), ("len", "planner")):  # fmt: skip
            s = summary(sel, key)
            if s["n"]:
                out.append(
                    f"| {cat} | {name} | {s['n']} | {s['mean']:.2f} | {s['p95']:.2f} | "
                    f"{s['max']:.2f} |"
                )
    out += [
        "",
        "Baseline cross-check against the instance file: "
        + (
            "all label_sort_dm, s_shape_dm and largest_gap_dm values agree."
            if not problems
            else f"{len(problems)} disagreements, e.g. {problems[0]}"
        ),
    ]
    if batch_rows:
        out += [
            "",
            f"Batching (`orders` instances, {totes} totes per cart, `plan_batches`): walking per "
            "order in metres, mean over instances.",
            "",
            "| orders | blocks | n | trips | batched | one trip (optimum) | single-order optimum "
            "| single-order S-shape | single-order label sort | vs S-shape | vs single optimum | "
            "p99 ms |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for n_orders in sorted({r["orders"] for r in batch_rows}):
            for blocks in sorted({r["blocks"] for r in batch_rows}):
                sel = [r for r in batch_rows if r["orders"] == n_orders and r["blocks"] == blocks]
                if not sel:
                    continue

                def mean(key: str, rows_: list[dict[str, Any]] = sel) -> float:
                    vals = [r[key] for r in rows_ if key in r]
                    return sum(vals) / len(vals) if vals else math.nan

                s_shape = mean("single_s_shape")
                vs_s = (
                    f"{(1 - mean('batched') / s_shape) * 100:.1f} % less"
                    if not math.isnan(s_shape) else "n/a"
                )  # fmt: skip
                out.append(
                    f"| {n_orders} | {blocks} | {len(sel)} | {mean('trips'):.1f} | "
                    f"{mean('batched') / 10:.1f} | {mean('optimum_one_trip') / 10:.1f} | "
                    f"{mean('single_optimum') / 10:.1f} | "
                    + (f"{s_shape / 10:.1f}" if not math.isnan(s_shape) else "n/a")
                    + f" | {mean('single_label_sort') / 10:.1f} | {vs_s} | "
                    f"{(1 - mean('batched') / mean('single_optimum')) * 100:.1f} % less | "
                    f"{latency(sel)['p99']:.1f} |"
                )
        with_s = [r for r in batch_rows if "single_s_shape" in r]
        if with_s:
            reduction = 1 - sum(r["batched"] for r in with_s) / sum(
                r["single_s_shape"] for r in with_s
            )
            out += [
                "",
                f"Walking per order, batched vs single-order S-shape (single-block orders "
                f"instances, n={len(with_s)}): {reduction * 100:.1f} % less (target >= 60 %). "
                "Per-order optima from the file reproduced by `plan_route`: "
                f"{sum(r['single_optimum_ours_ok'] for r in batch_rows)}/{len(batch_rows)}.",
            ]
    out += ["", f"Benchmark wall time: {seconds:.1f} s."]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.routing", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--instances", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path, help="results JSONL to write")
    parser.add_argument("--totes", type=int, default=4)
    parser.add_argument(
        "--graph-max-points",
        type=int,
        default=300,
        help="also route multi-block instances up to this size as graph layouts",
    )
    parser.add_argument("--docs", type=Path, help="docs directory to update (benchmarks.md)")
    args = parser.parse_args(argv)
    instances = [
        json.loads(line) for line in args.instances.read_text(encoding="utf-8").splitlines() if line
    ]
    started = time.perf_counter()
    rows = route_all(instances)
    with args.out.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(
                json.dumps({"id": row["id"], "route": row["route"], "ms": round(row["ms"], 3)})
            )
            out.write("\n")
    graph_rows = route_as_graphs(instances, args.graph_max_points)
    batch_rows = batching(instances, args.totes)
    problems = cross_check(instances, rows)
    seconds = time.perf_counter() - started
    report = build_report(rows, graph_rows, batch_rows, problems, args.totes, seconds)
    checker = args.instances.parent / "check.py"
    if checker.exists():  # the shared scorer, run on the results file just written
        scored = subprocess.run(
            [sys.executable, str(checker), str(args.instances), str(args.out)],
            capture_output=True,
            text=True,
            check=False,
        )
        last = scored.stdout.strip().splitlines()[-1:] or ["(no output)"]
        report += ["", f"Shared checker (`check.py`): `{last[0]}`"]
    print("\n".join(report))
    if args.docs is not None:
        args.docs.mkdir(parents=True, exist_ok=True)
        (args.docs / "routing-bench.svg").write_text(plot_svg(rows, graph_rows), encoding="utf-8")
        write_docs_section(args.docs / "benchmarks.md", report, machine_note())
        print(f"updated {args.docs / 'benchmarks.md'} and {args.docs / 'routing-bench.svg'}")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
