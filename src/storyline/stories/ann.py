"""Approximate nearest-neighbour search over article vectors (candidate stories).

Each article's candidate stories are the stories of its nearest earlier articles, so
assigning n articles costs about n ANN queries instead of n^2 comparisons. Backends:
``hnswlib`` (default), ``usearch``, and ``exact`` (brute force; the reference).

Chosen by measurement on this 2-core machine (bench/stories_scale.py --ann-speed,
20k x 640-d, one add batch of 1,000 and one query at a time as the clusterer does):
hnswlib added in 74 s and answered in 3.0 ms, usearch 206 s and 8.7 ms, at the same
recall. With usearch the 100k stream ran at ~30 articles/s, with hnswlib ~150.

Vectors are unit length; similarities returned are cosines.
"""

from __future__ import annotations

import logging

import numpy as np

from storyline.errors import ConfigError

LOGGER = logging.getLogger(__name__)

BACKENDS = ("usearch", "hnswlib", "exact")
# HNSW graph degree and build/search breadth. Build breadth 64 (not 128) halves the
# add cost; candidates only need the few nearest earlier articles of each story.
CONNECTIVITY = 16
EXPANSION_ADD = 64
EXPANSION_SEARCH = 64


class AnnIndex:
    """A growing cosine index with integer keys; ``search`` returns (keys, sims), -1 = none."""

    def __init__(self, dim: int, backend: str = "usearch") -> None:
        if backend not in BACKENDS:
            raise ConfigError(f"ann backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
        self.dim = dim
        self.backend = backend
        self.size = 0
        self._index = self._make()
        self._exact = np.zeros((0, dim), dtype=np.float32)

    def _make(self):  # -> backend index or None
        if self.backend == "usearch":
            from usearch.index import Index  # noqa: PLC0415

            return Index(ndim=self.dim, metric="cos", dtype="f32", connectivity=CONNECTIVITY,
                         expansion_add=EXPANSION_ADD, expansion_search=EXPANSION_SEARCH)
        if self.backend == "hnswlib":
            import hnswlib  # noqa: PLC0415

            index = hnswlib.Index(space="cosine", dim=self.dim)
            index.init_index(max_elements=1024, ef_construction=EXPANSION_ADD, M=CONNECTIVITY)
            index.set_ef(EXPANSION_SEARCH)
            return index
        return None

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under integer keys (keys are 0, 1, 2 ... in arrival order)."""
        if len(keys) == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self.backend == "usearch":
            self._index.add(np.asarray(keys, dtype=np.uint64), vectors)
        elif self.backend == "hnswlib":
            needed = self.size + len(keys)
            if needed > self._index.get_max_elements():
                self._index.resize_index(max(needed, 2 * self._index.get_max_elements()))
            self._index.add_items(vectors, np.asarray(keys, dtype=np.int64))
        else:
            self._exact = np.vstack([self._exact, vectors])
        self.size += len(keys)

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest stored keys of each query row, with cosine similarities."""
        n = len(vectors)
        keys = np.full((n, k), -1, dtype=np.int64)
        sims = np.zeros((n, k), dtype=np.float32)
        if self.size == 0 or n == 0:
            return keys, sims
        kk = min(k, self.size)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self.backend == "usearch":
            found = self._index.search(vectors, kk)
            got_keys = np.asarray(found.keys, dtype=np.int64).reshape(n, -1)
            got_dist = np.asarray(found.distances, dtype=np.float32).reshape(n, -1)
            # one query answers a Matches (no .counts), several a BatchMatches
            counts = np.asarray(getattr(found, "counts", [len(found.keys)])).reshape(n)
            for i in range(n):
                c = int(counts[i])
                keys[i, :c], sims[i, :c] = got_keys[i, :c], 1.0 - got_dist[i, :c]
        elif self.backend == "hnswlib":
            got_keys, got_dist = self._index.knn_query(vectors, k=kk)
            keys[:, :kk], sims[:, :kk] = got_keys, 1.0 - got_dist
        else:
            scores = vectors @ self._exact.T
            top = np.argsort(-scores, axis=1)[:, :kk]
            keys[:, :kk] = top
            sims[:, :kk] = np.take_along_axis(scores, top, axis=1)
        return keys, sims
