"""Faults on the workers: retried, reported, never silently dropped.

- An article longer than spaCy's ``nlp.max_length`` (1,000,000 characters; a real
  book-length document built from PolNeAR articles) makes annotation raise inside the
  worker: its batch is retried, then run item by item; that article becomes a
  ``Rejected`` with the reason, everything else is stored and annotated — the same on
  every engine.
- A worker process killed in the middle of a run: the pool is restarted, the lost
  batches run again, and the stored result is the reference one.
- The whole ingest (on Ray) killed in the middle: running it again finishes the job.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine_corpora import SAMPLE, SHARED, differences, snapshot
from storyline import pipeline
from storyline.engine import ENGINES, Engine
from storyline.settings import Settings
from storyline.store import open_store

POLNEAR_TRAIN = SHARED / "datasets" / "polnear" / "data" / "train" / "text"
SPACY_MAX_LENGTH = 1_000_000  # spaCy's default nlp.max_length (error E088 past it)


@pytest.fixture(scope="module")
def too_long_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample corpus plus one real document over spaCy's length limit: PolNeAR
    training articles one after another, as a long dossier."""
    assert POLNEAR_TRAIN.is_dir(), f"PolNeAR must be under {SHARED / 'datasets'}"
    folder = tmp_path_factory.mktemp("too-long")
    for path in sorted(SAMPLE.glob("*.txt")):
        (folder / path.name).write_bytes(path.read_bytes())
    parts, size = [], 0
    for path in sorted(POLNEAR_TRAIN.glob("*.txt")):
        text = path.read_text(encoding="utf-8").strip()
        parts.append(text)
        size += len(text) + 2
        if size > SPACY_MAX_LENGTH * 1.05:
            break
    (folder / "zz-dossier.txt").write_text("Dossier: a year of political reporting\n\n" + "\n\n".join(parts),
                                           encoding="utf-8")
    return folder


def _ingest(engine: Engine | None, corpus: Path, db: Path, **hooks) -> pipeline.IngestReport:
    store = open_store(db)
    try:
        return pipeline.ingest([corpus], store, Settings(), annotator=pipeline.Annotator(), engine=engine,
                               progress=pipeline.IngestProgress(**hooks))
    finally:
        store.close()


@pytest.mark.parametrize("name", ENGINES)
def test_engine_rejects_an_article_that_fails_annotation_on_every_try(name, engines, too_long_corpus, tmp_path):
    engine = engines[name]
    before = (engine.stats.retried, engine.stats.failed)
    report = _ingest(engine, too_long_corpus, tmp_path / "s.db")
    failed = [r for r in report.rejected if r.stage == "annotate"]
    assert len(failed) == 1 and failed[0].source.endswith("zz-dossier.txt")
    assert "E088" in failed[0].reason and "failed on every try" in failed[0].reason
    assert report.failed  # the exit status says something was skipped
    # The other articles of the failing batch were stored, and annotated.
    snap = snapshot(tmp_path / "s.db")
    assert len(snap["articles"]) == 5 == len(snap["annotations"])
    assert [row[0] for row in snap["rejections"]] == [failed[0].source]
    # Reported as engine events: the batch retried, then the one article given up.
    assert engine.stats.retried - before[0] >= 1 and engine.stats.failed - before[1] == 1


def test_processes_engine_survives_a_killed_worker(engines, corpus, reference, tmp_path):
    engine = engines["processes"]
    retried = engine.stats.retried
    killed: list[int] = []

    def kill_one_worker(articles: int) -> None:
        # Called in the driver as results come back: the pool is busy with later batches.
        if not killed and engine.pool is not None and engine.pool.pids():
            killed.append(engine.pool.pids()[0])
            os.kill(killed[0], signal.SIGKILL)

    report = _ingest(engine, corpus, tmp_path / "k.db", on_worked=kill_one_worker)
    assert killed and engine.stats.retried > retried
    got, want = snapshot(tmp_path / "k.db"), reference["snapshot"]
    assert differences(got, {k: v for k, v in want.items() if k in got}) == []
    assert report.new == reference["report"].new


def test_ray_ingest_killed_mid_run_resumes(ray_session, corpus, reference, tmp_path):
    """`storyline ingest --engine ray` on the session's Ray cluster (by --ray-address),
    killed with SIGKILL after its first commit; the same command run again finishes
    the job: the store ends as the reference, and the second run found the articles
    the first one had committed."""
    db = tmp_path / "resume.db"
    config = tmp_path / "small-batches.toml"
    config.write_text("batch_size = 10\n", encoding="utf-8")  # several commits in a small corpus
    address = ray_session.get_runtime_context().gcs_address
    command = [str(Path(sys.executable).with_name("storyline")), "ingest", str(corpus), "--db", str(db),
               "--engine", "ray", "--workers", "2", "--ray-address", address, "--config", str(config)]
    first = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    committed = _wait_for_articles(db, first, timeout=180)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    total = len(reference["snapshot"]["articles"])
    assert 0 < committed < total, "the run was not killed in the middle"

    second = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert second.returncode == 1, second.stderr  # 1: some ECB+ documents have no text
    already = re.search(r"already in the database\s+(\d+)", second.stderr)
    assert already and int(already.group(1)) >= committed, second.stderr
    got, want = snapshot(db), reference["snapshot"]
    assert differences(got, {k: v for k, v in want.items() if k in got}) == []


def _wait_for_articles(db: Path, process: subprocess.Popen, timeout: float) -> int:
    """The number of committed articles once there are some (read-only reads)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        if db.exists():
            try:
                conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
                count = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
                conn.close()
            except sqlite3.OperationalError:  # the schema is being created
                count = 0
            if count:
                return count
        time.sleep(0.1)
    raise AssertionError(f"no article committed within {timeout} s")
