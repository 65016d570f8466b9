"""MinHash / LSH benchmark and near-duplicate threshold tuning for storyline.dedupe.

Sections (all on the same real documents: timeline17 articles + FNC-1 bodies):
  (a) MinHash throughput: rensa vs datasketch on identical shingle strings (ratio from
      the same run), and the pre-hashed rensa call storyline uses.
  (b) Agreement with the true Jaccard of the shingle sets, over sampled pairs.
  (c) Shingling before/after (bench/shingles.py).
  (d) LSH: insert/query throughput and recall vs brute force, rensa vs datasketch.
  (e) Threshold tuning: precision/recall of near-duplicate detection on real pairs
      (labelled by word-level diff) and synthetic edits of real articles.
  (f) Peak memory of DedupeIndex (and bare LSH indexes) at 100k articles.
  (g) End to end: signature() and DedupeIndex.add() throughput.

Run: ``nice -n 10 .venv/bin/python bench/minhash.py`` (``--quick`` for a smoke run).
Writes bench/out/minhash.json and prints the tables.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from datasketch import LeanMinHash, MinHash, MinHashLSH  # noqa: E402
from rensa import RMinHash, RMinHashLSH  # noqa: E402

import shingles as shingle_bench  # noqa: E402
from storyline.dedupe import (  # noqa: E402
    MINHASH_SEED,
    DedupeIndex,
    _rminhash,
    _state_prefix,
    lsh_bands,
    shingle_hashes,
    signature,
    split_sentences,
)
from storyline.records import Article, Paragraph, PassageHash, Signature  # noqa: E402
from storyline.settings import Settings  # noqa: E402

NUM_PERM = 128
WIDTH = 5
THRESHOLDS = [round(0.3 + 0.05 * i, 2) for i in range(13)]  # 0.30 .. 0.90
# The near-duplicate definition the threshold is tuned against: a word-level diff
# (difflib ratio = 2 * matched words / all words) of at least this much, i.e. at most
# about a fifth of the words differ. Independent of shingles and MinHash.
NEAR_DUPLICATE_DIFF_RATIO = 0.8
BOILERPLATE = [
    "Copyright 2010 Reuters. All rights reserved. Users may not copy or redistribute "
    "this content without permission.",
    "Follow us on Twitter and Facebook for the latest news, and sign up for our daily "
    "newsletter to get the top stories in your inbox.",
    "This article was amended on 12 May to correct the spelling of a name. "
    "Additional reporting by our correspondents.",
]


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Document:
    text: str
    group: str  # same group = same topic (timeline17 folder, FNC-1, one AllSides story)
    dataset: str


def shared_dir() -> Path:
    env = os.environ.get("STORYLINE_SHARED")
    return Path(env) if env else HERE.parent / ".." / "shared"


def load_documents(allsides: bool = False) -> list[Document]:
    """timeline17 articles and FNC-1 bodies (and AllSides story snippets if asked)."""
    root = shared_dir() / "datasets"
    docs = []
    for path in sorted((root / "timeline17").glob("*/articles.json")):
        docs += [Document(a["text"], path.parent.name, "timeline17")
                 for a in json.loads(path.read_text(encoding="utf-8"))]
    import csv

    with open(root / "fnc1" / "competition_test_bodies.csv", encoding="utf-8", newline="") as f:
        docs += [Document(row["articleBody"], "fnc1", "fnc1") for row in csv.DictReader(f)]
    if allsides:
        path = root / "allsides-neus" / "raw_crawled" / "headline_11_2021-10-19_crawled_all.jsonl"
        for line in path.read_text(encoding="utf-8").splitlines():
            story = json.loads(line)
            for side in story["news"].values():
                if side.get("newBody"):
                    docs.append(Document("\n".join(side["newBody"]), f"allsides-{story['id']}",
                                         "allsides"))
    return [d for d in docs if d.text.strip()]


def make_article(text: str) -> Article:
    """An Article as cleaning gives it: one paragraph per non-empty line."""
    paragraphs, position = [], 0
    for line in text.split("\n"):
        if line.strip():
            paragraphs.append(Paragraph(position, position + len(line)))
        position += len(line) + 1
    return Article(id=hashlib.sha256(text.encode()).hexdigest()[:16], source="bench",
                   locator="", format="txt", text=text, paragraphs=tuple(paragraphs))


def digest_matrix(texts: Sequence[str]) -> np.ndarray:
    settings = Settings()
    return np.array([signature(make_article(t), settings).minhash for t in texts],
                    dtype=np.uint32)


def estimated(d: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    return (d[i] == d[j]).mean(axis=1)


# --------------------------------------------------------------------------- (a) (b)


def datasketch_minhash(encoded: list[bytes]) -> MinHash:
    minhash = MinHash(num_perm=NUM_PERM, seed=1)
    minhash.update_batch(encoded)
    return minhash


def section_minhash(texts: Sequence[str], repeats: int) -> dict:
    """(a) signatures/s on identical shingle strings; (b) error vs true Jaccard."""
    strings = [shingle_bench.regex_shingles(t, WIDTH) for t in texts]
    encoded = [[s.encode() for s in sh] for sh in strings]
    hashed = [shingle_hashes(t, WIDTH) for t in texts]
    from storyline.dedupe import _minhash

    n = len(texts)
    rensa_s = shingle_bench.best_time(
        lambda: [shingle_bench.string_minhash(s, NUM_PERM) for s in strings], repeats)
    datasketch_s = shingle_bench.best_time(
        lambda: [datasketch_minhash(e) for e in encoded], max(1, repeats - 2))
    prehashed_s = shingle_bench.best_time(lambda: [_minhash(h, NUM_PERM) for h in hashed], repeats)
    throughput = {
        "documents": n,
        "rensa_sig_per_s": n / rensa_s,
        "datasketch_sig_per_s": n / datasketch_s,
        "rensa_over_datasketch": datasketch_s / rensa_s,
        "rensa_prehashed_sig_per_s": n / prehashed_s,
    }
    digests = {
        "rensa": np.array([shingle_bench.string_minhash(s, NUM_PERM) for s in strings]),
        "datasketch": np.array([datasketch_minhash(e).hashvalues for e in encoded]),
        "storyline": np.array([_minhash(h, NUM_PERM) for h in hashed]),
    }
    return {"throughput": throughput, "accuracy": accuracy(strings, hashed, digests)}


def overlap_pairs(hashed: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All pairs (i < j) sharing at least one shingle, with their exact Jaccard
    (sparse doc x shingle incidence matrix times its transpose)."""
    uniques = [np.unique(h) for h in hashed]
    columns = np.unique(np.concatenate(uniques), return_inverse=True)[1]
    rows = np.repeat(np.arange(len(uniques)), [len(u) for u in uniques])
    x = sparse.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, columns)),
                          shape=(len(uniques), columns.max() + 1 if len(columns) else 1))
    inter = sparse.triu(x @ x.T, k=1).tocoo()
    sizes = np.array([len(u) for u in uniques])
    jaccard = inter.data / (sizes[inter.row] + sizes[inter.col] - inter.data)
    return inter.row, inter.col, jaccard


