"""End to end on each engine: ingest -> annotate -> stories, articles/s as ratios to local.

For each corpus size (bench/corpus.py: the real articles of ../shared/datasets, then
seeded variants, copies and near-copies) and each engine, a fresh Python process
ingests into a fresh SQLite database with the language layer on, then clusters the
stories. All engines run in the same invocation, one after the other, so their ratios
share the machine's conditions.

    local      the default path: everything in one process (``storyline ingest``), the
               story embeddings computed in that process (torch on every core)
    processes  ``--engine processes``: parse/clean/sign and annotate on a pool of worker
               processes, embeddings on the pool too; store, dedupe, clustering in the driver
    ray        ``--engine ray``: the same stages on Ray Data actor pools (a local Ray)

Measured per run: wall time of each step in the driver (engine start-up, reading +
cleaning + signing, annotating, storing + dedupe, story inputs, embedding, clustering),
the busy seconds of each stage summed over the workers, and the peak memory of the
whole process tree (driver, workers, Ray's daemons): the sum of RSS, and the sum of PSS
(shared pages counted once), sampled every second from /proc by this parent process.
A digest of what was stored (articles, annotations, links) and of the stories (ids and
members) shows whether the engines agree.

Usage (heavy: run it niced on a quiet machine; per 10k articles ~22 min local, ~14 min per
engine on 2 cores):
    nice -n 10 .venv/bin/python bench/engines.py --sizes 10000 [--engines local processes ray]
    nice -n 10 .venv/bin/python bench/engines.py --per-core 1000   # CPU ms/article per stage + projection
    .venv/bin/python bench/engines.py --project bench/out/engines.json   # projection from a run
Writes bench/out/engines.json (and engines-<size>-<engine>.db, deleted unless --keep).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
PAGE = os.sysconf("SC_PAGE_SIZE")
STEPS = ("startup", "read_clean_sign", "annotate", "workers", "store_dedupe", "story_inputs", "embed",
         "cluster")


# ----------------------------------------------------------------------------- child


def child(src: Path, db: Path, engine_name: str, workers: int) -> dict:
    """One end-to-end run in this process; returns timings and counts."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from storyline import pipeline
    from storyline.engine import LocalEngine, make_engine
    from storyline.engine.ingest import EngineIngest
    from storyline.settings import Settings
    from storyline.store import open_store

    steps = dict.fromkeys(STEPS, 0.0)
    started = time.perf_counter()
    engine = None if engine_name == "local" else make_engine(engine_name, workers=workers)
    steps["startup"] = time.perf_counter() - started
    store = open_store(db)
    t0 = time.perf_counter()
    if engine is None:
        annotator = _TimedAnnotator(pipeline.Annotator(), steps)
        report = pipeline.ingest([src], store, Settings(), annotator=annotator,
                                 map_files=_timed_local_map(steps))
    else:
        # Exactly what pipeline.ingest(engine=...) does, with the wait on the workers timed.
        plan = EngineIngest(engine, store, annotate=True)
        report = pipeline.ingest([src], store, Settings(), annotator=plan,
                                 map_files=_timed_engine_map(plan, steps))
    ingest_s = time.perf_counter() - t0
    own = steps["read_clean_sign"] + steps["annotate"] + steps["workers"]
    steps["store_dedupe"] = ingest_s - own
    stories = _stories(store, engine or LocalEngine(), steps)
    total = time.perf_counter() - started
    busy = dict((engine.stats.busy if engine is not None else {}))
    if engine is not None:
        engine.close()
    store.close()
    return {"engine": engine_name, "workers": 1 if engine is None else workers, "seconds": total,
            "ingest_seconds": ingest_s, "steps": steps, "worker_busy": busy, "read": report.read,
            "new": report.new, "exact": report.exact_duplicates, "near": report.near_duplicates,
            "shared": report.shared_passages, "rejected": len(report.rejected), "stories": stories,
            "digest": _digest(db, stories)}


class _TimedAnnotator:
    def __init__(self, annotator, steps: dict) -> None:
        self.annotator, self.steps = annotator, steps

    def annotate(self, articles):
        t0 = time.perf_counter()
        out = list(self.annotator.annotate(articles))
        self.steps["annotate"] += time.perf_counter() - t0
        return iter(out)


