"""The engine interface: items flow through a chain of stages; results come back in
input order, whatever ran them.

    engine.run([FileStage(...), ArticleStage(...)], tasks)  -> Iterator[outputs, in order]

A ``Stage`` is a pure per-item step run on batches. ``load`` builds what a worker keeps
between batches (a model); engines call it once per worker. ``run`` maps a batch to one
list of outputs per input item (a flat map: a file becomes its articles). Items a stage
does not ``accept`` pass through it untouched, in place, so markers (end of a file,
retry notes) keep their position in the stream.

The retry policy is applied here, once, for every engine (``apply_stage``): a batch
that raises is tried again; if it fails again each item is run alone, and an item that
still fails becomes what ``Stage.failed`` makes of it (for a file: a ``Rejected`` with
the reason). Each retry or failure is an ``EngineEvent`` in the output stream: reported,
never silently dropped.
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from storyline.errors import StorylineError

LOGGER = logging.getLogger(__name__)

# A batch is tried this many times before its items are run one by one. Two, because a
# transient fault (a worker killed, memory pressure) rarely strikes the same batch twice,
# and a deterministic one (bad input) fails every time: more tries only waste time.
BATCH_TRIES = 2
MAX_REASON_CHARS = 300


class EngineError(StorylineError):
    """An engine cannot run at all (missing extra, no cluster, workers that keep dying)."""


@dataclass(frozen=True, slots=True)
class EngineEvent:
    """A retry or a failure, reported in the output stream in place of nothing."""

    kind: str  # "retried": a batch failed and was run again; "failed": an item gave up;
    #            "timing": how long a worker was busy with a batch (not shown to callers)
    stage: str
    items: int
    error: str = ""
    seconds: float = 0.0

    def line(self) -> str:
        if self.kind == "retried":
            return f"{self.stage}: a batch of {self.items} failed ({self.error}); retried"
        return f"{self.stage}: {self.items} item(s) failed on every try ({self.error})"


@dataclass
class EngineStats:
    """What one engine did so far, updated as the caller reads its outputs."""

    outputs: int = 0
    retried: int = 0
    failed: int = 0
    events: list[EngineEvent] = field(default_factory=list)
    busy: dict[str, float] = field(default_factory=dict)  # stage -> worker seconds, all workers
    items: dict[str, int] = field(default_factory=dict)  # stage -> items it ran

    def note(self, event: EngineEvent) -> None:
        if event.kind == "timing":
            self.busy[event.stage] = self.busy.get(event.stage, 0.0) + event.seconds
            self.items[event.stage] = self.items.get(event.stage, 0) + event.items
            return
        self.events.append(event)
        if event.kind == "retried":
            self.retried += 1
        else:
            self.failed += event.items
        LOGGER.warning("engine: %s", event.line())


class Stage(ABC):
    """One per-item step. Subclasses are frozen dataclasses, so they pickle to worker
    processes and Ray actors along with their parameters."""

    name: ClassVar[str] = "stage"
    batch_size: ClassVar[int] = 32
    # A heavy stage loads a model: Ray runs it on an actor pool (one model per actor).
    heavy: ClassVar[bool] = False

    def load(self, threads: int | None = None) -> Any:
        """What a worker keeps between batches (a model). ``threads`` caps the math
        libraries' threads when several workers share the cores (None: leave them)."""
        return None

    def accepts(self, item: Any) -> bool:
        """Whether ``item`` is this stage's input (others pass through)."""
        return True

    @abstractmethod
    def run(self, state: Any, items: list[Any]) -> list[list[Any]]:
        """One list of outputs per item, in order. Pure: same items, same outputs."""

    @abstractmethod
    def failed(self, item: Any, reason: str) -> list[Any]:
        """What an item that failed on every try becomes (never nothing)."""


