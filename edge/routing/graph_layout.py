"""General layouts given as a walkable graph: nodes with integer coordinates, bins on nodes."""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from edge.routing.geometry import LayoutError, Point
from edge.routing.labels import LabelError


@dataclass(frozen=True)
class _Tree:
    """Shortest paths from one source node: distance and predecessor per node."""

    dist: dict[str, int]
    prev: dict[str, str]


@dataclass(frozen=True)
class GraphLayout:
    """A non-rectangular site: walkable edges between nodes; each bin is picked at a node.

    A bin key is either a full label (`C-17-3-B`) or a bay prefix (`C-17`) that covers every
    level and side of that bay, mirroring how a rectangular bay shares one pick point.
    """

    nodes: Mapping[str, Point]
    edges: tuple[tuple[str, str, int], ...]
    bins: Mapping[str, str]
    depot_node: str
    _adjacency: dict[str, list[tuple[str, int]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _node_at: dict[Point, str] = field(default_factory=dict, init=False, repr=False, compare=False)
    # Shortest-path trees are cached per source: the layout is immutable and reused per pick list.
    _trees: dict[str, _Tree] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __hash__(self) -> int:
        # Hashable by content so planned routes can be remembered per layout.
        return hash((tuple(sorted(self.nodes.items())), self.edges, self.depot_node))

    def __post_init__(self) -> None:
        if self.depot_node not in self.nodes:
            raise LayoutError(f"layout.depot {self.depot_node!r} is not a node")
        for name, point in self.nodes.items():
            if point in self._node_at:
                raise LayoutError(f"layout.nodes {self._node_at[point]!r} and {name!r} coincide")
            self._node_at[point] = name
            self._adjacency[name] = []
        for a, b, length in self.edges:
            for end in (a, b):
                if end not in self.nodes:
                    raise LayoutError(f"layout.edges: unknown node {end!r}")
            if length < 0:
                raise LayoutError(f"layout.edges: {a}-{b} has a negative length")
            self._adjacency[a].append((b, length))
            self._adjacency[b].append((a, length))
        for key, node in self.bins.items():
            if node not in self.nodes:
                raise LayoutError(f"layout.bins[{key!r}]: unknown node {node!r}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GraphLayout:
        """{"nodes": {id: [x, y]}, "edges": [[a, b] or [a, b, length_dm]], "bins": {label: id},
        "depot": id}. An edge without a length is as long as the straight line (rounded)."""
        if not isinstance(data, Mapping):
            raise LayoutError("layout must be an object")
        raw_nodes = data.get("nodes")
        if not isinstance(raw_nodes, Mapping) or not raw_nodes:
            raise LayoutError("layout.nodes must be a non-empty object {id: [x_dm, y_dm]}")
        nodes: dict[str, Point] = {}
        for name, xy in raw_nodes.items():
            if (
                not isinstance(xy, Sequence)
                or len(xy) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in xy)
            ):
                raise LayoutError(f"layout.nodes[{name!r}] must be [x_dm, y_dm] integers")
            nodes[str(name)] = (xy[0], xy[1])
        edges: list[tuple[str, str, int]] = []
        for i, edge in enumerate(data.get("edges") or []):
            if not isinstance(edge, Sequence) or len(edge) not in (2, 3):
                raise LayoutError(f"layout.edges[{i}] must be [a, b] or [a, b, length_dm]")
            a, b = str(edge[0]), str(edge[1])
            if a not in nodes or b not in nodes:
                raise LayoutError(f"layout.edges[{i}]: unknown node")
            if len(edge) == 3:
                length = edge[2]
                if isinstance(length, bool) or not isinstance(length, int):
                    raise LayoutError(f"layout.edges[{i}]: length_dm must be an integer")
            else:
                (x1, y1), (x2, y2) = nodes[a], nodes[b]
                length = round(math.hypot(x1 - x2, y1 - y2))
            edges.append((a, b, length))
        bins = data.get("bins") or {}
        if not isinstance(bins, Mapping):
            raise LayoutError("layout.bins must be an object {label: node}")
        depot = data.get("depot")
        if isinstance(depot, Mapping):  # tolerate {"node": id}
            depot = depot.get("node")
        if not isinstance(depot, str):
            raise LayoutError("layout.depot must name a node")
        return cls(nodes, tuple(edges), {str(k): str(v) for k, v in bins.items()}, depot)

    @property
    def depot(self) -> Point:
        return self.nodes[self.depot_node]

    def node_of(self, label: str) -> str:
        node = self.bins.get(label)
        if node is None:
            parts = label.split("-")
            node = self.bins.get("-".join(parts[:2])) if len(parts) == 4 else None
        if node is None:
            raise LabelError(f"bin label {label!r} is not in this layout")
        return node

    def point_of(self, label: str) -> Point:
        return self.nodes[self.node_of(label)]

    def _tree(self, source: str) -> _Tree:
        tree = self._trees.get(source)
        if tree is None:
            tree = self._dijkstra(source)
            self._trees[source] = tree
        return tree

    def _dijkstra(self, source: str) -> _Tree:
        dist = {source: 0}
        prev: dict[str, str] = {}
        heap = [(0, source)]
        while heap:
            d, node = heapq.heappop(heap)
            if d > dist[node]:
                continue
            for neighbour, length in self._adjacency[node]:
                nd = d + length
                # Ties broken by node name so paths (and pictures) are deterministic.
                old = dist.get(neighbour)
                if (
                    old is None
                    or nd < old
                    or (nd == old and neighbour != source and node < prev[neighbour])
                ):
                    dist[neighbour] = nd
                    prev[neighbour] = node
                    heapq.heappush(heap, (nd, neighbour))
        return _Tree(dist, prev)

    def distance(self, p: Point, q: Point) -> int:
        a, b = self._node_at[p], self._node_at[q]
        d = self._tree(a).dist.get(b)
        if d is None:
            raise LayoutError(f"node {b!r} cannot be reached from {a!r}")
        return d

    def distance_matrix(self, points: Sequence[Point]) -> list[list[int]]:
        return [[self.distance(p, q) for q in points] for p in points]

    def leg_path(self, p: Point, q: Point) -> list[Point]:
        a, b = self._node_at[p], self._node_at[q]
        tree = self._tree(a)
        if b not in tree.dist:
            raise LayoutError(f"node {b!r} cannot be reached from {a!r}")
        path = [b]
        while path[-1] != a:
            path.append(tree.prev[path[-1]])
        return [self.nodes[n] for n in reversed(path)]
