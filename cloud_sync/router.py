"""HTTP for the cloud backend: GET /api/v1/feed, POST /api/v1/feed/ack, the backlog."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from edge.messages import AckFeed
from edge.queries.feed import MAX_PAGE
from edge.web.bodies import ERROR_RESPONSES, AckBody
from edge.web.deps import Cursor, FeedKey, QueriesDep, ServiceDep, origin

router = APIRouter(prefix="/api/v1/feed", tags=["cloud feed"], responses=ERROR_RESPONSES)


@router.get("")
def get_feed(
    _: FeedKey,
    queries: QueriesDep,
    after: Cursor = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    consumer: Annotated[str, Query(min_length=1, max_length=64)] = "cloud",
) -> dict[str, Any]:
    """Shipment records after the cursor, oldest first; kept until acknowledged."""
    return queries.feed_page(after, limit, consumer)


@router.post("/ack")
def post_ack(body: AckBody, client: FeedKey, service: ServiceDep) -> dict[str, Any]:
    """Tell the gateway how far you have durably stored; it never drops unacked records."""
    result: dict[str, Any] = service.handle(AckFeed(origin(client.name), body.consumer, body.seq))
    return result


@router.get("/backlog")
def get_backlog(
    _: FeedKey,
    queries: QueriesDep,
    consumer: Annotated[str, Query(min_length=1, max_length=64)] = "cloud",
) -> dict[str, Any]:
    """Records the consumer has not acknowledged yet, and since when."""
    return queries.feed_backlog(consumer)
