"""The JSON API (``/api/...``), described by the app's OpenAPI schema.

Every error is ``{"detail": "..."}`` with its status: 404 for an unknown id, 422 for a
bad parameter, 403 for a missing or wrong ingest token (see ``app.py`` for the
handlers). Shapes: ``GET /api/stories/{id}`` is ``report.data.analysis_json``, the same
JSON as ``storyline show --format json`` for one story.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from concurrent.futures import CancelledError
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from pydantic import BaseModel
from starlette.datastructures import UploadFile

from storyline.errors import StorylineError
from storyline.web.ingest import MAX_FILES, MAX_URLS, UploadTooLarge, check_url, save_upload
from storyline.web.service import Service
from storyline.web.views import article_json, story_summary

LOGGER = logging.getLogger(__name__)

JSON_BODY_LIMIT = 1 << 20  # a list of feed URLs
FORM_OVERHEAD = 1 << 20  # multipart boundaries, headers and form fields beside the files


class ErrorOut(BaseModel):
    detail: str


class StorySummaryOut(BaseModel):
    id: str
    title: str
    description: str
    first_seen: str | None
    last_seen: str | None
    estimated: bool
    outlets: list[str]
    articles: int
    events: int
    merged_ids: list[str]
    url: str


class StoryListOut(BaseModel):
    total: int
    limit: int
    offset: int
    stories: list[StorySummaryOut]


class SearchHitOut(BaseModel):
    id: str
    source_id: str | None
    outlet: str | None
    title: str | None
    published: str | None
    snippet: str
    score: float
    url: str


class SearchOut(BaseModel):
    query: str
    hits: list[SearchHitOut]


class IngestJobOut(BaseModel):
    id: str
    inputs: list[str]
    status: str
    files: int
    files_done: int
    articles_read: int
    new: int
    exact_duplicates: int
    already_ingested: int
    rejected: list[str]
    error: str | None
    created: float
    finished: float | None
    url: str


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    words = {400: "Malformed request body", 403: "Missing or wrong ingest token",
             404: "Unknown id (or ingest not enabled)", 411: "Content-Length required",
             413: "Upload too large", 415: "Unsupported body type", 422: "Invalid parameter",
             503: "Analysis could not run"}
    return {code: {"model": ErrorOut, "description": words[code]} for code in codes}


StoryId = Annotated[str, Path(max_length=200, description="Story id as listed by GET /api/stories.")]
ArticleId = Annotated[str, Path(max_length=200, description="Article id (16 hex digits).")]

INGEST_BODY = {"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
        "urls": {"type": "string", "description": "Feed URLs, one per line."},
        "token": {"type": "string", "description": "The ingest token (or send it as a header)."}}}},
    "application/json": {"schema": {"type": "array", "items": {"type": "string"},
                                    "description": "Feed URLs (http or https)."}}}}}


def json_response(data: Any, status_code: int = 200) -> Response:
    """JSON written by ``json.dumps``: several times faster than FastAPI's
    validate-then-encode on large nested dicts (an article's annotations, a story's
    analysis). The response models above still document the shapes, and the schema
    fuzz test checks every response against them."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Response(body.encode("utf-8"), status_code=status_code, media_type="application/json")


OBJECT = {200: {"description": "Successful Response",
                "content": {"application/json": {"schema": {"type": "object"}}}}}


