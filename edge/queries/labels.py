"""Reads of shipping labels: the label of a parcel as SVG or ZPL, and the failed prints."""

from __future__ import annotations

from typing import Any, Literal

from edge.catalog import Catalog
from edge.core import labelviews
from edge.labels.preview import render_svg
from edge.labels.zpl import render_zpl
from edge.model import DomainError
from edge.ports import Reader

LabelFormat = Literal["svg", "zpl"]


def label(tx: Reader, cat: Catalog, parcel_id: int, fmt: LabelFormat) -> str:
    """The parcel's label, as printed (ZPL) or for a screen (SVG); DomainError when the
    parcel does not exist (not_found) or has no label yet (conflict)."""
    if tx.value("SELECT 1 FROM parcels WHERE id = ?", (parcel_id,)) is None:
        raise DomainError(f"parcel {parcel_id} does not exist", "not_found")
    found = labelviews.shipping_label(tx, cat, parcel_id)
    if found is None:
        raise DomainError(
            f"parcel {parcel_id} has no label yet: it gets one when it passes the weight check",
            "conflict",
        )
    return render_svg(found) if fmt == "svg" else render_zpl(found)


def label_failures(reader: Reader, limit: int = 100) -> list[dict[str, Any]]:
    """Parcels whose last print failed and that have not shipped (the exceptions queue)."""
    return labelviews.label_failures(reader, limit)
