"""The pages (no build step: plain HTML/JS/CSS) and the routers behind them."""

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from handheld_ui import handheld, supervisor

STATIC = Path(__file__).with_name("static")

# The pages are small and change with the service: always fetch the current one.
_NO_CACHE = {"Cache-Control": "no-cache"}

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


@router.get("/handheld-sw.js")
def handheld_service_worker() -> FileResponse:
    """The handheld's service worker: served from the root so its scope (/handheld) covers
    the page; it keeps the page's shell so a handheld that reloads offline still starts."""
    return FileResponse(
        STATIC / "sw.js",
        media_type="text/javascript",
        headers={**_NO_CACHE, "Service-Worker-Allowed": "/handheld"},
    )


@router.get("/handheld.webmanifest")
def handheld_manifest() -> FileResponse:
    """The web app manifest: the handheld page installs as an app of its own."""
    return FileResponse(
        STATIC / "handheld.webmanifest", media_type="application/manifest+json", headers=_NO_CACHE
    )


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    """The site's icon, for a browser that asks before reading a page's <link rel=icon>."""
    return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")


router.include_router(supervisor.router)
router.include_router(handheld.router)


def static_files() -> StaticFiles:
    """Scripts, styles and translations under /static."""
    return StaticFiles(directory=STATIC)
