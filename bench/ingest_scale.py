"""Ingest + clean + dedupe throughput and peak memory at 1k, 10k and 100k articles.

Each size runs `storyline ingest` in a fresh subprocess on a corpus built by
bench/corpus.py (real articles from ../shared/datasets, then seeded variants), into a
fresh SQLite database. Reported: articles/s, MB/s, peak RSS, and the cost per article
relative to the smallest size (1.0 = perfectly linear).

Usage: python bench/ingest_scale.py [SIZES...]   (default 1000 10000 100000)
Writes bench/out/ingest_scale.json.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"

CHILD = """
import json, resource, sys, time
from pathlib import Path
from storyline import pipeline
from storyline.settings import Settings
from storyline.store import open_store
src, db = Path(sys.argv[1]), Path(sys.argv[2])
store = open_store(db)
t0 = time.perf_counter()
report = pipeline.ingest([src], store, Settings())
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "read": report.read, "new": report.new,
                  "exact": report.exact_duplicates, "near": report.near_duplicates,
                  "shared": report.shared_passages, "rejected": len(report.rejected),
                  "bytes": report.bytes_read,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_size(n: int) -> dict:
    src = corpus.write_corpus(n, OUT / f"corpus-{n}")
    db = OUT / f"ingest-{n}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CHILD, str(src), str(db)],
                          capture_output=True, text=True, check=True)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = time.perf_counter() - started
    result["articles"] = n
    result["articles_per_s"] = result["read"] / result["seconds"]
    result["mb_per_s"] = result["bytes"] / 1e6 / result["seconds"]
    result["db_mb"] = db.stat().st_size / 1e6
    return result


def main(sizes: list[int]) -> None:
    results = [run_size(n) for n in sizes]
    base = results[0]["seconds"] / results[0]["articles"]
    print(f"{'articles':>9} {'seconds':>8} {'art/s':>7} {'MB/s':>6} {'peak MB':>8} "
          f"{'cost/article vs first':>22} {'near':>6} {'exact':>6} {'shared':>8}")
    for r in results:
        r["cost_ratio"] = (r["seconds"] / r["articles"]) / base
        print(f"{r['articles']:>9} {r['seconds']:>8.1f} {r['articles_per_s']:>7.0f} {r['mb_per_s']:>6.2f} "
              f"{r['peak_rss_mb']:>8.0f} {r['cost_ratio']:>22.2f} {r['near']:>6} {r['exact']:>6} {r['shared']:>8}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "ingest_scale.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 10000, 100000])
