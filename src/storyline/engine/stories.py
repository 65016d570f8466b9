"""Story clustering with the sentence embeddings computed on an engine.

Clustering itself needs every article at once and stays in the driver; the MiniLM
embedding of each article (title + first words) is per article, the costly part, and
runs on the engine. The texts are cut into fixed chunks of ``EMBED_CHUNK`` in input
order, so every engine embeds the same batches and hands the clusterer bit-identical
vectors: the same stories, ids and members on every engine.

``pipeline.update_stories(store, engine=...)`` calls ``embed_inputs`` and hands the
vectors to the fit; a test checks that they give the stories of the in-process path.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from storyline.engine.base import Engine, EngineEvent
from storyline.engine.stages import EmbedStage, TextChunk

LOGGER = logging.getLogger(__name__)

EMBED_CHUNK = 32  # texts per model call: sentence-transformers' default batch


def update_stories(store: Any, engine: Engine, *, recluster: bool = False) -> Any:
    """``pipeline.update_stories`` with the embeddings computed on ``engine``; returns
    the fitted ``StoryClusterer`` (``stories_``, ``assignments_``, ``events_``)."""
    from storyline.pipeline import update_stories as update  # noqa: PLC0415 - pipeline imports engines lazily

    return update(store, recluster=recluster, engine=engine)


def embed_inputs(engine: Engine, inputs: Sequence[Any], seen: set[str]) -> np.ndarray:
    """One row per input: the MiniLM vector of what the clusterer embeds (title + the
    first ``EMBED_WORDS`` words), zeros for inputs it has seen already (it skips them)."""
    from storyline.embed import MODEL_DIM  # noqa: PLC0415
    from storyline.stories.clusterer import EMBED_WORDS  # noqa: PLC0415
    from storyline.stories.features import clip_words  # noqa: PLC0415

    rows: list[int] = []
    wanted = set(seen)
    for i, item in enumerate(inputs):
        if item.article_id not in wanted:
            wanted.add(item.article_id)
            rows.append(i)
    texts = [clip_words(f"{inputs[i].title}\n{inputs[i].text}", EMBED_WORDS) for i in rows]
    chunks = [TextChunk(k, tuple(texts[start:start + EMBED_CHUNK]))
              for k, start in enumerate(range(0, len(texts), EMBED_CHUNK))]
    vectors = np.zeros((len(inputs), MODEL_DIM), dtype=np.float32)
    position = 0
    for out in engine.run([EmbedStage()], chunks):
        if isinstance(out, EngineEvent):
            continue
        _, matrix = out
        vectors[rows[position:position + len(matrix)]] = matrix
        position += len(matrix)
    if position != len(rows):
        raise RuntimeError(f"the {engine.name} engine returned {position} of {len(rows)} embeddings")
    return vectors


__all__ = ["EMBED_CHUNK", "embed_inputs", "update_stories"]
