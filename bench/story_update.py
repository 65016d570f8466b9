"""What one incremental story update costs in the driver, as the corpus grows.

``pipeline.update_stories`` used to rebuild the story inputs of every stored article
(every annotation read back into Python, every time hint recomputed) and let the
clusterer skip the ones it had seen; it now builds the inputs of the new articles only,
resolving their entities against the whole corpus from ``Store.entity_texts`` (read by
SQLite's JSON functions). This script times, on an existing annotated database, in one
process so the ratios share the machine's conditions:

    all inputs         story_inputs(store): what every update paid before
    new inputs (k)     story_inputs(store, the last k ids): what an update after an
                       ingest of k articles pays now (entity texts included)
    entity texts       store.entity_texts() alone (the corpus-wide part left)
    resolver, old way  EntityResolver().fit(store.annotations()): the same resolution
                       from whole annotations
    state load + save  StoryClusterer.from_state / to_state, the other per-update cost
                       that grows with the corpus

Usage (a database from ``bench/engines.py --keep`` or any ``storyline ingest``):
    .venv/bin/python bench/story_update.py bench/out/engines-10000-local.db [--new 10 100 1000]
Writes bench/out/story_update.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


def timed(func, repeat: int = 3):
    """Best wall time of ``repeat`` calls (the first warms caches), and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - started)
    return best, result


def measure(db: Path, new_sizes: list[int], repeat: int) -> dict:
    from storyline import pipeline
    from storyline.annotate import EntityResolver
    from storyline.annotate.entities import entity_links
    from storyline.stories import StoryClusterer
    from storyline.store import open_store

    store = open_store(db, read_only=True)
    ids = store.article_ids()
    out: dict = {"db": str(db), "articles": len(ids), "annotated": len(ids) - len(store.unannotated())}
    out["all_inputs_s"], inputs = timed(lambda: pipeline.story_inputs(store), repeat)
    out["new_inputs_s"] = {}
    for k in new_sizes:
        wanted = ids[-k:]
        seconds, some = timed(lambda w=wanted: pipeline.story_inputs(store, w), repeat)
        assert some == inputs[-k:], "incremental inputs differ from the full rebuild"
        out["new_inputs_s"][str(k)] = seconds
    out["entity_texts_s"], texts = timed(store.entity_texts, repeat)
    out["entity_keys"] = len(texts)
    out["resolver_old_way_s"], resolver = timed(lambda: EntityResolver().fit(store.annotations()), repeat)
    links = entity_links(texts)
    assert links == {key: resolver.resolve(key) for key in resolver.members_}, "resolutions differ"
    stored = store.story_state()
    if stored is not None:
        # The stored blob may be in an older format (compressed); time the current one.
        clusterer = StoryClusterer.from_state(stored)
        out["state_save_s"], state = timed(clusterer.to_state, repeat)
        out["state_bytes"], out["stored_state_bytes"] = len(state), len(stored)
        out["state_load_s"], _ = timed(lambda: StoryClusterer.from_state(state), repeat)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("db", type=Path)
    parser.add_argument("--new", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=OUT / "story_update.json")
    args = parser.parse_args()
    result = measure(args.db, args.new, args.repeat)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    n = result["articles"]
    print(f"{n} articles ({result['annotated']} annotated, {result['entity_keys']} entity keys)")
    print(f"  all inputs (every update, before): {result['all_inputs_s']:.2f} s "
          f"({1000 * result['all_inputs_s'] / n:.2f} ms/article)")
    for k, seconds in result["new_inputs_s"].items():
        print(f"  inputs of {k} new articles (now):  {seconds:.3f} s "
              f"({result['all_inputs_s'] / seconds:.0f}x less)")
    print(f"  entity texts: {result['entity_texts_s']:.3f} s; resolver from whole annotations: "
          f"{result['resolver_old_way_s']:.2f} s")
    if "state_bytes" in result:
        print(f"  story state {result['state_bytes'] / 1e6:.1f} MB: load {result['state_load_s']:.2f} s, "
              f"save {result['state_save_s']:.2f} s")


if __name__ == "__main__":
    main()
