"""The Ray engine: the stages as one streaming Ray Data pipeline.

    from_items(tasks) -> map_batches(light stage, tasks) -> map_batches(heavy stage, actor pool)
                      -> iter_batches (in input order) -> the driver

A heavy stage (one that loads a model) runs on an actor pool of ``workers`` actors, so
spaCy and MiniLM load once per actor; a light stage (parse, clean, sign) runs as plain
tasks. Ray Data streams: blocks move through the operators as they are made, and its
back-pressure holds producers back when the driver (the store) reads more slowly.
``preserve_order`` keeps outputs in input order, so the driver stores exactly what a
local run stores.

Why the light stage asks for no CPU: the actor pool holds one CPU per actor, so on a
two-core machine a light stage that asked for one would wait for ever. It costs about a
tenth of the heavy stage and its concurrency is capped at ``workers`` tasks instead.

Faults: an exception in a stage is handled inside the worker by the engines' retry
policy (``base.apply_stage``); an actor or task whose process dies is restarted by Ray
and its batch run again, ``BATCH_TRIES`` more times; past that the run stops with an
``EngineError`` (what was stored is kept; the same command resumes).

A local Ray is started on demand (``num_cpus = workers``, no dashboard, and
``RAY_AUTH_MODE=disabled`` unless set: Ray 2.60 turns token authentication on by
default, which a private single-machine cluster does not need); ``address`` connects to
an existing cluster instead, whose nodes must have ``storyline[ray,nlp]`` installed.
"""

from __future__ import annotations

import logging
import os
import pickle
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from storyline.engine.base import BATCH_TRIES, Engine, EngineError, Stage, apply_stage

LOGGER = logging.getLogger(__name__)

INSTALL_HINT = "the ray engine needs Ray: pip install 'storyline[ray]'"
# Blocks the input is cut into: one per task up to this many (a file per block keeps
# parse tasks small; past it, blocks hold several).
MAX_INPUT_BLOCKS = 2000
# Largest block between stages: about 20 parsed articles, a few annotated ones.
BLOCK_BYTES = 256 * 1024
# Items per slice a light stage yields.
OUTPUT_BLOCK_ITEMS = 64


def _import_ray() -> Any:
    try:
        import ray  # noqa: PLC0415 - optional extra
        import ray.data  # noqa: PLC0415, F401
    except ImportError as exc:
        raise EngineError(INSTALL_HINT) from exc
    return ray


class RayEngine(Engine):
    """Stages on Ray Data: a local Ray (started on demand) or a cluster by ``address``."""

    name = "ray"

    def __init__(self, workers: int | None = None, address: str | None = None) -> None:
        super().__init__(workers or 1)
        self.address = address
        self._ray = _import_ray()
        self._started = self._connect(workers)
        self.workers = workers or self._cluster_cpus()

    def _connect(self, workers: int | None) -> bool:
        """Join the running Ray, the cluster at ``address``, or start a local one;
        True when this engine started it (and must stop it)."""
        ray = self._ray
        if ray.is_initialized():
            return False
        options = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.WARNING}
        # Ray Data logs every dataset's start and end at INFO, and warns that its progress
        # bars are off: the CLI has its own display.
        logging.getLogger("ray.data").setLevel(logging.WARNING)
        logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)
        try:
            if self.address:
                ray.init(address=self.address, **options)
                return False
            os.environ.setdefault("RAY_AUTH_MODE", "disabled")
            ray.init(num_cpus=workers or os.cpu_count() or 1, **options)
        except Exception as exc:  # noqa: BLE001 - Ray raises many kinds; one message for the CLI
            where = f"the Ray cluster at {self.address}" if self.address else "a local Ray"
            raise EngineError(f"cannot start or reach {where}: {exc}") from exc
        return True

    def _cluster_cpus(self) -> int:
        return max(1, int(self._ray.cluster_resources().get("CPU", 1)))

    def describe(self) -> str:
        where = self.address or "local Ray"
        return f"ray ({self.workers} actor{'s' if self.workers != 1 else ''}, {where})"

    def _stream(self, stages: Sequence[Stage], items: Iterable[Any]) -> Iterator[Any]:
        inputs = [{"item": _encode_one(item)} for item in items]
        if not inputs:
            return
        ds = self._ray.data.from_items(inputs, override_num_blocks=min(len(inputs), MAX_INPUT_BLOCKS))
        ds.context.execution_options.preserve_order = True
        # Ray Data joins what a map yields into blocks of up to 128 MiB, and an actor takes
        # a whole block: a file's articles would all go to one actor while the others
        # idle. Small blocks spread them over the pool. (A repartition would do it too,
        # but its tasks want a CPU the actor pool already holds: it never runs.)
        ds.context.target_max_block_size = BLOCK_BYTES
        ds.context.enable_progress_bars = False
        ds.context.print_on_execution_start = False
        for stage in stages:
            ds = self._add_stage(ds, stage)
        try:
            for batch in ds.iter_batches(batch_size=None, batch_format="numpy", prefetch_batches=1):
                yield from (pickle.loads(blob) for blob in batch["item"])
        except self._ray.exceptions.RayError as exc:
            raise EngineError(f"the Ray pipeline failed after {BATCH_TRIES} tries of a batch: {exc}; "
                              "every batch stored so far is kept: run the same command again to resume") from exc

    def _add_stage(self, ds: Any, stage: Stage) -> Any:
        from ray.data import ActorPoolStrategy, TaskPoolStrategy  # noqa: PLC0415

        # Ray Data retries a batch whose worker died for ever by default: a batch that
        # kills its worker every time would never end. The retry caps can only be given
        # as remote args, deprecated from Ray 2.60 on but the only way in the pinned 2.60.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            if stage.heavy:
                return ds.map_batches(
                    _StageActor, fn_constructor_args=(stage,), batch_size=stage.batch_size,
                    compute=ActorPoolStrategy(size=self.workers), num_cpus=1, batch_format="numpy",
                    max_task_retries=BATCH_TRIES)
            return ds.map_batches(
                _run_light, fn_args=(stage,), batch_size=stage.batch_size,
                compute=TaskPoolStrategy(size=self.workers), num_cpus=0, batch_format="numpy",
                max_retries=BATCH_TRIES)

    def close(self) -> None:
        if self._started and self._ray.is_initialized():
            self._ray.shutdown()
        self._started = False


class _StageActor:
    """One actor of a heavy stage's pool: the model is loaded here, once."""

    def __init__(self, stage: Stage) -> None:
        self.stage = stage
        self.state = stage.load(1)  # Ray gives each actor one CPU

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return _encode(apply_stage(self.stage, self.state, _decode(batch)))


def _run_light(batch: dict[str, np.ndarray], stage: Stage) -> Iterator[dict[str, np.ndarray]]:
    # Yielded in slices so that no buffer holds a large file's articles twice; Ray Data
    # cuts them into blocks of at most BLOCK_BYTES.
    outputs = apply_stage(stage, stage.load(1), _decode(batch))
    for start in range(0, len(outputs), OUTPUT_BLOCK_ITEMS):
        yield _encode(outputs[start:start + OUTPUT_BLOCK_ITEMS])


def _encode_one(item: Any) -> bytes:
    return pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)


def _encode(items: list[Any]) -> dict[str, np.ndarray]:
    column = np.empty(len(items), dtype=object)
    column[:] = [_encode_one(item) for item in items]
    return {"item": column}


def _decode(batch: dict[str, np.ndarray]) -> list[Any]:
    return [pickle.loads(blob) for blob in batch["item"]]


__all__ = ["INSTALL_HINT", "RayEngine"]
