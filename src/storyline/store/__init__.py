"""Storage at the edge of the pipeline. ``open_store(target)`` picks the backend:
a ``postgresql://`` URL opens the shared PostgreSQL store (the ``postgres`` extra);
a file path (or ``:memory:``) opens the embedded SQLite store."""

from __future__ import annotations

from pathlib import Path

from storyline.store.postgres import PostgresStore
from storyline.store.sqlite import SqliteStore

Store = SqliteStore | PostgresStore

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(target: str | Path) -> bool:
    """True when ``target`` names a PostgreSQL database rather than a file."""
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


def open_store(target: str | Path, *, read_only: bool = False) -> Store:
    """Open (and migrate) the store named by ``target``."""
    if is_postgres_url(target):
        return PostgresStore(str(target), read_only=read_only)
    return SqliteStore(target, read_only=read_only)


__all__ = ["Store", "SqliteStore", "PostgresStore", "is_postgres_url", "open_store"]
