"""The optimum tests need shared/routing: in CI its absence fails loudly, elsewhere it skips."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import routing_reference


def test_missing_instances_fail_in_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(routing_reference, "SHARED", tmp_path / "nowhere")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="shared routing instances not found"):
        routing_reference.shared_instances()


def test_missing_instances_skip_outside_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(routing_reference, "SHARED", tmp_path / "nowhere")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        routing_reference.shared_instances()
