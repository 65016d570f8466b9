"""Quote extraction and speaker attribution against PolNeAR (dev, plus a bounded sample of
train as more dev data; never the test split).

    nice -n 10 .venv/bin/python bench/quotes_polnear.py [--train 60] [--json bench/out/quotes_polnear.json]

PolNeAR annotates every attribution relation (Source, Cue, Content), including beliefs and
reports by organisations; our quotes are compared to gold Contents:

* a prediction matches a gold content when their token overlap (Dice) is >= 0.5
  ("overlap"), or when both are equal after trimming quotation marks, punctuation and a
  leading "that" ("exact"); one-to-one, best overlap first;
* the speaker is right when our speaker's words in the text overlap the gold Source span,
  or (for carried-over quotes, which have no speaker words) when our speaker's name shares
  a word with the gold Source text;
* "direct" scores only the gold contents that start and end with quotation marks.

Reference point (different corpus, see PROVENANCE.md): Citron on PARC 3.0, content overlap
F1 83.3, exact 59.3.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("STORYLINE_SHARED", REPO / ".." / "shared"))
POLNEAR = SHARED / "datasets" / "polnear" / "data"
QUOTE_CHARS = "\"\u201c\u201d'\u2018\u2019"
WORD = re.compile(r"\w+")


@dataclass
class Gold:
    start: int
    end: int
    source: tuple[int, int] | None
    source_text: str
    direct: bool
    pieces: tuple[tuple[int, int], ...] = ()


@dataclass
class Pred:
    """Our quote parts of one statement, scored as one (a split quote is one statement)."""

    start: int
    end: int
    pieces: tuple[tuple[int, int], ...]
    kind: str
    speaker: str | None
    speaker_start: int | None
    speaker_end: int | None


def parse_ann(path: Path, text: str) -> list[Gold]:
    """Gold attributions of one .ann file (discontinuous spans: first start, last end)."""
    spans: dict[str, tuple[str, int, int]] = {}
    relations = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("T"):
            tid, info, *_ = line.split("\t")
            label, offsets = info.split(" ", 1)
            pieces = [tuple(map(int, p.split())) for p in offsets.split(";")]
            spans[tid] = (label, pieces[0][0], pieces[-1][1], tuple(pieces))
        elif line.startswith("E"):
            relations.append(dict(part.split(":") for part in line.split("\t")[1].split()))
    out = []
    for rel in relations:
        if "Content" not in rel or rel["Content"] not in spans:
            continue
        _, cs, ce, pieces = spans[rel["Content"]]
        source = spans.get(rel.get("Source", ""))
        content = text[cs:ce].strip()
        direct = len(content) > 1 and content[0] in QUOTE_CHARS and content[-1] in QUOTE_CHARS + ".,"
        out.append(Gold(cs, ce, (source[1], source[2]) if source else None,
                        text[source[1]:source[2]] if source else "", direct, pieces))
    return out


def tokens(text: str, pieces) -> set[int]:
    return {start + m.start() for start, end in pieces for m in WORD.finditer(text[start:end])}


def statements(quotes) -> list[Pred]:
    """Group quote parts that share a statement number (and kind)."""
    groups: dict[tuple[int, str], list] = {}
    for q in quotes:
        groups.setdefault((q.statement, q.kind), []).append(q)
    out = []
    for parts in groups.values():
        first = parts[0]
        out.append(Pred(min(p.start for p in parts), max(p.end for p in parts),
                        tuple((p.start, p.end) for p in parts), first.kind, first.speaker,
                        first.speaker_start, first.speaker_end))
    return sorted(out, key=lambda p: p.start)


def normalised(text: str) -> str:
    t = text.strip().strip(QUOTE_CHARS + " .,;:").strip()
    t = re.sub(r"^that\s+", "", t)
    return re.sub(r"\s+", " ", t.strip(QUOTE_CHARS + " .,;:"))


def dice(a: set[int], b: set[int]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def match(text: str, preds: list, golds: list[Gold]) -> list[tuple[int, int, bool]]:
    """One-to-one (pred index, gold index, exact) pairs with Dice >= 0.5, best first."""
    ptoks = [tokens(text, p.pieces) for p in preds]
    gtoks = [tokens(text, g.pieces) for g in golds]
    pairs = sorted(((dice(pt, gt), i, j) for i, pt in enumerate(ptoks)
                    for j, gt in enumerate(gtoks) if pt & gt), reverse=True)
    used_p, used_g, out = set(), set(), []
    for score, i, j in pairs:
        if score < 0.5 or i in used_p or j in used_g:
            continue
        used_p.add(i)
        used_g.add(j)
        exact = [normalised(text[a:b]) for a, b in preds[i].pieces] == [
            normalised(text[a:b]) for a, b in golds[j].pieces]
        out.append((i, j, exact))
    return out


def speaker_right(text: str, pred, gold: Gold) -> bool:
    if gold.source is None:
        return pred.speaker is None
    if pred.speaker_start is not None:
        return pred.speaker_start < gold.source[1] and gold.source[0] < pred.speaker_end
    names = {w.lower() for w in WORD.findall(pred.speaker or "")}
    return bool(names & {w.lower() for w in WORD.findall(gold.source_text)})


def load_split(split: str, limit: int | None) -> list[tuple[str, str, list[Gold]]]:
    folder = POLNEAR / split
    stems = sorted(p.stem for p in (folder / "text").glob("*.txt"))
    if limit is not None and limit < len(stems):
        step = len(stems) / limit  # spread over the 10 months of train, deterministic
        stems = [stems[int(i * step)] for i in range(limit)]
    out = []
    for stem in stems:
        text = (folder / "text" / f"{stem}.txt").read_text(encoding="utf-8")
        anns = sorted((folder / "attributions").glob(f"{stem}_*.ann"))
        if anns:  # several annotators: the first one's annotation (alphabetical)
            out.append((stem, text, parse_ann(anns[0], text)))
    return out


def score(docs, nlp, rules) -> dict:
    from storyline.annotate import annotate_many
    from storyline.records import Article

    counts = dict.fromkeys(("pred", "gold", "match", "exact", "speaker_ok", "direct_gold",
                            "direct_match", "direct_speaker_ok", "direct_pred", "direct_pred_ok"), 0)
    words = 0
    started = time.perf_counter()
    articles = [Article(id=stem, source=stem, locator="", format="txt", text=text)
                for stem, text, _ in docs]
    for (stem, text, golds), ann in zip(docs, annotate_many(articles, nlp, rules)):
        words += len(text.split())
        preds = statements(ann.quotes)
        pairs = match(text, preds, golds)
        counts["pred"] += len(preds)
        counts["gold"] += len(golds)
        counts["match"] += len(pairs)
        counts["exact"] += sum(1 for *_, exact in pairs if exact)
        ok = {j for i, j, _ in pairs if speaker_right(text, preds[i], golds[j])}
        counts["speaker_ok"] += len(ok)
        matched_gold = {j for _, j, _ in pairs}
        matched_pred = {i for i, _, _ in pairs}
        counts["direct_gold"] += sum(1 for g in golds if g.direct)
        counts["direct_match"] += sum(1 for j in matched_gold if golds[j].direct)
        counts["direct_speaker_ok"] += sum(1 for j in ok if golds[j].direct)
        counts["direct_pred"] += sum(1 for p in preds if p.kind == "direct")
        counts["direct_pred_ok"] += sum(1 for i in matched_pred if preds[i].kind == "direct")
    seconds = time.perf_counter() - started
    return summarise(counts, len(docs), words, seconds)


def summarise(c: dict, n_docs: int, words: int, seconds: float) -> dict:
    def ratio(a: int, b: int) -> float:
        return round(a / b, 4) if b else 0.0

    p, r = ratio(c["match"], c["pred"]), ratio(c["match"], c["gold"])
    ap, ar = ratio(c["speaker_ok"], c["pred"]), ratio(c["speaker_ok"], c["gold"])
    return {
        "articles": n_docs, "words": words, "seconds": round(seconds, 1), **c,
        "content_overlap": {"P": p, "R": r, "F1": round(2 * p * r / (p + r), 4) if p + r else 0.0},
        "content_exact": {"P": ratio(c["exact"], c["pred"]), "R": ratio(c["exact"], c["gold"])},
        "speaker_accuracy_on_matched": ratio(c["speaker_ok"], c["match"]),
        "attribution_end_to_end": {"P": ap, "R": ar,
                                   "F1": round(2 * ap * ar / (ap + ar), 4) if ap + ar else 0.0},
        "direct": {"P": ratio(c["direct_pred_ok"], c["direct_pred"]),
                   "R": ratio(c["direct_match"], c["direct_gold"]),
                   "speaker_accuracy_on_matched": ratio(c["direct_speaker_ok"], c["direct_match"])},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train", type=int, default=60, help="train articles sampled (0: none)")
    parser.add_argument("--json", type=Path, default=REPO / "bench" / "out" / "quotes_polnear.json")
    args = parser.parse_args(argv)
    if not POLNEAR.exists():
        print(f"PolNeAR not found at {POLNEAR}; set STORYLINE_SHARED", file=sys.stderr)
        return 2
    from storyline.annotate import load_model, load_rules

    nlp, rules = load_model(), load_rules()
    results = {"dev": score(load_split("dev", None), nlp, rules)}
    if args.train:
        results["train_sample"] = score(load_split("train", args.train), nlp, rules)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    for split, res in results.items():
        print(f"{split}: {res['articles']} articles, {res['gold']} gold / {res['pred']} predicted")
        print(f"  content overlap P/R/F1 {res['content_overlap']}")
        print(f"  content exact   P/R    {res['content_exact']}")
        print(f"  speaker accuracy on matched {res['speaker_accuracy_on_matched']}")
        print(f"  attribution end-to-end P/R/F1 {res['attribution_end_to_end']}")
        print(f"  direct quotes {res['direct']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
