"""One gateway's feed over HTTP (httpx): pages by cursor with long-poll, and acks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from cloud_sync.pull.config import Gateway


class FeedError(Exception):
    """The gateway answered something the protocol does not allow, or not at all."""


class StreamChanged(Exception):
    """409: the gateway's database was replaced or restored; it now serves `stream_id`."""

    def __init__(self, stream_id: str) -> None:
        super().__init__(f"the gateway now serves stream {stream_id}")
        self.stream_id = stream_id


class BelowFloor(Exception):
    """410: the records after our cursor were pruned before we stored them."""

    def __init__(self, floor: int) -> None:
        super().__init__(f"records up to seq {floor} were pruned before they were stored")
        self.floor = floor


@dataclass(frozen=True)
class Page:
    stream_id: str
    floor: int
    newest: int
    records: list[Any]
    has_more: bool


class FeedClient:
    """GET /api/v1/feed and POST /api/v1/feed/ack for one gateway, with its key."""

    def __init__(self, gateway: Gateway, *, timeout_s: float, wait_s: int) -> None:
        self.gateway = gateway
        self.wait_s = wait_s
        self._http = httpx.Client(
            base_url=gateway.url,
            headers={
                "X-API-Key": gateway.key.get_secret_value(),
                "Accept-Encoding": "gzip" if gateway.gzip else "identity",
            },
            timeout=httpx.Timeout(timeout_s + wait_s, connect=min(timeout_s, 10.0)),
            verify=str(gateway.ca) if gateway.ca else True,
        )

    def close(self) -> None:
        self._http.close()

    def page(self, stream: str | None, after: int, limit: int, *, wait: bool = True) -> Page:
        params: dict[str, Any] = {"after": after, "limit": limit}
        if stream is not None:
            params["stream"] = stream
        if wait and self.wait_s:
            params["wait"] = self.wait_s
        body = self._call("GET", "/api/v1/feed", params=params)
        try:
            return Page(
                stream_id=str(body["stream_id"]),
                floor=int(body.get("floor") or 0),
                newest=int(body.get("newest") or 0),
                records=list(body["records"]),
                has_more=bool(body.get("has_more")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise FeedError(f"page: missing or bad field {exc}") from None

    def ack(self, stream: str, seq: int) -> dict[str, Any]:
        return self._call("POST", "/api/v1/feed/ack", json={"stream_id": stream, "seq": seq})

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            resp = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise FeedError(f"{method} {path}: {type(exc).__name__}: {exc}") from None
        if resp.status_code == 200:
            try:
                body = resp.json()
            except ValueError:
                raise FeedError(f"{method} {path}: the answer is not JSON") from None
            if not isinstance(body, dict):
                raise FeedError(f"{method} {path}: the answer is not a JSON object")
            return body
        detail = _json_or_none(resp)
        if resp.status_code == 409 and isinstance(detail, dict) and detail.get("stream_id"):
            raise StreamChanged(str(detail["stream_id"]))
        if resp.status_code == 410 and isinstance(detail, dict) and "floor" in detail:
            raise BelowFloor(int(detail["floor"]))
        text = detail.get("detail") if isinstance(detail, dict) else resp.text[:200]
        raise FeedError(f"{method} {path}: HTTP {resp.status_code}: {text}")


def _json_or_none(resp: httpx.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return None
