"""Request limits before any route runs: a body over its limit is refused (413) before it is
read whole, and an unexpected error is answered as JSON 500 without a traceback."""

from __future__ import annotations

import json
import logging

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from edge.service import Service
from edge.web.auth import bearer, find_api_client

log = logging.getLogger(__name__)

WAREHOUSE = ("PUT", "/api/v1/warehouse")


class BodyTooLarge(HTTPException):
    """Raised from `receive` while a route reads its body: FastAPI passes it on as a 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"body: larger than this request's limit of {limit} bytes")


class RequestLimits:
    """ASGI middleware: picks the body limit by who calls (anonymous, a key or a logged-in
    person, an admin loading a warehouse), checks Content-Length at once and counts the bytes
    of a streamed (chunked) body as they arrive; answers JSON on every error of its own."""

    def __init__(self, app: ASGIApp, service: Service) -> None:
        self.app = app
        self.service = service

    def limit_for(self, scope: Scope) -> int:
        limits = self.service.body_limits
        headers = Headers(scope=scope)
        key = headers.get("x-api-key")
        client = find_api_client(self.service.api_clients, key) if key else None
        if client is not None:
            if (scope["method"], scope["path"]) == WAREHOUSE and client.may("admin"):
                return limits.warehouse
            return limits.caller
        token = bearer(headers.get("authorization"))
        if token and self.service.sessions.get(token) is not None:
            return limits.caller
        return limits.anonymous

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            if not declared.isdigit():
                await answer(send, 400, "Content-Length header: not a number of bytes")
                return
            if int(declared) > limit:
                await answer(send, 413, BodyTooLarge(limit).detail)
                return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge as exc:
            if not started:
                await answer(send, 413, exc.detail)
        except Exception:
            log.exception("internal error answering %s %s", scope["method"], scope["path"])
            if not started:
                await answer(send, 500, "internal error")


async def answer(send: Send, status: int, detail: str) -> None:
    """A JSON error answer, sent before anything else of the response."""
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    if status == 413:
        headers.append((b"connection", b"close"))  # the rest of the body is not read
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
