"""Fixtures for the align tests: the sample corpus really ingested (read, clean, dedupe,
annotate) into a temporary SQLite store, read back as one story, and what the align
functions make of it (computed once per session: the models are slow to load)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from storyline import pipeline  # noqa: E402
from storyline.annotate import EntityResolver, load_model  # noqa: E402
from storyline.settings import Settings  # noqa: E402
from storyline.store import open_store  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "examples" / "putin-dprk-2024"


@pytest.fixture(scope="session")
def nlp():
    return load_model()


@pytest.fixture(scope="session")
def sample(tmp_path_factory):
    """(articles in ingest order, annotations by article id) of the sample corpus."""
    store = open_store(tmp_path_factory.mktemp("align") / "sample.db")
    report = pipeline.ingest([SAMPLE], store, Settings(), annotator=pipeline.Annotator())
    assert report.new == 5 and not report.rejected
    articles = list(store.articles())
    annotations = {a.article_id: a for a in store.annotations()}
    store.close()
    assert set(annotations) == {a.id for a in articles}
    return articles, annotations


@pytest.fixture(scope="session")
def by_prefix(sample):
    """Sample articles by file prefix ("000" ... "004")."""
    articles, _ = sample
    return {Path(a.source).name[:3]: a for a in articles}


@pytest.fixture(scope="session")
def resolver(sample):
    return EntityResolver().fit(sample[1].values())


@pytest.fixture(scope="session")
def quote_groups(sample, resolver):
    from storyline.align.quotes import group_quotes

    return group_quotes(*sample, resolver)


@pytest.fixture(scope="session")
def timeline(sample):
    from storyline.align.timeline import build_timeline

    return build_timeline(*sample)


@pytest.fixture(scope="session")
def network(sample, resolver, nlp):
    from storyline.align.network import build_network

    return build_network(*sample, resolver, nlp)
