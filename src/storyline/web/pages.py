"""The HTML pages: the story list, a story, an article, the ingest form.

Each page has a JSON twin in ``api.py`` built from the same ``Service`` call. Pages
are server-rendered with Jinja2 (autoescape on, undefined names are errors) and use
one small script, ``static/storyline.js``, for what HTML alone cannot do: open a
citation's source sentence in place, and the ingest form's progress. Without script
every citation is still a link to the article, scrolled to the cited words.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import urllib.parse
from collections import OrderedDict
from pathlib import Path as FilePath
from typing import Annotated, Any

import jinja2
from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from storyline.web.api import wait_for_analysis
from storyline.web.cache import cache_key
from storyline.web.service import Service
from storyline.web.views import (
    article_marks,
    article_paragraphs,
    cited_mark,
    safe_link,
    snippet_html,
    story_summary,
)

LOGGER = logging.getLogger(__name__)

TEMPLATES = FilePath(__file__).resolve().parent / "templates"
# How long a story page waits for an analysis before it shows the "being analysed"
# page (which reloads itself): a cached analysis is there at once.
PAGE_WAIT_S = 1.5
PENDING_REFRESH_S = 3
PAGE_SIZE = 50


def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def pages_router(service: Service, env: jinja2.Environment, page_wait_s: float = PAGE_WAIT_S) -> APIRouter:
    """The page routes over ``service``, rendered with ``env``."""
    router = APIRouter(tags=["pages"])
    pages = RenderedPages()

    def render(name: str, **context: Any) -> HTMLResponse:
        html = env.get_template(name).render(ingest=service.jobs is not None, **context)
        return HTMLResponse(html)

    @router.get("/", response_class=HTMLResponse, responses=_errors(422))
    def index(q: Annotated[str | None, Query(max_length=500)] = None,
              outlet: Annotated[str | None, Query(max_length=300)] = None,
              date_from: Annotated[dt.date | None, Query(alias="from")] = None,
              date_to: Annotated[dt.date | None, Query(alias="to")] = None,
              offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> HTMLResponse:
        """The story list: newest first, with a search box and filters."""
        found = service.stories(words=q, outlet=outlet, date_from=date_from, date_to=date_to)
        params = {k: v for k, v in (("q", q), ("outlet", outlet), ("from", date_from), ("to", date_to)) if v}
        return render("index.html.j2", stories=[story_summary(s) for s in found[offset:offset + PAGE_SIZE]],
                      total=len(found), q=q or "", outlet=outlet or "", outlets=service.outlets(),
                      date_from=date_from.isoformat() if date_from else "",
                      date_to=date_to.isoformat() if date_to else "", offset=offset,
                      hits=[h | {"snippet_html": snippet_html(h["snippet"], q)} for h in service.search(q, 20)]
                      if q else [],
                      newer=_page_url(params, offset - PAGE_SIZE) if offset > 0 else None,
                      older=_page_url(params, offset + PAGE_SIZE) if offset + PAGE_SIZE < len(found) else None)

    @router.get("/stories/{story_id}", response_class=HTMLResponse, response_model=None,
                responses=_errors(307, 404, 422, 503))
    def story_page(story_id: Annotated[str, Path(max_length=200)]) -> HTMLResponse | RedirectResponse:
        """A story: cited brief, facts x outlets, quote groups, timeline, actor network."""
        story = service.story(story_id)
        if story is None:
            raise HTTPException(404, f"no story {story_id!r}")
        if story.id != story_id:  # merged into another story since the link was made
            return RedirectResponse(f"/stories/{urllib.parse.quote(story.id)}", status_code=307)
        try:
            analysed = wait_for_analysis(service, story, page_wait_s)
        except TimeoutError:
            return render("pending.html.j2", story=story, refresh=PENDING_REFRESH_S,
                          running=service.analyses.running_for(story))
        # The page depends on the analysis alone: rendered once per analysis.
        key = cache_key(story)
        html = pages.get(key)
        if html is None or html[0] is not analysed:
            html = (analysed, render("story.html.j2", story=story, view=analysed.view,
                                     seconds=analysed.seconds).body)
            pages.put(key, html)
        return HTMLResponse(html[1])

    @router.get("/articles/{article_id}", response_class=HTMLResponse, responses=_errors(404, 422))
    def article_page(article_id: Annotated[str, Path(max_length=200)],
                     start: Annotated[int | None, Query(ge=0, le=1_000_000_000)] = None,
                     end: Annotated[int | None, Query(ge=0, le=1_000_000_000)] = None) -> HTMLResponse:
        """An article: cleaned text with entities, quotes and dates highlighted (and the
        cited words, with ``start``/``end``), metadata, and what cleaning removed."""
        found = service.article(article_id)
        if found is None:
            raise HTTPException(404, f"no article {article_id!r}")
        article, sources, annotations = found
        marks = article_marks(annotations)
        cited = cited_mark(article, start, end)
        if cited is not None:
            marks.append(cited)
        return render("article.html.j2", article=article, sources=sources, annotations=annotations,
                      paragraphs=article_paragraphs(article, marks), link=safe_link(article.url),
                      cited=cited, stories=service.stories_of(article.id))

    @router.get("/ingest", response_class=HTMLResponse, responses=_errors(404))
    def ingest_page() -> HTMLResponse:
        """The ingest form (only with ``--allow-ingest``)."""
        if service.jobs is None:
            raise HTTPException(404, "ingest is not enabled: start the server with --allow-ingest")
        return render("ingest.html.j2", max_bytes=service.settings.max_file_bytes)

    return router


ERROR_CONTENT = {
    "application/json": {"schema": {"type": "object", "properties": {"detail": {"type": "string"}},
                                    "required": ["detail"]}},
    "text/html": {"schema": {"type": "string"}},
}


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """Error statuses of a page: an HTML page for browsers, ``{"detail": ...}`` for
    other clients (307: a merged story's old id redirects to its current page)."""
    return {code: ({"description": "Redirect to the story's current id"} if code == 307 else
                   {"description": "Error (HTML for browsers, JSON otherwise)", "content": ERROR_CONTENT})
            for code in codes}


class RenderedPages:
    """Rendered story pages, the most recent ``capacity`` (a bounded, thread-safe map)."""

    def __init__(self, capacity: int = 64) -> None:
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            return self._items.get(key)

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)


def _page_url(params: dict[str, Any], offset: int) -> str:
    query = dict(params) | ({"offset": offset} if offset > 0 else {})
    return "/?" + urllib.parse.urlencode(query) if query else "/"


def render_error(env: jinja2.Environment, status: int, message: str) -> str:
    return env.get_template("error.html.j2").render(status=status, message=message, ingest=False)


__all__ = ["PAGE_WAIT_S", "environment", "pages_router", "render_error"]
