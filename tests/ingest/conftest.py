"""Fixtures for the ingest tests: settings, the fixture folder, and a file writer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from storyline.settings import Settings

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "putin-dprk-2024"


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def examples_dir() -> Path:
    return EXAMPLES


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, bytes | str], Path]:
    """Write bytes (or UTF-8 text) to a file named ``name`` under tmp_path."""

    def _write(name: str, content: bytes | str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return _write
