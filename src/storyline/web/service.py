"""The web app's library side: everything a request needs, without HTTP.

``Service`` owns the per-thread read stores, the writer, the story index, the analysis
cache and (with ingest allowed) the ingest jobs. The HTTP layer (``api.py``,
``pages.py``) only parses requests and renders what these methods return.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import threading
import time
from typing import Any

from storyline import pipeline
from storyline.records import Annotations, Article, Story
from storyline.report.data import analysis_json
from storyline.report.html import story_view
from storyline.settings import Settings
from storyline.web.cache import AnalysedStory, AnalysisCache
from storyline.web.ingest import IngestJobs, uploads_dir
from storyline.web.state import ReadStores, StoryIndex, Writer, load_models
from storyline.web.views import filter_stories

LOGGER = logging.getLogger(__name__)

# Full-text hits looked at when the story list is filtered by words: enough for every
# article of the stories a person pages through, cheap for FTS5 (bm25 over the index).
SEARCH_SCAN = 2000


class Service:
    """Stories, articles, analyses and ingest jobs of one database, for one app.

    Args:
        db: SQLite file or postgresql:// URL.
        settings: ingest settings (``max_file_bytes`` also limits uploads).
        token: the ingest token (None: ingest is not allowed).
        precompute: how many of the newest stories to analyse in the background at start.
    """

    def __init__(self, db: str, *, settings: Settings, token: str | None, precompute: int) -> None:
        self.db = db
        self.settings = settings
        self.token = token
        self.precompute = precompute
        self.readers = ReadStores(db)
        self.writer = Writer(db)
        self.index = StoryIndex()
        self.analyses = AnalysisCache(self._analyse)
        self.jobs = (IngestJobs(self.writer, settings, uploads_dir(db), self.refresh)
                     if token is not None else None)
        self.uploads = uploads_dir(db)
        self._models: Any = None
        self._models_lock = threading.Lock()
        self._starts = 0
        self._start_lock = threading.Lock()

    # ----------------------------------------------------------------- life cycle

    def start(self) -> None:
        """Cluster the stored articles into stories (before the first request is
        served), then analyse the newest stories in the background. Idempotent: a
        second start (a test client beside a live server) shares the first."""
        with self._start_lock:
            self._starts += 1
            if self._starts > 1:
                return
            self.refresh()
            self.analyses.start()
            self.analyses.precompute(self.index.stories[: self.precompute])

    def stop(self) -> None:
        with self._start_lock:
            self._starts -= 1
            if self._starts > 0:
                return
            self.analyses.stop()
            if self.jobs is not None:
                self.jobs.stop()
            self.readers.close()
            self.writer.close()

    def refresh(self) -> None:
        """Re-cluster after the stored articles changed; the entity resolver the
        analyses use is refitted on next use."""
        started = time.perf_counter()
        self.index = self.writer.cluster()
        with self._models_lock:
            self._models = None
        LOGGER.info("%d stories ready in %.1f s", len(self.index.stories), time.perf_counter() - started)

    # ----------------------------------------------------------------- reads

    def stories(self, *, words: str | None = None, outlet: str | None = None,
                date_from: dt.date | None = None, date_to: dt.date | None = None) -> list[Story]:
        """Stories, newest first, filtered (see ``views.filter_stories``)."""
        hits = None
        if words:
            hits = {h["id"] for h in self.readers.get().search(words, limit=SEARCH_SCAN)}
        return filter_stories(self.index.stories, words=words, article_ids=hits, outlet=outlet,
                              date_from=date_from, date_to=date_to)

    def story(self, story_id: str) -> Story | None:
        return self.index.find(story_id)

    def search(self, query: str, limit: int) -> list[dict[str, Any]]:
        return self.readers.get().search(query, limit=limit)

    def article(self, article_id: str) -> tuple[Article, list[dict[str, Any]], Annotations | None] | None:
        """An article, the places it was read from, and its annotations (if any)."""
        store = self.readers.get()
        article = store.article(article_id)
        if article is None:
            return None
        annotations = next(iter(store.annotations([article_id])), None)
        return article, store.sources_of(article_id), annotations

    def stories_of(self, article_id: str) -> list[Story]:
        return self.index.of_article(article_id)

    def outlets(self, limit: int = 100) -> list[str]:
        """The outlets named by most stories (for the list's outlet filter)."""
        return list(self.index.outlets[:limit])

    def check_token(self, given: str | None) -> bool:
        """Constant-time comparison with the ingest token."""
        if self.token is None or not given:
            return False
        return secrets.compare_digest(given.encode("utf-8"), self.token.encode("utf-8"))

    # ----------------------------------------------------------------- analysis

    def _models_for_analysis(self) -> Any:
        with self._models_lock:
            if self._models is None:
                self._models = load_models(self.readers.get())
            return self._models

    def _analyse(self, story: Story) -> AnalysedStory:
        """Runs in the analysis thread (its own read store)."""
        started = time.perf_counter()
        store = self.readers.get()
        [analysis] = pipeline.analyse_stories(store, [story], self._models_for_analysis())
        articles = {a.id: a for a in store.articles([a.id for a in story.articles])}
        encoded = json.dumps(analysis_json(analysis), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return AnalysedStory(analysis, articles, story_view(analysis, articles), encoded,
                             time.perf_counter() - started)


__all__ = ["SEARCH_SCAN", "Service"]
