"""Engine fixtures: one real local Ray for the session (2 CPUs, no dashboard, stopped at
the end), the three engines, and the reference run (the in-process default path) that
every engine must reproduce."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine_corpora import snapshot, write_corpus
from storyline import pipeline
from storyline.engine import Engine, LocalEngine, ProcessEngine
from storyline.settings import Settings
from storyline.store import open_store

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# Ray 2.60 turns token authentication on by default; a private test cluster needs none.
os.environ.setdefault("RAY_AUTH_MODE", "disabled")
WORKERS = 2  # this machine's cores


@pytest.fixture(scope="session")
def ray_session() -> Iterator[Any]:
    """A local Ray shared by the session's tests, shut down at the end."""
    import ray

    ray.init(num_cpus=WORKERS, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
    try:
        yield ray
    finally:
        ray.shutdown()


@pytest.fixture(scope="session")
def engines(ray_session: Any) -> Iterator[dict[str, Engine]]:
    from storyline.engine.ray import RayEngine

    made: dict[str, Engine] = {"local": LocalEngine(), "processes": ProcessEngine(WORKERS),
                               "ray": RayEngine(WORKERS)}
    yield made
    for engine in made.values():
        engine.close()


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample corpus and ECB+ development documents as files (see engine_corpora)."""
    return write_corpus(tmp_path_factory.mktemp("engine-corpus"))


@pytest.fixture(scope="session")
def reference(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What the default path stores and clusters: ingest in this process (no engine),
    then ``pipeline.update_stories``."""
    db = tmp_path_factory.mktemp("reference") / "ref.db"
    store = open_store(db)
    report = pipeline.ingest([corpus], store, Settings(), annotator=pipeline.Annotator())
    clusterer = pipeline.update_stories(store)
    store.close()
    return {"report": report, "snapshot": snapshot(db, clusterer)}