def accuracy(strings: list[list[str]], hashed: list[np.ndarray], digests: dict) -> dict:
    """Mean absolute error of each MinHash's estimate vs the true Jaccard of the shingle
    sets it was given, over random pairs and over pairs with true Jaccard > 0.5."""
    rng = np.random.default_rng(7)
    n = len(strings)
    i, j, jac = overlap_pairs(hashed)
    random_pairs = rng.integers(0, n, size=(3000, 2))
    random_pairs = random_pairs[random_pairs[:, 0] != random_pairs[:, 1]]
    strata = {"random": random_pairs, "true_jaccard_gt_0.5": np.stack([i, j], 1)[jac > 0.5],
              "true_jaccard_0.1_0.5": np.stack([i, j], 1)[(jac > 0.1) & (jac <= 0.5)][:3000]}
    sets = [set(s) for s in strings]
    hsets = [set(h.tolist()) for h in hashed]
    out = {}
    for name, pairs in strata.items():
        a, b = pairs[:, 0], pairs[:, 1]
        true_str = np.array([len(sets[x] & sets[y]) / max(1, len(sets[x] | sets[y])) for x, y in pairs])
        true_hash = np.array([len(hsets[x] & hsets[y]) / max(1, len(hsets[x] | hsets[y])) for x, y in pairs])
        out[name] = {"pairs": len(pairs), "mean_true_jaccard": float(true_hash.mean()) if len(pairs) else 0.0,
                     "tokenisation_difference": float(np.abs(true_str - true_hash).mean()) if len(pairs) else 0.0}
        for lib, d in digests.items():
            truth = true_hash if lib == "storyline" else true_str
            out[name][f"{lib}_mae"] = float(np.abs(estimated(d, a, b) - truth).mean()) if len(pairs) else 0.0
    return out


