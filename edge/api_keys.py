"""API keys for machine clients (the cloud backend, the shop's order intake, the carrier desk)."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence

from fastapi import Header, HTTPException, status


def api_key_dependency(keys: Sequence[str]) -> Callable[[str | None], str]:
    """A FastAPI dependency that admits a request carrying one of keys in X-API-Key."""
    encoded = [k.encode() for k in keys if k]

    def require_api_key(x_api_key: str | None = Header(default=None)) -> str:
        if x_api_key is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "X-API-Key header: required")
        given = x_api_key.encode()
        # Compare against every key in constant time so timing tells nothing about a key.
        matched = [hmac.compare_digest(given, key) for key in encoded]
        if not any(matched):
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "X-API-Key header: not a valid key")
        return f"api-key-{matched.index(True) + 1}"

    return require_api_key
