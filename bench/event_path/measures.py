"""Shared measuring helpers: nearest-rank percentiles, the service's timestamps, a log line."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def pctl(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


def iso(t_wall: float) -> str:
    """The service's timestamp format (Ctx.at): UTC, milliseconds, +00:00."""
    return datetime.fromtimestamp(t_wall, UTC).isoformat(timespec="milliseconds")
