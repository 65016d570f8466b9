"""Inputs and comparisons for the engine tests: the sample corpus, ECB+ development
documents written out as files, and a snapshot of everything a run stores."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "examples" / "putin-dprk-2024"
SHARED = Path(os.environ.get("STORYLINE_SHARED", REPO / ".." / "shared"))
ECB_INDEX = SHARED / "datasets" / "ecbplus" / "doc_index.tsv"
# ECB+ development topics (bench/ecb_clustering.py DEV_TOPICS), the first documents of
# each: every topic is there (35 stories to find) while the test stays within minutes.
ECB_TOPICS = range(1, 36)
ECB_DOCS_PER_TOPIC = 2


def load_ecb_dev() -> list[Any]:
    """ECB+ development documents, read exactly as bench/ecb_clustering.py reads them."""
    assert ECB_INDEX.exists(), f"ECB+ must be under {SHARED / 'datasets'} (the shared datasets beside the repo)"
    spec = importlib.util.spec_from_file_location("ecb_clustering", REPO / "bench" / "ecb_clustering.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules["ecb_clustering"] = bench  # its dataclasses look their module up there
    spec.loader.exec_module(bench)
    return bench.load_ecb(ECB_TOPICS)


def write_corpus(folder: Path) -> Path:
    """The sample corpus (.txt) and ECB+ dev documents: odd topics as one JSON Lines
    file per topic, even topics as one .txt per document; plus one exact copy of a
    JSON Lines file (syndication) so duplicates are exercised on real text."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(SAMPLE, folder / "sample")
    per_topic: dict[int, list[Any]] = {}
    for doc in load_ecb_dev():
        per_topic.setdefault(doc.topic, [])
        if len(per_topic[doc.topic]) < ECB_DOCS_PER_TOPIC:
            per_topic[doc.topic].append(doc)
    ecb = folder / "ecb"
    ecb.mkdir()
    for topic, docs in sorted(per_topic.items()):
        if topic % 2:
            lines = [json.dumps({"id": d.id, "title": d.title, "text": d.text}) for d in docs]
            (ecb / f"topic-{topic:02d}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        else:
            for d in docs:
                (ecb / f"topic-{topic:02d}-{d.id}.txt").write_text(f"{d.title}\n\n{d.text}\n", encoding="utf-8")
    shutil.copy(ecb / "topic-01.jsonl", ecb / "topic-01-syndicated.jsonl")
    # A copy that differs only in case has the same id (the hash of the normalised
    # text): the store keeps the first one read, and its annotations must be the ones
    # made from its own text, whichever worker annotated which copy.
    first = next(iter(sorted(ecb.glob("topic-02-*.txt"))))
    (ecb / "topic-99-upper-case-copy.txt").write_text(first.read_text(encoding="utf-8").upper(), encoding="utf-8")
    # Two records of one file with the same text but different publication dates (a
    # feed re-publishing an article): they reach a worker in one batch, and the stored
    # copy (the first) must keep the annotations anchored on its own date ("Tuesday").
    voa = next(SAMPLE.glob("003_*.txt")).read_text(encoding="utf-8")
    title, body = voa.split("\n", 1)
    records = [{"id": f"voa-{day}", "title": title, "text": body, "published": f"2024-06-{day}"} for day in (14, 15)]
    (ecb / "topic-99-republished.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return folder


def snapshot(db: Path, clusterer: Any = None) -> dict[str, Any]:
    """Everything a run stored that must not depend on the engine (not the ingest time),
    and the stories: ids, members, events."""
    conn = sqlite3.connect(db)
    queries = {
        "articles": "SELECT seq, id, source, locator, format, source_id, url, outlet, title, author, "
                    "published, language, text, paragraphs, removed, origins FROM articles ORDER BY seq",
        "sources": "SELECT source, locator, article_id, format, source_id, url, outlet, title, published "
                   "FROM sources ORDER BY source, locator",
        "signatures": "SELECT article_id, minhash, scheme, passages FROM signatures ORDER BY article_id",
        "near_duplicates": "SELECT * FROM near_duplicates ORDER BY 1, 2",
        "shared_passages": "SELECT * FROM shared_passages ORDER BY 1, 2, 3, 4",
        "annotations": "SELECT article_id, model, data FROM annotations ORDER BY article_id",
        "rejections": "SELECT source, reason, stage, line FROM rejections ORDER BY source, reason",
    }
    snap: dict[str, Any] = {name: conn.execute(sql).fetchall() for name, sql in queries.items()}
    conn.close()
    if clusterer is not None:
        snap["stories"] = sorted((s.id, sorted(a.id for a in s.articles)) for s in clusterer.stories_)
        snap["events"] = sorted((sid, [(e.id, sorted(e.article_ids)) for e in events])
                                for sid, events in clusterer.events_.items())
    return snap


def differences(got: dict[str, Any], want: dict[str, Any]) -> list[str]:
    """The names of the parts that differ (a readable assertion message)."""
    return [name for name in want if got.get(name) != want[name]]
