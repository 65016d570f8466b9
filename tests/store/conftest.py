"""Store fixtures: a real PostgreSQL server for the session, a fresh database per test,
and ``backend``, which runs a test once against SQLite and once against PostgreSQL.

PostgreSQL comes from Debian's packages (``.ci/install-postgres``); when its binaries
are missing the PostgreSQL tests fail with that hint instead of being skipped, so a
green run always means both stores were tested.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pg_cluster import ClusterError, TempCluster
from storyline.store import Store, open_store

_DATABASES = itertools.count()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[TempCluster]:
    """One PostgreSQL server for the whole session, stopped (and deleted) at the end."""
    problem = None
    try:
        cluster = TempCluster().start()
    except ClusterError as exc:
        problem = str(exc)
    if problem is not None:  # outside the except: one clear message, no chained traceback
        pytest.fail(problem, pytrace=False)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: TempCluster) -> Iterator[str]:
    """The URL of an empty database of its own for one test."""
    name = f"test_{next(_DATABASES)}"
    url = pg_cluster.create_database(name)
    yield url
    pg_cluster.drop_database(name)


@dataclass
class Backend:
    """One store implementation under test: how to open it and what it raises."""

    name: str
    target: str | Path
    write_error: type[BaseException]

    def open(self, *, read_only: bool = False) -> Store:
        return open_store(self.target, read_only=read_only)

    @staticmethod
    def execute(store: Store, sql: str) -> Any:
        """Run raw SQL on the store's own connection (both drivers have ``execute``)."""
        return store._conn.execute(sql)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        return Backend("sqlite", tmp_path / "s.db", sqlite3.OperationalError)
    import psycopg

    url = request.getfixturevalue("pg_url")
    return Backend("postgresql", url, psycopg.errors.ReadOnlySqlTransaction)
