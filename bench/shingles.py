"""Shingling speed, before and after, on real news text.

With rensa the MinHash itself is cheap (Rust); building word 5-shingles in Python is the
slow step. Three ways to get from text to a MinHash digest, timed on the same documents:

- ``naive``: ``str.split``, strip punctuation and lower-case each word, one
  ``" ".join`` per shingle into a set, then ``RMinHash.update`` with the strings.
- ``regex``: one compiled ``\\w+`` regex over the casefolded text, shingles with
  ``map(" ".join, zip(*slices))``, then ``RMinHash.update``.
- ``numpy`` (what ``storyline.dedupe`` does): hash every word once with a vectorised
  polynomial hash over the UTF-8 bytes, combine each window of word hashes into one
  uint64 shingle hash, and give rensa the whole buffer in one call.

Run: ``nice -n 10 .venv/bin/python bench/shingles.py`` (bench/minhash.py includes it).
"""

from __future__ import annotations

import re
import string
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from rensa import RMinHash

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from storyline.dedupe import MINHASH_SEED, _minhash, shingle_hashes  # noqa: E402

WORD = re.compile(r"\w+")
PUNCTUATION = string.punctuation + "\u201c\u201d\u2018\u2019\u2014\u2013"


def naive_shingles(text: str, width: int) -> list[str]:
    """The straightforward Python version (what we started from)."""
    words = [w.strip(PUNCTUATION).lower() for w in text.split()]
    words = [w for w in words if w]
    return list({" ".join(words[i : i + width]) for i in range(len(words) - width + 1)})


def regex_shingles(text: str, width: int) -> list[str]:
    """One compiled regex, shingles joined over zip slices (no per-index slicing)."""
    words = WORD.findall(text.casefold())
    return list(map(" ".join, zip(*(words[i:] for i in range(width)))))


def string_minhash(shingles: list[str], num_perm: int) -> list[int]:
    minhash = RMinHash(num_perm, MINHASH_SEED)
    minhash.update(shingles)
    return minhash.digest()


def best_time(run: Callable[[], object], repeats: int) -> float:
    """Best wall time of ``repeats`` runs: the machine is shared, the minimum is the
    least disturbed measurement."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def measure(texts: Sequence[str], width: int = 5, num_perm: int = 128,
            repeats: int = 3) -> dict[str, float]:
    """Seconds per document for each shingling method alone and with the MinHash."""
    n = len(texts)
    shingled = {
        "naive": [naive_shingles(t, width) for t in texts],
        "regex": [regex_shingles(t, width) for t in texts],
        "numpy": [shingle_hashes(t, width) for t in texts],
    }
    out = {
        "naive_shingle_s": best_time(lambda: [naive_shingles(t, width) for t in texts], repeats) / n,
        "regex_shingle_s": best_time(lambda: [regex_shingles(t, width) for t in texts], repeats) / n,
        "numpy_shingle_s": best_time(lambda: [shingle_hashes(t, width) for t in texts], repeats) / n,
        "string_minhash_s": best_time(
            lambda: [string_minhash(s, num_perm) for s in shingled["regex"]], repeats) / n,
        "numpy_minhash_s": best_time(
            lambda: [_minhash(h, num_perm) for h in shingled["numpy"]], repeats) / n,
    }
    out["naive_total_s"] = out["naive_shingle_s"] + out["string_minhash_s"]
    out["regex_total_s"] = out["regex_shingle_s"] + out["string_minhash_s"]
    out["numpy_total_s"] = out["numpy_shingle_s"] + out["numpy_minhash_s"]
    out["shingle_speedup_vs_naive"] = out["naive_shingle_s"] / out["numpy_shingle_s"]
    out["shingle_speedup_vs_regex"] = out["regex_shingle_s"] / out["numpy_shingle_s"]
    out["total_speedup_vs_naive"] = out["naive_total_s"] / out["numpy_total_s"]
    out["documents"] = n
    return out


def print_table(result: dict[str, float]) -> None:
    print(f"\n(c) shingling, {result['documents']} documents, microseconds per document "
          "(best of repeats)")
    print(f"{'method':<8} {'shingles':>10} {'+ MinHash':>10}")
    for name in ("naive", "regex", "numpy"):
        print(f"{name:<8} {result[name + '_shingle_s'] * 1e6:>10.1f} "
              f"{result[name + '_total_s'] * 1e6:>10.1f}")
    print(f"numpy vs naive: shingling {result['shingle_speedup_vs_naive']:.1f}x faster, "
          f"shingles+MinHash {result['total_speedup_vs_naive']:.1f}x; "
          f"vs regex: {result['shingle_speedup_vs_regex']:.1f}x")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from minhash import load_documents  # noqa: E402

    print_table(measure([d.text for d in load_documents()]))
