"""The per-file and per-article stages an engine runs, and the items between them.

    FileTask ──FileStage──▶ ArticleItem... + FileEnd          parse, clean, sign (process_file)
    ArticleItem ──ArticleStage──▶ ArticleItem (+ annotations)  the language layer (spaCy)
    TextChunk ──EmbedStage──▶ vectors                          MiniLM, for story clustering

Every item carries the index of the file it came from, and a file's items arrive in
order followed by its ``FileEnd``, so the driver can rebuild each file's result and
store it in input order: the corpus-wide steps then see exactly what a local run sees.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

from storyline.clean import CleanRules
from storyline.engine.base import Stage
from storyline.records import Annotations, Article, Rejected, Signature
from storyline.settings import Settings

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FileTask:
    """One input file, numbered in input order."""

    index: int
    path: str


@dataclass(frozen=True, slots=True)
class ArticleItem:
    """One cleaned article of file ``file_index``; ``annotations`` once annotated,
    ``failure`` (the reason) if its per-article stage failed on every try."""

    file_index: int
    article: Article
    signature: Signature
    annotations: Annotations | None = None
    failure: str | None = None


@dataclass(frozen=True, slots=True)
class FileEnd:
    """The last item of a file: its size, what was rejected, how many articles came."""

    file_index: int
    path: str
    size: int
    articles: int
    rejected: tuple[Rejected, ...] = ()


@dataclass(frozen=True, slots=True)
class TextChunk:
    """Texts embedded together. The caller fixes the chunks, so every engine runs the
    model on the same batches and gets bit-identical vectors (padding in a batch
    changes the last bits of a vector)."""

    index: int
    texts: tuple[str, ...]


@dataclass(frozen=True)
class FileStage(Stage):
    """Read, clean and sign one file (``pipeline.process_file``): light, no model."""

    settings: Settings
    rules: CleanRules
    name: ClassVar[str] = "parse"
    batch_size: ClassVar[int] = 1  # a file can hold thousands of articles

    def accepts(self, item: Any) -> bool:
        return isinstance(item, FileTask)

    def run(self, state: Any, items: list[Any]) -> list[list[Any]]:
        from storyline.pipeline import process_file  # noqa: PLC0415 - pipeline imports engines lazily

        outputs = []
        for task in items:
            result = process_file(Path(task.path), self.settings, self.rules)
            found: list[Any] = [ArticleItem(task.index, article, sig) for article, sig in result.articles]
            found.append(FileEnd(task.index, result.path, result.size, len(result.articles), result.rejected))
            outputs.append(found)
        return outputs

    def failed(self, item: Any, reason: str) -> list[Any]:
        return [FileEnd(item.index, item.path, _size(item.path), 0,
                        (Rejected(item.path, f"skipped: {reason}", stage="engine"),))]


@dataclass(frozen=True)
class ArticleStage(Stage):
    """The language layer on each article, the model loaded once per worker. Articles
    whose id is in ``known`` (already stored when the run began) are not annotated
    again: the store keeps their annotations, and a resumed run skips that work."""

    known: frozenset[str] = frozenset()
    name: ClassVar[str] = "annotate"
    batch_size: ClassVar[int] = 32  # spaCy's own nlp.pipe batch
    heavy: ClassVar[bool] = True

    def load(self, threads: int | None = None) -> Any:
        from storyline import annotate  # noqa: PLC0415 - spaCy: heavy, only where it runs

        limit_threads(threads)
        return annotate.load_model(), annotate.load_rules()

    def accepts(self, item: Any) -> bool:
        return isinstance(item, ArticleItem) and item.annotations is None and item.failure is None

    def run(self, state: Any, items: list[Any]) -> list[list[Any]]:
        from storyline.annotate import annotate_many  # noqa: PLC0415

        nlp, rules = state
        todo = [i for i, item in enumerate(items) if item.article.id not in self.known]
        # By position, not by id: two copies of one article (same id) may differ in their
        # publication date, which anchors relative dates ("Saturday"), so each item keeps
        # the annotations of its own copy.
        done = dict(zip(todo, annotate_many([items[i].article for i in todo], nlp, rules), strict=True))
        return [[replace(item, annotations=done.get(i))] for i, item in enumerate(items)]

    def failed(self, item: Any, reason: str) -> list[Any]:
        return [replace(item, failure=reason)]


@dataclass(frozen=True)
class EmbedStage(Stage):
    """Sentence embeddings (the packaged MiniLM) of each chunk of texts."""

    max_tokens: int | None = None
    name: ClassVar[str] = "embed"
    batch_size: ClassVar[int] = 1  # one TextChunk: the chunking is the caller's
    heavy: ClassVar[bool] = True

    def load(self, threads: int | None = None) -> Any:
        from storyline.embed import DEFAULT_MAX_TOKENS, load_model  # noqa: PLC0415

        model = load_model(self.max_tokens or DEFAULT_MAX_TOKENS)
        limit_threads(threads)  # after the load: torch is imported by then
        return model

    def accepts(self, item: Any) -> bool:
        return isinstance(item, TextChunk)

    def run(self, state: Any, items: list[Any]) -> list[list[Any]]:
        from storyline.embed import DEFAULT_MAX_TOKENS, embed_texts  # noqa: PLC0415

        tokens = self.max_tokens or DEFAULT_MAX_TOKENS
        return [[(chunk.index, embed_texts(list(chunk.texts), max_tokens=tokens))] for chunk in items]

    def failed(self, item: Any, reason: str) -> list[Any]:
        # Story clustering cannot go on with a hole in its vectors: stop with the reason.
        raise RuntimeError(f"embedding chunk {item.index} failed: {reason}")


def limit_threads(threads: int | None) -> None:
    """Cap the math libraries' threads in a worker: two workers with two BLAS/torch
    threads each on two cores fight for them (and vectors do not depend on the count)."""
    if not threads:
        return
    try:
        from threadpoolctl import threadpool_limits  # noqa: PLC0415 - comes with scikit-learn

        threadpool_limits(limits=threads)
    except ImportError:
        LOGGER.debug("threadpoolctl not installed: BLAS threads left as they are")
    torch = sys.modules.get("torch")  # only where it is used: importing it costs ~1 s
    if torch is not None:
        torch.set_num_threads(threads)


def _size(path: str) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0


__all__ = ["ArticleItem", "ArticleStage", "EmbedStage", "FileEnd", "FileStage", "FileTask", "TextChunk",
           "limit_threads"]
