"""HTTP for the cloud backend: GET /api/v1/feed (long-poll), POST /api/v1/feed/ack, the backlog
(the protocol: docs/cloud-sync.md)."""

from __future__ import annotations

import asyncio
import weakref
import zlib
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from edge.messages import AckFeed
from edge.model import DomainError
from edge.queries import Queries
from edge.queries.feed import DEFAULT_PAGE, MAX_PAGE
from edge.service import ApiClient
from edge.web.bodies import ERROR_RESPONSES, AckBody, ErrorBody
from edge.web.deps import Cursor, FeedKey, QueriesDep, ServiceDep, origin

MAX_WAIT_S = 30.0
# Pages are built (and compressed) by this many threads at most, and at most PAGES_HELD
# bodies exist at once (built, or being sent): a hundred pullers at once wait their turn
# instead of each holding a page's rows and text (100 x 500 records took 550 MB before).
PAGE_BUILDERS = 2
PAGES_HELD = 4
GZIP_LEVEL = 1  # fast: most of the size goes at level 1 (JSON repeats its keys)
SEND_PIECE = 256 * 1024

_builders = ThreadPoolExecutor(PAGE_BUILDERS, thread_name_prefix="feed-page")
_held: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def _pages_held() -> asyncio.Semaphore:
    """The event loop's bound on page bodies in memory (one per loop: tests run several)."""
    loop = asyncio.get_running_loop()
    held = _held.get(loop)
    if held is None:
        held = _held[loop] = asyncio.Semaphore(PAGES_HELD)
    return held


class _HeldPage(Response):
    """A page body that gives its place back once it is sent (or the client is gone)."""

    def __init__(
        self, body: bytes | bytearray, headers: dict[str, str], held: asyncio.Semaphore
    ) -> None:
        super().__init__(b"", media_type="application/json")
        self.body = body  # type: ignore[assignment]  # a bytearray, sent in pieces below
        self.init_headers(headers)
        self._held = held

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # In pieces: the server waits for the socket to drain before taking the next, so
        # no copy of the whole body piles up in its write buffer after we let go of it.
        try:
            start = {"type": "http.response.start", "status": self.status_code}
            await send({**start, "headers": self.raw_headers})
            body = memoryview(self.body)
            for at in range(0, len(body), SEND_PIECE):
                more = at + SEND_PIECE < len(body)
                piece = bytes(body[at : at + SEND_PIECE])
                await send({"type": "http.response.body", "body": piece, "more_body": more})
            if not body:
                await send({"type": "http.response.body", "body": b""})
        finally:
            self._held.release()


class FeedRecord(BaseModel):
    seq: int
    prev_seq: int
    hash: str
    order_id: int
    shop_order_id: str
    created_at: str
    record: dict[str, Any]


class FeedPage(BaseModel):
    stream_id: str
    floor: int
    newest: int
    next: int
    has_more: bool
    acked_seq: int
    records: list[FeedRecord]


class StreamMoved(ErrorBody):
    stream_id: str


class BelowFloor(ErrorBody):
    floor: int


_FEED_ERRORS: dict[int | str, dict[str, Any]] = {
    409: {"model": StreamMoved, "description": "not the current stream: read it from after=0"},
    410: {"model": BelowFloor, "description": "after is below the floor: records were pruned"},
}

router = APIRouter(prefix="/api/v1/feed", tags=["cloud feed"], responses=ERROR_RESPONSES)


def _consumer(client: ApiClient) -> str | None:
    """The caller's own consumer (a client with the role feed); None for an admin's read."""
    return client.name if "feed" in client.roles else None


def _refusal(err: DomainError) -> JSONResponse:
    if "stream_id" in err.details:
        return JSONResponse({"detail": str(err), "stream_id": err.details["stream_id"]}, 409)
    if "floor" in err.details:
        return JSONResponse({"detail": str(err), "floor": int(err.details["floor"])}, 410)
    raise err


