"""kill -9 of the service leaves no process behind: the planner's worker and its resource
tracker end with it (finding 16)."""

from __future__ import annotations

import time
from pathlib import Path

from tests.support.service_process import ServiceProcess


def _children(pid: int) -> set[int]:
    """Live processes whose parent is pid (zombies waiting for a reaper count as gone)."""
    found: set[int] = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_the_planner_worker_and_its_tracker_die_with_a_killed_service(
    service: ServiceProcess,
) -> None:
    deadline = time.monotonic() + 15
    while len(children := _children(service.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)  # the worker starts with the planner; the tracker with its queues
    assert len(children) >= 2, f"expected the planner's worker and tracker, got {children}"
    service.kill9()
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in children if _alive(p)], "processes outlived the killed service"
