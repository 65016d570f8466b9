"""Story clustering at scale: articles/s and peak memory for 1k / 10k / 100k articles.

The stream is built reproducibly from real articles: Timeline17 dev folders (bpoil_*,
H1N1_*, haiti_bbc, MJ_bbc; dated, PTB-tokenised, first sentence as title) and the
AllSides raw crawl (left/centre/right article of each story, dated). To go past the
~3.8k real articles, copy r = 1, 2, ... of every article is re-sampled with a
deterministic perturbation (10 % of its words dropped, seeded by article and copy) and
its date shifted by r x 400 days, so each copy is a new, later "world" of the same
stories. The stream is fed in publication order, in batches of 1,000 (a day of news).

Each run also checks quality on the labels the sources carry: Timeline17 topics of
different copies/topics must not share a story (purity), and the three AllSides
articles of a story should share one (pair recall).

    nice -n 10 .venv/bin/python bench/stories_scale.py --all          # 1k (with MiniLM), 10k, 100k
    nice -n 10 .venv/bin/python bench/stories_scale.py --n 10000 --embedding none --ann usearch
    nice -n 10 .venv/bin/python bench/stories_scale.py --embed-speed  # MiniLM texts/s here
    nice -n 10 .venv/bin/python bench/stories_scale.py --ann-speed    # usearch vs hnswlib vs exact
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from storyline.records import StoryInput  # noqa: E402

SHARED = Path(os.environ.get("STORYLINE_SHARED", ROOT / ".." / "shared"))
DATASETS = SHARED / "datasets"
T17_DEV = ("bpoil_bbc", "bpoil_foxnews", "bpoil_guardian", "bpoil_reuters", "bpoil_washingtonpost",
           "H1N1_bbc", "H1N1_guardian", "H1N1_reuters", "haiti_bbc", "MJ_bbc")
COPY_SHIFT_DAYS = 400
DROP_SHARE = 0.10
BATCH = 1000


def _untokenize(text: str) -> str:
    text = text.replace("-LRB-", "(").replace("-RRB-", ")").replace("``", '"').replace("''", '"')
    text = re.sub(r" ([,.;:!?%)'])", r"\1", text)
    return re.sub(r"\( ", "(", text).replace(" n't", "n't")


def base_articles() -> list[tuple[StoryInput, str]]:
    """Real articles with a label: ("t17:<topic>", or "as:<story id>")."""
    out = []
    for folder in T17_DEV:
        topic = folder.split("_")[0]
        for item in json.loads((DATASETS / "timeline17" / folder / "articles.json").read_text()):
            text = _untokenize(item["text"])
            first, _, rest = text.partition(" . ")
            out.append((StoryInput(article_id=f"{folder}/{item['uid']}", title=first[:200], text=rest or text,
                                   published=item["dct"], outlet=folder.split("_")[1], language="en"),
                        f"t17:{topic}"))
    path = DATASETS / "allsides-neus" / "raw_crawled" / "headline_11_2021-10-19_crawled_all.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        story = json.loads(line)
        for side, news in (story.get("news") or {}).items():
            body = news.get("newBody") or ""
            body = " ".join(body) if isinstance(body, list) else str(body)
            if not news.get("newsTitle") or not body.strip():
                continue
            out.append((StoryInput(article_id=f"as/{story['id']}/{side}", title=news["newsTitle"], text=body,
                                   published=story["date"], outlet=news.get("newsSource"), language="en"),
                        f"as:{story['id']}"))
    return out


def _shift(published: str, days: int) -> str:
    import datetime as dt

    moment = dt.datetime.fromisoformat(published)
    return (moment + dt.timedelta(days=days)).isoformat()


def make_stream(n: int) -> tuple[list[StoryInput], dict[str, str]]:
    """``n`` articles in publication order and their labels (label + copy number)."""
    base = base_articles()
    rng = np.random.default_rng(0)
    order = rng.permutation(len(base))
    items, labels = [], {}
    for k in range(n):
        copy, idx = divmod(k, len(base))
        item, label = base[order[idx]]
        if copy:
            words = item.text.split()
            keep = np.random.default_rng([idx, copy]).random(len(words)) >= DROP_SHARE
            item = StoryInput(article_id=f"{item.article_id}#{copy}", title=item.title,
                              text=" ".join(w for w, kept in zip(words, keep) if kept),
                              published=_shift(item.published, copy * COPY_SHIFT_DAYS),
                              outlet=item.outlet, language=item.language)
        items.append(item)
        labels[item.article_id] = f"{label}#{copy}"
    items.sort(key=lambda it: it.published)
    return items, labels


def quality(assign: dict[str, str], labels: dict[str, str]) -> dict[str, float]:
    """Timeline17 story purity and AllSides 3-article pair recall."""
    by_story: dict[str, Counter] = defaultdict(Counter)
    for aid, label in labels.items():
        if label.startswith("t17:"):
            by_story[assign[aid]][label] += 1
    t17 = sum(c.most_common(1)[0][1] for c in by_story.values())
    t17_total = sum(sum(c.values()) for c in by_story.values())
    sides: dict[str, list[str]] = defaultdict(list)
    for aid, label in labels.items():
        if label.startswith("as:"):
            sides[label].append(assign[aid])
    pairs = together = 0
    for stories in sides.values():
        for a in range(len(stories)):
            for b in range(a + 1, len(stories)):
                pairs += 1
                together += stories[a] == stories[b]
    return {"t17_purity": t17 / max(t17_total, 1), "allsides_pair_recall": together / max(pairs, 1)}


def run_one(n: int, embedding: str, ann: str) -> dict:
    from storyline.stories import StoryClusterer

    items, labels = make_stream(n)
    clusterer = StoryClusterer(embedding=embedding, ann=ann)
    start = time.perf_counter()
    for b in range(0, len(items), BATCH):
        clusterer.partial_fit(items[b:b + BATCH])
        # progress on stderr: a run stopped early still tells its rate so far
        print(f"{b + BATCH} articles {time.perf_counter() - start:.1f}s", file=sys.stderr, flush=True)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    stories = clusterer.stories_
    events_s = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"n": n, "embedding": embedding, "ann": ann, "fit_seconds": fit_s,
            "stories_and_events_seconds": events_s, "total_seconds": fit_s + events_s,
            "articles_per_s": n / (fit_s + events_s), "peak_rss_mib": peak_mib,
            "stories": len(stories), "events": sum(len(s.events) for s in stories),
            "merged": len(clusterer.merged_into_), **quality(clusterer.assignments_, labels)}


def embed_speed(n: int = 200) -> dict:
    from storyline.embed import embed_texts
    from storyline.stories.clusterer import EMBED_WORDS
    from storyline.stories.features import clip_words

    items, _ = make_stream(n)
    texts = [clip_words(f"{it.title}\n{it.text}", EMBED_WORDS) for it in items]
    embed_texts(texts[:8])  # load the model outside the timing
    start = time.perf_counter()
    embed_texts(texts)
    seconds = time.perf_counter() - start
    return {"texts": n, "seconds": seconds, "texts_per_s": n / seconds,
            "extrapolated_100k_minutes": 100_000 / (n / seconds) / 60}


def ann_speed(n: int = 20000, dim: int = 640, queries: int = 2000, k: int = 30) -> list[dict]:
    """Add / query cost and recall@k of each ANN backend, one query at a time as in
    ``StoryClusterer._assign`` (random unit vectors: the hardest case for recall)."""
    from storyline.stories.ann import AnnIndex

    rng = np.random.default_rng(0)
    data = rng.standard_normal((n, dim)).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    probe = data[rng.choice(n, queries, replace=False)] + 0.5 * rng.standard_normal((queries, dim)).astype(np.float32) / np.sqrt(dim)
    probe /= np.linalg.norm(probe, axis=1, keepdims=True)
    truth = np.argsort(-(probe @ data.T), axis=1)[:, :k]
    out = []
    for backend in ("usearch", "hnswlib", "exact"):
        index = AnnIndex(dim, backend)
        start = time.perf_counter()
        for b in range(0, n, BATCH):
            index.add(np.arange(b, min(b + BATCH, n)), data[b:b + BATCH])
        add_s = time.perf_counter() - start
        start = time.perf_counter()
        found = [index.search(probe[q:q + 1], k)[0][0] for q in range(queries)]
        query_ms = (time.perf_counter() - start) / queries * 1000
        recall = np.mean([len(set(f) & set(t)) / k for f, t in zip(found, truth)])
        out.append({"backend": backend, "n": n, "dim": dim, "add_seconds": add_s,
                    "query_ms": query_ms, "recall_at_k": float(recall)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--embedding", default="minilm", choices=("minilm", "none"))
    parser.add_argument("--ann", default="hnswlib", choices=("usearch", "hnswlib", "exact"))
    parser.add_argument("--embed-speed", action="store_true")
    parser.add_argument("--ann-speed", action="store_true", help="compare the ANN backends")
    parser.add_argument("--all", action="store_true", help="each size in its own process (peak RSS)")
    args = parser.parse_args()
    if args.ann_speed:
        for row in ann_speed():
            print(json.dumps(row))
        return
    if args.embed_speed:
        print(json.dumps(embed_speed()))
        return
    if not args.all:
        print(json.dumps(run_one(args.n, args.embedding, args.ann)))
        return
    plan = [(1000, "minilm", "hnswlib"), (1000, "none", "hnswlib"), (10000, "none", "hnswlib"),
            (100000, "none", "hnswlib")]
    for n, embedding, ann in plan:
        cmd = [sys.executable, __file__, "--n", str(n), "--embedding", embedding, "--ann", ann]
        result = subprocess.run(cmd, capture_output=True, text=True, check=True)
        print(result.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
