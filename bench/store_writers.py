"""PostgreSQL vs SQLite ingest throughput with 1 and 4 concurrent writers.

The same real articles (the first N of bench/corpus.py: PolNeAR, Timeline17, FNC-1,
AllSides texts from ../shared/datasets) are cut into JSON Lines files of FILE_RECORDS
records. One writer ingests every file; four writers (separate processes, started
together behind a barrier) each ingest every fourth file into the same database.
Two modes:

* ``ingest``: ``pipeline.ingest`` end to end (read, clean, sign, dedupe, store) with
  the language layer off (``annotator=None``), as ``storyline ingest --no-annotate``;
* ``store``: the per-file stages are run once beforehand and each writer only does
  what needs the database: ``pipeline.store_article`` per article (exact-duplicate
  lookups, the near-duplicate index, the writes) inside one ``store.atomic()`` per
  ``batch_size`` articles, as ``pipeline.ingest`` does.

Throughput is stored articles / wall time from the barrier to the last writer's end,
the median of ``--repeat`` rounds is reported, and each row's ratio is to SQLite
with one writer in the same mode. The
PostgreSQL server is a throwaway cluster (Debian's binaries, tests/store/pg_cluster.py)
with default durability (fsync and synchronous_commit on); SQLite runs as the store
opens it (WAL, synchronous=NORMAL). Every run is checked: all articles stored once.

Usage: nice -n 10 .venv/bin/python bench/store_writers.py [--articles 2000] [--writers 1 4] [--repeat 3]
Writes bench/out/store_writers.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import pickle
import shutil
import statistics
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests" / "store"))

import corpus  # noqa: E402
from pg_cluster import TempCluster  # noqa: E402

from storyline import pipeline  # noqa: E402
from storyline.clean import load_rules  # noqa: E402
from storyline.settings import Settings  # noqa: E402
from storyline.store import open_store  # noqa: E402

FILE_RECORDS = 50  # records per input file: 4 files make one 200-article batch


def write_files(n: int, folder: Path) -> list[Path]:
    """The first ``n`` corpus records as JSONL files of FILE_RECORDS records."""
    folder.mkdir(parents=True, exist_ok=True)
    records = list(corpus.build_corpus(n))
    files = []
    for start in range(0, n, FILE_RECORDS):
        path = folder / f"part-{start // FILE_RECORDS:04d}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n"
                                for r in records[start:start + FILE_RECORDS]), encoding="utf-8")
        files.append(path)
    return files


def preprocess(files: list[Path], folder: Path) -> list[Path]:
    """Run the per-file stages once; one pickle of FileResults per input file."""
    settings, rules = Settings(), load_rules()
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for path in files:
        target = folder / (path.stem + ".pickle")
        target.write_bytes(pickle.dumps(pipeline.process_file(path, settings, rules)))
        out.append(target)
    return out


def _store_only(results: list[Any], store: Any, settings: Settings) -> int:
    """What pipeline.ingest does once files are processed: batches of articles, each in
    one transaction, through store_article."""
    index = pipeline.load_dedupe_index(store, settings)
    items = [pair for result in results for pair in result.articles]
    for start in range(0, len(items), settings.batch_size):
        with store.atomic():
            for article, sig in items[start:start + settings.batch_size]:
                pipeline.store_article(article, sig, store, index)
    return len(items)


def writer(mode: str, target: str, paths: list[str], barrier: Any, results: Any) -> None:
    """One writer process: open the store, wait for the others, then write."""
    try:
        settings = Settings()
        with open_store(target) as store:
            # Unpickling is not store work: done before the clock starts.
            processed = ([pickle.loads(Path(p).read_bytes()) for p in paths]
                         if mode == "store" else [])
            barrier.wait(timeout=600)
            started = time.monotonic()  # CLOCK_MONOTONIC is system-wide on Linux
            if mode == "ingest":
                report = pipeline.ingest([Path(p) for p in paths], store, settings)
                read = report.read
            else:
                read = _store_only(processed, store, settings)
            results.put({"started": started, "ended": time.monotonic(), "read": read, "error": None})
    except BaseException as exc:  # the parent reports it and fails the run
        barrier.abort()  # the other writers stop waiting
        results.put({"error": repr(exc)})


def run_once(mode: str, target: str, files: list[Path], writers: int) -> dict[str, Any]:
    # Create the schema first: what is measured is writing, not racing to migrate
    # (SqliteStore's migration is not safe against concurrent first opens).
    open_store(target).close()
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(writers), ctx.Queue()
    procs = [ctx.Process(target=writer, args=(mode, target, [str(f) for f in files[k::writers]],
                                              barrier, results)) for k in range(writers)]
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=1800) for _ in procs]
    for proc in procs:
        proc.join()
    errors = [o["error"] for o in outcomes if o["error"]]
    if errors:
        raise RuntimeError(f"{mode} {target} x{writers}: {errors}")
    seconds = max(o["ended"] for o in outcomes) - min(o["started"] for o in outcomes)
    with open_store(target) as store:
        stored = store.count_articles()
        ids = [a.id for a in store.articles()]
    return {"seconds": seconds, "stored": stored, "distinct_ids": len(set(ids)),
            "read": sum(o["read"] for o in outcomes)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the median is reported")
    parser.add_argument("--modes", nargs="+", default=["store", "ingest"], choices=["store", "ingest"])
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="storyline-bench-"))
    try:
        run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, work: Path) -> None:
    files = write_files(args.articles, work / "jsonl")
    pickles = preprocess(files, work / "pickles") if "store" in args.modes else []
    configs = [(mode, backend, writers) for mode in args.modes
               for backend in ("sqlite", "postgresql") for writers in args.writers]
    runs: dict[tuple[str, str, int], list[dict[str, Any]]] = {c: [] for c in configs}
    with TempCluster(durable=True) as cluster:
        # Whole rounds, not one configuration repeated: load from other processes on a
        # shared machine then falls on every configuration alike.
        for round_no in range(args.repeat):
            for mode, backend, writers in configs:
                name = f"{mode}_{backend}_{writers}_{round_no}"
                target = (cluster.create_database(name) if backend == "postgresql"
                          else str(work / f"{name}.db"))
                result = run_once(mode, target, pickles if mode == "store" else files, writers)
                runs[(mode, backend, writers)].append(result)
                print(f"  {name}: {result['stored']} articles in {result['seconds']:.2f}s", flush=True)
    rows = [summarise(config, results) for config, results in runs.items()]
    for row in rows:
        base = next(r for r in rows if r["mode"] == row["mode"] and r["backend"] == "sqlite"
                    and r["writers"] == min(args.writers))
        row["ratio_to_sqlite_1"] = row["articles_per_s"] / base["articles_per_s"]
    print_table(rows)
    report = {"articles": args.articles, "file_records": FILE_RECORDS, "repeat": args.repeat,
              "batch_size": Settings().batch_size, "cpus": os.cpu_count(),
              "python": platform.python_version(), "postgres_bin": str(cluster.bin),
              "rows": rows}
    (OUT / "store_writers.json").write_text(json.dumps(report, indent=2))
    print(f"wrote {OUT / 'store_writers.json'}")


def summarise(config: tuple[str, str, int], results: list[dict[str, Any]]) -> dict[str, Any]:
    """The median run of one configuration; every run must have stored every article once."""
    mode, backend, writers = config
    for result in results:
        if result["stored"] != result["distinct_ids"] or result["stored"] != results[0]["stored"]:
            raise RuntimeError(f"{config}: stored {result['stored']} articles, "
                               f"{result['distinct_ids']} distinct, first run {results[0]['stored']}")
    seconds = statistics.median(r["seconds"] for r in results)
    return {"mode": mode, "backend": backend, "writers": writers, "stored": results[0]["stored"],
            "seconds": seconds, "articles_per_s": results[0]["stored"] / seconds,
            "runs_seconds": [round(r["seconds"], 3) for r in results]}


def print_table(rows: list[dict[str, Any]]) -> None:
    print(f"\n{'mode':<7} {'store':<11} {'writers':>7} {'stored':>7} {'median s':>8} "
          f"{'art/s':>8} {'vs sqlite-1':>11}  runs (s)")
    for r in rows:
        print(f"{r['mode']:<7} {r['backend']:<11} {r['writers']:>7} {r['stored']:>7} "
              f"{r['seconds']:>8.2f} {r['articles_per_s']:>8.1f} {r['ratio_to_sqlite_1']:>10.2f}x  "
              f"{' '.join(f'{x:.2f}' for x in r['runs_seconds'])}")


if __name__ == "__main__":
    main()
