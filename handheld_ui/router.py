"""The pages (no build step: plain HTML/JS/CSS) and the routers behind them."""

from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from handheld_ui import handheld, supervisor
from handheld_ui.live import Hub

if TYPE_CHECKING:
    from edge.service import Service

STATIC = Path(__file__).with_name("static")


def build_router(service: "Service", hub: Hub) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def home() -> FileResponse:
        """Which screen: the handheld (pickers, packers) or the supervisor's."""
        return FileResponse(STATIC / "index.html", headers=_NO_CACHE)

    @router.get("/supervisor")
    def supervisor_page() -> FileResponse:
        return FileResponse(STATIC / "supervisor.html", headers=_NO_CACHE)

    @router.get("/handheld")
    def handheld_page() -> FileResponse:
        return FileResponse(STATIC / "handheld.html", headers=_NO_CACHE)

    router.include_router(supervisor.build_router(service, hub))
    router.include_router(handheld.build_router(service, hub))
    return router


def static_files() -> StaticFiles:
    """Scripts, styles and translations under /static."""
    return StaticFiles(directory=STATIC)


# The pages are small and change with the service: always fetch the current one.
_NO_CACHE = {"Cache-Control": "no-cache"}
