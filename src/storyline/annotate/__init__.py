"""The language layer: Article -> Annotations, every item a span of ``Article.text``.

    nlp = load_model()                       # once per process (verified against the pin)
    rules = load_rules()                     # alias and cue tables, once per process
    ann = annotate(article, nlp, rules)      # pure: same article, same annotations
    resolver = EntityResolver().fit(all_annotations)   # corpus-wide identities

Steps (one module each): sentences, entities (+ roles), quotes, dates, numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from spacy.tokens import Doc

from storyline.annotate.dates import extract_timerefs
from storyline.annotate.entities import AliasTable, EntityResolver, extract_entities, load_aliases
from storyline.annotate.model import MODEL_PIN, WHEEL_SHA256, load_model, model_label
from storyline.annotate.numbers import extract_numbers
from storyline.annotate.quotes import QuoteRules, extract_quotes, load_quote_rules
from storyline.annotate.sentences import sentence_spans
from storyline.records import Annotations, Article

LOGGER = logging.getLogger(__name__)

__all__ = ["AnnotateRules", "EntityResolver", "MODEL_PIN", "WHEEL_SHA256", "annotate",
           "annotate_many", "annotation_rows", "load_model", "load_rules"]


@dataclass(frozen=True)
class AnnotateRules:
    """The data tables the rules read (``storyline/rules/*.toml``)."""

    aliases: AliasTable
    quotes: QuoteRules


def load_rules() -> AnnotateRules:
    """Read the shipped alias and cue tables (ConfigError if they are broken)."""
    return AnnotateRules(load_aliases(), load_quote_rules())


def annotate(article: Article, nlp: Any, rules: AnnotateRules | None = None) -> Annotations:
    """Sentences, entities, roles, quotes, dates and numbers of one article.

    A pure function of the article (and the pinned model and rules): annotating the
    same article twice gives equal records.

    Args:
        article: a cleaned article; ``published`` anchors relative dates.
        nlp: the pipeline from ``load_model()``.
        rules: from ``load_rules()``; read from disk when None (pass it in loops).

    Returns:
        Annotations whose items all point into ``article.text``.

    Example:
        >>> ann = annotate(article, load_model())
        >>> [(q.speaker, q.kind) for q in ann.quotes][:1]
        [('Michael Carpenter', 'direct')]
    """
    return annotate_doc(article, nlp(article.text), model_label(nlp), rules or load_rules())


def annotate_many(articles: Iterable[Article], nlp: Any, rules: AnnotateRules | None = None,
                  batch_size: int = 32) -> Iterator[Annotations]:
    """``annotate`` over many articles with spaCy's batching (same results, faster)."""
    rules = rules or load_rules()
    label = model_label(nlp)
    pairs = ((a.text, a) for a in articles)
    for doc, article in nlp.pipe(pairs, as_tuples=True, batch_size=batch_size):
        yield annotate_doc(article, doc, label, rules)


def annotate_doc(article: Article, doc: Doc, model: str, rules: AnnotateRules) -> Annotations:
    """Run the rule steps on an already parsed article."""
    aid = article.id
    mentions, entities, roles = extract_entities(doc, aid, rules.aliases)
    quotes, problems = extract_quotes(doc, aid, mentions, entities, roles, rules.quotes)
    return Annotations(
        article_id=aid, model=model, sentences=sentence_spans(doc, aid), mentions=mentions,
        entities=entities, roles=roles, quotes=quotes,
        timerefs=extract_timerefs(doc, aid, article.published),
        numbers=extract_numbers(doc, aid), problems=problems)


_ROW_FIELDS = {
    "entities": ("mentions", ("label", "kind", "entity_id", "sense")),
    "quotes": ("quotes", ("speaker", "speaker_entity", "cue", "kind", "method", "statement")),
    "dates": ("timerefs", ("value", "granularity", "resolved_from", "anchor", "qualifier", "note")),
    "numbers": ("numbers", ("value", "qualifier", "unit", "counts")),
}


def annotation_rows(article: Article, annotations: Annotations, what: str) -> list[dict[str, Any]]:
    """JSON rows for ``storyline entities|quotes|dates|numbers --json``: article_id,
    source_id, start, end, text, then the fields of that kind."""
    attribute, fields = _ROW_FIELDS[what]
    rows = []
    for item in getattr(annotations, attribute):
        row = {"article_id": article.id, "source_id": article.source_id, "start": item.start,
               "end": item.end, "text": item.text}
        row.update({f: getattr(item, f) for f in fields})
        rows.append(row)
    return rows
