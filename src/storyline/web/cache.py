"""Story analyses computed once, in one background thread, kept in memory.

Analysing a story costs seconds (spaCy parses, MiniLM embeddings), so the web app
never does it inside a request: a request asks the cache for a ``Future`` and waits on
it (the API) or shows a "being analysed" page that refreshes itself (the story page).
One worker thread runs the analyses — the models are loaded once and the machine's
cores are few — in priority order: a story someone is looking at goes before the
newest stories precomputed at start-up.

The key is (story id, the story's article ids): articles are immutable (their id is a
hash of their text), so when an ingest adds an article to a story the key changes and
the story is analysed again, and an unchanged story keeps its analysis.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from storyline.records import Article, Story, StoryAnalysis

LOGGER = logging.getLogger(__name__)

Key = tuple[str, tuple[str, ...]]
URGENT, BACKGROUND = 0, 1


@dataclass(frozen=True, slots=True)
class AnalysedStory:
    """A story's analysis, its articles, the page's view model built from them, and
    the API's JSON (``report.data.analysis_json``) already encoded."""

    analysis: StoryAnalysis
    articles: dict[str, Article]
    view: dict[str, Any]
    json: bytes
    seconds: float


def cache_key(story: Story) -> Key:
    return story.id, tuple(sorted(a.id for a in story.articles))


class AnalysisCache:
    """Futures of analyses by ``cache_key``, computed by one worker thread.

    Args:
        compute: story -> AnalysedStory (runs in the worker thread).
        capacity: analyses kept; the least recently requested finished ones go first.
    """

    def __init__(self, compute: Callable[[Story], AnalysedStory], capacity: int = 64) -> None:
        self._compute = compute
        self._capacity = capacity
        self._futures: OrderedDict[Key, Future[AnalysedStory]] = OrderedDict()
        self._started: dict[Key, float] = {}
        self._queue: queue.PriorityQueue[tuple[int, int, Key | None, Story | None]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="storyline-analysis", daemon=True)
            self._thread.start()

    def stop(self, timeout: float | None = 600.0) -> None:
        """Cancel the queued analyses and wait for the running one to finish: a torch
        thread still running when the interpreter exits aborts the process."""
        with self._lock:
            for future in self._futures.values():
                future.cancel()  # a running future is not cancelled, the queued ones are
            running = [key for key in self._started]
        self._queue.put((-1, -1, None, None))
        if self._thread is not None:
            if running:
                LOGGER.warning("waiting for the analysis of story %s to finish", running[0][0])
            self._thread.join(timeout)
            self._thread = None

    def request(self, story: Story, *, urgent: bool = True) -> Future[AnalysedStory]:
        """The future analysis of ``story``, queued if it is not cached or under way."""
        key = cache_key(story)
        with self._lock:
            future = self._futures.get(key)
            if future is None:
                future = Future()
                self._futures[key] = future
                self._evict()
            self._futures.move_to_end(key)
            if not future.done() and not future.running():
                # Queued again when urgent: the worker skips entries already taken.
                self._queue.put((URGENT if urgent else BACKGROUND, next(self._order), key, story))
        return future

    def precompute(self, stories: Iterable[Story]) -> None:
        for story in stories:
            self.request(story, urgent=False)

    def running_for(self, story: Story) -> float | None:
        """Seconds the analysis of ``story`` has been running, or None if it is not."""
        started = self._started.get(cache_key(story))
        return None if started is None else time.monotonic() - started

    def _evict(self) -> None:
        finished = [k for k, f in self._futures.items() if f.done()]
        for key in finished[: max(0, len(self._futures) - self._capacity)]:
            del self._futures[key]

    def _work(self) -> None:
        while True:
            _, _, key, story = self._queue.get()
            if key is None or story is None:
                return
            with self._lock:
                future = self._futures.get(key)
                if future is None or future.done() or future.running():
                    continue
                if not future.set_running_or_notify_cancel():
                    continue
                self._started[key] = time.monotonic()
            self._run(key, story, future)

    def _run(self, key: Key, story: Story, future: Future[AnalysedStory]) -> None:
        try:
            result = self._compute(story)
        except Exception as exc:  # noqa: BLE001 - reported to every waiter, then retried on demand
            LOGGER.exception("analysis of story %s failed", story.id)
            with self._lock:
                self._futures.pop(key, None)  # the next request tries again
            future.set_exception(exc)
        else:
            LOGGER.info("analysed story %s (%d articles) in %.1f s", story.id, len(story.articles),
                        result.seconds)
            future.set_result(result)
        finally:
            self._started.pop(key, None)


__all__ = ["AnalysedStory", "AnalysisCache", "cache_key"]
