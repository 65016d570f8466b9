"""Build large, reproducible news corpora from the real articles in ../shared/datasets.

The development parts of the shared datasets hold 4,865 real news texts over 200
characters (PolNeAR 924 full articles, Timeline17 2,266, AllSides 1,479 leads, FNC-1
196 bodies; 17.4 MB). To reach 10k or 100k we add
deterministic *variants* of real articles, so the text keeps the statistics of news:

* variant = a real article with its paragraphs rotated and ~15% of its words replaced
  by other words drawn from the same article (seeded), so it is a distinct article
  (5-shingle Jaccard with its base ~0.3, below any near-duplicate threshold);
* 3% of the output are exact copies of an earlier article (syndication),
* 3% are near-duplicates (an earlier article with one paragraph dropped and a
  boilerplate line added).

Usage: python bench/corpus.py N OUT.jsonl  (seed fixed; the same N gives the same file)
"""

from __future__ import annotations

import os
import csv
import json
import random
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

SHARED = Path(os.environ.get("STORYLINE_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
DATASETS = SHARED / "datasets"
SEED = 20240619


def real_articles() -> list[dict]:
    """Every real article we can read from the shared datasets, in a fixed order."""
    items: list[dict] = []
    items.extend(_polnear())
    items.extend(_timeline17())
    items.extend(_fnc1())
    items.extend(_allsides())
    return [a for a in items if len(a["text"]) > 200]


def _polnear() -> Iterator[dict]:
    meta = {}
    with open(DATASETS / "polnear/data/metadata.tsv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            meta[row["filename"]] = row
    for split in ("train", "dev", "test", "annotator-training"):
        for path in sorted((DATASETS / "polnear/data" / split / "text").glob("*.txt")):
            lines = path.read_text(encoding="utf-8").split("\n")
            row = meta.get(path.stem, {})
            yield {"id": f"polnear/{path.stem}", "outlet": row.get("publisher"),
                   "title": lines[0].strip(), "published": row.get("publication_date"),
                   "author": row.get("author"), "text": "\n".join(lines[1:]).strip()}


def _timeline17() -> Iterator[dict]:
    for folder in sorted((DATASETS / "timeline17").iterdir()):
        path = folder / "articles.json"
        if not path.exists():
            continue
        outlet = folder.name.split("_", 1)[-1]
        for item in json.loads(path.read_text(encoding="utf-8")):
            text = item["text"].strip()
            yield {"id": f"t17/{folder.name}/{item['uid']}", "outlet": outlet,
                   "title": text.split(" . ")[0][:120], "published": item.get("dct"), "text": text}


def _fnc1() -> Iterator[dict]:
    with open(DATASETS / "fnc1/competition_test_bodies.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            body = row["articleBody"].strip()
            yield {"id": f"fnc1/{row['Body ID']}", "outlet": None,
                   "title": body.split("\n")[0][:120], "published": None, "text": body}


def _allsides() -> Iterator[dict]:
    path = DATASETS / "allsides-neus/raw_crawled/headline_11_2021-10-19_crawled_all.jsonl"
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            story = json.loads(line)
            for side, item in sorted((story.get("news") or {}).items()):
                body = item.get("newBody")
                body = "\n".join(body) if isinstance(body, list) else (body or "")
                if body.strip():
                    yield {"id": f"allsides/{story['id']}/{side}", "outlet": item.get("newsSource"),
                           "title": item.get("newsTitle"), "published": story.get("date"), "text": body}


def _variant(base: dict, rng: random.Random, k: int) -> dict:
    paragraphs = [p for p in base["text"].split("\n") if p.strip()] or [base["text"]]
    shift = rng.randrange(len(paragraphs))
    paragraphs = paragraphs[shift:] + paragraphs[:shift]
    words = " ".join(paragraphs).split()
    out = []
    for paragraph in paragraphs:
        tokens = paragraph.split()
        out.append(" ".join(rng.choice(words) if rng.random() < 0.15 else t for t in tokens))
    day = date(2024, 1, 1) + timedelta(days=k % 365)
    return {**base, "id": f"{base['id']}#v{k}", "text": "\n".join(out), "published": day.isoformat(),
            "title": f"{base['title']} ({k})"}


def _near_duplicate(base: dict, rng: random.Random, k: int) -> dict:
    paragraphs = [p for p in base["text"].split("\n") if p.strip()]
    if len(paragraphs) > 3:
        paragraphs.pop(rng.randrange(1, len(paragraphs)))
    paragraphs.append("Share this article")
    return {**base, "id": f"{base['id']}#near{k}", "text": "\n".join(paragraphs)}


def build_corpus(n: int, seed: int = SEED) -> Iterator[dict]:
    """Yield ``n`` article records: real ones first, then variants, copies, near-copies."""
    rng = random.Random(seed)
    pool = real_articles()
    emitted: list[dict] = []
    for k in range(n):
        if k < len(pool):
            record = pool[k]
        else:
            roll = rng.random()
            if roll < 0.03 and emitted:
                record = {**rng.choice(emitted)}
                record["id"] = f"{record['id']}#copy{k}"
            elif roll < 0.06 and emitted:
                record = _near_duplicate(rng.choice(emitted), rng, k)
            else:
                record = _variant(pool[k % len(pool)], rng, k)
        if len(emitted) < 5000:
            emitted.append(record)
        yield record


def write_corpus(n: int, out: Path, seed: int = SEED, shard_size: int = 2000) -> Path:
    """Write ``n`` records as JSON Lines shards of ``shard_size`` records under folder ``out``
    (shards keep every file under the ingest size limit)."""
    out.mkdir(parents=True, exist_ok=True)
    done = out / ".complete"
    if done.exists() and done.read_text() == f"{n} {seed} {shard_size}":
        return out
    for old in out.glob("*.jsonl"):
        old.unlink()
    fh = None
    for k, record in enumerate(build_corpus(n, seed)):
        if k % shard_size == 0:
            if fh:
                fh.close()
            fh = open(out / f"shard-{k // shard_size:05d}.jsonl", "w", encoding="utf-8")
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    if fh:
        fh.close()
    done.write_text(f"{n} {seed} {shard_size}")
    return out


if __name__ == "__main__":
    write_corpus(int(sys.argv[1]), Path(sys.argv[2]))