# --------------------------------------------------------------------------- (d) LSH


def brute_force_pairs(digests: np.ndarray, threshold: float, chunk: int = 64) -> set[tuple[int, int]]:
    """Every pair i < j whose estimated Jaccard reaches ``threshold`` (all N^2 pairs)."""
    found = set()
    for start in range(0, len(digests), chunk):
        block = (digests[start : start + chunk, None, :] == digests[None, :, :]).mean(axis=2)
        for a, b in zip(*np.nonzero(block >= threshold)):
            if start + a < b:
                found.add((int(start + a), int(b)))
    return found


def lsh_rensa(digests: np.ndarray, threshold: float) -> tuple[dict, list[list[int]]]:
    bands, rows = lsh_bands(threshold, NUM_PERM)
    width = bands * rows
    prefix = _state_prefix(width)
    index = RMinHashLSH(threshold, width, bands)
    start = time.perf_counter()
    for key, d in enumerate(digests):
        index.insert(key, _rminhash(d[:width], prefix))
    insert_s = time.perf_counter() - start
    start = time.perf_counter()
    candidates = [index.query(_rminhash(d[:width], prefix)) for d in digests]
    query_s = time.perf_counter() - start
    minhashes = [_rminhash(d[:width], prefix) for d in digests]
    start = time.perf_counter()
    for m in minhashes:
        index.query(m)
    raw_query_s = time.perf_counter() - start
    return ({"bands": bands, "rows": rows, "insert_per_s": len(digests) / insert_s,
             "query_per_s": len(digests) / query_s,
             "query_per_s_without_digest_conversion": len(digests) / raw_query_s},
            candidates)


def lsh_datasketch(digests: np.ndarray, threshold: float,
                   params: tuple[int, int] | None) -> tuple[dict, list[list[int]]]:
    index = MinHashLSH(threshold=threshold, num_perm=NUM_PERM, params=params)
    start = time.perf_counter()
    lean = [LeanMinHash(seed=MINHASH_SEED, hashvalues=d, scheme="affine32") for d in digests]
    for key, m in enumerate(lean):
        index.insert(key, m)
    insert_s = time.perf_counter() - start
    start = time.perf_counter()
    candidates = [index.query(m) for m in lean]
    query_s = time.perf_counter() - start
    return ({"bands": index.b, "rows": index.r, "insert_per_s": len(digests) / insert_s,
             "query_per_s": len(digests) / query_s}, candidates)


def recall(truth: set[tuple[int, int]], candidates: list[list[int]]) -> dict:
    found = sum(1 for a, b in truth if b in set(candidates[a]) or a in set(candidates[b]))
    return {"brute_force_pairs": len(truth), "found": found,
            "recall": found / len(truth) if truth else 1.0,
            "mean_candidates": float(np.mean([len(c) - 1 for c in candidates]))}


def section_lsh(digests: np.ndarray, threshold: float) -> dict:
    truth = brute_force_pairs(digests, threshold)
    out = {"threshold": threshold}
    stats, cands = lsh_rensa(digests, threshold)
    out["rensa"] = {**stats, **recall(truth, cands)}
    stats, cands = lsh_datasketch(digests, threshold, None)
    out["datasketch_auto_params"] = {**stats, **recall(truth, cands)}
    stats, cands = lsh_datasketch(digests, threshold, lsh_bands(threshold, NUM_PERM))
    out["datasketch_same_params"] = {**stats, **recall(truth, cands)}
    return out


# --------------------------------------------------------------------------- (e) tuning


def paragraphs_of(text: str) -> list[str]:
    """Real paragraphs when the text has them; timeline17 has none (one line per
    article), so there a paragraph is a run of three sentences, typical of news copy."""
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) >= 3:
        return lines
    spans = split_sentences(text)
    return [" ".join(text[s:e] for s, e in spans[k : k + 3]) for k in range(0, len(spans), 3)]


