"""Schemathesis fuzzes the app's own OpenAPI description in-process (ASGI, no port): valid and
invalid inputs for every operation, with the credentials of each security role it declares;
no server error, and every answer conforms to the description (status, type, schema)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.harness import Harness

EXAMPLES = 40  # per operation, mode and credential: about 2,000 requests, well under 2 minutes
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Not negative_data_rejection: a query string has no types, so "[]" is a fine SKU to look up.

# X-API-Key of the harness's clients: an admin and one per role.
KEYS = {
    "intake": "intake-key",
    "carrier": "carrier-key",
    "feed": "feed-key",
    "metrics": "metrics-key",
    "admin": "test-key",
}


def _tokens(client: TestClient) -> dict[str, str]:
    """A picker's and a supervisor's token, before the fuzzed logins lock the client out."""
    tokens = {}
    for role, badge in (("picker", "P-1"), ("supervisor", "S-1")):
        r = client.post("/api/v1/login", json={"badge": badge})
        assert r.status_code == 200, r.text
        tokens[role] = r.json()["token"]
    return tokens


def _credentials(requirement: dict[str, list[str]], tokens: dict[str, str]) -> dict[str, str]:
    """Headers that satisfy one security requirement of an operation."""
    if not requirement:
        return {}
    ((scheme, roles),) = requirement.items()
    if scheme == "ApiKey":
        return {"X-API-Key": KEYS[roles[0]] if roles else "feed-key"}
    return {"Authorization": f"Bearer {tokens[roles[0] if roles else 'picker']}"}


@dataclass
class Tally:
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)


def _fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str], tally: Tally) -> None:
    """EXAMPLES cases of one operation in one mode, called in-process and validated."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,  # the same cases every run: CI does not flake on a new one
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def run(data: Any) -> None:
        case = data.draw(operation.as_strategy(generation_mode=mode))
        response = case.call(headers=headers)
        tally.requests += 1
        if response.status_code >= 500:
            tally.server_errors.append(f"{case.method} {case.formatted_path}: {response.text}")
        case.validate_response(response, checks=CHECKS, headers=headers)

    try:
        run()
    except Unsatisfiable:  # nothing of it can be invalid (no parameters, no body)
        assert mode.is_negative, operation.label


@pytest.mark.slow  # about 30 s
def test_the_api_survives_schemathesis(app: FastAPI, client: TestClient, harness: Harness) -> None:
    for n in range(3):  # a few real orders, so generated ids sometimes name one
        harness.intake(f"FUZZ-{n}", ("MUG", 1))
    tokens = _tokens(client)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    started = time.monotonic()
    tally = Tally()
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an Err raises: the schema is bad
        for requirement in operation.definition.raw.get("security") or [{}]:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _fuzz(operation, mode, _credentials(requirement, tokens), tally)
    elapsed = time.monotonic() - started
    errors = len(tally.server_errors)
    print(f"schemathesis: {tally.requests} requests in {elapsed:.1f} s, {errors} 5xx")
    assert tally.server_errors == []
    assert tally.requests > 500
