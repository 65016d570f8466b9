"""Date resolution accuracy: the hand-checked sample list, Timeline17 (dev topics) and the
SemEval-2015 TimeLine trial data (dev). Never the hidden test topics/corpora.

    nice -n 10 .venv/bin/python bench/dates_eval.py [--t17-per-folder 25] [--json bench/out/dates_eval.json]

1. sample: every expression in tests/annotate/sample_dates.toml found and resolved to the
   hand-checked value (the same list the tests pin).
2. timeline17: per article, the set of dates we resolve vs the set tagged in the data
   ("dates", tool-tagged, year mentions as YYYY-01-01), micro P/R/F1. Ours are mapped the
   same way (month -> YYYY-MM-01, year -> YYYY-01-01, day intervals -> both ends). Also
   "days only" (gold days that are not the 1st vs our day values), and the baseline that
   predicts only the publication date.
3. semeval2015 trial: for each gold timeline event with a date, the first date we resolve
   in the event's sentence (else the document creation time) must equal the gold date at
   the gold's precision; baseline: always the DCT.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("STORYLINE_SHARED", REPO / ".." / "shared"))
T17 = SHARED / "datasets" / "timeline17"
SEMEVAL = SHARED / "datasets" / "semeval2015-timeline"
T17_DEV = ("bpoil_bbc", "bpoil_foxnews", "bpoil_guardian", "bpoil_reuters",
           "bpoil_washingtonpost", "H1N1_bbc", "H1N1_guardian", "H1N1_reuters", "haiti_bbc",
           "MJ_bbc")


def detokenize(text: str) -> str:
    """Undo PTB tokenisation well enough for a parser."""
    text = text.replace("-LRB-", "(").replace("-RRB-", ")").replace("``", '"').replace("''", '"')
    text = re.sub(r" ([,.;:!?%)])", r"\1", text)
    text = re.sub(r"\( ", "(", text)
    text = re.sub(r" (n't|'s|'re|'ve|'ll|'d|'m)\b", r"\1", text)
    text = re.sub(r'" (.*?) "', r'"\1"', text)
    return re.sub(r"\$ (\d)", r"$\1", text)


def article(aid: str, text: str, published: str | None):
    from storyline.records import Article

    return Article(id=aid, source=aid, locator="", format="txt", text=text, published=published)


# ----------------------------------------------------------------------------- 1. sample


def sample_accuracy(nlp, rules) -> dict:
    from storyline.annotate import annotate

    sys.path.insert(0, str(REPO / "tests" / "annotate"))
    from conftest import sample_article  # the tests' own Article builder

    data = tomllib.loads((REPO / "tests" / "annotate" / "sample_dates.toml").read_text())
    anns = {p: annotate(sample_article(p, v or None), nlp, rules) for p, v in data["published"].items()}
    right = 0
    wrong = []
    for item in data["date"]:
        values = {t.value or "" for t in anns[item["article"]].timerefs if t.text == item["text"]}
        if values == {item["value"]}:
            right += 1
        else:
            wrong.append([item["article"], item["text"], item["value"], sorted(values)])
    found = sum(len(a.timerefs) for a in anns.values())
    return {"expressions": len(data["date"]), "correct": right,
            "accuracy": round(right / len(data["date"]), 4), "timerefs_found": found, "wrong": wrong}


# ----------------------------------------------------------------------------- 2. timeline17


def as_days(values: Iterable[str | None]) -> set[str]:
    out = set()
    for v in values:
        if not v or v.startswith("P"):
            continue
        parts = v.split("/")
        if len(parts) == 2 and all(len(p) == 10 for p in parts):
            if parts[0][:7] == parts[1][:7] and int(parts[1][8:]) - int(parts[0][8:]) <= 3:
                out.update(parts)  # a short day range ("18-19 June"), not a week
            continue
        if len(v) == 10:
            out.add(v)
        elif len(v) == 7:
            out.add(v + "-01")
        elif len(v) == 4:
            out.add(v + "-01-01")
    return out


def prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"P": round(p, 4), "R": round(r, 4), "F1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def timeline17(nlp, rules, per_folder: int) -> dict:
    from storyline.annotate import annotate_many

    docs = []
    for folder in T17_DEV:
        path = T17 / folder / "articles.json"
        if not path.exists():
            continue
        items = json.loads(path.read_text(encoding="utf-8"))
        step = max(1, len(items) // per_folder)
        for item in items[::step][:per_folder]:
            docs.append((f"{folder}/{item['uid']}", detokenize(item["text"]), item["dct"],
                         {d for d in item["dates"] if d}))
    counts = {k: 0 for k in ("tp", "pred", "gold", "day_tp", "day_pred", "day_gold", "base_tp",
                             "base_pred")}
    arts = [article(aid, text, dct) for aid, text, dct, _ in docs]
    for (aid, text, dct, gold), ann in zip(docs, annotate_many(arts, nlp, rules)):
        ours = as_days(t.value for t in ann.timerefs)
        days_ours = {t.value for t in ann.timerefs if t.value and t.granularity == "day"}
        days_gold = {g for g in gold if not g.endswith("-01")}
        counts["tp"] += len(ours & gold)
        counts["pred"] += len(ours)
        counts["gold"] += len(gold)
        counts["day_tp"] += len(days_ours & days_gold)
        counts["day_pred"] += len({d for d in days_ours if not d.endswith("-01")})
        counts["day_gold"] += len(days_gold)
        counts["base_tp"] += int(dct in gold)
        counts["base_pred"] += 1
    return {"articles": len(docs), **counts,
            "all_dates": prf(counts["tp"], counts["pred"], counts["gold"]),
            "days_only": prf(counts["day_tp"], counts["day_pred"], counts["day_gold"]),
            "baseline_publication_date": prf(counts["base_tp"], counts["base_pred"], counts["gold"])}


# ----------------------------------------------------------------------------- 3. semeval


def semeval_docs() -> dict[str, tuple[str, str, dict[int, tuple[int, int]]]]:
    """doc id -> (text, DCT, sentence number -> char range)."""
    out = {}
    for path in sorted((SEMEVAL / "Corpus-trial-data_task4_TimeML").glob("*.tml")):
        root = ET.parse(path).getroot()
        doc_id = root.findtext("DOCID")
        dct = root.find("DCT/TIMEX3").get("value")
        pieces, ranges, pos = [], {}, 0
        for s in root.find("TEXT").iter("s"):
            sentence = detokenize("".join(s.itertext()).strip())
            sep = "\n\n" if int(s.get("id")) <= 2 else " "
            if pieces:
                pieces.append(sep)
                pos += len(sep)
            ranges[int(s.get("id"))] = (pos, pos + len(sentence))
            pieces.append(sentence)
            pos += len(sentence)
        out[doc_id] = ("".join(pieces), dct, ranges)
    return out


def semeval(nlp, rules) -> dict:
    from storyline.annotate import annotate_many

    docs = semeval_docs()
    ids = sorted(docs)
    anns = dict(zip(ids, annotate_many([article(i, docs[i][0], docs[i][1]) for i in ids], nlp, rules)))
    events = []
    for path in sorted((SEMEVAL / "TimeLines_trial_data_task4_v1.2").glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines()[1:]:
            parts = line.split("\t")
            if len(parts) < 3 or parts[1].startswith("XXXX"):
                continue
            gold = re.sub(r"(-XX)+$", "", parts[1])
            for mention in parts[2:]:
                doc_id, sent, _ = mention.split("-", 2)
                if doc_id in docs:
                    events.append((doc_id, int(sent), gold))
    right = base = with_date = right_with_date = 0
    for doc_id, sent, gold in events:
        start, end = docs[doc_id][2].get(sent, (0, 0))
        values = [t.value for t in anns[doc_id].timerefs
                  if start <= t.start < end and t.value and t.granularity in ("day", "month", "year")]
        predicted = values[0] if values else docs[doc_id][1]
        ok = predicted[:len(gold)] == gold and len(predicted) >= len(gold)
        right += ok
        base += docs[doc_id][1][:len(gold)] == gold
        if values:
            with_date += 1
            right_with_date += ok
    n = len(events)
    return {"events": n, "accuracy": round(right / n, 4) if n else 0.0,
            "baseline_dct_accuracy": round(base / n, 4) if n else 0.0,
            "events_with_a_date_in_sentence": with_date,
            "accuracy_when_sentence_has_a_date": round(right_with_date / with_date, 4) if with_date else 0.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--t17-per-folder", type=int, default=25)
    parser.add_argument("--json", type=Path, default=REPO / "bench" / "out" / "dates_eval.json")
    args = parser.parse_args(argv)
    from storyline.annotate import load_model, load_rules

    nlp, rules = load_model(), load_rules()
    results = {"sample": sample_accuracy(nlp, rules)}
    if T17.exists():
        results["timeline17_dev"] = timeline17(nlp, rules, args.t17_per_folder)
    if SEMEVAL.exists():
        results["semeval2015_trial"] = semeval(nlp, rules)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
