"""The site-scale benchmark's --quick run: the harness counts every event and reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.site_scale.cli import parse_args
from bench.site_scale.modes import first_rate, run_mode
from bench.site_scale.report import report_lines
from bench.site_scale.run import SiteRun
from tests.support.broker import find_binary

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300)]


def test_quick_open_loop_run_loses_nothing_and_reports_every_figure(tmp_path: Path) -> None:
    if find_binary("mosquitto") is None or find_binary("mosquitto_passwd") is None:
        pytest.skip("mosquitto and mosquitto_passwd are needed (apt-get install mosquitto)")
    args = parse_args(["rates", "--quick", "--seconds", "8", "--rates", "150"])
    run = SiteRun(args, tmp_path)
    try:
        run.start(first_rate(args))
        outcome = run_mode(run, args)
    finally:
        run.stop()

    # Every event the generators published is in the service's inbound_seen.
    assert outcome.total_lost == 0
    [phase] = run.results
    assert phase.lost == 0
    assert phase.sent > 0
    assert phase.applied > 0
    # Latency pairs a completion in one generator process with a LightOn in another.
    assert phase.light, "no scan→light sample"
    assert all(0 < d < 30 for _, d in phase.light)
    assert {s.stage for s in phase.stages} >= {"decode", "queue", "apply", "commit", "publish"}
    assert phase.cpu["service"] > 0
    assert phase.rss_mb["service"] > 0
    assert len([k for k in phase.cpu if k.startswith("gen")]) == 2
    text = "\n".join(report_lines(run, outcome, 1.0))
    assert "| 150/s | 150 |" in text
    assert "never recorded by the service: 0." in text