def _timed_local_map(steps: dict):
    def mapper(func, files, settings, rules):
        for path in files:
            t0 = time.perf_counter()
            result = func(path, settings, rules)
            steps["read_clean_sign"] += time.perf_counter() - t0
            yield result
    return mapper


def _timed_engine_map(plan, steps: dict):
    def mapper(func, files, settings, rules):
        stream = plan.map_files(func, files, settings, rules)
        while True:
            t0 = time.perf_counter()
            result = next(stream, None)
            steps["workers"] += time.perf_counter() - t0
            if result is None:
                return
            yield result
    return mapper


def _stories(store, engine, steps: dict) -> list:
    """pipeline.update_stories(store, engine=...) on a fresh store, step by step (same calls)."""
    from storyline.engine.stories import embed_inputs
    from storyline.pipeline import story_inputs
    from storyline.stories import StoryClusterer

    t0 = time.perf_counter()
    inputs = story_inputs(store)
    t1 = time.perf_counter()
    vectors = embed_inputs(engine, inputs)
    t2 = time.perf_counter()
    clusterer = StoryClusterer().fit(inputs, vectors)
    with store.atomic():
        store.put_story_state(clusterer.to_state(), len(inputs))
    t3 = time.perf_counter()
    steps.update(story_inputs=t1 - t0, embed=t2 - t1, cluster=t3 - t2)
    return sorted((s.id, sorted(a.id for a in s.articles)) for s in clusterer.stories_)


def _digest(db: Path, stories: list) -> dict:
    conn = sqlite3.connect(db)
    parts = {
        "articles": "SELECT seq, id, source, locator, text FROM articles ORDER BY seq",
        "annotations": "SELECT article_id, data FROM annotations ORDER BY article_id",
        "links": "SELECT * FROM near_duplicates ORDER BY 1, 2",
        "passages": "SELECT * FROM shared_passages ORDER BY 1, 2, 3, 4",
    }
    out = {name: hashlib.sha256(repr(conn.execute(sql).fetchall()).encode()).hexdigest()[:16]
           for name, sql in parts.items()}
    conn.close()
    out["stories"] = hashlib.sha256(repr(stories).encode()).hexdigest()[:16]
    return out


# ----------------------------------------------------------------------------- per core


