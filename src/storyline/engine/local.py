"""The local engine: every stage in this process, one batch after another.

The default: no start-up cost, nothing to install. Models are loaded once per engine
and kept across runs (an ingest and the story step share them).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from storyline.engine.base import Engine, Stage, apply_stage, stage_batches

LOGGER = logging.getLogger(__name__)


class LocalEngine(Engine):
    """In-process engine; ``workers`` is always 1."""

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        super().__init__(1)
        self._states: dict[str, Any] = {}

    def _stream(self, stages: Sequence[Stage], items: Iterable[Any]) -> Iterator[Any]:
        stream: Iterator[Any] = iter(items)
        for stage in stages:
            stream = self._map(stage, stream)
        return stream

    def _map(self, stage: Stage, upstream: Iterator[Any]) -> Iterator[Any]:
        state = None
        for batch in stage_batches(stage, upstream):
            if state is None:
                state = self._state(stage)
            yield from apply_stage(stage, state, batch)

    def _state(self, stage: Stage) -> Any:
        # Keyed by the stage's class: its parameters (settings, known ids) never change
        # what ``load`` builds, only how ``run`` uses it.
        key = type(stage).__qualname__
        if key not in self._states:
            self._states[key] = stage.load(None) or _LOADED
        return self._states[key]


_LOADED = object()  # marks "loaded, nothing to keep" so a light stage is not loaded again

__all__ = ["LocalEngine"]