def replace_words(paragraphs: list[str], fraction: float, donor: str, rng: random.Random) -> list[str]:
    pool = donor.split() or ["news"]
    out = []
    for paragraph in paragraphs:
        words = paragraph.split(" ")
        for k in range(len(words)):
            if rng.random() < fraction:
                words[k] = rng.choice(pool)
        out.append(" ".join(words))
    return out


def edit(text: str, kind: str, donor: str, rng: random.Random) -> str:
    """A synthetic near-duplicate of ``text`` (``donor`` = another article, same topic)."""
    paragraphs = paragraphs_of(text)
    donor_title = paragraphs_of(donor)[0]
    if kind in ("paragraph_dropped", "combined"):
        del paragraphs[rng.randrange(1, len(paragraphs))]
    if kind in ("title_changed", "combined"):
        first = split_sentences(paragraphs[0])
        donor_first = split_sentences(donor_title)
        new_title = donor_title[slice(*donor_first[0])] if donor_first else donor_title
        paragraphs[0] = new_title + paragraphs[0][first[0][1]:] if first else new_title
    if kind in ("boilerplate_added", "combined"):
        paragraphs.append(rng.choice(BOILERPLATE))
    if kind.startswith("words_"):
        paragraphs = replace_words(paragraphs, int(kind[6:8]) / 100, donor, rng)
    return "\n".join(paragraphs)


EDIT_KINDS = ["title_changed", "boilerplate_added", "paragraph_dropped", "combined",
              "words_10pct", "words_20pct"]
LIGHT_EDITS = EDIT_KINDS[:4]
WORD = re.compile(r"\w+")


def diff_ratio(a: str, b: str) -> float:
    wa, wb = WORD.findall(a.casefold()), WORD.findall(b.casefold())
    matcher = difflib.SequenceMatcher(None, wa, wb, autojunk=False)
    return matcher.ratio() if matcher.quick_ratio() >= NEAR_DUPLICATE_DIFF_RATIO else 0.0


def synthetic_pairs(docs: list[Document], per_kind: int, seed: int = 11) -> list[dict]:
    """Edited copies of real articles (150+ words, 4+ paragraphs), labelled positive
    when the word-level diff still says near-duplicate."""
    rng = random.Random(seed)
    by_group: dict[str, list[Document]] = {}
    for d in docs:
        by_group.setdefault(d.group, []).append(d)
    bases = [d for d in docs if len(d.text.split()) >= 150 and len(paragraphs_of(d.text)) >= 4
             and len(by_group[d.group]) > 1]
    out = []
    for kind in EDIT_KINDS:
        for base in rng.sample(bases, min(per_kind, len(bases))):
            donor = rng.choice([d for d in by_group[base.group] if d.text != base.text])
            copy = edit(base.text, kind, donor.text, rng)
            out.append({"kind": kind, "a": base.text, "b": copy, "ratio": diff_ratio(base.text, copy)})
    return out


