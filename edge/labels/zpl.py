"""The 4x6 in shipping label in ZPL II at 203 dpi: what goes to the Zebra printer on port 9100."""

from __future__ import annotations

from edge.labels.content import HEIGHT_DOTS, WIDTH_DOTS, ShippingLabel, weight_text

# ^FH lets field data carry the characters ZPL would read as commands (hex-escaped with _).
_ESCAPES = {"_": "_5F", "^": "_5E", "~": "_7E"}


def field(text: str) -> str:
    """Field data escaped for ^FH: a customer's name cannot end a field or start a command."""
    return "^FH^FD" + "".join(_ESCAPES.get(c, c) for c in text) + "^FS"


def _text(x: int, y: int, size: int, text: str) -> str:
    return f"^FO{x},{y}^A0N,{size},{size}{field(text)}"


def render_zpl(label: ShippingLabel) -> str:
    """The label's ZPL: carrier, ship-from/to, order and parcel n of m, weight, packer, the
    tracking number as Code 128 and the SSCC as GS1-128 (AI 00). The printer draws the
    barcodes itself (^BC), so they are as sharp as the printer can make them."""
    out = [
        "^XA",
        "^CI28",  # field data is UTF-8 (names and addresses in any script the font has)
        f"^PW{WIDTH_DOTS}",
        f"^LL{HEIGHT_DOTS}",
        "^LH0,0",
        _text(40, 40, 60, label.carrier.upper()),
        _text(40, 115, 26, f"FROM: {label.ship_from}"),
        "^FO40,155^GB732,4,4^FS",
        _text(40, 175, 26, "SHIP TO:"),
    ]
    for i, line in enumerate(label.ship_to):
        out.append(_text(60, 215 + i * 48, 40, line))
    out += [
        "^FO40,465^GB732,4,4^FS",
        _text(40, 485, 32, label.order),
        _text(40, 530, 32, f"PARCEL {label.parcel_n} OF {label.parcel_of}"),
        _text(420, 530, 32, weight_text(label.weight_g)),
        _text(40, 575, 26, f"PACKED BY: {label.packer}"),
        "^FO40,615^GB732,4,4^FS",
        _text(40, 635, 26, "TRACKING:"),
    ]
    if label.tracking:
        # Code 128, 3-dot modules, 150 dots high, the number printed under it.
        out.append(f"^FO60,675^BY3^BCN,150,Y,N,N{field(label.tracking)}")
    else:
        out.append(_text(60, 700, 36, "ENTERED AT HAND-OVER"))
    out += [
        "^FO40,880^GB732,4,4^FS",
        _text(40, 900, 26, "SSCC:"),
        # GS1-128: start in code set C (>;), FNC1 (>8), then AI 00 and the 18 digits.
        f"^FO60,940^BY3^BCN,190,Y,N,N^FD>;>800{label.sscc}^FS",
        "^PQ1",
        "^XZ",
    ]
    return "\n".join(out) + "\n"
