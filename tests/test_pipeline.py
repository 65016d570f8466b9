"""End to end: files in, clean deduplicated searchable corpus out — on the sample corpus
and on real articles from the shared datasets; idempotent and resumable."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storyline import pipeline
from storyline.settings import Settings
from storyline.store import open_store

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "examples" / "putin-dprk-2024"
POLNEAR_DEV = Path(os.environ.get("STORYLINE_SHARED", REPO.parent / "shared")) / "datasets" / "polnear" / "data" / "dev" / "text"


def _snapshot(db: Path) -> dict:
    conn = sqlite3.connect(db)
    tables = ("articles", "sources", "signatures", "near_duplicates", "shared_passages", "annotations")
    counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
    counts["ids"] = sorted(r[0] for r in conn.execute("SELECT id FROM articles"))
    counts["fts"] = conn.execute("SELECT COUNT(*) FROM articles_fts").fetchone()[0]
    conn.close()
    return counts


def test_pipeline_sample_corpus_is_clean_and_searchable(tmp_path):
    store = open_store(tmp_path / "s.db")
    report = pipeline.ingest([SAMPLE], store, Settings())
    assert (report.read, report.new, len(report.rejected)) == (5, 5, 0)
    by_file = {Path(a.source).name[:3]: a for a in store.articles()}
    oreanda = by_file["004"]
    body = "Russian President Vladimir Putin will arrive in Pyongyang late in the evening on June 18"
    assert oreanda.text.count(body) == 1
    assert oreanda.published == "2024-06-17T22:29:00"
    assert oreanda.outlet == "OREANDA-NEWS"
    assert by_file["000"].outlet == "TURAN"
    assert by_file["001"].outlet == "Ukrinform"
    assert by_file["003"].author == "Admin"
    for article in by_file.values():
        for boiler in ("Leave a review", "Leave a Comment", "You may also like", "Source Link",
                       "uses cookies", "Комментарии", "Read also"):
            assert boiler not in article.text, (article.source, boiler)
    assert [h["id"] for h in store.search("Kwon Jung-geun")] == [oreanda.id]


def test_pipeline_reingest_is_a_no_op(tmp_path):
    db = tmp_path / "s.db"
    store = open_store(db)
    pipeline.ingest([SAMPLE], store, Settings())
    before = _snapshot(db)
    report = pipeline.ingest([SAMPLE], store, Settings())
    assert (report.new, report.already_ingested, report.exact_duplicates) == (0, 5, 0)
    assert _snapshot(db) == before


def test_pipeline_exact_duplicate_stored_once_with_both_sources(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    original = next(SAMPLE.glob("002_*.txt"))
    shutil.copy(original, src / "a.txt")
    shutil.copy(original, src / "copy-of-a.txt")
    store = open_store(tmp_path / "s.db")
    report = pipeline.ingest([src], store, Settings())
    assert (report.new, report.exact_duplicates) == (1, 1)
    (article_id, sources), = store.exact_duplicates()
    assert sorted(Path(s["source"]).name for s in sources) == ["a.txt", "copy-of-a.txt"]


def test_pipeline_links_near_duplicates_and_shared_passages(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    original = next(SAMPLE.glob("000_*.txt")).read_text(encoding="utf-8")
    lines = original.split("\n")
    # A syndicated copy: new title, one paragraph dropped, different footer.
    (src / "a.txt").write_text(original, encoding="utf-8")
    (src / "b.txt").write_text("\n".join(["Syndicated: White House on Putin"] + lines[2:-3] + lines[-2:]),
                               encoding="utf-8")
    store = open_store(tmp_path / "s.db")
    report = pipeline.ingest([src], store, Settings())
    assert report.new == 2 and report.near_duplicates == 1
    shared = store.shared_passages()
    assert shared
    texts = {a.id: a.text for a in store.articles()}
    for passage in shared:
        assert texts[passage.article_id][passage.start:passage.end].casefold().split() == \
            texts[passage.other_id][passage.other_start:passage.other_end].casefold().split()


def test_pipeline_bad_inputs_are_reported_and_the_batch_goes_on(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "empty.txt").write_bytes(b"")
    (src / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (src / "broken.jsonl").write_text('{"id": "1", "title": "ok", "text": "' + "word " * 30 + '"}\n{broken\n',
                                      encoding="utf-8")
    shutil.copy(next(SAMPLE.glob("001_*.txt")), src / "good.txt")
    store = open_store(tmp_path / "s.db")
    report = pipeline.ingest([src, tmp_path / "missing"], store, Settings())
    assert report.new == 2
    reasons = {(Path(r.source).name, r.line): r.reason for r in report.rejected}
    assert ("empty.txt", None) in reasons and ("image.html", None) in reasons
    assert ("broken.jsonl", 2) in reasons and ("missing", None) in reasons
    assert report.failed


def test_pipeline_killed_ingest_resumes_without_loss_or_duplicates(tmp_path):
    assert POLNEAR_DEV.exists(), f"the shared datasets must be beside the repo: {POLNEAR_DEV}"
    src = tmp_path / "in"
    src.mkdir()
    for path in sorted(POLNEAR_DEV.glob("*.txt")):
        shutil.copy(path, src / path.name)
    n_files = len(list(src.iterdir()))
    killed_db = tmp_path / "killed.db"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    config = tmp_path / "small-batches.toml"
    config.write_text("batch_size = 5\n")
    cmd = [sys.executable, "-m", "storyline.cli", "ingest", str(src), "--db", str(killed_db),
           "--quiet", "--config", str(config)]
    proc = subprocess.Popen(cmd, env=env)
    deadline = time.time() + 120
    committed = 0
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
        if killed_db.exists():
            try:
                conn = sqlite3.connect(killed_db, timeout=1)
                committed = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
                conn.close()
            except sqlite3.Error:
                continue
            if committed >= 10:
                proc.send_signal(signal.SIGKILL)
                break
    proc.wait()
    assert 10 <= committed < n_files, "the ingest should have been killed half way"
    partial = _snapshot(killed_db)
    assert partial["articles"] == partial["signatures"] == partial["fts"] == partial["annotations"]
    # Run again: it completes, and the result equals one uninterrupted run.
    subprocess.run(cmd, env=env, check=False)
    clean_db = tmp_path / "clean.db"
    subprocess.run(cmd[:6] + [str(clean_db), "--quiet"], env=env, check=False)
    resumed, fresh = _snapshot(killed_db), _snapshot(clean_db)
    assert resumed["ids"] == fresh["ids"]
    assert resumed["articles"] == fresh["articles"] == resumed["fts"] == resumed["annotations"]
    assert resumed["sources"] == fresh["sources"] == n_files


def test_cli_articles_json_shape(tmp_path):
    db = tmp_path / "s.db"
    run = [sys.executable, "-m", "storyline.cli"]
    subprocess.run(run + ["ingest", str(SAMPLE), "--db", str(db), "--quiet"], check=True)
    out = subprocess.run(run + ["articles", "--db", str(db), "--json"], check=True,
                         capture_output=True, text=True).stdout
    data = json.loads(out)
    assert len(data) == 5
    for item in data:
        assert {"id", "source_id", "source", "outlet", "title", "author", "published",
                "language", "text", "removed"} <= set(item)
        assert all(set(r) == {"text", "reason"} for r in item["removed"])


def test_cli_language_layer_json_on_sample(tmp_path):
    """Ingest annotates by default; entities/quotes/dates print the documented fields."""
    db = tmp_path / "s.db"
    run = [sys.executable, "-m", "storyline.cli"]
    subprocess.run(run + ["ingest", str(SAMPLE), "--db", str(db), "--quiet"], check=True)

    def rows(what):
        out = subprocess.run(run + [what, "--db", str(db), "--json"], check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out)

    quotes = rows("quotes")
    for q in quotes:
        assert {"article_id", "source_id", "start", "end", "text", "speaker", "speaker_entity",
                "cue", "kind"} <= set(q) and q["kind"] in ("direct", "indirect")
    kirby = [q for q in quotes if q["text"].startswith("We are not worried about this trip")]
    assert kirby and all(q["speaker"] == "John Kirby" for q in kirby)
    carpenter = {q["article_id"] for q in quotes if q["speaker"] == "Michael Carpenter"}
    assert len(carpenter) == 3  # TURAN, Ukrinform, Euromaidan Press
    entity_ids = {m["text"]: m["entity_id"] for m in rows("entities")}
    assert entity_ids["DPRK"] == entity_ids["North Korea"]
    assert entity_ids["Kim Jong-un"] == entity_ids["Kim Jong Un"] != entity_ids["Kim Yo Jong"]
    dates = rows("dates")
    assert {"value", "resolved_from"} <= set(dates[0])
    assert any(d["text"] == "June 18" and d["value"] == "2024-06-18" for d in dates)


def test_cli_stories_json_is_stable_across_runs(tmp_path):
    """The five sample articles form one story; its id survives a second run."""
    db = tmp_path / "s.db"
    run = [sys.executable, "-m", "storyline.cli"]
    subprocess.run(run + ["ingest", str(SAMPLE), "--db", str(db), "--quiet"], check=True)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}

    def stories():
        out = subprocess.run(run + ["stories", "--db", str(db), "--json"], check=True,
                             capture_output=True, text=True, env=env).stdout
        return json.loads(out)

    first = stories()
    assert len(first) == 1
    story = first[0]
    assert {"id", "title", "first_seen", "last_seen", "outlets", "articles", "events"} <= set(story)
    assert len(story["articles"]) == 5
    assert {"id", "source_id", "outlet", "title", "published"} <= set(story["articles"][0])
    assert {"id", "title", "start", "end", "article_ids"} <= set(story["events"][0])
    assert [s["id"] for s in stories()] == [story["id"]]