def real_pairs(docs: list[Document], digests: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Estimated Jaccard and diff label for every same-group pair of distinct texts.
    Only pairs sharing 5%+ of their shingles can reach the diff ratio; the diff is run
    on those, the rest are negatives."""
    groups: dict[str, list[int]] = {}
    for k, d in enumerate(docs):
        groups.setdefault(d.group, []).append(k)
    hashed = [shingle_hashes(d.text, WIDTH) for d in docs]
    i_all, j_all = [], []
    for members in groups.values():
        m = np.array(members)
        a, b = np.triu_indices(len(m), k=1)
        i_all.append(m[a]), j_all.append(m[b])
    i, j = np.concatenate(i_all), np.concatenate(j_all)
    keep = np.array([docs[x].text != docs[y].text for x, y in zip(i, j)], dtype=bool)
    i, j = i[keep], j[keep]
    est = estimated(digests, i, j)
    oi, oj, jac = overlap_pairs(hashed)
    overlapping = {(int(x), int(y)) for x, y, v in zip(oi, oj, jac) if v >= 0.05}
    label = np.array([(int(x), int(y)) in overlapping
                      and diff_ratio(docs[x].text, docs[y].text) >= NEAR_DUPLICATE_DIFF_RATIO
                      for x, y in zip(i, j)])
    return est, label


def section_tuning(docs: list[Document], per_kind: int) -> dict:
    digests = digest_matrix([d.text for d in docs])
    real_est, real_label = real_pairs(docs, digests)
    synth = synthetic_pairs(docs, per_kind)
    settings = Settings()
    for pair in synth:
        a, b = (signature(make_article(pair[k]), settings).minhash for k in ("a", "b"))
        pair["est"] = float(np.mean(np.array(a) == np.array(b)))
    rows = [threshold_row(t, real_est, real_label, synth) for t in THRESHOLDS]
    best = max(rows, key=lambda r: (round(r["f1"], 3), r["threshold"]))
    return {
        "documents": len(docs), "real_pairs": int(len(real_est)),
        "real_positive_pairs": int(real_label.sum()),
        "synthetic_pairs": {k: sum(p["kind"] == k for p in synth) for k in EDIT_KINDS},
        "synthetic_positive": {k: sum(p["kind"] == k and p["ratio"] >= NEAR_DUPLICATE_DIFF_RATIO
                                      for p in synth) for k in EDIT_KINDS},
        "rows": rows, "chosen_threshold": best["threshold"],
        "rule": "max F1 of precision on real pairs and recall on real + light-edit "
                "positives (ties: higher threshold)",
    }


def threshold_row(t: float, real_est: np.ndarray, real_label: np.ndarray, synth: list[dict]) -> dict:
    """Recall per edit kind; precision on the real pairs only, where near-duplicates
    have their natural (low) base rate among same-topic pairs; recall over the real
    positives and the light edits. Word substitution is a stress test, reported only:
    it changes every shingle it touches, so no threshold catches it without also
    linking different versions of a developing story."""
    positives = [p for p in synth if p["ratio"] >= NEAR_DUPLICATE_DIFF_RATIO]
    row: dict = {"threshold": t}
    for kind in EDIT_KINDS:
        of_kind = [p for p in positives if p["kind"] == kind]
        row[f"recall_{kind}"] = (sum(p["est"] >= t for p in of_kind) / len(of_kind)) if of_kind else None
    predicted = real_est >= t
    tp_real, fp_real = int((predicted & real_label).sum()), int((predicted & ~real_label).sum())
    light = [p for p in positives if p["kind"] in LIGHT_EDITS]
    tp = tp_real + sum(p["est"] >= t for p in light)
    row.update({
        "recall_real": tp_real / max(1, int(real_label.sum())),
        "false_positives_real": fp_real,
        "precision_real": tp_real / max(1, tp_real + fp_real),
        "recall": tp / max(1, int(real_label.sum()) + len(light)),
    })
    row["f1"] = (2 * row["precision_real"] * row["recall"]
                 / max(1e-9, row["precision_real"] + row["recall"]))
    return row


# --------------------------------------------------------------------------- (f) memory


def synthetic_signatures(n: int, seed: int = 3, first_id: int = 0) -> Iterator[Signature]:
    """Worst case for memory: random digests (every LSH band key distinct), 30 sentences
    + 10 paragraphs per article, 10% of passages drawn from 50k recurring ones."""
    rng = np.random.default_rng(seed)
    recurring = rng.integers(0, 2**63, size=50_000)
    scheme = signature(make_article("a b c d e"), Settings()).scheme
    for k in range(n):
        digest = rng.integers(0, 2**32, size=NUM_PERM, dtype=np.uint64)
        hashes = rng.integers(0, 2**63, size=40)
        shared = rng.random(40) < 0.1
        hashes[shared] = rng.choice(recurring, size=int(shared.sum()))
        ends = np.cumsum(rng.integers(60, 200, size=40))
        passages = tuple(PassageHash(f"{h:016x}", int(e) - 50, int(e), "sentence" if p < 30 else "paragraph")
                         for p, (h, e) in enumerate(zip(hashes.tolist(), ends.tolist())))
        yield Signature(f"{first_id + k:016x}", tuple(digest.tolist()), passages, scheme)


def memory_status(field: str) -> int:
    """A /proc/self/status value in bytes: VmRSS (now) or VmHWM (peak). Not ru_maxrss:
    Linux carries it over exec() from the parent, so a child would report our peak."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def memory_child(n: int, what: str, threshold: float) -> dict:
    """Runs in its own process: peak RSS growth while building one structure.
    Signatures are generated lazily; the time to generate them is measured apart."""
    before = memory_status("VmRSS")
    start = time.perf_counter()
    for _ in synthetic_signatures(n):
        pass
    out: dict = {"what": what, "articles": n, "generate_s": time.perf_counter() - start}
    start = time.perf_counter()
    if what == "index":
        index = DedupeIndex(threshold, NUM_PERM).load(synthetic_signatures(n))
        out["load_s"] = time.perf_counter() - start - out["generate_s"]
        more = list(synthetic_signatures(1000, seed=99, first_id=n))
        start = time.perf_counter()
        found = [index.add(sig) for sig in more]
        out["add_per_s_at_n"] = len(more) / (time.perf_counter() - start)
        out["shared_passages_per_add"] = sum(len(m.passages) for m in found) / len(more)
        out["passage_rows"] = len(index.passages_)
        out["passage_table_mb"] = index.passages_.nbytes / 2**20
        out["digests_mb"] = sum(block.nbytes for block in index.digest_blocks_) / 2**20
    else:
        bands, rows = lsh_bands(threshold, NUM_PERM)
        digests = (np.array(s.minhash, dtype=np.uint32) for s in synthetic_signatures(n))
        if what == "rensa-lsh":
            lsh, prefix = RMinHashLSH(threshold, bands * rows, bands), _state_prefix(bands * rows)
            for key, d in enumerate(digests):
                lsh.insert(key, _rminhash(d[: bands * rows], prefix))
        else:
            lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM, params=(bands, rows))
            for key, d in enumerate(digests):
                lsh.insert(key, LeanMinHash(seed=MINHASH_SEED, hashvalues=d, scheme="affine32"))
        out["build_s"] = time.perf_counter() - start - out["generate_s"]
    growth = memory_status("VmHWM") - before
    out["peak_rss_growth_mb"] = growth / 2**20
    out["bytes_per_article"] = growth / n
    return out


