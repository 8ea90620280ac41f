"""One mapping from refusals to HTTP: the code picks the status, the text names the field."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from edge.model import DomainError
from edge.runtime import StorageUnavailable

# Codes the core uses for refusals that are not plain "the state refuses it" (409).
HTTP_STATUS = {
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "invalid": 422,
    "not_ready": 503,
}


def status_of(err: DomainError) -> int:
    return HTTP_STATUS.get(err.code, 409)


async def _refused(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return JSONResponse({"detail": str(exc)}, status_of(exc))


async def _invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Name the field first, in one line a client developer can act on.
    errors = [
        {
            "field": ".".join(str(p) for p in e["loc"] if p != "body") or "body",
            "problem": e["msg"],
        }
        for e in exc.errors()
    ]
    first = errors[0] if errors else {"field": "body", "problem": "invalid"}
    return JSONResponse({"detail": f"{first['field']}: {first['problem']}", "errors": errors}, 422)


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    # The database could not commit (disk full, I/O error): nothing was applied; the
    # writer keeps trying and /health says degraded until it succeeds.
    return JSONResponse({"detail": str(exc)}, 503, headers={"Retry-After": "2"})


async def _internal(request: Request, exc: Exception) -> JSONResponse:
    # A bug: the client learns only that. Starlette re-raises it after this answer, so the
    # server logs the traceback; it never reaches the body.
    return JSONResponse({"detail": "internal error"}, 500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _refused)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(StorageUnavailable, _unavailable)
    app.add_exception_handler(Exception, _internal)
