"""Layouts from description text (JSON or TOML with a top-level `layout` object)."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from typing import Any

from edge.routing.geometry import LayoutError
from edge.routing.graph_layout import GraphLayout
from edge.routing.rect_layout import RectLayout


def layout_from_dict(data: Mapping[str, Any]) -> RectLayout | GraphLayout:
    """A graph layout if the object has `nodes`, otherwise a rectangular one."""
    if not isinstance(data, Mapping):
        raise LayoutError("layout must be an object")
    if "nodes" in data or data.get("kind") == "graph":
        return GraphLayout.from_dict(data)
    return RectLayout.from_dict(data)


def parse_layout_text(text: str, name: str) -> RectLayout | GraphLayout:
    """Parse the text of a description file; `name` (the file name) picks TOML or JSON."""
    try:
        if name.lower().endswith(".toml"):
            document: Any = tomllib.loads(text)
        else:
            # A shared instances.jsonl line is a JSON object too; take the first line of JSONL.
            document = json.loads(text.splitlines()[0] if name.endswith(".jsonl") else text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, IndexError) as exc:
        kind = "TOML" if name.lower().endswith(".toml") else "JSON"
        raise LayoutError(f"{name}: not valid {kind}: {exc}") from exc
    if not isinstance(document, Mapping) or "layout" not in document:
        raise LayoutError(f"{name}: no top-level `layout` object")
    return layout_from_dict(document["layout"])
