"""Report helpers for bench.routing: the machine, the docs section and a self-drawn SVG plot."""

from __future__ import annotations

import math
import os
import platform
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import fast_tsp

from bench._bench_docs import replace_section

SECTION = "## Routing"
COMMAND = (
    "python -m bench.routing --instances ../shared/routing/instances.jsonl --out results.jsonl "
    "--docs docs\npython ../shared/routing/check.py ../shared/routing/instances.jsonl results.jsonl"
)
BLOCK_COLOURS = {1: "#1b9e77", 2: "#d95f02", 3: "#7570b3"}


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_note() -> str:
    """Cores, CPU, OS, Python and the TSP solver's version, for the docs section."""
    return (
        f"{os.cpu_count()} cores ({cpu_model()}), "
        f"{platform.system()}, Python {platform.python_version()}, "
        f"fast-tsp {fast_tsp.__version__}"
    )


def write_docs_section(path: Path, report: list[str], machine: str) -> None:
    """Replace (or append) the `## Routing` section of benchmarks.md, leaving the rest alone."""
    body = [
        SECTION,
        "",
        "Pick-path planner (`edge.routing.plan_route`) on the 600 shared routing instances "
        "(`shared/routing/instances.jsonl`, optima from the file). Reproduce from the repository "
        "root, with the shared directory beside it:",
        "",
        "```",
        COMMAND,
        "```",
        "",
        f"Machine: {machine}. Latencies are single runs per instance in one process.",
        "",
        *report,
        "",
        "![Gap and planner latency against the number of picks](routing-bench.svg)",
        "",
    ]
    replace_section(path, SECTION, body)


class _Panel:
    def __init__(self, left: float, top: float, width: float, height: float) -> None:
        self.left, self.top, self.width, self.height = left, top, width, height
        self.parts: list[str] = []

    def frame(self, title: str, x_label: str, y_label: str) -> None:
        left, t, w, h = self.left, self.top, self.width, self.height
        self.parts += [
            f'<rect x="{left}" y="{t}" width="{w}" height="{h}" fill="none" stroke="#999"/>',
            f'<text x="{left + w / 2}" y="{t - 10}" text-anchor="middle" font-size="14">'
            f"{escape(title)}</text>",
            f'<text x="{left + w / 2}" y="{t + h + 36}" text-anchor="middle" font-size="12">'
            f"{escape(x_label)}</text>",
            f'<text x="{left - 44}" y="{t + h / 2}" text-anchor="middle" font-size="12" '
            f'transform="rotate(-90 {left - 44} {t + h / 2})">{escape(y_label)}</text>',
        ]

    def x_ticks(self, to_x: Any, ticks: list[float]) -> None:
        for v in ticks:
            x = to_x(v)
            self.parts.append(
                f'<line x1="{x:.1f}" y1="{self.top + self.height}" x2="{x:.1f}" '
                f'y2="{self.top + self.height + 5}" stroke="#999"/>'
                f'<text x="{x:.1f}" y="{self.top + self.height + 18}" text-anchor="middle" '
                f'font-size="11">{v:g}</text>'
            )

    def y_ticks(self, to_y: Any, ticks: list[float]) -> None:
        for v in ticks:
            y = to_y(v)
            self.parts.append(
                f'<line x1="{self.left}" y1="{y:.1f}" x2="{self.left + self.width}" y2="{y:.1f}" '
                f'stroke="#eee"/><text x="{self.left - 6}" y="{y + 4:.1f}" text-anchor="end" '
                f'font-size="11">{v:g}</text>'
            )

    def dot(self, x: float, y: float, colour: str, hollow: bool = False, r: float = 2.6) -> None:
        fill = "none" if hollow else colour
        self.parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{fill}" stroke="{colour}" '
            f'stroke-width="1" opacity="0.75"/>'
        )


def plot_svg(rows: list[dict[str, Any]], graph_rows: list[dict[str, Any]]) -> str:
    """Left: gap to the optimum (planner and label sort) against picks. Right: latency (log)."""
    width, height = 1000, 430
    max_picks = max(r["picks"] for r in rows)
    x_max = 50 * math.ceil(max_picks / 50)
    gap_panel = _Panel(70, 40, 380, 300)
    lat_panel = _Panel(580, 40, 380, 300)

    def to_x(panel: _Panel) -> Any:
        return lambda v: panel.left + v / x_max * panel.width

    excess = [(r["label_sort"] - r["opt"]) / r["opt"] * 100 for r in rows]
    gaps = [(r["len"] - r["opt"]) / r["opt"] * 100 for r in rows]
    y_max = 100.0  # the few label-sort outliers above (edge cases, up to +370 %) sit on the top

    def gap_y(v: float) -> float:
        return float(gap_panel.top + gap_panel.height * (1 - min(v, y_max) / y_max))

    gap_panel.frame("Excess over the optimum (clipped at 100 %)", "picks per route", "gap (%)")
    gap_panel.y_ticks(gap_y, [y_max * i / 5 for i in range(6)])
    gap_panel.x_ticks(to_x(gap_panel), [x_max * i / 6 for i in range(7)])
    for r, e in zip(rows, excess, strict=True):
        gap_panel.dot(to_x(gap_panel)(r["picks"]), gap_y(e), "#bbbbbb", r=2)
    for r, g in zip(rows, gaps, strict=True):
        gap_panel.dot(to_x(gap_panel)(r["picks"]), gap_y(g), BLOCK_COLOURS.get(r["blocks"], "#000"))

    all_ms = [r["ms"] for r in rows] + [r["ms"] for r in graph_rows]
    lo_exp = math.floor(math.log10(max(min(all_ms), 1e-3)))
    hi_exp = math.ceil(math.log10(max(all_ms)))

    def lat_y(ms: float) -> float:
        frac = (math.log10(max(ms, 10**lo_exp)) - lo_exp) / (hi_exp - lo_exp)
        return lat_panel.top + lat_panel.height * (1 - frac)

    lat_panel.frame("Planner latency", "picks per route", "milliseconds (log scale)")
    lat_panel.y_ticks(lat_y, [10.0**e for e in range(lo_exp, hi_exp + 1)])
    lat_panel.x_ticks(to_x(lat_panel), [x_max * i / 6 for i in range(7)])
    for r in graph_rows:
        lat_panel.dot(to_x(lat_panel)(r["picks"]), lat_y(r["ms"]), "#555555", hollow=True)
    for r in rows:
        lat_panel.dot(
            to_x(lat_panel)(r["picks"]), lat_y(r["ms"]), BLOCK_COLOURS.get(r["blocks"], "#000")
        )

    legend = [("1 block (exact DP)", BLOCK_COLOURS[1], False),
              ("2 blocks (exact DP)", BLOCK_COLOURS[2], False),
              ("3 blocks (exact DP)", BLOCK_COLOURS[3], False),
              ("label sort (left)", "#bbbbbb", False),
              ("same routes as graph layouts (right)", "#555555", True)]  # fmt: skip
    parts = []
    x = 70.0
    for text, colour, hollow in legend:
        fill = "none" if hollow else colour
        parts.append(
            f'<circle cx="{x}" cy="{height - 20}" r="4" fill="{fill}" stroke="{colour}"/>'
            f'<text x="{x + 8}" y="{height - 16}" font-size="12">{escape(text)}</text>'
        )
        x += 30 + 7 * len(text)
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" font-family="sans-serif">',
            f'<rect width="{width}" height="{height}" fill="white"/>',
            *gap_panel.parts,
            *lat_panel.parts,
            *parts,
            "</svg>",
            "",
        ]
    )
