"""HTML -> article text quality on the Zyte article-extraction-benchmark.

Scores (a) ``trafilatura.extract(html)`` with its defaults, used directly, and
(b) Storyline's HTML path: the text ``storyline.ingest.read_file`` returns for the
page file, as it is after ingest. The metric is the benchmark's own (see the
dataset's PROVENANCE.md): tokens ``\\w+``, multisets of 4-gram shingles, per-page
precision/recall, their means over pages, and F1 of the two means. Before scoring,
the scorer is checked against the published F1 of the stored trafilatura 2.0.0
output (0.958); the run stops if it does not reproduce it.

Run (10-20 s per system on one core, more on a busy machine)::

    nice -n 10 .venv/bin/python bench/html_extraction.py

Writes bench/out/html_extraction.json (per-system scores and per-page numbers).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import logging
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import trafilatura

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from storyline.ingest import read_file  # noqa: E402 - after the src path is known
from storyline.records import RawArticle  # noqa: E402
from storyline.settings import Settings  # noqa: E402

DATASET = "article-extraction-benchmark"
# Published in the benchmark's README for the stored output/trafilatura.json.
PUBLISHED_TRAFILATURA_F1 = 0.958
TOKEN = re.compile(r"\w+")
SHINGLE = 4


@dataclass(frozen=True, slots=True)
class Scores:
    """Corpus scores: means of per-page precision and recall, F1 of the means."""

    precision: float
    recall: float
    f1: float
    accuracy: float
    pages: int


def dataset_dir() -> Path:
    """The dataset folder: $STORYLINE_SHARED/datasets/... or ../shared next to the repo."""
    shared = Path(os.environ.get("STORYLINE_SHARED", REPO / ".." / "shared"))
    return (shared / "datasets" / DATASET).resolve()


def load_truth(folder: Path) -> dict[str, str]:
    """Page id -> gold article body."""
    data = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    return {key: value.get("articleBody", "") for key, value in data.items()}


def shingles(text: str) -> Counter[str]:
    """Multiset of 4-token shingles; a text shorter than 4 tokens is one shingle."""
    tokens = TOKEN.findall(text or "")
    grams = (" ".join(tokens[i:i + SHINGLE]) for i in range(max(1, len(tokens) - SHINGLE + 1)))
    return Counter(g for g in grams if g)


def page_counts(truth: str, predicted: str) -> tuple[float, float, float]:
    """(tp, fp, fn) shingle counts of one page, normalised to sum to 1."""
    gold, pred = shingles(truth), shingles(predicted)
    tp, fp, fn = sum((gold & pred).values()), sum((pred - gold).values()), sum((gold - pred).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def score(truth: dict[str, str], predicted: dict[str, str]) -> Scores:
    """Benchmark scores of ``predicted`` (missing pages count as empty output)."""
    precisions, recalls, exact = [], [], 0
    for key, gold in truth.items():
        pred = predicted.get(key) or ""
        exact += TOKEN.findall(gold) == TOKEN.findall(pred)
        tp, fp, fn = page_counts(gold, pred)
        if fp == 0 and fn == 0:
            precisions.append(1.0)
            recalls.append(1.0)
            continue
        if tp + fp > 0:
            precisions.append(tp / (tp + fp))
        if tp + fn > 0:
            recalls.append(tp / (tp + fn))
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return Scores(round(p, 4), round(r, 4), round(f1, 4), round(exact / len(truth), 4), len(truth))


def check_scorer(folder: Path, truth: dict[str, str]) -> float:
    """F1 of the stored trafilatura output; raises if it is not the published 0.958."""
    stored = json.loads((folder / "output" / "trafilatura.json").read_text(encoding="utf-8"))
    stored = stored.get("output", stored)
    f1 = score(truth, {k: v.get("articleBody", "") for k, v in stored.items()}).f1
    if round(f1, 3) != PUBLISHED_TRAFILATURA_F1:
        raise SystemExit(f"scorer does not reproduce the published F1 {PUBLISHED_TRAFILATURA_F1}: "
                         f"got {f1}")
    return f1


def trafilatura_direct(page: Path) -> str:
    """(a) trafilatura.extract with defaults on the page's UTF-8 text."""
    html = gzip.decompress(page.read_bytes()).decode("utf-8")
    return trafilatura.extract(html) or ""


def storyline_ingest(page: Path) -> str:
    """(b) the text Storyline's ingest returns for the page file."""
    for item in read_file(page, Settings()):
        return item.text if isinstance(item, RawArticle) else ""
    return ""


SYSTEMS: dict[str, Callable[[Path], str]] = {
    "trafilatura-direct": trafilatura_direct,
    "storyline-ingest": storyline_ingest,
}


def run_system(system: Callable[[Path], str], folder: Path,
               ids: Iterable[str]) -> tuple[dict[str, str], float]:
    """Outputs of one system for the given page ids, and the seconds it took."""
    start = time.perf_counter()
    outputs = {key: system(folder / "html" / f"{key}.html.gz") for key in ids}
    return outputs, time.perf_counter() - start


def corpus_digest(folder: Path) -> str:
    """sha256 of the ground truth, so results name the exact corpus they were measured on."""
    return hashlib.sha256((folder / "ground-truth.json").read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "html_extraction.json")
    parser.add_argument("--systems", nargs="+", choices=sorted(SYSTEMS), default=list(SYSTEMS))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.CRITICAL)  # trafilatura logs every discarded page

    folder = dataset_dir()
    if not folder.is_dir():
        print(f"dataset not found: {folder} (set STORYLINE_SHARED)", file=sys.stderr)
        return 2
    truth = load_truth(folder)
    reference = check_scorer(folder, truth)
    print(f"scorer check: stored trafilatura 2.0.0 output F1 {reference:.4f} "
          f"(published {PUBLISHED_TRAFILATURA_F1})")

    results: dict[str, dict[str, object]] = {}
    print(f"{'system':<20} {'precision':>9} {'recall':>7} {'F1':>7} {'exact':>6} {'pages':>5} {'sec':>6}")
    for name in args.systems:
        outputs, seconds = run_system(SYSTEMS[name], folder, truth)
        scores = score(truth, outputs)
        print(f"{name:<20} {scores.precision:>9.4f} {scores.recall:>7.4f} {scores.f1:>7.4f} "
              f"{scores.accuracy:>6.3f} {scores.pages:>5} {seconds:>6.1f}")
        per_page = {key: dict(zip(("tp", "fp", "fn"), page_counts(truth[key], outputs[key]), strict=True))
                    for key in truth}
        results[name] = {**asdict(scores), "seconds": round(seconds, 2), "per_page": per_page}

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "dataset": DATASET, "ground_truth_sha256": corpus_digest(folder),
        "trafilatura": trafilatura.__version__, "scorer_check_f1": reference,
        "systems": results,
    }, indent=1), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
