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


def embed_inputs(engine: Engine, inputs: Sequence[Any]) -> np.ndarray:
    """One row per input: the MiniLM vector of what the clusterer embeds (title + the
    first ``EMBED_WORDS`` words). The inputs are the articles the clusterer has not
    seen (``pipeline.update_stories`` builds no others)."""
    from storyline.embed import MODEL_DIM  # noqa: PLC0415
    from storyline.stories.clusterer import EMBED_WORDS  # noqa: PLC0415
    from storyline.stories.features import clip_words  # noqa: PLC0415

    texts = [clip_words(f"{item.title}\n{item.text}", EMBED_WORDS) for item in inputs]
    chunks = [TextChunk(k, tuple(texts[start:start + EMBED_CHUNK]))
              for k, start in enumerate(range(0, len(texts), EMBED_CHUNK))]
    vectors = np.zeros((len(inputs), MODEL_DIM), dtype=np.float32)
    position = 0
    for out in engine.run([EmbedStage()], chunks):
        if isinstance(out, EngineEvent):
            continue
        _, matrix = out
        vectors[position:position + len(matrix)] = matrix
        position += len(matrix)
    if position != len(inputs):
        raise RuntimeError(f"the {engine.name} engine returned {position} of {len(inputs)} embeddings")
    return vectors


__all__ = ["EMBED_CHUNK", "embed_inputs"]