def per_core(n: int) -> dict:
    """CPU seconds per article of each stage on one core (math libraries held to one
    thread), on every (10000 / n)-th article of the 10k corpus: the rates a cluster
    projection starts from. CPU time, unlike wall time, does not grow when other
    programs share the cores."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from storyline import dedupe, embed
    from storyline.annotate import annotate_many, load_model, load_rules
    from storyline.clean import load_rules as load_clean_rules
    from storyline.engine import LocalEngine
    from storyline.engine.stages import limit_threads
    from storyline.engine.stories import embed_inputs
    from storyline.pipeline import process_file, store_article, story_inputs
    from storyline.settings import Settings
    from storyline.store import open_store
    from storyline.stories import StoryClusterer

    folder = corpus.write_corpus(10000, OUT / "corpus-10000")
    lines = [line for shard in sorted(folder.glob("*.jsonl")) for line in shard.open(encoding="utf-8")]
    sample = OUT / f"per-core-{n}.jsonl"
    sample.write_text("".join(lines[::max(1, len(lines) // n)][:n]), encoding="utf-8")
    settings, cpu, cost = Settings(), time.process_time, {}
    nlp, annotate_rules = load_model(), load_rules()
    embed.load_model()
    limit_threads(1)
    t0 = cpu()
    result = process_file(sample, settings, load_clean_rules())
    cost["read_clean_sign"] = cpu() - t0
    articles = [article for article, _ in result.articles]
    t0 = cpu()
    annotations = list(annotate_many(articles, nlp, annotate_rules))
    cost["annotate"] = cpu() - t0
    db = OUT / f"per-core-{n}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    store = open_store(db)
    index = dedupe.DedupeIndex.from_settings(settings)
    t0 = cpu()
    with store.atomic():
        for article, sig in result.articles:
            store_article(article, sig, store, index)
        for ann in annotations:
            store.put_annotations(ann)
    cost["store_dedupe"] = cpu() - t0
    t0 = cpu()
    inputs = story_inputs(store)
    cost["story_inputs"] = cpu() - t0
    t0 = cpu()
    vectors = embed_inputs(LocalEngine(), inputs)
    cost["embed"] = cpu() - t0
    t0 = cpu()
    StoryClusterer().fit(inputs, vectors)
    cost["cluster"] = cpu() - t0
    store.close()
    count = len(articles)
    return {"articles": count, "words_per_article": sum(len(a.text.split()) for a in articles) / count,
            "cpu_ms_per_article": {k: 1000 * v / count for k, v in cost.items()}}


# ----------------------------------------------------------------------------- projection

# What the projection assumes (printed with it):
PEAK_FACTOR = 3.0  # the busiest hour carries 3x the day's mean hourly rate (news comes in bursts)
UTILISATION = 0.7  # cores planned at 70 % busy at that peak (retries, GC, uneven batches)
NODE_CORES = 16  # one worker node
DRIVER_STEPS = ("store_dedupe", "story_inputs", "cluster")  # serial, in the one driver
WORKER_STEPS = ("read_clean_sign", "annotate", "embed")  # per article, on any worker


def projection(per_core_result: dict, per_day: int) -> dict:
    """Cores and nodes for ``per_day`` articles a day, from CPU ms per article per stage
    on one core (``--per-core``): worker stages scale out over cores; the driver's
    serial steps do not, and cap one driver's rate."""
    ms = per_core_result["cpu_ms_per_article"]
    worker_s = sum(ms[k] for k in WORKER_STEPS) / 1000
    driver_s = sum(ms[k] for k in DRIVER_STEPS) / 1000
    peak_rate = per_day / 86400 * PEAK_FACTOR
    cores = peak_rate * worker_s / UTILISATION
    driver_load = peak_rate * driver_s  # cores' worth of serial work in one process
    return {"articles_per_day": per_day, "peak_articles_per_s": round(peak_rate, 1),
            "worker_cpu_s_per_article": round(worker_s, 4), "driver_cpu_s_per_article": round(driver_s, 4),
            "worker_cores": round(cores, 1), "worker_nodes": max(1, math.ceil(cores / NODE_CORES)),
            "driver_busy_share_at_peak": round(driver_load, 2),
            "one_driver_enough": driver_load < UTILISATION,
            "drivers_needed": max(1, math.ceil(driver_load / UTILISATION))}


def costs_from_runs(results: list[dict]) -> dict:
    """Per-article ms of each stage from an engines run (the --per-core shape): the
    local run's steps (one process, spaCy on one core), and the embedding's busy time
    on the single-threaded workers of the processes run (local embeds on both cores)."""
    local = next(r for r in results if r["engine"] == "local")
    workers = next((r for r in results if r["engine"] == "processes"), None)
    n = local["read"]
    ms = {k: 1000 * local["steps"][k] / n for k in (*WORKER_STEPS, *DRIVER_STEPS)}
    if workers is not None:
        ms["embed"] = 1000 * workers["worker_busy"]["embed"] / workers["read"]
    return {"articles": n, "cpu_ms_per_article": ms}


def print_projection(per_core_result: dict) -> None:
    print(f"assumptions: peak hour = {PEAK_FACTOR:g}x the mean rate; cores {UTILISATION:.0%} busy at peak; "
          f"{NODE_CORES}-core nodes; CPU ms/article on one core: "
          + ", ".join(f"{k} {v:.1f}" for k, v in per_core_result["cpu_ms_per_article"].items()))
    for per_day in (1_000_000, 10_000_000):
        p = projection(per_core_result, per_day)
        print(f"{per_day:>11,} articles/day: peak {p['peak_articles_per_s']} art/s -> {p['worker_cores']} worker cores "
              f"({p['worker_nodes']} x {NODE_CORES}-core nodes); driver {p['driver_busy_share_at_peak']} cores of serial "
              f"work -> {p['drivers_needed']} driver(s) (partition by time window / story shard beyond one)")


# ----------------------------------------------------------------------------- parent


def _tree(root: int) -> list[int]:
    """``root`` and all its descendants, from /proc."""
    parent: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent[int(entry)] = int(stat[stat.rindex(")") + 2:].split()[1])
    found, frontier = [root], [root]
    while frontier:
        wanted = set(frontier)
        frontier = [pid for pid, ppid in parent.items() if ppid in wanted]
        found.extend(frontier)
    return found


