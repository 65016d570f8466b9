"""Every engine gives what the default in-process path gives: the same stored articles,
sources, duplicates, shared passages, annotations and rejections, and the same stories
(ids, members, events), on the sample corpus and on ECB+ development documents.

The reference clusters with ``pipeline.update_stories`` (embeddings computed in the
driver); the engines with ``pipeline.update_stories(store, engine=...)`` (embeddings on the engine):
the local case also checks that the two agree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine_corpora import differences, snapshot
from storyline import pipeline
from storyline.engine import ENGINES, EngineError, make_engine
from storyline.settings import Settings
from storyline.store import open_store


def _run(engine: Any, corpus: Path, db: Path) -> tuple[Any, dict[str, Any]]:
    store = open_store(db)
    report = pipeline.ingest([corpus], store, Settings(), annotator=pipeline.Annotator(), engine=engine)
    clusterer = pipeline.update_stories(store, engine=engine)
    store.close()
    return report, snapshot(db, clusterer)


@pytest.mark.parametrize("name", ENGINES)
def test_engine_same_results_as_default_path(name, engines, corpus, reference, tmp_path):
    engine = engines[name]
    failed_before = engine.stats.failed  # the engines are shared by the session's tests
    report, got = _run(engine, corpus, tmp_path / f"{name}.db")
    want = reference["snapshot"]
    assert differences(got, want) == []
    ref = reference["report"]
    assert (report.read, report.new, report.exact_duplicates, report.near_duplicates, report.shared_passages) == \
           (ref.read, ref.new, ref.exact_duplicates, ref.near_duplicates, ref.shared_passages)
    # The corpus is what it claims: the sample's five articles and ECB+ documents (those
    # with a title and no text are rejected, with that reason), the syndicated copies
    # are exact duplicates, every stored article is annotated.
    # Exact duplicates: the syndicated file (2), the upper-case copy, the re-published record
    # and, through it, the sample's VOA copy.
    assert ref.new >= 60 and ref.exact_duplicates == 5
    assert all("/ecb/" in r.source and "no" in r.reason for r in ref.rejected)
    assert len(want["annotations"]) == len(want["articles"])
    assert len(want["stories"]) >= 35
    assert engine.stats.failed == failed_before


@pytest.mark.parametrize(("name", "options", "message"), [
    ("spark", {}, "unknown engine 'spark'"),
    ("processes", {"workers": 0}, "workers must be at least 1"),
    ("processes", {"address": "ray://head:10001"}, "--ray-address is for the ray engine"),
])
def test_make_engine_refuses_bad_options(name, options, message):
    with pytest.raises(EngineError, match=message):
        make_engine(name, **options)


def test_cli_on_an_engine_gives_the_same_stories_facts_and_brief(tmp_path):
    """`storyline ingest|stories --engine processes` (annotation and embeddings on the
    workers) and then `storyline show` give the same stories, with the same ids, and
    the same facts, quote groups, timeline, network and brief as the default commands."""
    import json
    import subprocess
    import sys

    from engine_corpora import SAMPLE

    cli = [str(Path(sys.executable).with_name("storyline"))]
    found, shown = {}, {}
    for name in ("local", "processes"):
        db = tmp_path / f"{name}.db"
        engine = ["--engine", name, "--workers", "2"]
        subprocess.run(cli + ["ingest", str(SAMPLE), "--db", str(db), "--quiet", *engine], check=True)
        out = subprocess.run(cli + ["stories", "--db", str(db), "--json", *engine],
                             check=True, capture_output=True, text=True).stdout
        found[name] = [(s["id"], sorted(a["id"] for a in s["articles"])) for s in json.loads(out)]
        out = subprocess.run(cli + ["show", found[name][0][0], "--db", str(db), "--format", "json"],
                             check=True, capture_output=True, text=True).stdout
        shown[name] = json.loads(out)
    assert found["processes"] == found["local"]
    assert len(found["local"]) == 1 and len(found["local"][0][1]) == 5
    assert shown["processes"] == shown["local"]
    story = shown["local"]["stories"][0]
    assert story["brief"] and story["facts"] and story["quote_groups"] and story["timeline"]
