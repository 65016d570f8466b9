"""Events inside a story, and the words a story or event is shown with.

Inside a story every article is like every other on the topic words, so what tells two
events apart is *which* articles each one is most like. ``cluster_events`` therefore
blends the first-order similarity with a second-order one (the cosine between two
articles' top-k neighbour profiles) before average-link clustering: on ECB+ dev topics
this lifts event-level B-cubed F1 from ~0.90 to ~0.95 (bench/ecb_clustering.py).
"""

from __future__ import annotations

import logging
import re

import numpy as np

LOGGER = logging.getLogger(__name__)

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’]?\s+(?=[A-Z\"“‘'])")
DESCRIPTION_CHARS = 220


def time_kernel(days: np.ndarray, grace_days: float, scale_days: float) -> np.ndarray:
    """Pairwise factor in (0, 1]: 1 within ``grace_days``, then decaying with the gap.

    Pairs where either article has no date get 1: no time evidence either way.
    """
    gap = np.abs(days[:, None] - days[None, :])
    factor = np.exp(-np.clip(gap - grace_days, 0.0, None) / scale_days)
    return np.where(np.isnan(gap), 1.0, factor)


def neighbour_profile_similarity(sim: np.ndarray, k: int) -> np.ndarray:
    """Cosine between rows of ``sim`` kept at their top ``k`` entries (self included).

    ``k`` is capped at half the group: a profile that covers most of the group says
    nothing about which part of it an article belongs to (in a five-article story,
    five-neighbour profiles would make every article look like every other)."""
    n = len(sim)
    k = max(1, min(k, (n + 1) // 2))
    sim = np.clip(sim, 0.0, None)
    np.fill_diagonal(sim, 1.0)
    top = np.argpartition(-sim, k - 1, axis=1)[:, :k]
    profile = np.zeros_like(sim)
    rows = np.arange(n)[:, None]
    profile[rows, top] = sim[rows, top]
    profile /= np.linalg.norm(profile, axis=1, keepdims=True) + 1e-12
    return profile @ profile.T


def cluster_events(sim: np.ndarray, threshold: float, neighbours: int, mix: float) -> np.ndarray:
    """Event labels (0..m-1) of the articles whose pairwise similarity is ``sim``.

    Args:
        sim: symmetric first-order similarity in [0, 1] (time factor applied).
        threshold: average-link similarity at which two groups stop merging.
        neighbours: k of the neighbour profiles.
        mix: weight of the first-order similarity in the blend (the rest is second-order).

    Returns:
        One label per row, numbered in order of first appearance.
    """
    n = len(sim)
    if n == 1:
        return np.zeros(1, dtype=np.int64)
    from scipy.cluster.hierarchy import fcluster, linkage  # noqa: PLC0415
    from scipy.spatial.distance import squareform  # noqa: PLC0415

    blended = mix * sim + (1.0 - mix) * neighbour_profile_similarity(sim.copy(), neighbours)
    distance = np.clip(1.0 - blended, 0.0, None)
    np.fill_diagonal(distance, 0.0)
    distance = (distance + distance.T) / 2.0
    labels = fcluster(linkage(squareform(distance, checks=False), "average"),
                      1.0 - threshold, criterion="distance")
    _, first = np.unique(labels, return_index=True)
    order = {labels[i]: rank for rank, i in enumerate(sorted(first))}
    return np.array([order[label] for label in labels], dtype=np.int64)


def central_member(vectors: np.ndarray) -> int:
    """Index of the row most similar to the mean row (the most typical article)."""
    centroid = vectors.sum(axis=0)
    return int(np.argmax(vectors @ centroid))


def first_sentence(text: str, title: str = "") -> str:
    """The first sentence of ``text`` that is not the title, trimmed for one line."""
    for line in text.splitlines():
        line = line.strip()
        if not line or line == title.strip() or len(line.split()) < 5:
            continue
        sentence = _SENTENCE_END.split(line, maxsplit=1)[0].strip()
        if len(sentence) > DESCRIPTION_CHARS:
            sentence = sentence[:DESCRIPTION_CHARS].rsplit(" ", 1)[0] + " …"
        return sentence
    return ""
