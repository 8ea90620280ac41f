"""Exact routes in rectangular layouts: a dynamic program over the aisles, left to right."""

# Ratliff & Rosenthal (1983) for one block, in the multi-block form of Roodbergen & de Koster
# (2001): the tour is built as a multigraph on the aisle network. Scanning the aisles from left to
# right, the state is what the part built so far looks like from the right: for every cross aisle,
# the degree parity of its vertex in the current column and which of those vertices are already
# connected. Sub-aisles take one of six shapes and cross-aisle edges are used 0, 1 or 2 times;
# every optimal tour has this form, so the minimum over states is the optimum. The depot may sit
# anywhere on the front cross aisle: if it is between aisles it gets its own column without an
# aisle. The route is read off an Euler circuit of the chosen multigraph.

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from edge.routing.geometry import Point
from edge.routing.rect_layout import RectLayout
from edge.routing.walk import points_in_walk_order

# Shapes of one sub-aisle (the part of an aisle inside one block, between two cross aisles).
NONE, TRAVERSE, DOUBLE, BOTTOM, TOP, GAP = range(6)
# Degree added to the (front, back) vertex, and whether the shape connects them.
_SHAPE_EFFECT = {
    NONE: (0, 0, False),
    TRAVERSE: (1, 1, True),
    DOUBLE: (2, 2, True),
    BOTTOM: (2, 0, False),  # in from the front cross aisle to the farthest pick and back
    TOP: (0, 2, False),  # in from the back cross aisle to the nearest pick and back
    GAP: (2, 2, False),  # both, leaving out the largest gap between two picks
}

# A state holds one code per cross aisle: 0 = no edge at its vertex yet, otherwise
# 1 + 2 * component + (1 if the degree is odd). Components are numbered by first appearance.
State = tuple[int, ...]
DONE: State = (-1,)  # the tour is closed; nothing may be added any more

_Slots = list[tuple[int, int] | None]  # (component, odd) per cross aisle

_vertical_cache: dict[tuple[State, int, int], State | None] = {}
_horizontal_cache: dict[tuple[State, int, int, bool], State | None] = {}

# Beyond this many blocks the state space grows too large for a fast pure-Python DP.
MAX_BLOCKS = 3


