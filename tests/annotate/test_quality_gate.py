"""Quality floors: re-measure bounded subsets of the benchmarks and fail on regression.

Floors live in bench/annotate_floors.json (measured - margin). The full numbers come from
bench/quotes_polnear.py and bench/dates_eval.py. Skipped when ../shared/datasets is absent.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FLOORS = json.loads((REPO / "bench" / "annotate_floors.json").read_text())


def bench_module(name: str):
    sys.path.insert(0, str(REPO / "bench"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(REPO / "bench"))


@pytest.fixture(scope="module")
def polnear():
    module = bench_module("quotes_polnear")
    if not module.POLNEAR.exists():
        pytest.fail(f"PolNeAR not found at {module.POLNEAR}")
    return module


def test_polnear_dev_subset_meets_floors(polnear, nlp, rules):
    gate = FLOORS["gate"]["polnear_dev_first_12"]
    margin = FLOORS["gate"]["margin"]
    result = polnear.score(polnear.load_split("dev", None)[:12], nlp, rules)
    measured = {
        "content_overlap_P": result["content_overlap"]["P"],
        "content_overlap_R": result["content_overlap"]["R"],
        "speaker_accuracy_on_matched": result["speaker_accuracy_on_matched"],
        "direct_P": result["direct"]["P"],
        "direct_R": result["direct"]["R"],
    }
    below = {k: (v, gate[k]) for k, v in measured.items() if v < gate[k] - margin}
    assert not below, f"below the pinned floor (measured, pinned): {below}"


def test_semeval_trial_date_anchoring_meets_floor(nlp, rules):
    dates = bench_module("dates_eval")
    if not dates.SEMEVAL.exists():
        pytest.fail(f"SemEval-2015 data not found at {dates.SEMEVAL}")
    result = dates.semeval(nlp, rules)
    floor = FLOORS["gate"]["semeval2015_trial"]["accuracy"] - FLOORS["gate"]["margin"]
    assert result["accuracy"] >= floor
    assert result["accuracy"] > result["baseline_dct_accuracy"]
