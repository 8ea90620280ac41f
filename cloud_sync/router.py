"""HTTP for the cloud backend: GET /api/v1/feed and POST /api/v1/feed/ack."""

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from cloud_sync import feed
from edge.api_keys import api_key_dependency

ReadTx = Callable[[], AbstractContextManager[feed.Reader]]
# (consumer, seq, client name) -> the stored position; raises ValueError for a bad seq.
AckFn = Callable[[str, int, str], dict[str, Any]]


class AckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seq: int = Field(ge=0, description="the last seq the consumer has durably stored")
    consumer: str = Field("cloud", min_length=1, max_length=64)


def build_router(read: ReadTx, ack: AckFn, api_keys: Sequence[str]) -> APIRouter:
    router = APIRouter(prefix="/api/v1/feed", tags=["cloud feed"])
    client = Depends(api_key_dependency(api_keys))

    @router.get("")
    def get_feed(
        client_name: Annotated[str, client],
        after: Annotated[int, Query(ge=0, description="cursor: the last seq you have")] = 0,
        limit: Annotated[int, Query(ge=1, le=feed.MAX_PAGE)] = 100,
        consumer: Annotated[str, Query(min_length=1, max_length=64)] = "cloud",
    ) -> dict[str, Any]:
        """Shipment records after the cursor, oldest first; kept until acknowledged."""
        with read() as tx:
            return feed.page(tx, after, limit, consumer)

    @router.post("/ack")
    def post_ack(body: AckRequest, client_name: Annotated[str, client]) -> dict[str, Any]:
        """Tell the gateway how far you have durably stored; it never drops unacked records."""
        try:
            return ack(body.consumer, body.seq, client_name)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None

    @router.get("/backlog")
    def get_backlog(client_name: Annotated[str, client], consumer: str = "cloud") -> dict[str, Any]:
        with read() as tx:
            return feed.backlog(tx, consumer)

    return router
