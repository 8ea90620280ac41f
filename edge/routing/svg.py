"""The route drawn on the warehouse map as SVG text (pure; the handheld UI reuses it)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from xml.sax.saxutils import escape

from edge.routing.geometry import Layout, Point
from edge.routing.graph_layout import GraphLayout
from edge.routing.labels import aisle_letters
from edge.routing.rect_layout import RectLayout
from edge.routing.route import Route
from edge.routing.walk import walk_of_tour

_PATH_COLOUR = "#d1495b"
_RACK_COLOUR = "#c9d6df"


class _Canvas:
    """Maps layout coordinates (dm, y to the back) to SVG coordinates (y down, front at the
    bottom) and collects elements."""

    def __init__(self, x_min: int, x_max: int, y_min: int, y_max: int, unit: float) -> None:
        self.margin = 4 * unit
        self.x_min, self.y_max = x_min, y_max
        self.width = x_max - x_min + 2 * self.margin
        self.height = y_max - y_min + 2 * self.margin + 3 * unit  # room for the legend
        self.unit = unit
        self.parts: list[str] = []

    def xy(self, point: Point) -> tuple[float, float]:
        return point[0] - self.x_min + self.margin, self.y_max - point[1] + self.margin

    def add(self, element: str) -> None:
        self.parts.append(element)

    def text(self, point: Point, text: str, size: float, **attrs: str) -> None:
        x, y = self.xy(point)
        extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
        self.add(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:.1f}" '
            f'text-anchor="middle"{extra}>{escape(text)}</text>'
        )

    def document(self, title: str, *, fluid: bool = False) -> str:
        """The SVG text; fluid leaves the size to the page (a handheld fits it to its width)."""
        pixel_width = 1000 if self.width >= self.height else 1000 * self.width / self.height
        pixel_height = pixel_width * self.height / self.width
        size = "" if fluid else f'width="{pixel_width:.0f}" height="{pixel_height:.0f}" '
        return "\n".join(
            [
                '<svg xmlns="http://www.w3.org/2000/svg" '
                f'viewBox="0 0 {self.width:.1f} {self.height:.1f}" '
                f"{size}"
                'font-family="sans-serif" role="img">',
                f"<title>{escape(title)}</title>",
                f'<rect width="{self.width:.1f}" height="{self.height:.1f}" fill="white"/>',
                *self.parts,
                "</svg>",
                "",
            ]
        )


def route_svg(layout: Layout, route: Route, title: str | None = None) -> str:
    """An SVG picture of the layout with the route's path and numbered stops."""
    title = title or (
        f"Pick route: {len(route.stops)} bins, {route.length_dm} dm ({route.length_m:.1f} m), "
        f"{route.method}"
    )
    canvas = _layout_canvas(layout)
    _draw_route(canvas, layout, route)
    unit = canvas.unit
    canvas.add(
        f'<text x="{canvas.margin:.1f}" y="{canvas.height - unit:.1f}" '
        f'font-size="{1.4 * unit:.1f}">{escape(title)}</text>'
    )
    return canvas.document(title)


def _layout_canvas(layout: Layout) -> _Canvas:
    """The empty map of a layout: racks and cross aisles, or the aisle graph."""
    if isinstance(layout, RectLayout):
        return _rect_canvas(layout)
    if isinstance(layout, GraphLayout):
        return _graph_canvas(layout)
    raise TypeError(f"cannot draw a {type(layout).__name__}")


