"""What one web app process holds: read connections, the story index, the writer.

Requests read through one read-only store per thread (SQLite connections must not be
shared by threads that use them at the same time; datasette does the same). Writes —
story clustering at start-up and after an ingest, the ingest itself — go through a
single writer store behind one lock. The story index is an immutable snapshot that a
refresh replaces whole, so a request never sees half of a re-clustering.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from storyline import pipeline
from storyline.records import Story
from storyline.store import Store, open_store

LOGGER = logging.getLogger(__name__)


class ReadStores:
    """One read-only store per thread, opened on first use, all closed by ``close``."""

    def __init__(self, db: str) -> None:
        self._db = db
        self._local = threading.local()
        self._opened: list[Store] = []
        self._lock = threading.Lock()

    def get(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is None:
            store = open_store(self._db, read_only=True)
            self._local.store = store
            with self._lock:
                self._opened.append(store)
        return store

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for store in opened:
            store.close()


@dataclass(frozen=True, slots=True)
class StoryIndex:
    """The stories of the database, newest activity first, as clustering left them,
    with what the pages look up on every request worked out once."""

    stories: tuple[Story, ...] = ()
    by_id: dict[str, Story] = field(default_factory=dict)
    merged: dict[str, str] = field(default_factory=dict)
    by_article: dict[str, tuple[str, ...]] = field(default_factory=dict)
    outlets: tuple[str, ...] = ()

    @classmethod
    def from_stories(cls, stories: Iterable[Story], merged: dict[str, str] | None = None) -> StoryIndex:
        listed = tuple(stories)
        by_article: dict[str, list[str]] = {}
        counts: dict[str, int] = {}
        for story in listed:
            for article in story.articles:
                by_article.setdefault(article.id, []).append(story.id)
            for outlet in story.outlets:
                counts[outlet] = counts.get(outlet, 0) + 1
        # Outlets named by most stories first (the list page's outlet filter).
        outlets = tuple(sorted(counts, key=lambda o: (-counts[o], o.casefold())))
        return cls(listed, {s.id: s for s in listed}, dict(merged or {}),
                   {k: tuple(v) for k, v in by_article.items()}, outlets)

    def find(self, story_id: str) -> Story | None:
        """The story with this id, or with the id a merged-away story now lives under."""
        return self.by_id.get(self.merged.get(story_id, story_id))

    def of_article(self, article_id: str) -> list[Story]:
        return [self.by_id[s] for s in self.by_article.get(article_id, ())]


class Writer:
    """The single writing store, used under one lock by clustering and ingest."""

    def __init__(self, db: str) -> None:
        self._db = db
        self._store: Store | None = None
        self.lock = threading.RLock()

    def store(self) -> Store:
        """The writer store (caller holds ``lock``); opened (and migrated) on first use."""
        if self._store is None:
            self._store = open_store(self._db)
        return self._store

    def cluster(self) -> StoryIndex:
        """Bring the stories up to date with the stored articles (incremental: ids stay
        stable) and return the new index."""
        with self.lock:
            clusterer = pipeline.update_stories(self.store())
        return StoryIndex.from_stories(clusterer.stories_, clusterer.merged_into_)

    def close(self) -> None:
        with self.lock:
            if self._store is not None:
                self._store.close()
                self._store = None


def load_models(store: Store) -> Any:
    """The analysis models without annotating the whole database first (on a database
    ingested with ``--no-annotate`` that would take hours before the first page;
    ``pipeline.analyse_stories`` annotates a story's missing articles itself)."""
    return pipeline.analysis_models(store, annotate_missing=False)


__all__ = ["ReadStores", "StoryIndex", "Writer", "load_models"]
