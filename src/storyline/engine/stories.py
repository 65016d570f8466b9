"""Story clustering with the sentence embeddings computed on an engine.

Clustering itself needs every article at once and stays in the driver; the MiniLM
embedding of each article (title + first words) is per article, the costly part, and
runs on the engine. The texts are cut into fixed chunks of ``EMBED_CHUNK`` in input
order, so every engine embeds the same batches and hands the clusterer bit-identical
vectors: the same stories, ids and members on every engine.

``update_stories`` does what ``pipeline.update_stories`` does (state from the store,
``fit`` or ``partial_fit``, state back) and only adds ``embeddings=`` to the fit; a
test checks that both give the same stories.
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
    """Cluster the stored articles into stories, embedding them on ``engine``.

    Args:
        store: an open store; the clusterer's state is read from it and written back.
        engine: where the embeddings are computed.
        recluster: start from scratch instead of adding to the stored state.

    Returns:
        The fitted ``StoryClusterer`` (``stories_``, ``assignments_``, ``events_``).
    """
    from storyline.pipeline import story_inputs  # noqa: PLC0415 - pipeline imports engines lazily
    from storyline.stories import StoryClusterer  # noqa: PLC0415

    state = None if recluster else store.story_state()
    clusterer = StoryClusterer.from_state(state) if state else StoryClusterer()
    inputs = story_inputs(store)
    fresh = recluster or state is None
    seen: set[str] = set() if fresh else set(getattr(clusterer, "article_ids_", ()))
    vectors = embed_inputs(engine, inputs, seen) if clusterer.embedding == "minilm" else None
    clusterer = clusterer.fit(inputs, vectors) if fresh else clusterer.partial_fit(inputs, vectors)
    with store.atomic():
        store.put_story_state(clusterer.to_state(), len(inputs))
    return clusterer


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