def _memory(pids: list[int]) -> tuple[float, float]:
    """Sum of RSS and of PSS (MiB) over ``pids``."""
    rss = pss = 0
    for pid in pids:
        try:
            rss += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1]) * 1024
                    break
        except (OSError, IndexError, ValueError):
            continue
    return rss / 2**20, pss / 2**20


def run(n: int, engine: str, workers: int, keep: bool) -> dict:
    src = corpus.write_corpus(n, OUT / f"corpus-{n}")
    db = OUT / f"engines-{n}-{engine}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", RAY_AUTH_MODE="disabled")
    cmd = [sys.executable, __file__, "--child", str(src), str(db), engine, str(workers)]
    # The child's output goes to files: a pipe nobody reads while the child runs fills
    # up (64 KiB of log lines) and blocks the child for good.
    log = OUT / f"engines-{n}-{engine}.log"
    with open(log, "w+", encoding="utf-8") as err_file, tempfile.TemporaryFile("w+", encoding="utf-8") as out_file:
        proc = subprocess.Popen(cmd, stdout=out_file, stderr=err_file, text=True, env=env)
        peak_rss = peak_pss = 0.0
        while proc.poll() is None:
            rss, pss = _memory(_tree(proc.pid))
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            time.sleep(1.0)
        out_file.seek(0)
        err_file.seek(0)
        out, err = out_file.read(), err_file.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{engine} at {n} failed:\n{err[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result.update(articles=n, peak_rss_mb=peak_rss, peak_pss_mb=peak_pss,
                  articles_per_s=result["read"] / result["seconds"], stories=len(result["stories"]))
    if not keep:
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
    return result


def print_table(results: list[dict]) -> None:
    base = {r["articles"]: r for r in results if r["engine"] == "local"}
    print(f"{'articles':>8} {'engine':>10} {'seconds':>8} {'art/s':>6} {'vs local':>8} {'RSS MB':>7} "
          f"{'PSS MB':>7} {'same':>5}  step shares of the wall time (%)")
    for r in results:
        ref = base.get(r["articles"])
        ratio = r["articles_per_s"] / ref["articles_per_s"] if ref else float("nan")
        same = "yes" if ref and r["digest"] == ref["digest"] else ("-" if not ref else "NO")
        shares = " ".join(f"{k}={100 * v / r['seconds']:.0f}" for k, v in r["steps"].items() if v > 0.005 * r["seconds"])
        print(f"{r['articles']:>8} {r['engine']:>10} {r['seconds']:>8.0f} {r['articles_per_s']:>6.2f} "
              f"{ratio:>8.2f} {r['peak_rss_mb']:>7.0f} {r['peak_pss_mb']:>7.0f} {same:>5}  {shares}")
        if r["worker_busy"]:
            busy = ", ".join(f"{k} {v:.0f} s" for k, v in r["worker_busy"].items())
            print(f"{'':>8} {'':>10} worker busy time: {busy}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000])
    parser.add_argument("--engines", nargs="+", default=["local", "processes", "ray"])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--out", type=Path, default=OUT / "engines.json")
    parser.add_argument("--per-core", type=int, metavar="N",
                        help="instead: CPU ms per article of each stage on one core, N articles, "
                             "and the cluster projection from them")
    parser.add_argument("--project", type=Path, metavar="JSON",
                        help="instead: the cluster projection from a saved --per-core result or "
                             "engines run (local steps, processes embedding)")
    args = parser.parse_args()
    if args.per_core:
        result = per_core(args.per_core)
        print(json.dumps(result, indent=2))
        (OUT / "engines-per-core.json").write_text(json.dumps(result, indent=2))
        print_projection(result)
        return
    if args.project:
        saved = json.loads(args.project.read_text())
        print_projection(costs_from_runs(saved) if isinstance(saved, list) else saved)
        return
    results = []
    for n in args.sizes:
        for engine in args.engines:
            print(f"running {engine} on {n} articles ...", file=sys.stderr, flush=True)
            results.append(run(n, engine, args.workers, args.keep))
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(results, indent=2))
    print_table(results)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        src_arg, db_arg, engine_arg, workers_arg = sys.argv[2:6]
        print(json.dumps(child(Path(src_arg), Path(db_arg), engine_arg, int(workers_arg))))
    else:
        main()
