"""Heuristic tours for many points: fast-tsp, then deterministic 2-opt and Or-opt polishing."""

from __future__ import annotations

from collections.abc import Sequence

import fast_tsp

_UINT16_MAX = 2**16 - 1  # fast-tsp stores distances as 16-bit integers


def default_budget_s(n: int) -> float:
    """fast-tsp time budget for n nodes. With it every benchmark instance routed as an aisle
    graph (up to 214 points) reached its optimum; the cap bounds latency on big graphs."""
    return min(0.1, 0.01 + 0.0004 * n)


def tour_cost(matrix: Sequence[Sequence[int]], tour: Sequence[int]) -> int:
    return sum(matrix[a][b] for a, b in zip(tour, [*tour[1:], tour[0]], strict=False))


def heuristic_tour(matrix: Sequence[Sequence[int]], budget_s: float) -> list[int]:
    """A short closed tour through all nodes, as a node order starting with 0 (the depot)."""
    n = len(matrix)
    if n <= 3:
        return list(range(n))
    if max(max(row) for row in matrix) <= _UINT16_MAX:
        tour = fast_tsp.find_tour([list(row) for row in matrix], budget_s)
    else:  # too long for fast-tsp: start from nearest neighbour and rely on polishing
        tour = _nearest_neighbour(matrix)
    start = tour.index(0)
    tour = tour[start:] + tour[:start]
    return polish(matrix, tour)


def _nearest_neighbour(matrix: Sequence[Sequence[int]]) -> list[int]:
    tour, left = [0], set(range(1, len(matrix)))
    while left:
        here = matrix[tour[-1]]
        nxt = min(left, key=lambda j: (here[j], j))
        tour.append(nxt)
        left.remove(nxt)
    return tour


def polish(matrix: Sequence[Sequence[int]], tour: list[int], max_rounds: int = 50) -> list[int]:
    """First-improvement 2-opt and Or-opt (move 1-3 consecutive nodes) until no move helps.

    Node 0 stays first. Deterministic: the scan order is fixed.
    """
    tour = list(tour)
    for _ in range(max_rounds):
        improved = _two_opt(matrix, tour)
        improved = _or_opt(matrix, tour) or improved
        if not improved:
            break
    return tour


def _two_opt(d: Sequence[Sequence[int]], tour: list[int]) -> bool:
    n = len(tour)
    improved = False
    for i in range(n - 1):
        a, b = tour[i], tour[i + 1]
        for j in range(i + 2, n if i else n - 1):
            c, e = tour[j], tour[(j + 1) % n]
            if d[a][c] + d[b][e] < d[a][b] + d[c][e]:
                tour[i + 1 : j + 1] = tour[i + 1 : j + 1][::-1]
                a, b = tour[i], tour[i + 1]
                improved = True
    return improved


def _or_opt(d: Sequence[Sequence[int]], tour: list[int]) -> bool:
    improved = False
    for length in (1, 2, 3):
        i = 1
        while i + length <= len(tour):
            n = len(tour)
            segment = tour[i : i + length]
            before, after = tour[i - 1], tour[(i + length) % n]
            removed_gain = d[before][segment[0]] + d[segment[-1]][after] - d[before][after]
            rest = tour[:i] + tour[i + length :]
            best_delta, best_at, best_reversed = 0, -1, False
            for k in range(len(rest)):
                p, q = rest[k], rest[(k + 1) % len(rest)]
                base = d[p][q]
                forward = d[p][segment[0]] + d[segment[-1]][q] - base - removed_gain
                backward = d[p][segment[-1]] + d[segment[0]][q] - base - removed_gain
                if forward < best_delta:
                    best_delta, best_at, best_reversed = forward, k, False
                if backward < best_delta:
                    best_delta, best_at, best_reversed = backward, k, True
            if best_at >= 0:
                moved = segment[::-1] if best_reversed else segment
                tour[:] = rest[: best_at + 1] + moved + rest[best_at + 1 :]
                improved = True
            i += 1
    return improved
