"""Cross-source analysis on the sample corpus: facts with independent outlets, the
contested arms-supply claim with both sides attributed, Carpenter's two titles, the
cited brief, and the report formats (issue 5)."""

from __future__ import annotations

import os
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from storyline import pipeline
from storyline.align import facts as F
from storyline.align.claims import claims_conflict, extract_claims, load_relation_classes
from storyline.records import Article, NumberMention, Sentence
from storyline.report import render
from storyline.settings import Settings
from storyline.store import open_store

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "examples" / "putin-dprk-2024"
ALLSIDES = Path(os.environ.get("STORYLINE_SHARED", REPO.parent / "shared")) / "datasets" / "allsides-neus"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    store = open_store(tmp_path_factory.mktemp("analysis") / "s.db")
    pipeline.ingest([SAMPLE], store, Settings())
    models = pipeline.analysis_models(store)
    story_list = pipeline.update_stories(store).stories_
    analyses = pipeline.analyse_stories(store, story_list, models)
    articles = {a.id: a for a in store.articles()}
    return store, models, analyses, articles


def _by_file(articles, prefix):
    return next(a for a in articles.values() if Path(a.source).name.startswith(prefix))


def _fact_with(analysis, words):
    return next(f for f in analysis.facts if any(words in s.text for s in f.support))


def test_sample_is_one_story_with_its_facts(sample):
    _, _, analyses, _ = sample
    assert len(analyses) == 1
    facts = analyses[0].facts
    statuses = {f.status for f in facts}
    assert statuses == {"contested", "corroborated", "single-source"}


def test_arms_supply_claim_is_contested_with_both_sides_attributed(sample):
    _, _, analyses, _ = sample
    analysis = analyses[0]
    asserted = _fact_with(analysis, "continues to provide material support to the Russian Federation")
    assert asserted.status == "contested"
    [denial] = [c for c in asserted.contradicts if c.kind == "denial"]
    assert "U.S. State Department spokesperson" in denial.explanation.split("; denied by")[0]
    deniers = denial.explanation.split("; denied by")[1]
    for who in ("Kim Yo Jong", "North Korean Foreign Ministry", "Kwon Jung-geun"):
        assert who in deniers
    denied = _fact_with(analysis, "denied on May 17 that North Korea was engaged in arms dealings")
    assert denied.status == "contested"
    assert [s.stance for s in denied.support] == ["denies"]
    assert denied.support[0].speaker == "Kim Yo Jong"
    assert asserted.id in denied.contradicts[0].fact_ids
    # Matsegora's denial is about Russian ammunition for North Korea, the other direction.
    matsegora = _fact_with(analysis, "no talk of supplying North Korea with Russian ammunition")
    assert all("Matsegora" not in c.explanation for c in asserted.contradicts)
    assert matsegora.status != "contested" or all(
        asserted.id not in c.fact_ids for c in matsegora.contradicts)


def test_coalition_numbers_are_corroborated_by_three_independent_outlets(sample):
    _, _, analyses, articles = sample
    fact = _fact_with(analyses[0], "coalition of 50 countries")
    assert fact.status == "corroborated"
    assert fact.independent_outlets == 3
    assert {"TURAN", "Ukrinform"} <= set(fact.outlets)
    assert all("100 countries" in s.text for s in fact.support)
    assert not fact.contradicts  # "roughly" and "approximately" 100 agree


def test_carpenter_titles_are_contested(sample):
    _, _, analyses, _ = sample
    [title] = [f for f in analyses[0].facts if f.about == "position of Michael Carpenter"]
    assert title.status == "contested"
    texts = {s.text.casefold() for s in title.support} | {s.text.casefold() for c in title.contradicts
                                                          for s in c.spans}
    assert "director for european affairs of the white house national security council" in texts
    assert "senior director for europe at the national security council" in texts
    # Kim Jong Un is "leader", "dictator", "counterpart": characterisations, not positions.
    assert not any("Kim Jong Un" in f.about for f in analyses[0].facts)


def test_every_cited_span_is_exact(sample):
    _, _, analyses, articles = sample
    analysis = analyses[0]
    checked = 0
    for fact in analysis.facts:
        assert articles[fact.article_id].text[fact.start:fact.end] == fact.text
        for support in [*fact.support, *(s for c in fact.contradicts for s in c.spans)]:
            assert articles[support.article_id].text[support.start:support.end] == support.text
            checked += 1
    for sentence in analysis.brief:
        first = sentence.citations[0]
        assert articles[first.article_id].text[first.start:first.end] == sentence.text
        for citation in sentence.citations:
            assert 0 <= citation.start < citation.end <= len(articles[citation.article_id].text)
    assert checked > 50 and analysis.brief


def test_brief_respects_budget_and_names_speakers(sample):
    store, models, analyses, _ = sample
    from storyline.align import Budget

    [short] = pipeline.analyse_stories(store, [analyses[0].story], models, budget=Budget(words=60))
    assert sum(len(s.text.split()) for s in short.brief) <= 60
    assert any(s.speaker == "Michael Carpenter" for s in analyses[0].brief)


