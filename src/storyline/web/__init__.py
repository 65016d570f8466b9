"""web: the browser pages and the JSON API (``storyline serve``).

    app.py      create_app(db) -> FastAPI: routes, security headers, error shape
    api.py      /api/stories, /api/stories/{id}, /api/articles/{id}, /api/search, /api/ingest
    pages.py    /, /stories/{id}, /articles/{id}, /ingest (Jinja2 templates/, static/)
    service.py  what requests read: story index, per-thread read stores, analysis cache
    cache.py    story analyses computed once in a background thread
    ingest.py   uploads, feed fetching and background ingest jobs
    views.py    view models: story summaries and filters, the highlighted article
"""

from __future__ import annotations

from storyline.web.app import create_app

__all__ = ["create_app"]
