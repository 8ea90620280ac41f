"""Independent reference geometry (the shared README, section 9) and strategies for the tests."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

Point = tuple[int, int]


def aisle_index(letters: str) -> int:
    v = 0
    for ch in letters:
        v = v * 26 + (ord(ch) - 64)
    return v - 1


def pick_point(lay: dict[str, Any], label: str) -> Point:
    aisle, bay, _level, _side = label.split("-")
    c, w, b = lay["cross_aisle_width_dm"], lay["bay_width_dm"], lay["bays_per_block"]
    h = c + b * w
    block, j = divmod(int(bay) - 1, b)
    return aisle_index(aisle) * lay["aisle_pitch_dm"], block * h + c // 2 + j * w + w // 2


def dist(lay: dict[str, Any], p: Point, q: Point) -> int:
    h = lay["cross_aisle_width_dm"] + lay["bays_per_block"] * lay["bay_width_dm"]
    (x1, y1), (x2, y2) = p, q
    if x1 == x2:
        return abs(y1 - y2)
    length: int = abs(x1 - x2) + min(
        abs(y1 - y) + abs(y2 - y) for y in (k * h for k in range(lay["blocks"] + 1))
    )
    return length


def depot(lay: dict[str, Any]) -> Point:
    return lay.get("depot", {}).get("x_dm", 0), 0


def route_length(lay: dict[str, Any], labels: Sequence[str]) -> int:
    pts = [depot(lay)] + [pick_point(lay, label) for label in labels] + [depot(lay)]
    return sum(dist(lay, a, b) for a, b in itertools.pairwise(pts))


def brute_force_optimum(lay: dict[str, Any], labels: Sequence[str]) -> int:
    """Shortest tour by trying every order of the distinct points (keep them few)."""
    points = sorted({pick_point(lay, label) for label in labels})
    d0 = depot(lay)
    best = None
    for perm in itertools.permutations(points):
        if len(perm) > 1 and perm[0] > perm[-1]:
            continue  # each tour and its reverse are equally long
        seq = [d0, *perm, d0]
        length = sum(dist(lay, a, b) for a, b in itertools.pairwise(seq))
        best = length if best is None or length < best else best
    return best or 0


def letters(index: int) -> str:
    s, i = "", index + 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


# shared/ sits beside the repository (read-only benchmark instances with certified optima).
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "routing"


@st.composite
def layouts(draw: st.DrawFn, max_blocks: int = 3, max_aisles: int = 8) -> dict[str, Any]:
    aisles = draw(st.integers(1, max_aisles))
    pitch = draw(st.sampled_from([24, 30, 40]))
    return {
        "aisles": aisles,
        "blocks": draw(st.integers(1, max_blocks)),
        "bays_per_block": draw(st.integers(1, 12)),
        "aisle_pitch_dm": pitch,
        "bay_width_dm": draw(st.sampled_from([10, 12])),
        "cross_aisle_width_dm": draw(st.sampled_from([20, 30])),
        "levels": 3,
        "depot": {"name": "any", "x_dm": draw(st.integers(0, (aisles - 1) * pitch)), "y_dm": 0},
    }


@st.composite
def layouts_with_labels(
    draw: st.DrawFn, max_labels: int = 7, max_blocks: int = 3
) -> tuple[dict[str, Any], list[str]]:
    lay = draw(layouts(max_blocks=max_blocks))
    n_bays = lay["blocks"] * lay["bays_per_block"]
    label = st.builds(
        lambda a, b, lv, s: f"{letters(a)}-{b:02d}-{lv}-{s}",
        st.integers(0, lay["aisles"] - 1),
        st.integers(1, n_bays),
        st.integers(1, lay["levels"]),
        st.sampled_from("AB"),
    )
    labels = draw(st.lists(label, min_size=1, max_size=max_labels, unique=True))
    return lay, labels


def shared_instances() -> list[dict[str, Any]]:
    path = SHARED / "instances.jsonl"
    if not path.exists():
        message = f"shared routing instances not found at {path}"
        if os.environ.get("CI"):
            # CI must prove the optimum claims; a silent skip there would hide a lost file.
            pytest.fail(message + " (CI needs ../shared/routing beside the repository)")
        pytest.skip(message)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
