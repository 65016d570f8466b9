"""The PostgreSQL store on a real server: the same results as SQLite on the sample
corpus, idempotent re-ingest, concurrent writers that neither duplicate nor lose an
article, readers during ingest, and a real deadlock that is retried.

Concurrency tests start real processes (multiprocessing, spawn) on real articles from
../shared/datasets (through bench/corpus.py).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import multiprocessing
import random
import shutil
import threading
import time
from pathlib import Path

import psycopg
import pytest

from storyline import pipeline
from storyline.errors import StoreError
from storyline.records import Article, Paragraph
from storyline.settings import Settings
from storyline.store import PostgresStore, SqliteStore, is_postgres_url, open_store
from storyline.store.migrations import LATEST_VERSION, MIGRATIONS
from storyline.store.postgres import PG_MIGRATIONS

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "examples" / "putin-dprk-2024"

# Words a reader of the sample corpus would search for (plus one that is in no article).
# Plain words (all required) and prefixes mean the same in both stores; websearch
# operators ("phrase", -word, or) are PostgreSQL's extra, tested on their own below.
SAMPLE_QUERIES = ("Putin", "Kim Jong Un", "Pyongyang", "Kwon Jung-geun", "strategic partnership",
                  "arms deals", "Ukraine", "treaty", "visit*", "Russia Ukraine", "zzzunknownword")

WRITERS = 4
CORPUS_RECORDS = 320      # real articles shared by the writers
SHARD_RECORDS = 160       # each writer's window of them (windows overlap by half)
WRITER_BATCH = 20         # small batches: many commits that interleave


def _corpus_module():
    spec = importlib.util.spec_from_file_location("storyline_bench_corpus", REPO / "bench" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _snapshot(store) -> dict:
    """Everything a store holds, through its public API only."""
    articles = list(store.articles())
    return {
        "articles": articles,
        "sources": {a.id: store.sources_of(a.id) for a in articles},
        "exact": store.exact_duplicates(),
        "near": store.near_duplicates(),
        "shared": store.shared_passages(),
        "signatures": list(store.signatures()),
        "rejections": store.rejections(),
        "annotations": list(store.annotations()),
    }


def _sample_with_a_copy(tmp_path: Path) -> Path:
    """The sample corpus plus a byte copy of one article (an exact duplicate)."""
    folder = tmp_path / "in"
    shutil.copytree(SAMPLE, folder)
    original = sorted(folder.glob("002_*.txt"))[0]
    shutil.copy(original, folder / "zz_copy_of_002.txt")
    return folder


def _report_counts(report) -> tuple:
    return (report.read, report.new, report.exact_duplicates, report.already_ingested,
            report.near_duplicates, report.shared_passages, len(report.rejected))


# ----------------------------------------------------------------------------- schema


def test_postgres_migrations_parallel_sqlite_ones():
    assert sorted(PG_MIGRATIONS) == [m.version for m in MIGRATIONS]


def test_open_store_picks_the_backend_by_target(pg_url, tmp_path):
    assert is_postgres_url(pg_url) and not is_postgres_url(str(tmp_path / "x.db"))
    with open_store(pg_url) as store:
        assert isinstance(store, PostgresStore) and store.dialect == "postgresql"
    with open_store(tmp_path / "x.db") as store:
        assert isinstance(store, SqliteStore)


def test_postgres_unreachable_server_is_a_store_error_without_the_password():
    with pytest.raises(StoreError, match="cannot open database") as info:
        open_store("postgresql://someone:s3cret@127.0.0.1:1/nothing")
    assert "s3cret" not in str(info.value) and "***" in str(info.value)


def _open_and_report(url: str, barrier) -> int:
    barrier.wait(timeout=120)
    with open_store(url) as store:
        return store.schema_version


def test_postgres_processes_opening_a_fresh_database_migrate_it_once(pg_url):
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Manager().Barrier(WRITERS)
    with ctx.Pool(WRITERS) as pool:
        versions = pool.starmap(_open_and_report, [(pg_url, barrier)] * WRITERS)
    assert versions == [LATEST_VERSION] * WRITERS
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
    assert [r[0] for r in rows] == [m.version for m in MIGRATIONS]


def test_postgres_nul_is_stored_as_replacement_character_keeping_offsets(pg_url):
    text = "before\x00after"
    with open_store(pg_url) as store:
        store.add_article(Article(id="n1", source="/n.txt", locator="", format="text", text=text,
                                  title="a\x00b", paragraphs=(Paragraph(0, len(text)),)), None, None)
        stored = store.article("n1")
    assert stored.text == "before\ufffdafter" and len(stored.text) == len(text)
    assert stored.title == "a\ufffdb"


# ----------------------------------------------------------------------------- end to end


def test_postgres_ingest_of_sample_corpus_equals_sqlite(pg_url, tmp_path):
    folder = _sample_with_a_copy(tmp_path)
    annotator = pipeline.Annotator()  # one spaCy load for both stores
    results = {}
    for name, target in (("sqlite", tmp_path / "s.db"), ("postgresql", pg_url)):
        with open_store(target) as store:
            report = pipeline.ingest([folder], store, Settings(), annotator=annotator)
            results[name] = (_report_counts(report), _snapshot(store),
                             {q: sorted(h["id"] for h in store.search(q)) for q in SAMPLE_QUERIES})
    (lite_report, lite, lite_hits), (pg_report, pg, pg_hits) = results["sqlite"], results["postgresql"]
    assert lite_report == pg_report
    assert lite_report[:3] == (6, 5, 1)
    for key in lite:
        assert pg[key] == lite[key], key
    assert len(lite["exact"]) == 1 and len(lite["annotations"]) == 5
    assert pg_hits == lite_hits
    assert sum(1 for ids in lite_hits.values() if ids) >= len(SAMPLE_QUERIES) - 2
    assert pg_hits["zzzunknownword"] == []


def test_postgres_search_understands_websearch_syntax(pg_url):
    with open_store(pg_url) as store:
        pipeline.ingest([SAMPLE], store, Settings())
        ids = lambda query: {h["id"] for h in store.search(query, limit=100)}  # noqa: E731
        texts = {a.id: a.text.lower() for a in store.articles()}
        russia, ukraine = ids("Russia"), ids("Ukraine")
        assert russia and ukraine
        assert ids("Russia -Ukraine") == russia - ukraine
        assert ids("Russia or Ukraine") == russia | ukraine
        phrase = ids('"strategic partnership"')
        assert phrase and all("strategic partnership" in texts[i] for i in phrase)


def test_postgres_reingest_is_a_no_op(pg_url, tmp_path):
    folder = _sample_with_a_copy(tmp_path)
    with open_store(pg_url) as store:
        first = pipeline.ingest([folder], store, Settings())
        before = _snapshot(store)
        again = pipeline.ingest([folder], store, Settings())
        after = _snapshot(store)
    assert (first.new, first.exact_duplicates) == (5, 1)
    assert (again.new, again.exact_duplicates, again.already_ingested) == (0, 0, 6)
    assert after == before


# ----------------------------------------------------------------------------- concurrency


def _write_shards(folder: Path) -> list[Path]:
    """Overlapping windows of real articles, one folder per writer, each shuffled
    differently (so concurrent writers meet the same articles in different orders) and
    cut into files of WRITER_BATCH records (the pipeline commits per batch of files)."""
    corpus = _corpus_module()
    pool = corpus.real_articles()
    step = len(pool) // CORPUS_RECORDS
    records = pool[::step][:CORPUS_RECORDS]  # spread over all the shared datasets
    offset = (CORPUS_RECORDS - SHARD_RECORDS) // (WRITERS - 1)
    shards = []
    for k in range(WRITERS):
        window = records[k * offset:k * offset + SHARD_RECORDS]
        random.Random(k).shuffle(window)
        shard = folder / f"writer-{k}"
        shard.mkdir(parents=True)
        for start in range(0, len(window), WRITER_BATCH):
            lines = window[start:start + WRITER_BATCH]
            (shard / f"part-{start // WRITER_BATCH:03d}.jsonl").write_text(
                "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), encoding="utf-8")
        shards.append(shard)
    return shards


def _ingest_shard(url: str, shard: str, barrier, results) -> None:
    """One writer process: wait for the others, then ingest its shard."""
    try:
        with open_store(url) as store:
            barrier.wait(timeout=120)
            report = pipeline.ingest([Path(shard)], store, Settings(batch_size=WRITER_BATCH))
        results.put((shard, _report_counts(report), None))
    except BaseException as exc:  # reported to the test, which fails on it
        results.put((shard, None, repr(exc)))


def _read_while(writing: threading.Event, url: str, seen: list, errors: list) -> None:
    """A reader (its own read-only connection) polling counts, search and a full scan
    while the writers run."""
    try:
        with open_store(url, read_only=True) as reader:
            while writing.is_set():
                count = reader.count_articles()
                scanned = sum(1 for _ in reader.articles())
                reader.search("president")
                seen.append((count, scanned))
                time.sleep(0.05)
    except BaseException as exc:
        errors.append(repr(exc))


def test_postgres_concurrent_writers_store_every_article_once(pg_url, tmp_path):
    shards = _write_shards(tmp_path / "shards")
    # The reference: one process ingesting every shard into SQLite.
    with open_store(tmp_path / "ref.db") as ref:
        pipeline.ingest(shards, ref, Settings())
        expected = _snapshot(ref)
    open_store(pg_url).close()  # migrate before the reader connects

    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(WRITERS), ctx.Queue()
    writers = [ctx.Process(target=_ingest_shard, args=(pg_url, str(s), barrier, results))
               for s in shards]
    writing, seen, read_errors = threading.Event(), [], []
    writing.set()
    reader = threading.Thread(target=_read_while, args=(writing, pg_url, seen, read_errors))
    reader.start()
    for process in writers:
        process.start()
    outcomes = [results.get(timeout=300) for _ in writers]
    for process in writers:
        process.join(timeout=60)
    final_seen = len(seen)
    writing.clear()
    reader.join(timeout=60)

    assert [error for _, _, error in outcomes if error] == []
    assert all(p.exitcode == 0 for p in writers)
    with open_store(pg_url) as store:
        got = _snapshot(store)
    expected_ids = {a.id for a in expected["articles"]}
    got_ids = [a.id for a in got["articles"]]
    assert len(got_ids) == len(set(got_ids)) == len(expected_ids)  # each article exactly once
    assert set(got_ids) == expected_ids
    texts = {a.id: a.text for a in expected["articles"]}
    assert all(a.text == texts[a.id] for a in got["articles"])
    sources = lambda snap: sorted((s["source"], s["locator"], aid)  # noqa: E731
                                  for aid, rows in snap["sources"].items() for s in rows)
    assert sources(got) == sources(expected)  # every place every article was read from
    assert len(sources(got)) == sum(counts[0] for _, counts, _ in outcomes)
    assert {s[0] for s in got["signatures"]} == expected_ids
    assert got["rejections"] == expected["rejections"]

    assert read_errors == []
    counts = [count for count, _ in seen[:final_seen]]
    assert counts == sorted(counts)  # committed articles never disappear
    assert all(scanned >= count for count, scanned in seen)
    assert any(0 < count < len(expected_ids) for count in counts), counts  # read mid-ingest


def test_postgres_deadlock_is_retried_not_lost(pg_url, caplog):
    """A real deadlock between the store's batch and another transaction: PostgreSQL
    aborts the store's transaction; the store replays its batch and commits it."""
    store = open_store(pg_url)
    articles = [Article(id=i, source=f"/{i}.txt", locator="", format="text", text=f"text {i}",
                        paragraphs=(Paragraph(0, 6),)) for i in ("a", "b")]
    other = psycopg.connect(pg_url, autocommit=True)
    # The other transaction waits longer before checking for deadlocks, so PostgreSQL
    # picks the store's transaction as the victim.
    other.execute("SET deadlock_timeout = '20s'")
    other.execute("BEGIN")
    insert = ("INSERT INTO articles (id, source, locator, format, text, paragraphs, removed, "
              "origins, ingested_at) VALUES (%s, 'other', '', 'text', 'other', '[]', '[]', '[]', 'now')")
    other.execute(insert, ("b",))
    failures: list[str] = []

    def write_batch() -> None:
        try:
            with store.atomic():
                for article in articles:
                    store.add_article(article, None, None)
        except BaseException as exc:
            failures.append(repr(exc))

    caplog.set_level(logging.WARNING, logger="storyline.store.postgres")
    writer = threading.Thread(target=write_batch)
    writer.start()
    _wait_for_lock_wait(pg_url)  # the store holds "a" and waits for "b"
    other.execute(insert, ("a",))  # waits for the store: a deadlock, the store is aborted
    other.execute("ROLLBACK")
    writer.join(timeout=60)
    other.close()
    assert failures == []
    assert "DeadlockDetected" in caplog.text
    assert list(store.articles()) == articles
    store.close()


def _wait_for_lock_wait(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                                   ).fetchone()[0]
            if waiting:
                return
            time.sleep(0.02)
    raise AssertionError("the store's batch never waited for the other transaction's row")
