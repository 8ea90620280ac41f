"""`edge route` and the SVG picture."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from edge.routing import GraphLayout, RectLayout, plan_route
from edge.routing.cli import main
from edge.routing.rect_graph import graph_of_rect
from edge.routing.svg import route_svg
from tests.support.routing_reference import shared_instances

LAYOUT = {
    "aisles": 6, "blocks": 2, "bays_per_block": 10, "aisle_pitch_dm": 30, "bay_width_dm": 12,
    "cross_aisle_width_dm": 30, "levels": 3,
    "depot": {"name": "front-middle", "x_dm": 75, "y_dm": 0},
}  # fmt: skip
LABELS = ["C-17-3-B", "A-02-1-A", "F-05-2-B", "C-03-1-A", "C-03-2-A", "E-19-1-B"]


@pytest.fixture
def layout_file(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.json"
    path.write_text(json.dumps({"site": {"id": "t"}, "layout": LAYOUT}), encoding="utf-8")
    return path


def test_prints_route_grouped_by_aisle_and_lengths(
    layout_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    svg = tmp_path / "route.svg"
    assert main(["--layout", str(layout_file), *LABELS, "--svg", str(svg)]) == 0
    out = capsys.readouterr().out
    route = plan_route(RectLayout.from_dict(LAYOUT), LABELS)
    assert f"Length: {route.length_dm} dm ({route.length_dm / 10:.1f} m)" in out
    assert f"Label-sorted list: {route.label_sorted_length_dm} dm" in out
    assert "Aisle C" in out and "exact-dp" in out
    positions = [out.index(label) for label in route.labels]
    assert positions == sorted(positions)
    ET.fromstring(svg.read_text(encoding="utf-8"))


def test_toml_layout_and_labels_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    toml = tmp_path / "site.toml"
    toml.write_text(
        "[layout]\naisles = 4\nbays_per_block = 10\naisle_pitch_dm = 30\n"
        "bay_width_dm = 10\ncross_aisle_width_dm = 20\n",
        encoding="utf-8",
    )
    labels = tmp_path / "labels.txt"
    labels.write_text("# pick list\nA-01-1-A, B-05-2-B\nD-10-1-A\n", encoding="utf-8")
    assert main(["--layout", str(toml), "--labels-file", str(labels)]) == 0
    assert "3 bins" in capsys.readouterr().out


def test_shared_instance_line_works_as_layout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inst = shared_instances()[121]
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(inst), encoding="utf-8")
    assert main(["--layout", str(path), *inst["picks"]]) == 0
    assert f"Length: {inst['optimum_dm']} dm" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Z-01-1-A"], "Z-01-1-A"),
        (["C-1-1-A"], "not canonical"),
        ([], "no bin labels"),
        (["--nope", "A-01-1-A"], "unrecognized"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(
    layout_file: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--layout", str(layout_file), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("content", ["{not json", '{"site": {}}', '{"layout": {"aisles": "many"}}'])
def test_bad_layout_file_gives_exit_2(
    tmp_path: Path, content: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    assert main(["--layout", str(path), "A-01-1-A"]) == 2
    assert main(["--layout", str(tmp_path / "missing.json"), "A-01-1-A"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 2 and "Traceback" not in err


def test_svg_is_well_formed_for_both_layout_kinds() -> None:
    rect = RectLayout.from_dict(LAYOUT)
    graph: GraphLayout = graph_of_rect(rect, LABELS)
    for layout in (rect, graph):
        svg = route_svg(layout, plan_route(layout, LABELS), title="A <test> & more")
        root = ET.fromstring(svg)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
        assert "1" in texts and "Depot" in texts
        assert root.find("{http://www.w3.org/2000/svg}polyline") is not None