class Engine(ABC):
    """Runs stages over a stream of items; outputs come back in input order."""

    name: ClassVar[str] = "engine"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or 1
        self.stats = EngineStats()

    @abstractmethod
    def _stream(self, stages: Sequence[Stage], items: Iterable[Any]) -> Iterator[Any]:
        """Every output of the last stage (and every event), in input order."""

    def run(self, stages: Sequence[Stage], items: Iterable[Any]) -> Iterator[Any]:
        """Run ``items`` through ``stages``; yields outputs in input order. Retries and
        failures are counted in ``stats`` and yielded too, so the caller can report
        them; timings only go to ``stats``."""
        for output in self._stream(stages, items):
            if isinstance(output, EngineEvent):
                self.stats.note(output)
                if output.kind == "timing":
                    continue
            else:
                self.stats.outputs += 1
            yield output

    def describe(self) -> str:
        return f"{self.name} ({self.workers} worker{'s' if self.workers != 1 else ''})"

    def close(self) -> None:
        """Release workers (a no-op where there are none)."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def stage_batches(stage: Stage, items: Iterable[Any]) -> Iterator[list[Any]]:
    """Consecutive lists holding ``stage.batch_size`` items the stage accepts (the last
    may hold fewer); the items it passes through ride along in their place."""
    batch: list[Any] = []
    count = 0
    for item in items:
        batch.append(item)
        if not isinstance(item, EngineEvent) and stage.accepts(item):
            count += 1
            if count == stage.batch_size:
                yield batch
                batch, count = [], 0
    if batch:
        yield batch


def apply_stage(stage: Stage, state: Any, batch: list[Any]) -> list[Any]:
    """Run one batch through ``stage`` with the retry policy; outputs flattened in order.

    Pass-through items keep their place. The whole batch is tried ``BATCH_TRIES``
    times; then each of its items alone, once; an item that fails alone becomes
    ``stage.failed(item, reason)``. Events (and the time the batch took) are put
    before the batch's outputs.
    """
    started = time.perf_counter()
    mine = [i for i, item in enumerate(batch) if not isinstance(item, EngineEvent) and stage.accepts(item)]
    chosen = set(mine)
    per_item: dict[int, list[Any]] = {i: [item] for i, item in enumerate(batch) if i not in chosen}
    events: list[Any] = []
    inputs = [batch[i] for i in mine]
    outputs = _tried(stage, state, inputs, events) if inputs else []
    per_item.update(zip(mine, outputs))
    events.append(EngineEvent("timing", stage.name, len(inputs), seconds=time.perf_counter() - started))
    return events + [out for i in range(len(batch)) for out in per_item[i]]


def _tried(stage: Stage, state: Any, inputs: list[Any], events: list[Any]) -> list[list[Any]]:
    error = ""
    for attempt in range(BATCH_TRIES):
        try:
            result = stage.run(state, inputs)
        except Exception as exc:  # noqa: BLE001 - the engines' one error policy
            error = describe_error(exc)
            LOGGER.warning("%s: batch of %d failed (try %d): %s", stage.name, len(inputs), attempt + 1, error)
            events.append(EngineEvent("retried", stage.name, len(inputs), error))
            continue
        if len(result) != len(inputs):
            raise RuntimeError(f"stage {stage.name} returned {len(result)} outputs for {len(inputs)} items")
        return result
    return [_alone(stage, state, item, events) for item in inputs]


def _alone(stage: Stage, state: Any, item: Any, events: list[Any]) -> list[Any]:
    try:
        return stage.run(state, [item])[0]
    except Exception as exc:  # noqa: BLE001 - see _tried
        error = describe_error(exc)
        events.append(EngineEvent("failed", stage.name, 1, error))
        return stage.failed(item, f"{stage.name} failed on every try ({BATCH_TRIES + 1}): {error}")


def describe_error(exc: BaseException) -> str:
    """``Type: message``, shortened: one line a report can show."""
    text = f"{type(exc).__name__}: {exc}".replace("\n", " ")
    return text if len(text) <= MAX_REASON_CHARS else text[:MAX_REASON_CHARS - 1] + "…"