def section_memory(n: int, threshold: float) -> list[dict]:
    results = []
    for what in ("index", "rensa-lsh", "datasketch-lsh"):
        cmd = [sys.executable, __file__, "--memory-child", str(n), what, str(threshold)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return results


# --------------------------------------------------------------------------- (g) end to end


def section_end_to_end(texts: Sequence[str], threshold: float) -> dict:
    settings = Settings()
    articles = [make_article(t) for t in texts]
    start = time.perf_counter()
    sigs = [signature(a, settings) for a in articles]
    signature_s = time.perf_counter() - start
    index = DedupeIndex(threshold, NUM_PERM)
    start = time.perf_counter()
    found = [index.add(s) for s in sigs]
    add_s = time.perf_counter() - start
    return {"articles": len(articles), "signature_per_s": len(articles) / signature_s,
            "add_per_s": len(articles) / add_s,
            "near_duplicate_links": sum(len(m.links) for m in found),
            "shared_passages": sum(len(m.passages) for m in found),
            "passages_per_article": float(np.mean([len(s.passages) for s in sigs]))}


# --------------------------------------------------------------------------- report


def print_minhash(m: dict) -> None:
    a = m["throughput"]
    print(f"\n(a) MinHash throughput, {a['documents']} documents, identical shingle strings")
    print(f"    rensa {a['rensa_sig_per_s']:,.0f} sig/s   datasketch {a['datasketch_sig_per_s']:,.0f} "
          f"sig/s   ratio {a['rensa_over_datasketch']:.0f}x   rensa pre-hashed (storyline) "
          f"{a['rensa_prehashed_sig_per_s']:,.0f} sig/s")
    print("\n(b) |estimate - true Jaccard|, mean over pairs")
    print(f"    {'pairs':<22}{'n':>6}{'true J':>8}{'rensa':>8}{'datasketch':>11}{'storyline':>10}")
    for name, s in m["accuracy"].items():
        print(f"    {name:<22}{s['pairs']:>6}{s['mean_true_jaccard']:>8.3f}{s['rensa_mae']:>8.4f}"
              f"{s['datasketch_mae']:>11.4f}{s['storyline_mae']:>10.4f}")


def print_lsh(d: dict) -> None:
    print(f"\n(d) LSH at threshold {d['threshold']}, recall vs brute force (estimated J >= t)")
    print(f"    {'index':<24}{'b x r':>8}{'insert/s':>10}{'query/s':>10}{'cands':>7}{'recall':>8}")
    for name in ("rensa", "datasketch_auto_params", "datasketch_same_params"):
        s = d[name]
        print(f"    {name:<24}{str(s['bands']) + 'x' + str(s['rows']):>8}{s['insert_per_s']:>10,.0f}"
              f"{s['query_per_s']:>10,.0f}{s['mean_candidates']:>7.2f}{s['recall']:>8.3f}"
              f"  ({s['found']}/{s['brute_force_pairs']})")


def print_memory(memory: list[dict]) -> None:
    for m in memory:
        extra = " ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}"
                         for k, v in m.items() if k not in ("what", "articles",
                                                            "peak_rss_growth_mb", "bytes_per_article"))
        print(f"\n(f) {m['what']}: {m['articles']:,} articles, peak RSS growth "
              f"{m['peak_rss_growth_mb']:.0f} MiB ({m['bytes_per_article']:.0f} B/article) {extra}")


