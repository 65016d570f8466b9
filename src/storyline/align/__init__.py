"""align: the cross-source analysis of one story.

``analyse_story`` turns a story's articles and their annotations into a
``StoryAnalysis``: facts with their independent outlets and statuses (facts.py), the
same quotes as each outlet rendered them (quotes.py), the dated timeline (timeline.py),
who did what to whom (network.py) and the cited brief (storyline.brief), all pointing
at exact spans of the articles' cleaned text.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from storyline.align.facts import FactParams, find_facts
from storyline.align.network import build_network
from storyline.align.quotes import group_quotes
from storyline.align.timeline import build_timeline
from storyline.brief import SelectionParams, content_terms, select_sentences
from storyline.records import (
    Annotations,
    Article,
    BriefSentence,
    CandidateSentence,
    Citation,
    DuplicateLink,
    Fact,
    Sentence,
    SharedPassage,
    Story,
    StoryAnalysis,
)

LOGGER = logging.getLogger(__name__)

DEFAULT_BRIEF_WORDS = 150


@dataclass(frozen=True, slots=True)
class Budget:
    """The brief's length: at most ``words`` words, or at most ``bytes`` UTF-8 bytes."""

    words: int | None = DEFAULT_BRIEF_WORDS
    bytes: int | None = None


@dataclass(slots=True)
class Models:
    """What analysis reads with: the spaCy model (claims, network), a text encoder
    (texts -> unit vectors; None for words only) and the corpus entity resolver."""

    nlp: Any
    encode: Callable[[Sequence[str]], np.ndarray] | None
    resolver: Any


def analyse_story(story: Story, articles: Sequence[Article], annotations: Mapping[str, Annotations],
                  models: Models, *, passages: Iterable[SharedPassage] = (),
                  near: Iterable[DuplicateLink] = (), budget: Budget = Budget(),
                  fact_params: FactParams | None = None,
                  brief_params: SelectionParams | None = None) -> StoryAnalysis:
    """The full analysis of one story (see the module docstring)."""
    names = {e.id: e.name for e in models.resolver.corpus_entities()}
    models = dataclasses.replace(models, encode=memo_encoder(models.encode), nlp=ParseMemo(models.nlp))
    facts = find_facts(articles, annotations, resolve=models.resolver.resolve, names=names,
                       passages=passages, near=near, encode=models.encode, nlp=models.nlp,
                       params=fact_params)
    quote_groups = group_quotes(articles, annotations, models.resolver, encode=models.encode)
    dated, undated = build_timeline(articles, annotations, encode=models.encode)
    network = build_network(articles, annotations, models.resolver, models.nlp)
    brief = write_brief(articles, annotations, facts, models.encode, budget, brief_params)
    return StoryAnalysis(story=story, brief=tuple(brief), facts=tuple(facts),
                         quote_groups=tuple(quote_groups), timeline=tuple(dated),
                         undated=tuple(undated), network=tuple(network))


class ParseMemo:
    """The spaCy pipeline with a per-story memory of parsed sentences: claims and the
    network parse the same sentences (the network without NER; a full parse serves both)."""

    def __init__(self, nlp: Any) -> None:
        self.nlp = nlp
        self.docs: dict[str, Any] = {}

    def pipe(self, texts: Iterable[str], batch_size: int = 64, **_: Any) -> Any:
        texts = list(texts)
        new = [t for t in dict.fromkeys(texts) if t not in self.docs]
        self.docs.update(zip(new, self.nlp.pipe(new, batch_size=batch_size), strict=True))
        return (self.docs[t] for t in texts)

    def __call__(self, text: str) -> Any:
        return next(iter(self.pipe([text])))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.nlp, name)


def memo_encoder(encode: Callable[[Sequence[str]], np.ndarray] | None
                 ) -> Callable[[Sequence[str]], np.ndarray] | None:
    """``encode`` with a per-story memory: facts, quotes and the brief embed the same
    sentences, and MiniLM is the costly part of analysis."""
    if encode is None:
        return None
    memory: dict[str, np.ndarray] = {}

    def cached(texts: Sequence[str]) -> np.ndarray:
        new = list(dict.fromkeys(t for t in texts if t not in memory))
        if new:
            memory.update(zip(new, encode(new), strict=True))
        if not texts:
            return encode([])
        return np.vstack([memory[t] for t in texts])
    return cached