def api_router(service: Service) -> APIRouter:
    """The API routes over ``service``."""
    router = APIRouter(prefix="/api", tags=["api"])

    @router.get("/stories", response_model=StoryListOut, responses=_errors(422))
    def list_stories(
        q: Annotated[str | None, Query(max_length=500, description="Words: in the story's title or "
                                                                   "description, or in one of its articles.")] = None,
        outlet: Annotated[str | None, Query(max_length=300, description="Stories with this outlet.")] = None,
        date_from: Annotated[dt.date | None, Query(alias="from", description="Active on or after this day.")] = None,
        date_to: Annotated[dt.date | None, Query(alias="to", description="Active on or before this day.")] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 20,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> Response:
        """Stories, newest activity first, filtered and paged. Needs no analysis."""
        found = service.stories(words=q, outlet=outlet, date_from=date_from, date_to=date_to)
        page = found[offset:offset + limit]
        return json_response({"total": len(found), "limit": limit, "offset": offset,
                              "stories": [story_summary(s) | {"url": f"/stories/{s.id}"} for s in page]})

    @router.get("/stories/{story_id}", response_model=None, responses=OBJECT | _errors(404, 422, 503))
    def get_story(story_id: StoryId) -> Response:
        """One story's analysis: the same JSON as ``storyline show --format json`` gives
        for it (brief with citations, facts, quote groups, timeline, network). The first
        request for a story waits for its analysis (seconds); later ones are served
        from memory."""
        story = service.story(story_id)
        if story is None:
            raise HTTPException(404, f"no story {story_id!r}")
        return Response(wait_for_analysis(service, story).json, media_type="application/json")

    @router.get("/articles/{article_id}", response_model=None, responses=OBJECT | _errors(404, 422))
    def get_article(article_id: ArticleId) -> Response:
        """An article: cleaned text, metadata (with where each value came from), what
        cleaning removed and why, the places it was read from, and its annotations
        (sentences, entity mentions, quotes, dates, numbers) as spans of the text."""
        found = service.article(article_id)
        if found is None:
            raise HTTPException(404, f"no article {article_id!r}")
        return json_response(article_json(*found))

    @router.get("/search", response_model=SearchOut, responses=_errors(422))
    def search(q: Annotated[str, Query(min_length=1, max_length=500, description="Words (all must match); "
                                                                             "a trailing * matches a prefix.")],
               limit: Annotated[int, Query(ge=1, le=200)] = 20) -> Response:
        """Full-text search over titles and cleaned texts, best matches first."""
        hits = service.search(q, limit)
        return json_response({"query": q, "hits": [h | {"url": f"/articles/{h['id']}"} for h in hits]})

    @router.post("/ingest", status_code=202, response_model=IngestJobOut, openapi_extra=INGEST_BODY,
                 responses=_errors(400, 403, 404, 411, 413, 415, 422))
    async def ingest(request: Request) -> dict[str, Any]:
        """Start an ingest in the background: uploaded files (multipart field ``files``)
        or feed URLs (a JSON array, or the multipart field ``urls``). Only when the server
        was started with ``--allow-ingest``, and only with its token (header
        ``Authorization: Bearer TOKEN`` or ``X-Storyline-Token``, or the form field
        ``token``). Progress: ``GET /api/ingest/{job}``."""
        return await start_ingest(service, request)

    @router.get("/ingest/{job_id}", response_model=IngestJobOut, responses=_errors(404, 422))
    def ingest_job(job_id: Annotated[str, Path(max_length=64)]) -> dict[str, Any]:
        """The progress of an ingest job (its id is the capability: 128 random bits)."""
        job = service.jobs.get(job_id) if service.jobs is not None else None
        if job is None:
            raise HTTPException(404, f"no ingest job {job_id!r}")
        return job | {"url": f"/api/ingest/{job_id}"}

    return router


def wait_for_analysis(service: Service, story: Any, timeout: float | None = None) -> Any:
    """The analysis of ``story``, waiting for it; errors become HTTP errors."""
    future = service.analyses.request(story)
    try:
        return future.result(timeout)
    except CancelledError as exc:
        raise HTTPException(503, "the server is shutting down") from exc
    except StorylineError as exc:
        raise HTTPException(503, f"analysis of story {story.id} failed: {exc}") from exc
    except (TimeoutError, HTTPException):
        raise
    except Exception as exc:  # noqa: BLE001 - logged in the analysis thread; never a trace to the client
        raise HTTPException(500, f"analysis of story {story.id} failed (see the server log)") from exc


# --------------------------------------------------------------------------- ingest


def request_token(request: Request) -> str | None:
    """The token sent in ``Authorization: Bearer ...`` or ``X-Storyline-Token``."""
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return request.headers.get("x-storyline-token")


def _content_length(request: Request, limit: int) -> int:
    raw = request.headers.get("content-length")
    if raw is None or not raw.isdigit():
        raise HTTPException(411, "send the body with a Content-Length header")
    length = int(raw)
    if length > limit:
        raise HTTPException(413, f"request body of {length} bytes is over the limit of {limit} bytes "
                                 "(setting max_file_bytes)")
    return length


async def start_ingest(service: Service, request: Request) -> dict[str, Any]:
    if service.jobs is None:
        raise HTTPException(404, "ingest is not enabled: start the server with --allow-ingest")
    header_token = request_token(request)
    if header_token is not None and not service.check_token(header_token):
        raise HTTPException(403, "wrong ingest token")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        _content_length(request, JSON_BODY_LIMIT)
        if header_token is None:
            raise HTTPException(403, "send the ingest token in an Authorization: Bearer header")
        urls = _urls_from_json(await request.body())
        return _submit(service, [], urls, urls)
    if kind == "multipart/form-data":
        _content_length(request, service.settings.max_file_bytes + FORM_OVERHEAD)
        return await _ingest_form(service, request, header_token)
    raise HTTPException(415, "send multipart/form-data (files) or application/json (a list of feed URLs)")


async def _ingest_form(service: Service, request: Request, header_token: str | None) -> dict[str, Any]:
    async with request.form(max_files=MAX_FILES, max_fields=10, max_part_size=JSON_BODY_LIMIT) as form:
        token = form.get("token")
        if header_token is None and not service.check_token(token if isinstance(token, str) else None):
            raise HTTPException(403, "missing or wrong ingest token")
        uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
        text = form.get("urls")
        urls = [u.strip() for u in text.splitlines() if u.strip()] if isinstance(text, str) else []
        _check_urls(urls)
        if not uploads and not urls:
            raise HTTPException(422, "nothing to ingest: send files in the field 'files' or feed URLs in 'urls'")
        paths = []
        for upload in uploads:
            try:
                paths.append(await save_upload(upload, upload.filename, service.uploads,
                                               service.settings.max_file_bytes))
            except UploadTooLarge as exc:
                raise HTTPException(413, str(exc)) from exc
    names = [u.filename or "upload" for u in uploads]
    return _submit(service, paths, urls, names + urls)


def _urls_from_json(body: bytes) -> list[str]:
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise HTTPException(422, f"the body is not JSON: {exc}") from exc
    if isinstance(data, dict):
        data = data.get("urls")
    if not isinstance(data, list) or not data or not all(isinstance(u, str) for u in data):
        raise HTTPException(422, 'send a non-empty JSON array of feed URLs (or {"urls": [...]})')
    _check_urls(data)
    return data


def _check_urls(urls: list[str]) -> None:
    if len(urls) > MAX_URLS:
        raise HTTPException(422, f"at most {MAX_URLS} feed URLs per request")
    for url in urls:
        problem = check_url(url)
        if problem:
            raise HTTPException(422, problem)


def _submit(service: Service, paths: list[Any], urls: list[str], inputs: list[str]) -> dict[str, Any]:
    assert service.jobs is not None
    job = service.jobs.submit(paths, urls, inputs)
    return job | {"url": f"/api/ingest/{job['id']}"}


__all__ = ["api_router", "request_token", "start_ingest", "wait_for_analysis"]