def _decode(state: State) -> _Slots:
    return [None if code == 0 else ((code - 1) // 2, (code - 1) % 2) for code in state]


def _encode(slots: _Slots) -> State:
    renumber: dict[int, int] = {}
    codes = []
    for slot in slots:
        if slot is None:
            codes.append(0)
        else:
            component = renumber.setdefault(slot[0], len(renumber))
            codes.append(1 + 2 * component + slot[1])
    return tuple(codes)


def _fresh(slots: _Slots) -> int:
    return 1 + max((s[0] for s in slots if s is not None), default=-1)


def _vertical(state: State, k: int, shape: int) -> State | None:
    """Add a shape to the sub-aisle between cross aisles k and k + 1 of the current column."""
    key = (state, k, shape)
    if key in _vertical_cache:
        return _vertical_cache[key]
    result: State | None
    if state == DONE:
        result = DONE if shape == NONE else None
    else:
        slots = _decode(state)
        add_front, add_back, connects = _SHAPE_EFFECT[shape]
        for index, add in ((k, add_front), (k + 1, add_back)):
            if add:
                slot = slots[index]
                if slot is None:
                    slots[index] = (_fresh(slots), add % 2)
                else:
                    slots[index] = (slot[0], (slot[1] + add) % 2)
        if connects:
            front, back = slots[k], slots[k + 1]
            assert front is not None and back is not None
            slots = [(front[0], s[1]) if s is not None and s[0] == back[0] else s for s in slots]
        result = _encode(slots)
    _vertical_cache[key] = result
    return result


def _horizontal(state: State, k: int, copies: int, required: bool) -> State | None:
    """Leave cross aisle k's vertex of this column with `copies` edges to the next column.

    The vertex leaves the frontier: its degree must end even, and positive if `required`
    (the depot). A component that no other frontier vertex belongs to is finished, which is
    only allowed when it is the whole tour.
    """
    key = (state, k, copies, required)
    if key in _horizontal_cache:
        return _horizontal_cache[key]
    result: State | None
    if state == DONE:
        result = DONE if copies == 0 and not required else None
    else:
        slots = _decode(state)
        slot = slots[k]
        if slot is None:
            if copies == 1 or (copies == 0 and required):
                result = None
            elif copies == 0:
                result = state
            else:  # walking through an untouched vertex starts a new component
                slots[k] = (_fresh(slots), 0)
                result = _encode(slots)
        elif (slot[1] + copies) % 2:
            result = None
        elif copies:
            slots[k] = (slot[0], copies % 2)
            result = _encode(slots)
        else:
            slots[k] = None
            if any(s is not None and s[0] == slot[0] for s in slots):
                result = _encode(slots)
            elif all(s is None for s in slots):
                result = DONE
            else:
                result = None  # a finished piece while another is still open: not one tour
    _horizontal_cache[key] = result
    return result


@dataclass(frozen=True)
class _Column:
    x: int
    is_aisle: bool
    has_depot: bool
    picks: tuple[tuple[int, ...], ...]  # sorted pick y per block


def _columns(layout: RectLayout, points: Sequence[Point]) -> list[_Column]:
    depot_x = layout.depot_x_dm
    xs = [p[0] for p in points] + [depot_x]
    pitch = layout.aisle_pitch_dm
    # Aisles beyond the outermost pick or depot never help; empty aisles in between can
    # (several blocks: a short way from one cross aisle to another).
    first, last = -(-min(xs) // pitch), max(xs) // pitch
    aisle_xs = {a * pitch for a in range(first, last + 1)}
    h = layout.block_length_dm
    per_column: dict[int, list[list[int]]] = {
        x: [[] for _ in range(layout.blocks)] for x in aisle_xs | {depot_x}
    }
    for x, y in points:
        per_column[x][y // h].append(y)
    return [
        _Column(x, x in aisle_xs, x == depot_x, tuple(tuple(sorted(ys)) for ys in per_column[x]))
        for x in sorted(per_column)
    ]


def _shapes(column: _Column, k: int, h: int) -> list[tuple[int, int]]:
    """(shape, length) options for block k of a column."""
    if not column.is_aisle:
        return [(NONE, 0)]
    ys = column.picks[k]
    if not ys:
        return [(NONE, 0), (TRAVERSE, h), (DOUBLE, 2 * h)]
    front = k * h
    options = [
        (TRAVERSE, h),
        (DOUBLE, 2 * h),
        (BOTTOM, 2 * (ys[-1] - front)),
        (TOP, 2 * (front + h - ys[0])),
    ]
    if len(ys) > 1:
        largest_gap = max(b - a for a, b in itertools.pairwise(ys))
        options.append((GAP, 2 * (h - largest_gap)))
    return options


# One DP step: its kind ("h" or "v"), column index, cross aisle or block index, and for every
# state reached the previous state and the option taken.
_Step = tuple[str, int, int, dict[State, tuple[State, int]]]


def solve(layout: RectLayout, points: Sequence[Point]) -> tuple[int, list[Point]]:
    """Shortest closed tour from the depot through all points: (length, points in order)."""
    if layout.blocks > MAX_BLOCKS:
        raise ValueError(f"the aisle DP handles up to {MAX_BLOCKS} blocks")
    targets = sorted(set(points))
    if not targets:
        return 0, []
    columns = _columns(layout, targets)
    h = layout.block_length_dm
    slots = layout.blocks + 1
    costs: dict[State, int] = {(0,) * slots: 0}
    steps: list[_Step] = []

    def relax(kind: str, col: int, k: int, options: list[tuple[int, int]], required: bool) -> None:
        nonlocal costs
        best: dict[State, int] = {}
        back: dict[State, tuple[State, int]] = {}
        for state, cost in costs.items():
            for option, length in options:
                if kind == "v":
                    new = _vertical(state, k, option)
                else:
                    new = _horizontal(state, k, option, required)
                if new is None:
                    continue
                total = cost + length
                if total < best.get(new, total + 1):
                    best[new] = total
                    back[new] = (state, option)
        costs = best
        steps.append((kind, col, k, back))

    for i, column in enumerate(columns):
        if i:
            previous = columns[i - 1]
            dx = column.x - previous.x
            for k in range(slots):
                options = [(0, 0), (1, dx), (2, 2 * dx)]
                relax("h", i, k, options, previous.has_depot and k == 0)
        for k in range(layout.blocks):
            relax("v", i, k, _shapes(column, k, h), False)
    for k in range(slots):  # close the tour after the last column
        relax("h", len(columns), k, [(0, 0)], columns[-1].has_depot and k == 0)
    if DONE not in costs:
        raise AssertionError("aisle DP found no tour")  # cannot happen for a valid layout
    length = costs[DONE]
    walk = _euler_walk(layout, columns, _chosen_options(steps), targets)
    return length, points_in_walk_order(walk, targets)


def _chosen_options(steps: list[_Step]) -> list[tuple[str, int, int, int]]:
    state = DONE
    chosen = []
    for kind, col, k, back in reversed(steps):
        state, option = back[state]
        chosen.append((kind, col, k, option))
    chosen.reverse()
    return chosen


def _euler_walk(
    layout: RectLayout,
    columns: list[_Column],
    chosen: list[tuple[str, int, int, int]],
    targets: list[Point],
) -> list[Point]:
    """Build the chosen multigraph and walk it from the depot (Hierholzer)."""
    h = layout.block_length_dm
    edges: list[tuple[Point, Point]] = []
    for kind, col, k, option in chosen:
        if kind == "h":
            if option and col < len(columns):
                a, b = (columns[col - 1].x, k * h), (columns[col].x, k * h)
                edges += [(a, b)] * option
            continue
        x, ys = columns[col].x, columns[col].picks[k]
        front, back = (x, k * h), (x, (k + 1) * h)
        if option == TRAVERSE:
            edges.append((front, back))
        elif option == DOUBLE:
            edges += [(front, back)] * 2
        elif option == BOTTOM:
            edges += [(front, (x, ys[-1]))] * 2
        elif option == TOP:
            edges += [(back, (x, ys[0]))] * 2
        elif option == GAP:
            gaps = [b - a for a, b in itertools.pairwise(ys)]
            g = gaps.index(max(gaps))
            edges += [(front, (x, ys[g]))] * 2 + [(back, (x, ys[g + 1]))] * 2
    incident: dict[Point, list[int]] = {}
    for index, (a, b) in enumerate(edges):
        incident.setdefault(a, []).append(index)
        incident.setdefault(b, []).append(index)
    used = [False] * len(edges)
    position = dict.fromkeys(incident, 0)
    stack = [layout.depot]
    circuit: list[Point] = []
    while stack:
        vertex = stack[-1]
        around = incident.get(vertex, [])
        while position[vertex] < len(around) and used[around[position[vertex]]]:
            position[vertex] += 1
        if position[vertex] == len(around):
            circuit.append(stack.pop())
            continue
        edge = around[position[vertex]]
        used[edge] = True
        a, b = edges[edge]
        stack.append(b if a == vertex else a)
    circuit.reverse()
    return circuit
