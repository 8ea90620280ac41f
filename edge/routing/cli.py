"""`edge route`: plan a pick route from the command line, optionally drawing it as SVG."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import NoReturn

from edge.routing.geometry import Layout, LayoutError
from edge.routing.labels import LabelError
from edge.routing.layout_file import parse_layout_text
from edge.routing.planner import plan_route
from edge.routing.route import Route
from edge.routing.svg import route_svg


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line instead of argparse's usage block: the caller shows it as is.
        raise _UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="edge route",
        description="Plan the shortest pick route through bin labels and compare it with the "
        "label-sorted list.",
    )
    parser.add_argument(
        "--layout",
        required=True,
        type=Path,
        metavar="FILE",
        help="JSON or TOML file with a top-level `layout` object (the warehouse description, "
        "or one line of the shared routing instances)",
    )
    parser.add_argument("labels", nargs="*", metavar="LABEL", help="bin labels, e.g. C-17-3-B")
    parser.add_argument(
        "--labels-file",
        type=Path,
        metavar="FILE",
        help="read labels from a file (separated by spaces, commas or new lines; # comments)",
    )
    parser.add_argument("--svg", type=Path, metavar="FILE", help="draw the route into this file")
    parser.add_argument(
        "--budget-ms",
        type=float,
        metavar="MS",
        help="time budget of the heuristic for large general layouts (default: by size)",
    )
    return parser


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LayoutError(f"cannot read {what} {path}: {exc.strerror or exc}") from exc


def _labels_from_text(text: str) -> list[str]:
    words: list[str] = []
    for line in text.splitlines():
        words += [w for w in re.split(r"[\s,;]+", line.split("#", 1)[0]) if w]
    return words


def format_route(route: Route) -> str:
    """The route as text: stops grouped under their aisle, then the lengths."""
    lines = [
        f"Route: {len(route.stops)} bins at {len(route.points)} stops, method {route.method}"
        + (" (shortest possible)" if route.optimal else "")
    ]
    aisle = None
    width = len(str(len(route.stops)))
    for number, stop in enumerate(route.stops, start=1):
        if stop.aisle != aisle or number == 1:
            aisle = stop.aisle
            lines.append(f"  Aisle {aisle}" if aisle else "  Stops")
        lines.append(f"    {number:>{width}}. {stop.label}")
    lines.append(f"Length: {route.length_dm} dm ({route.length_m:.1f} m)")
    excess = f", +{route.label_sort_excess * 100:.1f} %" if route.length_dm else ""
    lines.append(
        f"Label-sorted list: {route.label_sorted_length_dm} dm "
        f"({route.label_sorted_length_dm / 10:.1f} m){excess}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point of `edge route`; returns the exit status (2 for bad input)."""
    try:
        args = _parser().parse_args(argv)
        layout: Layout = parse_layout_text(_read(args.layout, "layout file"), args.layout.name)
        labels = list(args.labels)
        if args.labels_file is not None:
            labels += _labels_from_text(_read(args.labels_file, "labels file"))
        if not labels:
            raise _UsageError("no bin labels given (as arguments or with --labels-file)")
        budget = None if args.budget_ms is None else args.budget_ms / 1000
        route = plan_route(layout, labels, time_budget_s=budget)
        if args.svg is not None:
            try:
                args.svg.write_text(route_svg(layout, route), encoding="utf-8")
            except OSError as exc:
                raise LayoutError(f"cannot write {args.svg}: {exc.strerror or exc}") from exc
    except (_UsageError, LayoutError, LabelError) as exc:
        print(f"edge route: error: {exc}", file=sys.stderr)
        return 2
    print(format_route(route))
    if args.svg is not None:
        print(f"Picture: {args.svg}")
    return 0
