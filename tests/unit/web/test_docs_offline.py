"""The API's docs work on a gateway without internet; its error answers are declared."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

# Every asset a docs page loads: <script src>, <link href> and any url in its inline script.
_ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url:\s*['"]([^'"]+)['"]""")


def _assets(html: str) -> list[str]:
    return [a or b for a, b in _ASSET.findall(html)]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_pages_load_every_asset_from_the_service_itself(
    client: TestClient, page: str
) -> None:
    r = client.get(page)
    assert r.status_code == 200
    assets = _assets(r.text)
    assert assets, "the page loads nothing?"
    remote = [a for a in assets if re.match(r"^(https?:)?//", a)]
    assert remote == [], f"{page} loads {remote} from the internet"
    scripts = [a for a in assets if a.endswith(".js")]
    assert scripts  # Swagger UI's or ReDoc's bundle
    for asset in assets:
        got = client.get(asset)
        assert got.status_code == 200, asset
        assert len(got.content) > (10_000 if asset.endswith(".js") else 50), asset


def test_the_favicon_is_served(client: TestClient) -> None:
    r = client.get("/favicon.ico")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("image/svg+xml")
    assert r.text.lstrip().startswith("<svg")


def test_every_api_operation_declares_its_error_answers(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    missing = []
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, op in operations.items():
            declared = set(op["responses"])
            for code in ("401", "403", "409", "413", "422"):
                if code not in declared:
                    missing.append(f"{method.upper()} {path}: {code}")
                else:  # a typed body (ErrorBody, the feed's StreamMoved, FastAPI's 422)
                    schema = op["responses"][code]["content"]["application/json"]["schema"]
                    assert "$ref" in schema, (path, code, schema)
    assert missing == []
