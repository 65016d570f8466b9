"""Per-article features for story clustering, and the sparse arithmetic on them.

Three sparse channels, each hashed (so the vocabulary is never fixed and a stream can
go on forever) and weighted by a *running* IDF that the clusterer keeps:

- ``words``: word unigrams + bigrams of title + text (English stop words removed);
- ``names``: capitalised words and numbers — a language-light stand-in for the names,
  places, magnitudes and dates that tell two events of the same kind apart (two
  earthquakes: different places, magnitudes, dates). On ECB+ dev it separates the two
  events of a topic better than all words (pair AUC 0.91 vs 0.90, bench/ecb_clustering.py);
- ``entities``: the canonical entity keys the annotate stage gives (may be empty).

A sparse vector is a pair ``(indices, values)`` of sorted int32 / float32 arrays: the
story centroids are sums of such vectors, updated in place of a scipy matrix because
a join touches a few hundred entries and scipy's per-call overhead would dominate.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer

LOGGER = logging.getLogger(__name__)

N_FEATURES = 2**20
# Words read per article: news leads carry the story; the tail adds cost, not signal.
MAX_WORDS = 400
Sparse = tuple[np.ndarray, np.ndarray]

_NAME_TOKEN = re.compile(r"\b(?:[A-Z][a-z][\w'\-]*|[A-Z]{2,}|\d[\d.,]*\d|\d)\b")
# Capitalised function words start sentences; they are not names.
_NOT_NAMES = frozenset(
    "the a an in on at for to of and but he she it they we i this that these those his her "
    "their its our as by with from after before when while if mr mrs ms says said there "
    "what who why how".split())


def name_tokens(text: str) -> list[str]:
    """Capitalised words and numbers of ``text``, lower-cased (the ``names`` channel)."""
    out = []
    for match in _NAME_TOKEN.finditer(text):
        token = match.group(0).lower()
        if token not in _NOT_NAMES:
            out.append(token)
    return out


def entity_tokens(keys: Sequence[str]) -> list[str]:
    """Entity keys as tokens (one per mention key, so repeats weigh in via tf)."""
    return [key.strip().lower() for key in keys if key.strip()]


def make_vectorizers() -> dict[str, HashingVectorizer]:
    """The three hashing vectorizers (stateless: nothing to persist)."""
    common = {"n_features": N_FEATURES, "alternate_sign": False, "norm": None, "dtype": np.float32}
    return {
        "words": HashingVectorizer(ngram_range=(1, 2), stop_words="english", **common),
        "names": HashingVectorizer(analyzer=name_tokens, **common),
        "entities": HashingVectorizer(analyzer=entity_tokens, **common),
    }


def clip_words(text: str, max_words: int = MAX_WORDS) -> str:
    """The first ``max_words`` words of ``text``."""
    parts = text.split(maxsplit=max_words)
    return " ".join(parts[:max_words])


def count_rows(vectorizer: HashingVectorizer, docs: Sequence) -> list[Sparse]:
    """Sublinear term frequencies (1 + log tf) per document, as sparse pairs."""
    matrix = vectorizer.transform(docs).tocsr()
    matrix.sort_indices()
    rows = []
    for i in range(matrix.shape[0]):
        start, end = matrix.indptr[i], matrix.indptr[i + 1]
        values = 1.0 + np.log(matrix.data[start:end])
        rows.append((matrix.indices[start:end].astype(np.int32), values.astype(np.float32)))
    return rows


def idf(df: np.ndarray, n_docs: int, indices: np.ndarray) -> np.ndarray:
    """Smoothed IDF (scikit-learn's formula) of the given features."""
    return (np.log((1.0 + n_docs) / (1.0 + df[indices])) + 1.0).astype(np.float32)


def weigh(row: Sparse, df: np.ndarray, n_docs: int) -> Sparse:
    """A tf row weighted by IDF and scaled to unit length (empty stays empty)."""
    indices, tf = row
    if indices.size == 0:
        return row
    values = tf * idf(df, n_docs, indices)
    norm = float(np.sqrt(np.dot(values, values)))
    return indices, (values / norm).astype(np.float32)


def sparse_dot(a: Sparse, b: Sparse) -> float:
    """Dot product of two sorted sparse pairs."""
    (ai, av), (bi, bv) = a, b
    if ai.size == 0 or bi.size == 0:
        return 0.0
    if ai.size > bi.size:
        (ai, av), (bi, bv) = (bi, bv), (ai, av)
    pos = np.searchsorted(bi, ai)
    pos[pos >= bi.size] = 0
    hit = bi[pos] == ai
    return float(np.dot(av[hit], bv[pos[hit]]))


def sparse_dots(a: Sparse, rows: Sequence[Sparse]) -> np.ndarray:
    """Dot products of ``a`` with each of ``rows`` in one vectorised pass."""
    out = np.zeros(len(rows), dtype=np.float64)
    ai, av = a
    if ai.size == 0 or not rows:
        return out
    sizes = [r[0].size for r in rows]
    if not sum(sizes):
        return out
    indices = np.concatenate([r[0] for r in rows])
    values = np.concatenate([r[1] for r in rows])
    owner = np.repeat(np.arange(len(rows)), sizes)
    pos = np.searchsorted(ai, indices)
    pos[pos >= ai.size] = 0
    hit = ai[pos] == indices
    np.add.at(out, owner[hit], values[hit] * av[pos[hit]])
    return out


def sparse_add(a: Sparse, b: Sparse) -> Sparse:
    """Sum of two sorted sparse pairs."""
    if a[0].size == 0:
        return b
    if b[0].size == 0:
        return a
    indices = np.concatenate([a[0], b[0]])
    values = np.concatenate([a[1], b[1]])
    order = np.argsort(indices, kind="stable")
    indices, values = indices[order], values[order]
    unique, starts = np.unique(indices, return_index=True)
    return unique, np.add.reduceat(values, starts).astype(np.float32)


def rows_to_csr(rows: Sequence[Sparse], compact: bool = False):  # -> scipy.sparse.csr_matrix
    """Stack sparse pairs into a CSR matrix.

    With ``compact`` the columns are renumbered to the features actually used: a
    product with the transpose then costs nothing for the 2^20 empty columns."""
    from scipy.sparse import csr_matrix  # noqa: PLC0415

    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([r[0].size for r in rows])
    indices = np.concatenate([r[0] for r in rows]) if rows else np.zeros(0, np.int32)
    data = np.concatenate([r[1] for r in rows]) if rows else np.zeros(0, np.float32)
    width = N_FEATURES
    if compact:
        used, indices = np.unique(indices, return_inverse=True)
        width = max(len(used), 1)
    return csr_matrix((data, indices.astype(np.int32), indptr), shape=(len(rows), width))


def sketch(row: Sparse, dim: int) -> np.ndarray:
    """A count-sketch of a unit sparse vector into ``dim`` dense dimensions.

    Inner products are preserved in expectation, so the sketch of the TF-IDF vector can
    sit in the nearest-neighbour index beside (or instead of) the sentence embedding,
    without a 2^20 x dim projection matrix.
    """
    out = np.zeros(dim, dtype=np.float32)
    indices, values = row
    if indices.size:
        mixed = indices.astype(np.uint64) * np.uint64(0x9E3779B1)
        buckets = (mixed >> np.uint64(7)) % np.uint64(dim)
        signs = np.where((mixed >> np.uint64(3)) & np.uint64(1), 1.0, -1.0).astype(np.float32)
        np.add.at(out, buckets.astype(np.int64), values * signs)
    return out


# --------------------------------------------------------------------------- time

def parse_published(value: str | None) -> float | None:
    """An ISO date/datetime as days since the epoch (UTC when no zone), or None."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        LOGGER.debug("unparseable published date %r ignored", value)
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.timestamp() / 86400.0


def day_to_iso(day: float | None) -> str | None:
    """Days since the epoch back to an ISO date."""
    if day is None:
        return None
    return dt.datetime.fromtimestamp(day * 86400.0, tz=dt.timezone.utc).date().isoformat()