def print_end_to_end(e: dict) -> None:
    print(f"\n(g) signature() {e['signature_per_s']:,.0f} articles/s; DedupeIndex.add() "
          f"{e['add_per_s']:,.0f} articles/s; {e['near_duplicate_links']} links, "
          f"{e['shared_passages']} shared passages over {e['articles']} articles")


def print_tuning(t: dict) -> None:
    print(f"\n(e) threshold tuning: {t['documents']} documents, {t['real_pairs']:,} same-topic "
          f"real pairs ({t['real_positive_pairs']} near-duplicates by word diff >= "
          f"{NEAR_DUPLICATE_DIFF_RATIO}); synthetic positives {t['synthetic_positive']} "
          f"of {t['synthetic_pairs']}")
    short = {"title_changed": "title", "boilerplate_added": "boiler", "paragraph_dropped": "para",
             "combined": "combo", "words_10pct": "w10%", "words_20pct": "w20%"}
    print("    " + f"{'t':>5}" + "".join(f"{v:>7}" for v in short.values())
          + f"{'real':>7}{'FP':>6}{'P real':>7}{'R':>7}{'F1':>7}")
    for r in t["rows"]:
        cells = "".join(f"{r['recall_' + k]:>7.3f}" if r["recall_" + k] is not None else f"{'-':>7}"
                        for k in short)
        print(f"    {r['threshold']:>5.2f}{cells}{r['recall_real']:>7.3f}{r['false_positives_real']:>6}"
              f"{r['precision_real']:>7.3f}{r['recall']:>7.3f}{r['f1']:>7.3f}")
    print(f"    chosen: {t['chosen_threshold']} ({t['rule']})")


SECTIONS = ("minhash", "shingles", "lsh", "tuning", "memory", "end_to_end")


def run_section(name: str, args: argparse.Namespace, threshold: float) -> object:
    texts = [d.text for d in load_documents()][: 600 if args.quick else None]
    repeats = 1 if args.quick else 3
    if name == "minhash":
        return section_minhash(texts, repeats)
    if name == "shingles":
        return shingle_bench.measure(texts, WIDTH, NUM_PERM, repeats)
    if name == "lsh":
        return section_lsh(digest_matrix(texts), threshold)
    if name == "tuning":
        docs = load_documents(allsides=True)
        return section_tuning(docs[:: 4 if args.quick else 1], 40 if args.quick else 250)
    if name == "memory":
        return section_memory(10_000 if args.quick else args.memory_articles, threshold)
    return section_end_to_end(texts, threshold)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer documents and repeats")
    parser.add_argument("--memory-articles", type=int, default=100_000)
    parser.add_argument("--sections", default=",".join(SECTIONS),
                        help=f"comma-separated subset of {','.join(SECTIONS)}; results of "
                             "other sections already in the JSON file are kept")
    parser.add_argument("--memory-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        n, what, threshold = args.memory_child
        print(json.dumps(memory_child(int(n), what, float(threshold))))
        return
    threshold = Settings().near_duplicate_threshold
    out = HERE / "out" / "minhash.json"
    result = json.loads(out.read_text()) if out.exists() else {}
    printers = {"minhash": print_minhash, "shingles": shingle_bench.print_table, "lsh": print_lsh,
                "tuning": print_tuning, "memory": print_memory, "end_to_end": print_end_to_end}
    out.parent.mkdir(exist_ok=True)
    for name in args.sections.split(","):
        result[name] = run_section(name, args, threshold)
        result[name + "_threshold"] = threshold
        printers[name](result[name])
        out.write_text(json.dumps(result, indent=2))  # after each section: keep partial runs
    print(f"\nwrote {out.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
