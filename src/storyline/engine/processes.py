"""The processes engine: a pool of worker processes over the local cores.

Workers are *spawned* (not forked: a fork of a process that has loaded torch or spaCy
can deadlock on their thread pools) and load the models of every stage once, in the
pool's initializer. Batches are submitted in input order and read back in that order;
at most ``2 x workers`` batches per stage are in flight, so a slow consumer (the store)
holds the producers back instead of piling results up in memory.

A worker that dies (killed, out of memory, a crash in native code) breaks the whole
pool: it is restarted and every batch in flight is submitted again. A batch whose
worker died ``BATCH_TRIES`` times is run item by item, and an item that kills its worker
alone becomes ``Stage.failed`` (a ``Rejected`` file, a failed article), reported as an
``EngineEvent``.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from storyline.engine.base import BATCH_TRIES, Engine, EngineError, EngineEvent, Stage, apply_stage, stage_batches

LOGGER = logging.getLogger(__name__)

# Restarts of a broken pool allowed in one run before giving up: each item that kills
# its worker costs BATCH_TRIES + 1 restarts, so this tolerates a handful of them.
MAX_RESTARTS = 20
WORKER_DIED = "its worker process died"

# This worker process's stages and what their ``load`` built. Set once by the pool's
# initializer in each worker; never used in the driver process.
_WORKER: dict[str, Any] = {}


def _init_worker(stages: Sequence[Stage], threads: int | None) -> None:
    try:
        _WORKER["stages"] = stages
        _WORKER["states"] = [stage.load(threads) for stage in stages]
    except Exception as exc:  # noqa: BLE001 - handed to the driver with the first batch
        _WORKER["error"] = exc


def _work(index: int, batch: list[Any]) -> list[Any]:
    if "error" in _WORKER:
        raise _WORKER["error"]  # a model that cannot load: the run stops, as locally
    return apply_stage(_WORKER["stages"][index], _WORKER["states"][index], batch)


@dataclass
class _Job:
    batch: list[Any]
    future: Future[list[Any]]
    generation: int
    deaths: int = 0


class _Pool:
    """A ProcessPoolExecutor that can be restarted when a worker dies."""

    def __init__(self, stages: Sequence[Stage], workers: int, threads: int | None) -> None:
        self._initargs = (tuple(stages), threads)
        self.workers = workers
        self.generation = 0
        self.restarts = 0
        self._executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker, initargs=self._initargs)

    def submit(self, index: int, batch: list[Any], deaths: int = 0) -> _Job:
        return _Job(batch, self._executor.submit(_work, index, batch), self.generation, deaths)

    def restart(self, generation: int) -> None:
        """Replace a broken pool (once, however many jobs saw it break)."""
        if generation != self.generation:
            return
        self.restarts += 1
        if self.restarts > MAX_RESTARTS:
            raise EngineError(f"worker processes died {self.restarts} times in one run; giving up "
                              "(every batch stored so far is kept: run the same command again to resume)")
        LOGGER.warning("a worker process died; restarting the pool (%d)", self.restarts)
        self.close(wait=False)
        self._executor = self._start()
        self.generation += 1

    def pids(self) -> list[int]:
        """The worker processes' ids (for tests that kill one)."""
        return [p.pid for p in (getattr(self._executor, "_processes", None) or {}).values() if p.pid]

    def close(self, wait: bool = True) -> None:
        processes = list((getattr(self._executor, "_processes", None) or {}).values())
        self._executor.shutdown(wait=wait, cancel_futures=not wait)
        if not wait:
            # shutdown() does not stop a busy worker; a stopped run must not leave any.
            for process in processes:
                if process.is_alive():
                    process.terminate()


class ProcessEngine(Engine):
    """Stages over ``workers`` spawned processes (default: one per core)."""

    name = "processes"

    def __init__(self, workers: int | None = None) -> None:
        super().__init__(workers or os.cpu_count() or 1)
        self.pool: _Pool | None = None

    def _stream(self, stages: Sequence[Stage], items: Iterable[Any]) -> Iterator[Any]:
        threads = max(1, (os.cpu_count() or 1) // self.workers)
        self.pool = _Pool(stages, self.workers, threads)
        finished = False
        try:
            stream: Iterator[Any] = iter(items)
            for index, stage in enumerate(stages):
                stream = self._map(index, stage, stream)
            yield from stream
            finished = True
        finally:
            self.pool.close(wait=finished)
            self.pool = None

    def _map(self, index: int, stage: Stage, upstream: Iterator[Any]) -> Iterator[Any]:
        assert self.pool is not None
        window = 2 * self.workers
        pending: deque[_Job] = deque()
        for batch in stage_batches(stage, upstream):
            pending.append(self.pool.submit(index, batch))
            while len(pending) >= window:
                yield from self._finish(index, stage, pending.popleft(), pending)
        while pending:
            yield from self._finish(index, stage, pending.popleft(), pending)

    def _finish(self, index: int, stage: Stage, job: _Job, pending: deque[_Job]) -> list[Any]:
        """The outputs of ``job``, resubmitting it while its worker dies."""
        assert self.pool is not None
        events: list[Any] = []
        while True:
            try:
                return events + job.future.result()
            except BrokenProcessPool:
                self.pool.restart(job.generation)
                self._resubmit_broken(index, pending)
                deaths = job.deaths + 1
                if deaths >= BATCH_TRIES:
                    return events + self._isolate(index, stage, job.batch)
                events.append(EngineEvent("retried", stage.name, len(job.batch), WORKER_DIED))
                job = self.pool.submit(index, job.batch, deaths)

    def _resubmit_broken(self, index: int, pending: deque[_Job]) -> None:
        """Submit the other jobs of the broken pool again at once, keeping their order."""
        assert self.pool is not None
        for position, other in enumerate(pending):
            if other.generation != self.pool.generation and not _succeeded(other.future):
                pending[position] = self.pool.submit(index, other.batch, other.deaths)

    def _isolate(self, index: int, stage: Stage, batch: list[Any]) -> list[Any]:
        """Each item of a batch that kept killing its worker, alone."""
        assert self.pool is not None
        outputs: list[Any] = []
        for item in batch:
            if isinstance(item, EngineEvent) or not stage.accepts(item):
                outputs.append(item)
                continue
            job = self.pool.submit(index, [item])
            try:
                outputs.extend(job.future.result())
            except BrokenProcessPool:
                self.pool.restart(job.generation)
                outputs.append(EngineEvent("failed", stage.name, 1, WORKER_DIED))
                outputs.extend(stage.failed(item, f"{stage.name} failed on every try "
                                                  f"({BATCH_TRIES + 1}): {WORKER_DIED}"))
        return outputs


def _succeeded(future: Future[Any]) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None


__all__ = ["ProcessEngine"]
