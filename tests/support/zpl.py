"""A strict reader of the ZPL II the service prints, for tests: commands, fields, barcodes.

zpl-toolchain (the parser the issue names) ships wheels for CPython 3.12+ only and is not on
npm; the service runs on 3.11, so the tests read ZPL with this small, strict tokenizer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# The commands the label uses; anything else is a mistake in the template.
KNOWN = {"XA", "XZ", "CI", "PW", "LL", "LH", "FO", "A0", "GB", "FH", "FD", "FS", "BY", "BC", "PQ"}
_COMMAND = re.compile(r"\^([A-Z][A-Z0-9])")


class ZplError(AssertionError):
    pass


@dataclass
class Field:
    origin: tuple[int, int]
    data: str
    barcode: str | None = None  # "BC" for Code 128 fields
    params: list[str] = field(default_factory=list)


@dataclass
class Label:
    commands: list[tuple[str, str]]
    fields: list[Field]

    def texts(self) -> list[str]:
        return [f.data for f in self.fields if f.barcode is None]

    def barcodes(self) -> list[str]:
        return [f.data for f in self.fields if f.barcode is not None]


def _unescape(data: str) -> str:
    return re.sub(r"_([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), data)


def parse(zpl: str) -> Label:
    """One label: ^XA … ^XZ, every ^FD closed by ^FS, only known commands, a field origin
    (^FO) before each field; ^FH field data un-escaped; GS1-128 data as AI + digits."""
    text = zpl.strip()
    if not text.startswith("^XA") or not text.endswith("^XZ"):
        raise ZplError("a label starts with ^XA and ends with ^XZ")
    commands: list[tuple[str, str]] = []
    fields: list[Field] = []
    pos = 0
    origin: tuple[int, int] | None = None
    hex_escaped = False
    barcode: tuple[str, list[str]] | None = None
    while pos < len(text):
        m = _COMMAND.match(text, pos)
        if m is None:
            stripped = text[pos:].lstrip("\n")
            if stripped != text[pos:]:
                pos = len(text) - len(stripped)
                continue
            raise ZplError(f"not a command at {pos}: {text[pos : pos + 20]!r}")
        name = m.group(1)
        if name not in KNOWN:
            raise ZplError(f"unknown command ^{name}")
        if name == "FD":
            end = text.find("^FS", m.end())
            if end < 0:
                raise ZplError("^FD without ^FS")
            data = text[m.end() : end]
            if "^" in data or "~" in data:
                raise ZplError(f"unescaped command character in field data {data!r}")
            if origin is None:
                raise ZplError("a field without ^FO")
            data = _unescape(data) if hex_escaped else data
            kind, params = barcode or (None, [])
            if kind == "BC" and data.startswith(">;>8"):
                data = data[4:]  # code set C + FNC1: GS1-128, the AI follows
            fields.append(Field(origin, data, kind, params))
            commands.append(("FD", data))
            origin, hex_escaped, barcode = None, False, None
            pos = end + 3
            continue
        nxt = _COMMAND.search(text, m.end())
        args = text[m.end() : nxt.start() if nxt else len(text)].strip()
        commands.append((name, args))
        if name == "FO":
            x, y = (int(v) for v in args.split(","))
            origin = (x, y)
        elif name == "FH":
            hex_escaped = True
        elif name == "BC":
            barcode = ("BC", args.split(","))
        pos = nxt.start() if nxt else len(text)
    return Label(commands, fields)
