"""Ingest on an engine: the engine's ordered stream turned back into what
``pipeline.ingest`` stores.

``pipeline.ingest(..., engine=e)`` asks ``EngineIngest`` for two things:

* ``map_files``: the per-file results (``FileResult``), one per file in input order,
  rebuilt from the engine's items (a file's articles, then its ``FileEnd``);
* itself as the annotator: ``annotate(new)`` hands back the annotations the workers
  already computed for the articles the store found new.

So the store, the dedupe index and the decision "new / exact duplicate / already
stored" run exactly as in a local ingest, on the same data in the same order.

Nothing is dropped silently: an article whose annotation failed on every try becomes a
``Rejected`` (stage "annotate") instead of being stored half-done; a file whose items
did not all come back stops the run with an ``EngineError``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from storyline.clean import CleanRules
from storyline.engine.base import Engine, EngineError, EngineEvent, Stage
from storyline.engine.stages import ArticleItem, ArticleStage, FileEnd, FileStage, FileTask
from storyline.records import Annotations, Article, Rejected
from storyline.settings import Settings

LOGGER = logging.getLogger(__name__)

_LINE = re.compile(r"^line (\d+)$")


class EngineIngest:
    """One ingest run's link between an engine and ``pipeline.ingest``.

    Args:
        engine: where the per-file and per-article stages run.
        store: the open store (its article ids are read once, so articles stored by an
            earlier, interrupted run are not annotated again).
        annotate: run the language layer on the engine too.
        on_worked: called with the number of articles that came back from the
            workers (before they are stored), for a progress display.
    """

    def __init__(self, engine: Engine, store: Any, *, annotate: bool,
                 on_worked: Callable[[int], None] | None = None) -> None:
        self.engine = engine
        self.annotate_on_engine = annotate
        self.known = frozenset(row[0] for row in store.signatures()) if annotate else frozenset()
        self.on_worked = on_worked or (lambda n: None)
        self.worked = 0
        self._computed: dict[str, Annotations] = {}
        self._fallback: Any = None

    def stages(self, settings: Settings, rules: CleanRules) -> list[Stage]:
        stages: list[Stage] = [FileStage(settings, rules)]
        if self.annotate_on_engine:
            stages.append(ArticleStage(self.known))
        return stages

    def map_files(self, func: Any, files: list[Path], settings: Settings,
                  rules: CleanRules) -> Iterator[Any]:
        """``FileResult`` per file, in input order (``func`` is ``process_file``, which
        ``FileStage`` runs on the workers)."""
        from storyline.pipeline import FileResult  # noqa: PLC0415 - pipeline imports this module lazily

        tasks = [FileTask(i, str(path)) for i, path in enumerate(files)]
        items: list[ArticleItem] = []
        expected = 0
        for out in self.engine.run(self.stages(settings, rules), tasks):
            if isinstance(out, EngineEvent):
                continue  # counted and logged by the engine (engine.stats)
            if isinstance(out, ArticleItem):
                items.append(out)
                self.worked += 1
                self.on_worked(self.worked)
                continue
            if not isinstance(out, FileEnd) or out.file_index != expected or out.articles != len(items):
                raise EngineError(f"the engine lost items of {files[min(expected, len(files) - 1)]} "
                                  f"(got {type(out).__name__}); nothing of that file was stored")
            stored, failed = self._articles(items)
            yield FileResult(out.path, out.size, stored, out.rejected + failed)
            items = []
            expected += 1
        if expected != len(files):
            raise EngineError(f"{len(files) - expected} of {len(files)} files never came back from the "
                              f"{self.engine.name} engine; nothing of them was stored")

    def _articles(self, items: list[ArticleItem]) -> tuple[tuple[Any, ...], tuple[Rejected, ...]]:
        """A file's articles for the store, and its articles that failed, as Rejected."""
        stored, failed = [], []
        for item in items:
            if item.failure is not None:
                failed.append(_rejected(item.article, item.failure))
                continue
            stored.append((item.article, item.signature))
            if item.annotations is not None:
                # Exact duplicates share an id (the hash of the normalised text) but may
                # differ in case or spacing; the store keeps the first, so its
                # annotations (spans into its own text) are the ones to keep.
                self._computed.setdefault(item.article.id, item.annotations)
        return tuple(stored), tuple(failed)

    def annotate(self, articles: list[Article]) -> Iterator[Annotations]:
        """The workers' annotations of the articles the store found new (the
        ``Annotator`` interface ``pipeline.ingest`` calls once per stored batch)."""
        found = [self._computed.pop(a.id, None) for a in articles]
        # Every file read so far is in this batch or an earlier one (pipeline.ingest stores
        # as soon as a batch is full), so what is left belongs to articles that were not
        # new (exact duplicates, already stored): drop it.
        self._computed.clear()
        missing = [a for a, ann in zip(articles, found) if ann is None]
        if missing:
            # Stored when the run began but not any more (another writer): annotate here.
            extra = {ann.article_id: ann for ann in self._local().annotate(missing)}
            found = [ann if ann is not None else extra[a.id] for a, ann in zip(articles, found)]
        return iter([ann for ann in found if ann is not None])

    def _local(self) -> Any:
        if self._fallback is None:
            from storyline.pipeline import Annotator  # noqa: PLC0415

            self._fallback = Annotator()
        return self._fallback


def _rejected(article: Article, reason: str) -> Rejected:
    match = _LINE.match(article.locator or "")
    where = "" if match or not article.locator else f"{article.locator}: "
    return Rejected(article.source, f"{where}{reason}", stage="annotate",
                    line=int(match.group(1)) if match else None)


__all__ = ["EngineIngest"]