def test_wire_and_copies_count_once(tmp_path):
    """A near-copy of an article under another outlet adds no independent witness, and
    a sentence relaying Tass counts as Tass."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    original = next(corpus.glob("002_*.txt")).read_text(encoding="utf-8")
    paragraphs = original.split("\n")
    copy = "\n".join(["Source: Copycat Daily", *paragraphs[:-5]])
    (corpus / "005_copy.txt").write_text(copy, encoding="utf-8")
    store = open_store(tmp_path / "s.db")
    pipeline.ingest([corpus], store, Settings())
    assert store.near_duplicates() or store.shared_passages()
    models = pipeline.analysis_models(store)
    story = next(s for s in pipeline.update_stories(store).stories_ if len(s.articles) >= 5)
    [analysis] = pipeline.analyse_stories(store, [story], models)
    fact = _fact_with(analysis, "coalition of 50 countries")
    assert len({s.article_id for s in fact.support}) == 4
    assert fact.independent_outlets == 3
    assert any((s.via or "").startswith("copy of article") for s in fact.support)
    tass = [s for f in analysis.facts for s in f.support if "according to Tass" in s.text]
    assert tass and all(s.witness == "wire:TASS" for s in tass)


def _unit(article_id: str, text: str, numbers: tuple[NumberMention, ...]) -> F.Unit:
    article = Article(id=article_id, source=f"{article_id}.txt", locator="", format="text", text=text)
    return F.Unit(sentence=Sentence(article_id, 0, len(text), text, 0), article=article, speaker=None,
                  stance="asserts", claim=text, numbers=numbers)


def test_number_conflicts_only_when_no_value_matches():
    def n(value, qualifier=None):
        return NumberMention("a", 0, 1, str(value), float(value), qualifier=qualifier, counts="countries")

    same = _unit("a", "x", (n(50), n(100, "roughly")))
    other = _unit("b", "y", (n(50), n(100, "approximately")))
    assert F.number_conflicts(same, other) == []
    wrong = _unit("c", "z", (n(83),))
    assert F.number_conflicts(_unit("d", "w", (n(50),)), wrong)
    assert F.number_conflicts(_unit("e", "v", (n(100, "about"),)), _unit("f", "u", (n(105),))) == []


def test_claims_keep_direction(sample):
    store, models, _, articles = sample
    annotations = {a.article_id: a for a in store.annotations()}
    sentences = [s for a in annotations.values() for s in a.sentences]
    claims = extract_claims(sentences, annotations, models.nlp, models.resolver.resolve,
                            load_relation_classes(), F.load_cues().denial)
    text = {(s.article_id, s.start): s.text for s in sentences}
    supply = [c for c in claims if c.kind == "transfer" and c.positive
              and (c.source, c.target) == ("place:north-korea", "place:russia")]
    assert any("material support" in text[(c.article_id, c.sentence_start)] for c in supply)
    denied = [c for c in claims if not c.positive and "Kim Yo Jong" in text[(c.article_id, c.sentence_start)]]
    assert denied and any(claims_conflict(d, s) for d in denied for s in supply)
    china = [c for c in claims if c.source == "place:china"]
    assert china and all(c.negated for c in china)  # "not providing Russia with weapons"


def test_report_formats(sample):
    _, _, analyses, articles = sample
    data = json.loads(render(analyses, "json", articles))
    story = data["stories"][0]
    for key in ("id", "title", "first_seen", "last_seen", "outlets", "articles", "events", "brief",
                "facts", "quote_groups", "timeline", "network"):
        assert key in story
    assert {"article_id", "source_id", "outlet", "start", "end"} <= set(story["brief"][0]["citations"][0])
    assert {"text", "status", "independent_outlets", "support", "contradicts"} <= set(story["facts"][0])
    markdown = render(analyses, "md", articles)
    assert "### Brief" in markdown and "contested" in markdown
    html = render(analyses, "html", articles)
    assert "Content-Security-Policy" in html and "<script" not in html


def test_html_report_escapes_hostile_articles(tmp_path):
    hostile = tmp_path / "hostile.jsonl"
    rows = [{"id": f"h{i}", "title": f"<img src=x onerror=alert({i})> Putin visits Pyongyang",
             "outlet": "<b onmouseover=alert(1)>Evil</b>",
             "text": ("Putin visited Pyongyang on June 19 and signed a treaty with Kim Jong Un. "
                      "<script>alert('xss')</script> Officials said <a href=\"javascript:alert(2)\">this</a> "
                      "was a partnership.\n\nThe treaty was signed in Pyongyang, officials said.")}
            for i in range(2)]
    hostile.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    out = tmp_path / "r.html"
    result = subprocess.run([sys.executable, "-m", "storyline.cli", "brief", str(hostile), "-f", "html",
                             "-o", str(out), "--no-embeddings"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    html = out.read_text(encoding="utf-8")
    assert "<script>" not in html and "<img src=x" not in html and "<b onmouseover" not in html
    assert "javascript:alert" not in html.replace("&#34;", "").replace("&quot;", "") or \
        'href="javascript' not in html
    assert "&lt;script&gt;" in html or "&lt;img" in html


def test_brief_command_with_story_key_on_allsides(tmp_path):
    """--story-key groups records by a field: three AllSides val clusters, three stories."""
    sys.path.insert(0, str(REPO / "bench"))
    import summaries  # noqa: PLC0415

    clusters = summaries.load_allsides("val", limit=3)
    path = tmp_path / "clusters.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for k, cluster in enumerate(clusters):
            for j, article in enumerate(cluster.articles):
                handle.write(json.dumps({"id": f"c{k}-a{j}", "text": article.text, "cluster": f"c{k}"}) + "\n")
    out = tmp_path / "r.json"
    result = subprocess.run([sys.executable, "-m", "storyline.cli", "brief", str(path), "--story-key", "cluster",
                             "-f", "json", "-o", str(out), "--words", "80", "--no-embeddings"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    stories = json.loads(out.read_text(encoding="utf-8"))["stories"]
    assert sorted(s["id"] for s in stories) == ["cluster:c0", "cluster:c1", "cluster:c2"]
    for story, cluster in zip(sorted(stories, key=lambda s: s["id"]), clusters, strict=True):
        assert len(story["articles"]) == len({a.text for a in cluster.articles})
        assert story["brief"] and sum(len(b["text"].split()) for b in story["brief"]) <= 80
