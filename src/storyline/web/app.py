"""The FastAPI app: pages, the JSON API, security headers, one error shape.

    create_app(db) -> FastAPI          storyline serve runs it with uvicorn

Safety: article text, titles and outlet names are hostile input. Templates escape
everything (Jinja2 autoescape); the highlighted article is built from escaped
segments (``views.highlight``); only http(s) URLs become links. Every response,
errors and static files included, carries a Content-Security-Policy that allows
scripts and styles from this server only — no inline script, no inline style, no
frames — so markup that slipped past escaping still could not run. Errors are
``{"detail": "..."}`` (an HTML page for page URLs) and never a stack trace.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from storyline.settings import Settings
from storyline.web.api import api_router
from storyline.web.pages import PAGE_WAIT_S, environment, pages_router, render_error
from storyline.web.service import Service

LOGGER = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
TOKEN_ENV = "STORYLINE_TOKEN"
# Stories analysed in the background at start-up (newest first), so the pages people
# open first are fast; each costs seconds of CPU on the one analysis thread.
DEFAULT_PRECOMPUTE = 5


def create_app(db: str, *, allow_ingest: bool = False, token: str | None = None,
               settings: Settings | None = None, precompute: int = DEFAULT_PRECOMPUTE,
               allowed_hosts: Sequence[str] | None = None, page_wait_s: float = PAGE_WAIT_S) -> FastAPI:
    """The web app over the database ``db`` (a SQLite file or a postgresql:// URL).

    Args:
        db: the database; its stories are brought up to date when the app starts.
        allow_ingest: enable ``POST /api/ingest`` and the ingest page.
        token: the ingest token; default ``$STORYLINE_TOKEN``, else a random one
            (read it back from ``app.state.token``).
        settings: ingest settings (``max_file_bytes`` limits each upload).
        precompute: newest stories to analyse in the background at start-up.
        allowed_hosts: Host header values to accept (guards a server on 127.0.0.1
            against DNS rebinding); None accepts any.
        page_wait_s: how long a story page waits for an analysis before it shows a
            "being analysed" page that reloads itself.

    Example::

        >>> app = create_app("storyline.db")
        >>> import uvicorn; uvicorn.run(app, host="127.0.0.1", port=8000)  # doctest: +SKIP
    """
    if allow_ingest:
        token = token or os.environ.get(TOKEN_ENV) or secrets.token_urlsafe(24)
    service = Service(db, settings=settings or Settings(), token=token if allow_ingest else None,
                      precompute=precompute)
    env = environment()

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # In a worker thread: both block (clustering at start, the running analysis at
        # stop) and the event loop must keep answering meanwhile.
        await asyncio.to_thread(service.start)
        try:
            yield
        finally:
            await asyncio.to_thread(service.stop)

    app = FastAPI(title="Storyline", version="0.1.0", lifespan=lifespan, openapi_url="/api/openapi.json",
                  docs_url=None, redoc_url=None,  # Swagger UI needs a CDN and inline script: the CSP forbids both
                  description="Stories, their cited analyses, articles and full-text search. "
                              "Errors are {\"detail\": \"...\"}.")
    app.state.service = service
    app.state.token = service.token
    app.include_router(api_router(service))
    app.include_router(pages_router(service, env, page_wait_s))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _add_error_handlers(app, env)
    if allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    app.add_middleware(SecurityHeaders, env=env)  # added last: outermost, so on every response
    return app


def wants_json(request: Request) -> bool:
    """API paths (and clients that ask for JSON) get JSON errors; pages get HTML."""
    return request.url.path.startswith("/api") or "text/html" not in request.headers.get("accept", "")


def error_response(request: Request, status: int, message: str, env: object,
                   headers: dict[str, str] | None = None) -> Response:
    if wants_json(request):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    return HTMLResponse(render_error(env, status, message), status_code=status, headers=headers)  # type: ignore[arg-type]


def _add_error_handlers(app: FastAPI, env: object) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return error_response(request, exc.status_code, str(exc.detail), env, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 422, validation_message(exc), env)


def validation_message(exc: RequestValidationError) -> str:
    """One line per problem: "query parameter 'limit': Input should be ..." (never the
    input itself, which may be anything)."""
    lines = []
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ())]
        where = f"{loc[0]} parameter {'.'.join(loc[1:])!r}" if len(loc) > 1 else "request"
        lines.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(lines) or "invalid request"


class SecurityHeaders:
    """Pure ASGI middleware: the security headers on every response, and a JSON (or
    HTML) 500 instead of whatever an unexpected exception would have produced."""

    def __init__(self, app: ASGIApp, env: object) -> None:
        self.app = app
        self.env = env

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS:
                    headers[name] = value
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            LOGGER.exception("unexpected error serving %s", scope.get("path"))
            if started:
                raise
            request = Request(scope)
            response = error_response(request, 500, "internal server error (see the server log)", self.env)
            await response(scope, receive, send_with_headers)


__all__ = ["CSP", "SECURITY_HEADERS", "create_app"]
