"""Optional py-spy profile of the service during the closed loop, summarised per frame."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from bench._bench_broker import REPO
from bench.event_path.measures import log


def start_profile(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes] | None:
    """py-spy recording raw stacks of process `pid` into `out`; None without py-spy."""
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(exe).exists():
        log("py-spy not found (pip install py-spy); not profiling")
        return None
    return subprocess.Popen(
        [
            exe,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(seconds)),
            "--rate",
            "200",
            "--format",
            "raw",
            "--threads",
            "--nonblocking",
            *(["--idle"] if os.environ.get("BENCH_PROFILE_IDLE") else []),
            "--output",
            str(out.resolve()),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def finish_profile(proc: subprocess.Popen[bytes], out: Path) -> list[str]:
    """Wait for py-spy and summarise what it wrote (nothing if it did not finish)."""
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        return []
    return summarize_profile(out) if out.exists() else []


def summarize_profile(path: Path, top: int = 14) -> list[str]:
    """Collapsed py-spy stacks → where the service's threads spend their samples."""
    inclusive: dict[str, int] = {}
    by_thread: dict[str, int] = {}
    total = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        thread = frames[0]
        by_thread[thread] = by_thread.get(thread, 0) + count
        seen: set[str] = set()
        for frame in frames[1:]:
            name = frame.split(" (")[0]
            where = frame.split(" (")[1].rstrip(")") if " (" in frame else ""
            where = where.split("/site-packages/")[-1].replace(str(REPO) + "/", "")
            key = f"{name} ({where.rsplit(':', 1)[0]})"
            if key not in seen:
                seen.add(key)
                inclusive[key] = inclusive.get(key, 0) + count
    if not total:
        return []
    lines = [
        "threads: "
        + ", ".join(
            f"{t} {c * 100 / total:.0f}%"
            for t, c in sorted(by_thread.items(), key=lambda x: -x[1])[:6]
        )
    ]
    for key, count in sorted(inclusive.items(), key=lambda x: -x[1])[:top]:
        lines.append(f"{count * 100 / total:5.1f}%  {key}")
    return lines
