"""Time to analyse one story of 5, 50 and 500 articles, and the verifiability of what
the analysis outputs (issue 5).

The stories are real: Timeline17's BP oil spill articles from five outlets (BBC, Fox
News, Guardian, Reuters, Washington Post; ../shared/datasets/timeline17), the first N in
publication order, given to Storyline as one story each (``--story-key``), so the time is
the analysis alone (facts, claims, quote groups, timeline, network, brief), not the
clustering. Ingest and annotation are timed apart. Models are loaded once, timed apart.

Verifiability: the share of brief sentences whose first citation's span is exactly their
text, of fact supports and contradiction spans, quote renderings, timeline and network
citations whose span lies inside its article, and of texts equal to their span (must be
100%).

Usage: python bench/analysis_speed.py [--sizes 5 50 500] [--no-embeddings]
Writes bench/out/analysis_speed.json.
"""

from __future__ import annotations

import os
import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from storyline import pipeline  # noqa: E402
from storyline.align import Budget  # noqa: E402
from storyline.settings import Settings  # noqa: E402
from storyline.store import open_store  # noqa: E402

T17 = Path(os.environ.get("STORYLINE_SHARED", REPO.parent / "shared")) / "datasets" / "timeline17"
OUT = REPO / "bench" / "out"


def bp_oil_articles() -> list[dict]:
    """The BP oil spill articles of all five outlets, by date then outlet then uid."""
    items = []
    for folder in sorted(T17.glob("bpoil_*")):
        outlet = folder.name.split("_", 1)[1]
        for item in json.loads((folder / "articles.json").read_text(encoding="utf-8")):
            text = item["text"].strip()
            if len(text) > 300:
                items.append({"id": f"{folder.name}/{item['uid']}", "outlet": outlet, "published": item["dct"],
                              "title": text.split(" . ")[0][:120], "text": text, "story": "bpoil"})
    return sorted(items, key=lambda a: (a["published"], a["outlet"], a["id"]))


def verifiability(analysis, articles) -> dict[str, float]:
    """Share of cited items whose text is exactly their span (and spans in range)."""
    total = exact = 0

    def check(article_id: str, start: int, end: int, text: str | None) -> None:
        nonlocal total, exact
        body = articles[article_id].text
        total += 1
        ok = 0 <= start < end <= len(body) and (text is None or body[start:end] == text)
        exact += ok

    for sentence in analysis.brief:
        first = sentence.citations[0]
        check(first.article_id, first.start, first.end, sentence.text)
        for c in sentence.citations[1:]:
            check(c.article_id, c.start, c.end, None)
    for fact in analysis.facts:
        check(fact.article_id, fact.start, fact.end, fact.text)
        for s in [*fact.support, *(x for c in fact.contradicts for x in c.spans)]:
            check(s.article_id, s.start, s.end, s.text)
    for group in analysis.quote_groups:
        for r in group.renderings:
            check(r.article_id, r.start, r.end, r.text)
    for entry in [*analysis.timeline, *analysis.undated]:
        for c in entry.citations:
            check(c.article_id, c.start, c.end, None)
    for edge in analysis.network:
        for c in edge.citations:
            check(c.article_id, c.start, c.end, None)
    return {"items": total, "exact": exact, "share": exact / total if total else 1.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 50, 500])
    parser.add_argument("--no-embeddings", action="store_true")
    args = parser.parse_args(argv)
    articles = bp_oil_articles()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "bench.db")
        files = []
        for size in args.sizes:
            path = Path(tmp) / f"bpoil-{size}.jsonl"
            path.write_text("".join(json.dumps(a) + "\n" for a in articles[:size]), encoding="utf-8")
            files.append(path)
        started = time.perf_counter()
        pipeline.ingest([files[-1]], store, Settings())
        for path in files[:-1]:
            pipeline.ingest([path], store, Settings())
        ingest_seconds = time.perf_counter() - started
        started = time.perf_counter()
        models = pipeline.analysis_models(store, embeddings=not args.no_embeddings)
        models.nlp("warm up")
        if models.encode:
            models.encode(["warm up"])
        load_seconds = time.perf_counter() - started
        for size, path in zip(args.sizes, files, strict=True):
            [story] = pipeline.keyed_stories(store, [path], "story")
            started = time.perf_counter()
            [analysis] = pipeline.analyse_stories(store, [story], models, budget=Budget(words=150))
            seconds = time.perf_counter() - started
            texts = {a.id: a for a in store.articles([a.id for a in story.articles])}
            row = {"articles": len(story.articles), "seconds": round(seconds, 2),
                   "facts": len(analysis.facts),
                   "corroborated": sum(f.status == "corroborated" for f in analysis.facts),
                   "contested": sum(f.status == "contested" for f in analysis.facts),
                   "quote_groups": len(analysis.quote_groups), "timeline": len(analysis.timeline),
                   "network": len(analysis.network), "brief_sentences": len(analysis.brief),
                   "verifiability": verifiability(analysis, texts)}
            rows.append(row)
            print(f"{row['articles']:>4} articles: {seconds:7.1f} s  facts {row['facts']} "
                  f"({row['corroborated']} corroborated, {row['contested']} contested), "
                  f"quote groups {row['quote_groups']}, timeline {row['timeline']}, network {row['network']}, "
                  f"verifiable {row['verifiability']['exact']}/{row['verifiability']['items']}", flush=True)
    result = {"dataset": "Timeline17 bpoil (5 outlets), first N by date", "embeddings": not args.no_embeddings,
              "ingest_and_annotate_seconds": round(ingest_seconds, 1), "model_load_seconds": round(load_seconds, 1),
              "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
              "stories": rows}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "analysis_speed.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "stories"}))
    return 0 if all(r["verifiability"]["share"] == 1.0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
