"""The same label as SVG for the packer's screen: layout in printer dots, barcodes from
python-barcode's module patterns (the bars the printer's ^BC draws)."""

from __future__ import annotations

from xml.sax.saxutils import escape

import barcode

from edge.labels.content import HEIGHT_DOTS, WIDTH_DOTS, ShippingLabel, weight_text
from edge.labels.sscc import sscc_hri

_MODULE = 3  # dots per narrow bar, as ^BY3 in the ZPL


def _text(x: int, y: int, size: int, text: str, weight: str = "normal") -> str:
    # y is the top of the text in ZPL; SVG places the baseline.
    return (
        f'<text x="{x}" y="{y + size}" font-size="{size}" font-weight="{weight}"'
        f' font-family="Helvetica, Arial, sans-serif">{escape(text)}</text>'
    )


def _bars(modules: str, x: int, y: int, height: int) -> str:
    """One rect per run of dark modules."""
    rects = []
    run_start = None
    for i, m in enumerate(modules + "0"):
        if m == "1" and run_start is None:
            run_start = i
        elif m != "1" and run_start is not None:
            width = (i - run_start) * _MODULE
            rects.append(
                f'<rect x="{x + run_start * _MODULE}" y="{y}" width="{width}" height="{height}"/>'
            )
            run_start = None
    return "".join(rects)


def _modules(kind: str, data: str) -> str:
    return str(barcode.get(kind, data).build()[0])


def render_svg(label: ShippingLabel) -> str:
    """An SVG of the 4x6 in label (viewBox in 203 dpi dots), the same fields as the ZPL."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH_DOTS} {HEIGHT_DOTS}"'
        f' width="4in" height="6in" role="img" aria-label="shipping label">',
        f'<rect width="{WIDTH_DOTS}" height="{HEIGHT_DOTS}" fill="#fff"/>',
        '<g fill="#000">',
        _text(40, 40, 60, label.carrier.upper(), "bold"),
        _text(40, 115, 26, f"FROM: {label.ship_from}"),
        '<rect x="40" y="155" width="732" height="4"/>',
        _text(40, 175, 26, "SHIP TO:"),
    ]
    for i, line in enumerate(label.ship_to):
        parts.append(_text(60, 215 + i * 48, 40, line))
    parts += [
        '<rect x="40" y="465" width="732" height="4"/>',
        _text(40, 485, 32, label.order),
        _text(40, 530, 32, f"PARCEL {label.parcel_n} OF {label.parcel_of}", "bold"),
        _text(420, 530, 32, weight_text(label.weight_g)),
        _text(40, 575, 26, f"PACKED BY: {label.packer}"),
        '<rect x="40" y="615" width="732" height="4"/>',
        _text(40, 635, 26, "TRACKING:"),
    ]
    if label.tracking:
        parts.append(_bars(_modules("code128", label.tracking), 60, 675, 150))
        parts.append(_text(60, 830, 28, label.tracking))
    else:
        parts.append(_text(60, 700, 36, "ENTERED AT HAND-OVER"))
    parts += [
        '<rect x="40" y="880" width="732" height="4"/>',
        _text(40, 900, 26, "SSCC:"),
        _bars(_modules("gs1_128", "00" + label.sscc), 60, 940, 190),
        _text(60, 1135, 28, sscc_hri(label.sscc)),
        "</g></svg>",
    ]
    return "".join(parts)
