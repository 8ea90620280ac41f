"""What one measured phase of the site-scale benchmark found."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.event_path.measures import pctl
from bench.site_scale.observe import StageFigures


@dataclass
class Second:
    """One sample of a phase's timeline (burst: every second; soak: every --sample-every)."""

    t: float  # seconds since the phase's start
    offered: float
    service_rss_mb: float
    broker_rss_mb: float
    queue_depth: float
    pending_acks: float  # device messages the service holds unacknowledged (in the writer)
    fds: int
    wal_mb: float


@dataclass
class PhaseResult:
    name: str
    offered: float
    seconds: float
    sent: int
    applied: int
    refused: int
    light: list[tuple[float, float]]  # (scheduled monotonic, seconds) in the window
    origin: float  # the window's start (monotonic) and wall clock
    origin_wall: float
    unfilled: int
    max_lag_s: float
    late: int  # slots the generators fired more than 20 ms after their scheduled time
    batch_mean: float
    stages: list[StageFigures]
    cpu: dict[str, float]
    rss_mb: dict[str, float]  # the largest seen during the phase
    lost: int
    duplicates: float
    errors: int
    stuck: int  # pickers whose brain gave up on a screen that kept coming back unchanged
    timeline: list[Second] = field(default_factory=list)
    applied_by_second: dict[int, int] = field(default_factory=dict)

    @property
    def applied_s(self) -> float:
        return self.applied / self.seconds

    @property
    def light_ms(self) -> list[float]:
        return [d * 1000 for _, d in self.light]

    def p(self, q: float) -> float:
        return pctl(self.light_ms, q)

    @property
    def kept_up(self) -> bool:
        # Against what was offered: a slot left unfilled because every picker was waiting
        # for an answer is the service's delay, not a lighter load.
        return self.applied_s >= 0.97 * self.offered and self.max_lag_s < 0.5
