"""Web app latency and throughput under concurrent load, on a 10k-article database (issue 6).

Usage:
    nice -n 10 .venv/bin/python bench/web_load.py [--articles 10000] [--concurrency 16] [--seconds 15]

1. Corpus: ``bench/corpus.py``'s reproducible N-article JSON Lines (the real articles of
   ../shared/datasets, then seeded variants, copies and near-copies).
2. Database (built once, kept under bench/out/web/): ``storyline ingest --no-annotate``
   (list, search and article endpoints need no language layer), then the stories
   clustered once with ``StoryClusterer(embedding="none")`` (MiniLM would take ~12 min
   for 10k texts on 2 cores) and saved as the store's story state, as `storyline
   stories` keeps it; the server's start-up then only restores it.
3. Server: ``create_app(db, precompute=0)`` (no background analysis competing for the
   cores) under uvicorn, one process, in a child process bound to 127.0.0.1.
4. One story of 5-12 articles is analysed once; its page is then served from the
   in-memory analysis cache, which is what is measured.
5. Load: for each endpoint, ``--concurrency`` asyncio clients (httpx, keep-alive) send
   requests back to back for ``--seconds``; latency median and p99 and requests/s.
   The load generator runs on the same 2 cores as the server, so the numbers are a
   floor of what the server does alone. Results: bench/out/web_load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
WORK = OUT / "web"
SEARCH_WORDS = ("president", "election", "police", "court", "economy", "war", "vote", "climate", "health",
                "market", "minister", "trade", "security", "oil", "school", "senate")
STORY_SIZE = (5, 12)  # articles of the story whose cached page is measured
SEED = 6


def build_database(n: int) -> Path:
    """The N-article database with its stories clustered (reused when already built)."""
    sys.path.insert(0, str(REPO / "bench"))
    from corpus import write_corpus  # noqa: PLC0415

    db = WORK / f"web-{n}.db"
    marker = WORK / f"web-{n}.complete"
    if db.exists() and marker.exists():
        return db
    for stale in WORK.glob(f"web-{n}.db*"):
        stale.unlink()
    shards = write_corpus(n, WORK / f"corpus-{n}")
    started = time.perf_counter()
    subprocess.run([str(REPO / ".venv" / "bin" / "storyline"), "ingest", str(shards), "--db", str(db),
                    "--no-annotate", "--quiet"], check=False)
    print(f"ingest: {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    cluster_stories(db)
    print(f"stories (no embeddings): {time.perf_counter() - started:.0f} s", flush=True)
    marker.write_text("ok")
    return db


def cluster_stories(db: Path) -> None:
    from storyline import pipeline  # noqa: PLC0415
    from storyline.stories import StoryClusterer  # noqa: PLC0415
    from storyline.store import open_store  # noqa: PLC0415

    store = open_store(db)
    try:
        inputs = pipeline.story_inputs(store)
        clusterer = StoryClusterer(embedding="none").fit(inputs)
        with store.atomic():
            store.put_story_state(clusterer.to_state(), len(inputs))
    finally:
        store.close()


def serve(db: str, port: int) -> None:
    """The child process: the app over ``db`` on 127.0.0.1:port."""
    import uvicorn  # noqa: PLC0415

    from storyline.web import create_app  # noqa: PLC0415

    uvicorn.run(create_app(db, precompute=0), host="127.0.0.1", port=port, log_level="warning")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(db: Path) -> tuple[subprocess.Popen, str]:
    import httpx  # noqa: PLC0415

    port = free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(db), str(port)])
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/api/stories", timeout=5).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise SystemExit("the server exited during start-up")
        time.sleep(1)
    proc.kill()
    raise SystemExit("the server did not start in 10 minutes")


def pick_targets(url: str, db: Path) -> dict[str, list[str]]:
    """The URLs each endpoint is measured on (rotated, so no single row is hot)."""
    import httpx  # noqa: PLC0415

    from storyline.store import open_store  # noqa: PLC0415

    rng = random.Random(SEED)
    store = open_store(db, read_only=True)
    try:
        ids = [a.id for a in store.articles()]
    finally:
        store.close()
    story = None
    for offset in range(0, 5000, 200):  # the newest story of the wanted size
        page = httpx.get(url + "/api/stories", params={"limit": 200, "offset": offset}, timeout=60).json()
        story = next((s for s in page["stories"] if STORY_SIZE[0] <= s["articles"] <= STORY_SIZE[1]), None)
        if story or offset + 200 >= page["total"]:
            break
    story = story or page["stories"][0]
    started = time.perf_counter()
    response = httpx.get(f"{url}/api/stories/{story['id']}", timeout=1800)
    response.raise_for_status()
    print(f"first analysis of story {story['id']} ({story['articles']} articles, models loaded on the way): "
          f"{time.perf_counter() - started:.1f} s", flush=True)
    return {
        "GET /": ["/"],
        "GET /api/stories": ["/api/stories"],
        "GET /api/search?q=": [f"/api/search?q={w}" for w in SEARCH_WORDS],
        "GET /api/articles/{id}": [f"/api/articles/{i}" for i in rng.sample(ids, min(500, len(ids)))],
        "GET /stories/{id} (cached analysis)": [f"/stories/{story['id']}"],
        "GET /api/stories/{id} (cached analysis)": [f"/api/stories/{story['id']}"],
    }


async def load(url: str, paths: list[str], concurrency: int, seconds: float) -> dict[str, float]:
    """``concurrency`` clients sending requests back to back for ``seconds``."""
    import httpx  # noqa: PLC0415

    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:

        async def worker(k: int) -> None:
            nonlocal errors
            i = k
            while time.perf_counter() < deadline:
                path = paths[i % len(paths)]
                i += concurrency
                started = time.perf_counter()
                response = await client.get(path)
                await response.aread()
                latencies.append(time.perf_counter() - started)
                errors += response.status_code != 200

        began = time.perf_counter()
        await asyncio.gather(*(worker(k) for k in range(concurrency)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return {"requests": len(latencies), "errors": errors, "requests_per_s": round(len(latencies) / elapsed, 1),
            "median_ms": round(statistics.median(latencies) * 1000, 1),
            "p99_ms": round(latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] * 1000, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--serve", nargs=2, metavar=("DB", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return
    WORK.mkdir(parents=True, exist_ok=True)
    db = build_database(args.articles)
    proc, url = start_server(db)
    try:
        targets = pick_targets(url, db)
        results = {}
        for name, paths in targets.items():
            asyncio.run(load(url, paths, args.concurrency, 2.0))  # warm-up: connections, caches
            results[name] = asyncio.run(load(url, paths, args.concurrency, args.seconds))
            print(f"{name:42} {json.dumps(results[name])}", flush=True)
    finally:
        proc.terminate()
        try:
            proc.wait(120)
        except subprocess.TimeoutExpired:
            proc.kill()
    report = {"articles": args.articles, "concurrency": args.concurrency, "seconds": args.seconds,
              "cpus": os.cpu_count(), "results": results}
    (OUT / "web_load.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