def _rect_canvas(layout: RectLayout) -> _Canvas:
    pitch, h = layout.aisle_pitch_dm, layout.block_length_dm
    unit = max(pitch / 3, (layout.width_dm + pitch) / 80)
    canvas = _Canvas(-pitch // 2, layout.width_dm + pitch // 2, 0, layout.depth_dm, unit)
    rack_depth = pitch * 0.32  # racks fill most of the pitch; the aisle is what is left
    half = layout.cross_aisle_width_dm / 2
    for a in range(layout.aisles):
        x = layout.aisle_x(a)
        for b in range(layout.blocks):
            y_front, y_back = b * h + half, (b + 1) * h - half
            for left in (x - pitch / 2, x + pitch / 2 - rack_depth):
                canvas.add(
                    f'<rect x="{left - canvas.x_min + canvas.margin:.1f}" '
                    f'y="{canvas.y_max - y_back + canvas.margin:.1f}" '
                    f'width="{rack_depth:.1f}" height="{y_back - y_front:.1f}" '
                    f'fill="{_RACK_COLOUR}" stroke="#8aa1b1" stroke-width="{unit / 20:.2f}"/>'
                )
        canvas.text((x, -int(2 * unit)), aisle_letters(a), unit, fill="#335")
    for y in layout.cross_aisles_y_dm:  # cross-aisle centre lines, faint
        (x1, sy), (x2, _) = canvas.xy((0, y)), canvas.xy((layout.width_dm, y))
        canvas.add(
            f'<line x1="{x1:.1f}" y1="{sy:.1f}" x2="{x2:.1f}" y2="{sy:.1f}" '
            f'stroke="#e3e8ec" stroke-width="{unit / 10:.2f}"/>'
        )
    return canvas


def _graph_canvas(layout: GraphLayout) -> _Canvas:
    xs = [p[0] for p in layout.nodes.values()]
    ys = [p[1] for p in layout.nodes.values()]
    unit = max(1.0, (max(xs) - min(xs) + max(ys) - min(ys)) / 120)
    canvas = _Canvas(min(xs), max(xs), min(ys) - int(3 * unit), max(ys), unit)
    for a, b, _ in layout.edges:
        (x1, y1), (x2, y2) = canvas.xy(layout.nodes[a]), canvas.xy(layout.nodes[b])
        canvas.add(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke="{_RACK_COLOUR}" stroke-width="{unit / 2:.2f}" stroke-linecap="round"/>'
        )
    return canvas


def _draw_route(canvas: _Canvas, layout: Layout, route: Route) -> None:
    unit = canvas.unit
    walk = walk_of_tour(layout, route.points)
    coordinates = " ".join(f"{x:.1f},{y:.1f}" for x, y in map(canvas.xy, walk))
    canvas.add(
        f'<polyline points="{coordinates}" fill="none" stroke="{_PATH_COLOUR}" '
        f'stroke-width="{unit / 4:.2f}" stroke-linejoin="round" opacity="0.85"/>'
    )
    dx, dy = canvas.xy(layout.depot)
    canvas.add(
        f'<rect x="{dx - unit:.1f}" y="{dy - unit:.1f}" width="{2 * unit:.1f}" '
        f'height="{2 * unit:.1f}" fill="#2e4057"><title>Depot</title></rect>'
    )
    canvas.text((layout.depot[0], layout.depot[1] - int(3.6 * unit)), "Depot", unit, fill="#2e4057")
    numbers: dict[Point, list[int]] = {}
    labels: dict[Point, list[str]] = {}
    for n, stop in enumerate(route.stops, start=1):
        numbers.setdefault(stop.point, []).append(n)
        labels.setdefault(stop.point, []).append(stop.label)
    for point, ns in numbers.items():
        x, y = canvas.xy(point)
        text = str(ns[0]) if len(ns) == 1 else f"{ns[0]}-{ns[-1]}"
        canvas.add(
            f"<g><title>{escape(', '.join(labels[point]))}</title>"
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{0.8 * unit:.1f}" fill="white" '
            f'stroke="{_PATH_COLOUR}" stroke-width="{unit / 6:.2f}"/>'
            f'<text x="{x:.1f}" y="{y + 0.3 * unit:.1f}" font-size="{0.8 * unit:.1f}" '
            f'text-anchor="middle">{text}</text></g>'
        )


_HERE_COLOUR = "#0a84ff"
_NEXT_COLOUR = "#ffd60a"


def trip_map_svg(
    layout: Layout, here: str | None, ahead: Sequence[str], done: Sequence[str] = ()
) -> str:
    """The handheld's small map: where the picker is ("you are here", the last bin picked or
    the depot), the next stop large, the walk to it bold, the rest of the walk back to the
    depot thin, and bins already done greyed."""
    canvas = _layout_canvas(layout)
    unit = canvas.unit
    start = layout.point_of(here) if here else layout.depot
    points = [layout.point_of(label) for label in ahead]
    legs = list(itertools.pairwise([start, *points, layout.depot]))
    for n, (a, b) in enumerate(legs):
        walk = layout.leg_path(a, b)
        coordinates = " ".join(f"{x:.1f},{y:.1f}" for x, y in map(canvas.xy, walk))
        first = n == 0 and bool(points)
        dashes = "" if first else f' stroke-dasharray="{unit / 2:.1f}"'
        canvas.add(
            f'<polyline points="{coordinates}" fill="none" '
            f'stroke="{_PATH_COLOUR if first else "#8a8f98"}" '
            f'stroke-width="{unit / (1.6 if first else 5):.2f}" stroke-linejoin="round" '
            f'stroke-linecap="round"{dashes}/>'
        )
    for label in done:
        x, y = canvas.xy(layout.point_of(label))
        canvas.add(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{0.45 * unit:.1f}" fill="#9aa0a6"/>')
    for n, point in reversed(list(enumerate(points[1:], start=2))):
        x, y = canvas.xy(point)
        canvas.add(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{0.8 * unit:.1f}" fill="white" '
            f'stroke="#444" stroke-width="{unit / 8:.2f}"/>'
            f'<text x="{x:.1f}" y="{y + 0.3 * unit:.1f}" font-size="{0.9 * unit:.1f}" '
            f'text-anchor="middle">{n}</text>'
        )
    dx, dy = canvas.xy(layout.depot)
    canvas.add(
        f'<rect x="{dx - unit:.1f}" y="{dy - unit:.1f}" width="{2 * unit:.1f}" '
        f'height="{2 * unit:.1f}" fill="#2e4057"/>'
    )
    if points:
        x, y = canvas.xy(points[0])
        canvas.add(
            f'<g class="next-stop"><circle cx="{x:.1f}" cy="{y:.1f}" r="{1.5 * unit:.1f}" '
            f'fill="{_NEXT_COLOUR}" stroke="#000" stroke-width="{unit / 5:.2f}"/>'
            f'<text x="{x:.1f}" y="{y + 0.45 * unit:.1f}" font-size="{1.3 * unit:.1f}" '
            f'font-weight="bold" text-anchor="middle">1</text></g>'
        )
    x, y = canvas.xy(start)
    canvas.add(
        f'<g class="you-are-here"><circle cx="{x:.1f}" cy="{y:.1f}" r="{1.1 * unit:.1f}" '
        f'fill="{_HERE_COLOUR}" stroke="white" stroke-width="{unit / 4:.2f}"/></g>'
    )
    title = f"You are at {here or 'the depot'}; next {ahead[0] if ahead else 'the depot'}"
    return canvas.document(title, fluid=True)
