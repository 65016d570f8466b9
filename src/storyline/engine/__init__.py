"""Engines: where the per-file and per-article stages run.

    engine = make_engine("processes", workers=2)     # or "local", or "ray" (address=...)
    report = pipeline.ingest(paths, store, settings, annotator=Annotator(), engine=engine)
    clusterer = pipeline.update_stories(store, engine=engine)   # embeddings on the engine too
    engine.close()

Every engine runs the same stages (``stages.py``: parse + clean + sign, annotate,
embed) with the same retry policy (``base.apply_stage``) and hands their outputs back
in input order; the corpus-wide steps (exact duplicates, the dedupe index, store
writes, story clustering) stay in the driver and read those outputs in that order.
So every engine gives the same stored articles, duplicates, annotations and stories.

    local       this process (``LocalEngine``)
    processes   a pool of spawned worker processes, one per core (``ProcessEngine``)
    ray         Ray Data with actor pools, a local Ray or a cluster (``RayEngine``);
                needs ``pip install 'storyline[ray]'``
"""

from __future__ import annotations

from storyline.engine.base import Engine, EngineError, EngineEvent, EngineStats, Stage, apply_stage
from storyline.engine.local import LocalEngine
from storyline.engine.processes import ProcessEngine

ENGINES = ("local", "processes", "ray")


def make_engine(name: str, *, workers: int | None = None, address: str | None = None) -> Engine:
    """The engine called ``name`` (one of ``ENGINES``).

    Args:
        name: "local", "processes" or "ray".
        workers: worker processes or Ray actors (default: one per core; on an existing
            Ray cluster, its CPUs). Ignored by "local".
        address: a Ray cluster to join (``ray://host:10001``, ``auto``); "ray" only.

    Raises:
        EngineError: an unknown name, a bad worker count, an address for another
            engine, or Ray missing or unreachable.

    Example:
        >>> with make_engine("processes", workers=2) as engine:  # doctest: +SKIP
        ...     report = pipeline.ingest(paths, store, settings, engine=engine)
    """
    if name not in ENGINES:
        raise EngineError(f"unknown engine {name!r}: choose one of {', '.join(ENGINES)}")
    if workers is not None and workers < 1:
        raise EngineError(f"workers must be at least 1, got {workers}")
    if address and name != "ray":
        raise EngineError(f"--ray-address is for the ray engine, not {name!r}")
    if name == "local":
        return LocalEngine()
    if name == "processes":
        return ProcessEngine(workers)
    from storyline.engine.ray import RayEngine  # noqa: PLC0415 - imports Ray

    return RayEngine(workers, address)


__all__ = ["ENGINES", "Engine", "EngineError", "EngineEvent", "EngineStats", "LocalEngine", "ProcessEngine",
           "Stage", "apply_stage", "make_engine"]
