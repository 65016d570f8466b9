"""Sentences as spans of the article text; paragraph breaks are hard boundaries.

spaCy's parser sometimes runs a sentence across a paragraph break (a headline-like
paragraph without a final full stop, a list item). A paragraph break in cleaned news
text always ends a sentence, so a small component marks the token after a newline as a
sentence start before the parser runs; the parser keeps preset boundaries.
"""

from __future__ import annotations

import logging
import bisect
import re

from spacy.language import Language
from spacy.tokens import Doc

from storyline.records import Sentence
from storyline.spans import trim_span

LOGGER = logging.getLogger(__name__)

PARAGRAPH_COMPONENT = "storyline_paragraphs"


def doc_text(doc: Doc) -> str:
    """``doc.text``, computed once per doc: spaCy rebuilds the string from every token on
    each access, which made the rule steps quadratic in article length."""
    text = doc.user_data.get("storyline_text")
    if text is None:
        text = doc.user_data["storyline_text"] = doc.text
    return text


@Language.component(PARAGRAPH_COMPONENT)
def mark_paragraph_starts(doc: Doc) -> Doc:
    """Start a sentence at the first token after any whitespace token holding a newline."""
    for token in doc[:-1]:
        if token.is_space and "\n" in token.text:
            doc[token.i + 1].is_sent_start = True
    return doc


_PARAGRAPH_BREAK = re.compile(r"\n\s*")


def paragraph_starts(text: str) -> list[int]:
    """Offsets where paragraphs start: 0 and after every run of newlines."""
    return [0] + [m.end() for m in _PARAGRAPH_BREAK.finditer(text) if m.end() < len(text)]


def sentence_spans(doc: Doc, article_id: str) -> tuple[Sentence, ...]:
    """The doc's sentences, trimmed of surrounding whitespace, numbered, with paragraph index."""
    text = doc_text(doc)
    starts = paragraph_starts(text)
    out: list[Sentence] = []
    for sent in doc.sents:
        start, end = trim_span(text, sent.start_char, sent.end_char)
        if start < end:
            paragraph = bisect.bisect_right(starts, start) - 1
            out.append(Sentence(article_id, start, end, text[start:end], len(out), paragraph))
    return tuple(out)
