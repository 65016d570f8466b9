"""Saving and restoring a StoryClusterer (bytes of an .npz: arrays + one JSON member).

The state holds everything ``partial_fit`` needs to go on as if it had never stopped:
per-article vectors (as weighed on arrival) and embeddings, the document-frequency counters, each
story's running sums (kept as they were, not recomputed, so a resumed run makes the
same decisions), merges and the "never merge again" pairs from splits. The ANN index
is rebuilt from the stored vectors (the same keys as on arrival) rather than serialised,
so the state does not depend on the ANN library's file format.
"""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import numpy as np

from storyline.errors import StorylineError
from storyline.records import StoryInput
from storyline.stories import features as ft

LOGGER = logging.getLogger(__name__)


def _pack_rows(rows: list[ft.Sparse]) -> dict[str, np.ndarray]:
    matrix = ft.rows_to_csr(rows)
    return {"indptr": matrix.indptr, "indices": matrix.indices.astype(np.int32),
            "data": matrix.data.astype(np.float32)}


def _unpack_rows(arrays: dict[str, np.ndarray], prefix: str) -> list[ft.Sparse]:
    indptr, indices, data = (arrays[f"{prefix}.{k}"] for k in ("indptr", "indices", "data"))
    return [(indices[indptr[i]:indptr[i + 1]].copy(), data[indptr[i]:indptr[i + 1]].copy())
            for i in range(len(indptr) - 1)]


def dump_state(clusterer: Any) -> bytes:
    """Serialise a fitted clusterer (see ``StoryClusterer.to_state``)."""
    from storyline.stories.clusterer import CHANNELS, STATE_VERSION  # noqa: PLC0415

    if not hasattr(clusterer, "article_ids_"):
        clusterer._reset()
    stories = list(clusterer._stories.values())
    meta = {
        "version": STATE_VERSION,
        "params": clusterer.get_params(),
        "articles": [m.to_dict() for m in clusterer._meta],
        "story_of": clusterer._story_of,
        "n_docs": clusterer._n_docs,
        "next_order": clusterer._next_order,
        "merged": clusterer._merged,
        "cannot_merge": [sorted(pair) for pair in clusterer._cannot_merge],
        "stories": [{"id": s.id, "order": s.order, "members": s.members, "norms": s.norms,
                     "first_day": s.first_day, "last_day": s.last_day,
                     "languages": sorted(s.languages), "merged_ids": s.merged_ids} for s in stories],
    }
    arrays: dict[str, np.ndarray] = {"days": np.array(clusterer._days, dtype=np.float64),
                                     "emb": clusterer._emb}
    for channel in CHANNELS:
        for key, value in _pack_rows(clusterer._vec[channel]).items():
            arrays[f"vec.{channel}.{key}"] = value
        sums = [s.sums.get(channel, (np.zeros(0, np.int32), np.zeros(0, np.float32))) for s in stories]
        for key, value in _pack_rows(sums).items():
            arrays[f"sum.{channel}.{key}"] = value
        nonzero = np.flatnonzero(clusterer._df[channel]).astype(np.int32)
        arrays[f"df.{channel}.indices"] = nonzero
        arrays[f"df.{channel}.counts"] = clusterer._df[channel][nonzero]
    has_emb = [s.emb_sum is not None for s in stories]
    width = clusterer._emb.shape[1]
    arrays["story_emb"] = np.array([s.emb_sum if s.emb_sum is not None else np.zeros(width, np.float32)
                                    for s in stories], dtype=np.float32).reshape(len(stories), width)
    arrays["story_has_emb"] = np.array(has_emb, dtype=bool)
    buffer = io.BytesIO()
    # Not compressed: deflate saved a third of the bytes and cost 2.5 s of every update at
    # 10k articles (bench/story_update.py); np.load reads states written either way.
    np.savez(buffer, meta=np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8), **arrays)
    return buffer.getvalue()


def load_state(cls: type, blob: bytes) -> Any:
    """Rebuild a clusterer from ``dump_state`` bytes."""
    from storyline.stories.clusterer import CHANNELS, STATE_VERSION, _StoryState  # noqa: PLC0415

    try:
        with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
        meta = json.loads(arrays.pop("meta").tobytes().decode("utf-8"))
    except (OSError, ValueError, KeyError) as exc:
        raise StorylineError(f"not a story-clustering state: {exc}") from exc
    if meta.get("version") != STATE_VERSION:
        raise StorylineError(f"story state version {meta.get('version')} is not {STATE_VERSION}; "
                             "run `storyline stories --recluster`")
    clusterer = cls(**meta["params"])
    clusterer._reset()
    clusterer._meta = [StoryInput.from_dict(m) for m in meta["articles"]]
    clusterer.article_ids_ = [m.article_id for m in clusterer._meta]
    clusterer._index_of = {aid: i for i, aid in enumerate(clusterer.article_ids_)}
    clusterer._days = arrays["days"].tolist()
    clusterer._emb = arrays["emb"].astype(np.float32)
    clusterer._story_of = list(meta["story_of"])
    clusterer._n_docs = meta["n_docs"]
    clusterer._next_order = meta["next_order"]
    clusterer._merged = dict(meta["merged"])
    clusterer._cannot_merge = {frozenset(pair) for pair in meta["cannot_merge"]}
    for channel in CHANNELS:
        clusterer._vec[channel] = _unpack_rows(arrays, f"vec.{channel}")
        clusterer._df[channel][arrays[f"df.{channel}.indices"]] = arrays[f"df.{channel}.counts"]
    sums = {c: _unpack_rows(arrays, f"sum.{c}") for c in CHANNELS}
    for k, story in enumerate(meta["stories"]):
        state = _StoryState(id=story["id"], order=story["order"], members=list(story["members"]),
                            norms=dict(story["norms"]), first_day=story["first_day"],
                            last_day=story["last_day"], languages=set(story["languages"]),
                            merged_ids=list(story["merged_ids"]))
        state.sums = {c: sums[c][k] for c in CHANNELS}
        state.emb_sum = arrays["story_emb"][k].copy() if arrays["story_has_emb"][k] else None
        clusterer._stories[state.id] = state
    for i in range(len(clusterer.article_ids_)):
        clusterer._ann.add(np.array([i]), clusterer._key(i, clusterer._vec["words"][i])[None, :])
    LOGGER.info("restored story state: %d articles, %d stories", len(clusterer.article_ids_),
                len(clusterer._stories))
    return clusterer
