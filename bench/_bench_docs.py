"""docs/benchmarks.md has one section per benchmark; each script replaces only its own."""

from __future__ import annotations

from pathlib import Path


def replace_section(path: Path, heading: str, body: list[str]) -> None:
    """Put body (starting with heading) in place of that section, or append it."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    lines = text.splitlines()
    if heading in lines:
        start = lines.index(heading)
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        lines[start:end] = [*body, ""] if end < len(lines) else body
    else:
        if lines and lines[-1].strip():
            lines.append("")
        lines += body
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")
