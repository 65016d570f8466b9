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

    nice -n 10 .venv/bin/python bench/stories_scale.py --all          # 1k, 10k with MiniLM; 1k, 10k, 100k without
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
            "merged": len(clusterer.merged_into_), "load_average": os.getloadavg()[0],
            **quality(clusterer.assignments_, labels)}


def embed_speed(n: int = 200) -> dict:
    from storyline.embed import embed_texts
    from storyline.stories.clusterer import EMBED_TOKENS, embedding_text
    from storyline.stories.features import clip_words

    items, _ = make_stream(n)
    out = {"texts": n}
    # what StoryClusterer embeds now, and what it embedded before (100 words, 128 pieces)
    for name, texts, tokens in (("title + 40 words, 64 pieces", [embedding_text(it.title, it.text) for it in items],
                                 EMBED_TOKENS),
                                ("title + 100 words, 128 pieces",
                                 [clip_words(f"{it.title}\n{it.text}", 100) for it in items], 128)):
        embed_texts(texts[:8], max_tokens=tokens)  # load the model outside the timing
        start = time.perf_counter()
        embed_texts(texts, max_tokens=tokens)
        seconds = time.perf_counter() - start
        out[name] = {"seconds": round(seconds, 1), "texts_per_s": round(n / seconds, 1),
                     "extrapolated_100k_minutes": round(100_000 / (n / seconds) / 60, 1)}
    out["load_average"] = os.getloadavg()[0]
    return out


def _annotate_undated(docs: list[tuple[str, str, str]]) -> list:
    """Annotations of (id, text, dct) articles as if they had no publication date, cached
    in bench/out (spaCy is the slow part)."""
    import hashlib

    from storyline.records import Annotations, Article

    digest = hashlib.sha1("\x00".join(t for _, t, _ in docs).encode("utf-8")).hexdigest()[:12]
    cache = ROOT / "bench" / "out" / f"t17-undated-annotations-{digest}.jsonl"
    if cache.exists():
        return [Annotations.from_dict(json.loads(line)) for line in cache.read_text().splitlines()]
    from storyline.annotate import annotate_many, load_model, load_rules

    articles = [Article(id=aid, source=aid, locator="", format="txt", text=text) for aid, text, _ in docs]
    anns = list(annotate_many(articles, load_model(), load_rules()))
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text("\n".join(json.dumps(a.to_dict()) for a in anns), encoding="utf-8")
    return anns


