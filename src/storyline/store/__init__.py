"""Storage at the edge of the pipeline. ``open_store(target)`` picks the backend:
a file path (or ``:memory:``) opens the embedded SQLite store."""

from __future__ import annotations

from pathlib import Path

from storyline.store.sqlite import SqliteStore

Store = SqliteStore


def open_store(target: str | Path, *, read_only: bool = False) -> Store:
    """Open (and migrate) the store named by ``target``."""
    return SqliteStore(target, read_only=read_only)


__all__ = ["Store", "SqliteStore", "open_store"]