class _Body:
    """A page's JSON as it is written, gzipped on the way when the client accepts it (the
    uncompressed page then never exists whole)."""

    def __init__(self, gz: bool) -> None:
        self.parts: list[bytes] = []
        self.plain = bytearray()
        self._zip = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31) if gz else None

    def write(self, data: bytes) -> None:
        if self._zip is None:
            self.plain += data
        else:
            self.parts.append(self._zip.compress(data))

    def done(self) -> tuple[bytes | bytearray, dict[str, str]]:
        if self._zip is None:
            return self.plain, {}
        self.parts.append(self._zip.flush())
        return b"".join(self.parts), {"Content-Encoding": "gzip"}


async def _build(
    queries: Queries, after: int, limit: int, consumer: str | None, stream: str | None, gz: bool
) -> tuple[bytes | bytearray, dict[str, str], int]:
    def run() -> tuple[bytes | bytearray, dict[str, str], int]:
        body = _Body(gz)
        page = queries.feed_page(after, limit, consumer, stream, body.write)
        return *body.done(), page.count

    return await asyncio.get_running_loop().run_in_executor(_builders, run)


@router.get("", response_model=FeedPage, responses=_FEED_ERRORS)
async def get_feed(
    request: Request,
    client: FeedKey,
    queries: QueriesDep,
    after: Cursor = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="records per page")] = DEFAULT_PAGE,
    stream: Annotated[
        str | None,
        Query(min_length=1, max_length=64, description="the stream you read; omit only at first"),
    ] = None,
    wait: Annotated[
        float,
        Query(ge=0, le=MAX_WAIT_S, description="long-poll seconds (with stream): answer at once"),
    ] = 0,
) -> Response:
    """Shipment records after the cursor, oldest first, hashed and chained; kept until every
    declared consumer acknowledged them. With `stream` and `wait`, an empty page waits for
    the next record (answered as soon as it is committed)."""
    consumer = _consumer(client)
    gz = "gzip" in request.headers.get("accept-encoding", "")
    held = _pages_held()
    await held.acquire()
    holding = True
    try:
        body, headers, count = await _build(queries, after, limit, consumer, stream, gz)
        if count == 0 and wait > 0 and stream is not None:
            held.release()  # nothing is held while waiting
            holding = False
            woken = await queries.feed_signal.wait_after(after, wait)
            await held.acquire()
            holding = True
            if woken:
                body, headers, count = await _build(queries, after, limit, consumer, stream, gz)
    except BaseException as err:
        if holding:
            held.release()
        if isinstance(err, DomainError):
            return _refusal(err)
        raise
    headers["Vary"] = "Accept-Encoding"
    return _HeldPage(body, headers, held)


def consumer_key(client: FeedKey) -> str:
    """The caller as a consumer: a client with the role feed (an admin only reads)."""
    consumer = _consumer(client)
    if consumer is None:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"X-API-Key: client {client.name} may read the feed but not acknowledge it: only a"
            " consumer (a client with the role feed) acknowledges, for itself",
        )
    return consumer


@router.post("/ack", responses=_FEED_ERRORS)
def post_ack(
    body: AckBody, consumer: Annotated[str, Depends(consumer_key)], service: ServiceDep
) -> Any:
    """You have durably stored every record of stream_id up to seq: the gateway may drop them
    once every declared consumer has (and retention lets go). An admin acknowledges nothing."""
    try:
        return service.handle(AckFeed(origin(consumer), consumer, body.stream_id, body.seq))
    except DomainError as err:
        return _refusal(err)


@router.get("/backlog")
def get_backlog(client: FeedKey, queries: QueriesDep) -> dict[str, Any]:
    """Unacknowledged records and the oldest one's time: your own (a consumer), or every
    consumer's, declared or not (admin); with the stream, the floor and the newest seq."""
    return queries.feed_backlog(_consumer(client))