def t17_docs(folders: tuple[str, ...], per_folder: int) -> list[tuple[str, str, str]]:
    """(id, text, publication date) of ``per_folder`` evenly spaced articles per folder."""
    docs = []
    for folder in folders:
        items = json.loads((DATASETS / "timeline17" / folder / "articles.json").read_text())
        step = max(1, len(items) // per_folder)
        docs += [(f"{folder}/{it['uid']}", _untokenize(it["text"]), it["dct"]) for it in items[::step][:per_folder]]
    return docs


def time_hints(folders: tuple[str, ...], per_folder: int) -> dict:
    """How far the text-read time hint of an undated article falls from its real
    publication date (Timeline17, dates hidden from the language layer).

    A year-less hint gets its year from the true date here (the clusterer takes it from
    the story's dated articles): this measures the choice of the day, not of the year.
    The variants: what ``estimate_time_hint`` does, preferring the year-less days (an
    earlier version), and full days only.
    Lag = publication - estimate in days (>= 0 when the estimate is a true lower bound)."""
    import datetime as dt

    from storyline.stories import timehint as th

    docs = t17_docs(folders, per_folder)
    anns = _annotate_undated(docs)
    used_name = "latest of all, year-less in the year of the latest full day (used)"
    variants: dict[str, list[float | None]] = {used_name: [], "latest year-less, else latest full": [],
                                               "latest full day only": []}
    for (aid, text, dct), ann in zip(docs, anns):
        truth = dt.date.fromisoformat(dct)
        stamp = (dt.datetime(truth.year, truth.month, truth.day, tzinfo=dt.timezone.utc).timestamp()) / 86400
        used = th.resolve_hint(th.estimate_time_hint(ann.timerefs, text), stamp, stamp)
        fulls, yearless = th.named_days(ann.timerefs, text, future=False)
        latest_yearless = th.latest_month_day(yearless) if yearless else None
        yearless_first = (th.resolve_hint("--%02d-%02d" % latest_yearless, stamp, stamp) if latest_yearless
                          else max(fulls) if fulls else None)
        for name, value in ((used_name, used), ("latest year-less, else latest full", yearless_first),
                            ("latest full day only", max(fulls) if fulls else None)):
            variants[name].append(None if value is None else (truth - dt.date.fromisoformat(value)).days)
    out = {"folders": list(folders), "articles": len(docs)}
    for name, lags in variants.items():
        have = np.array([lag for lag in lags if lag is not None], dtype=float)
        out[name] = {"coverage": round(len(have) / len(lags), 3)} if not len(have) else {
            "coverage": round(len(have) / len(lags), 3), "median_lag_days": float(np.median(have)),
            "lag_0_1": round(float(np.mean((have >= 0) & (have <= 1))), 3),
            "lag_0_3": round(float(np.mean((have >= 0) & (have <= 3))), 3),
            "within_7": round(float(np.mean(np.abs(have) <= 7)), 3),
            "after_publication": round(float(np.mean(have < 0)), 3),
            "off_by_over_30": round(float(np.mean(np.abs(have) > 30)), 3)}
    return out


def time_hints_in_stories(folders: tuple[str, ...], per_folder: int,
                          lags: tuple[float, ...] = (0.75, 1.75, 2.75)) -> dict:
    """End to end: every article of the folders is streamed, ``per_folder`` of them per
    folder with the date hidden and a time hint from their text; how far is the date the
    story gives each undated article (``StoryArticle.estimated_date``) from its real one?

    Beside each ``hint_lag_days``: the baseline "the median publication date of the
    article's story" (what a user could guess without reading the text)."""
    import datetime as dt

    from storyline.stories import StoryClusterer
    from storyline.stories.features import parse_published as ft_days
    from storyline.stories.timehint import estimate_time_hint, resolve_hint

    hidden = t17_docs(folders, per_folder)
    anns = {aid: ann for (aid, _, _), ann in zip(hidden, _annotate_undated(hidden))}
    truth = {aid: dct for aid, _, dct in hidden}
    items = []
    for folder in folders:
        for it in json.loads((DATASETS / "timeline17" / folder / "articles.json").read_text()):
            aid, text = f"{folder}/{it['uid']}", _untokenize(it["text"])
            title, _, rest = text.partition(" . ")
            undated = aid in truth
            items.append(StoryInput(article_id=aid, title=title[:200], text=rest or text,
                                    published=None if undated else it["dct"], outlet=folder.split("_")[1],
                                    language="en",
                                    time_hint=estimate_time_hint(anns[aid].timerefs, text) if undated else None))
    items.sort(key=lambda it: it.published or truth[it.article_id])  # arrival in real time order
    clusterer = StoryClusterer(embedding="none").fit(items)

    def errors(estimates: dict[str, str | None]) -> dict:
        err = np.array([(dt.date.fromisoformat(truth[a]) - dt.date.fromisoformat(v)).days
                        for a, v in estimates.items() if v], dtype=float)
        if not len(err):
            return {"coverage": 0.0}
        return {"coverage": round(len(err) / len(truth), 3), "median_abs_error_days": float(np.median(np.abs(err))),
                "same_day": round(float(np.mean(err == 0)), 3), "within_1": round(float(np.mean(np.abs(err) <= 1)), 3),
                "within_3": round(float(np.mean(np.abs(err) <= 3)), 3),
                "within_7": round(float(np.mean(np.abs(err) <= 7)), 3),
                "estimate_too_early": round(float(np.mean(err > 0)), 3)}

    out: dict = {"articles": len(items), "undated": len(truth)}
    story_median = {}
    for story in clusterer.stories_:
        dated = sorted(a.published[:10] for a in story.articles if a.published)
        for a in story.articles:
            if a.id in truth:
                story_median[a.id] = dated[len(dated) // 2] if dated else None
    out["baseline: story median publication date"] = errors(story_median)
    hint_of = {it.article_id: it.time_hint for it in items}
    alone = {}
    for story in clusterer.stories_:
        dated = [ft_days(a.published) for a in story.articles if a.published]
        if not dated:  # as in the clusterer: no text time in a story without a date
            continue
        for a in story.articles:
            if a.id in truth:
                alone[a.id] = resolve_hint(hint_of[a.id], min(dated), max(dated))
    out["the hint alone (no floor at the nearest dated article)"] = errors(alone)
    for lag in lags:
        clusterer.hint_lag_days = lag
        clusterer._event_cache.clear()
        clusterer._day_cache.clear()
        estimated = {a.id: a.estimated_date for s in clusterer.stories_ for a in s.articles if a.id in truth}
        out[f"hint_lag_days={lag}"] = errors(estimated)
        # wire copy opens with a dateline ("HOUSTON, May 8 (Reuters) -"): its day is the
        # publication day, which other outlets' text does not give
        out[f"hint_lag_days={lag}, without Reuters"] = errors(
            {a: v for a, v in estimated.items() if "_reuters/" not in a})
        if lag == lags[0]:
            out["baseline on the articles with a hint estimate"] = errors(
                {a: story_median[a] for a, v in estimated.items() if v})
    return out


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
    parser.add_argument("--time-hints", action="store_true",
                        help="accuracy of text-read dates of undated articles (Timeline17)")
    parser.add_argument("--per-folder", type=int, default=40)
    args = parser.parse_args()
    if args.time_hints:
        print(json.dumps(time_hints(T17_DEV, args.per_folder), indent=1), flush=True)
        print(json.dumps(time_hints_in_stories(T17_DEV, args.per_folder), indent=1))
        return
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
    plan = [(1000, "minilm", "hnswlib"), (10000, "minilm", "hnswlib"), (1000, "none", "hnswlib"),
            (10000, "none", "hnswlib"), (100000, "none", "hnswlib")]
    for n, embedding, ann in plan:
        cmd = [sys.executable, __file__, "--n", str(n), "--embedding", embedding, "--ann", ann]
        result = subprocess.run(cmd, capture_output=True, text=True, check=True)
        print(result.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