def write_brief(articles: Sequence[Article], annotations: Mapping[str, Annotations], facts: Sequence[Fact],
                encode: Callable[[Sequence[str]], np.ndarray] | None, budget: Budget,
                params: SelectionParams | None = None) -> list[Any]:
    """The cited brief: every sentence of the story is a candidate, carrying what the
    facts say of it (independent outlets, contested, and then who asserts it)."""
    candidates = brief_candidates(articles, annotations, facts)
    if not candidates:
        return []
    embeddings = encode([c.text for c in candidates]) if encode else None
    chosen = select_sentences(candidates, embeddings, budget_words=budget.words,
                              budget_bytes=budget.bytes, params=params or SelectionParams())
    return [_cite_fact(sentence, facts, articles) for sentence in chosen]


def _cite_fact(sentence: BriefSentence, facts: Sequence[Fact], articles: Sequence[Article]) -> BriefSentence:
    """Add a citation for every other outlet's rendering of the sentence's fact (the
    brief's own test for "the same statement" is stricter and misses translations)."""
    first = sentence.citations[0]
    fact = next((f for f in facts for s in f.support
                 if s.article_id == first.article_id and s.start == first.start), None)
    if fact is None:
        return sentence
    cited = {c.article_id for c in sentence.citations}
    extra = [Citation(article_id=s.article_id, source_id=s.source_id, outlet=s.outlet, start=s.start, end=s.end)
             for s in fact.support if s.article_id not in cited and s.stance == "asserts"]
    return dataclasses.replace(sentence, citations=sentence.citations + tuple(extra))


def brief_candidates(articles: Sequence[Article], annotations: Mapping[str, Annotations],
                     facts: Sequence[Fact]) -> list[CandidateSentence]:
    """One candidate per sentence (in article order), with its fact's corroboration."""
    fact_of: dict[tuple[str, int], tuple[Fact, Any]] = {}
    for fact in facts:
        for support in fact.support:
            fact_of[(support.article_id, support.start)] = (fact, support)
    out = []
    for article in articles:
        ann = annotations.get(article.id)
        if ann is None:
            continue
        for position, sentence in enumerate(whole_quotations(article, ann.sentences)):
            if not content_terms(sentence.text):
                continue
            fact, support = fact_of.get((article.id, sentence.start), (None, None))
            contested = fact is not None and fact.status == "contested"
            speaker = support.speaker if support is not None else None
            if contested and speaker is None:
                speaker = article.outlet or f"the outlet of article {article.id}"
            out.append(CandidateSentence(
                article_id=article.id, start=sentence.start, end=sentence.end, text=sentence.text,
                outlet=article.outlet, published=article.published, position=position,
                source_id=article.source_id,
                support=len(fact.support) if fact else None,
                independent_outlets=fact.independent_outlets if fact else None,
                contested=contested, speaker=speaker))
    return out


def whole_quotations(article: Article, sentences: Sequence[Sentence], longest: int = 4) -> list[Sentence]:
    """The sentences, with a quotation that runs over several of them kept whole.

    A brief sentence must stand on its own: ``"That's not a negotiation.`` is a piece of
    ``"That's not a negotiation. That's a surrender," Carpenter said.`` and says neither
    that it is a quote nor whose. A sentence that leaves a quotation open is joined to the
    next ones of its paragraph until the quotation closes (at most ``longest`` sentences;
    a paragraph that never closes its quote is left as it is). The joined span is still
    one exact, contiguous stretch of the article.
    """
    out: list[Sentence] = []
    i = 0
    while i < len(sentences):
        j = i
        while (j + 1 < len(sentences) and j - i + 1 < longest
               and sentences[j + 1].paragraph == sentences[i].paragraph
               and _quote_open(article.text[sentences[i].start:sentences[j].end])):
            j += 1
        first, last = sentences[i], sentences[j]
        if j > i and not _quote_open(article.text[first.start:last.end]):
            out.append(dataclasses.replace(first, end=last.end, text=article.text[first.start:last.end]))
            i = j + 1
        else:
            out.append(first)
            i += 1
    return out


def _quote_open(text: str) -> bool:
    """Whether ``text`` opens a double quotation it does not close."""
    return text.count('"') % 2 == 1 or text.count("\u201c") > text.count("\u201d")


__all__ = ["Budget", "DEFAULT_BRIEF_WORDS", "Models", "ParseMemo", "analyse_story", "brief_candidates", "memo_encoder",
           "whole_quotations", "write_brief"]
