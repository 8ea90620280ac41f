"""Pick-path routing: warehouse layouts, exact and fast routes, batching, cut-off forecasts."""

from edge.routing.batching import OrderToPick, Trip, TripStop, plan_batches, work_order
from edge.routing.cutoff import CutoffEstimate, PickPace, estimate_cutoffs, trip_duration
from edge.routing.geometry import Layout, LayoutError, Point, tour_length
from edge.routing.graph_layout import GraphLayout
from edge.routing.labels import (
    BinLocation,
    LabelError,
    aisle_index,
    aisle_letters,
    is_bin_label,
    parse_label,
)
from edge.routing.layout_file import layout_from_dict
from edge.routing.planner import plan_route
from edge.routing.rect_layout import RectLayout
from edge.routing.route import Route, Stop

__all__ = [
    "BinLocation",
    "CutoffEstimate",
    "GraphLayout",
    "LabelError",
    "Layout",
    "LayoutError",
    "OrderToPick",
    "PickPace",
    "Point",
    "RectLayout",
    "Route",
    "Stop",
    "Trip",
    "TripStop",
    "aisle_index",
    "aisle_letters",
    "estimate_cutoffs",
    "is_bin_label",
    "layout_from_dict",
    "parse_label",
    "plan_batches",
    "plan_route",
    "tour_length",
    "trip_duration",
    "work_order",
]
