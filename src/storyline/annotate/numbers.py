"""Numbers with what they count and how exact the text says they are.

spaCy tags CARDINAL, PERCENT, MONEY and QUANTITY spans; on top of it: the value is read
from digits or number words (with "million"/"billion"), the qualifier from the hedge in
front of it ("roughly 100", "nearly 20 percent", "more than"), and what it counts from the
parse (the noun the number modifies: "50 countries"; for a percentage the "of" phrase:
"20 percent of Ukraine's territory"). Durations tagged DATE ("24 years") are numbers
too: they count years. Vague amounts ("hundreds of containers") keep value None.
"""

from __future__ import annotations

import logging
import re

from spacy.tokens import Doc, Span, Token

from storyline.annotate.sentences import doc_text
from storyline.records import NumberMention

LOGGER = logging.getLogger(__name__)

NUMERIC_LABELS = frozenset({"CARDINAL", "PERCENT", "MONEY", "QUANTITY"})
QUALIFIERS = ("more than", "less than", "fewer than", "at least", "at most", "up to", "as many as",
              "close to", "roughly", "nearly", "about", "approximately", "around", "almost",
              "some", "over", "under", "just over", "just under", "an estimated", "estimated")
WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
         "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
         "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
         "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
         "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "a dozen": 12, "dozen": 12}
SCALES = {"thousand": 1e3, "million": 1e6, "mln": 1e6, "billion": 1e9, "bn": 1e9,
          "trillion": 1e12}
VAGUE = frozenset({"hundreds", "thousands", "millions", "billions", "dozens", "tens", "scores"})
CURRENCIES = {"us$": "USD", "$": "USD", "\u20ac": "EUR", "\u00a3": "GBP", "\u00a5": "JPY",
              "dollars": "USD", "euros": "EUR", "pounds": "GBP", "rubles": "RUB", "roubles": "RUB",
              "won": "KRW", "yuan": "CNY", "hryvnias": "UAH"}
_DURATION = re.compile(r"^(?:\w+ )?(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
                       r"[ -](days?|weeks?|months?|years?|decades?)$", re.I)


def parse_value(text: str) -> float | None:
    """100 from "roughly 100", 1.2e9 from "$1.2 billion", 7 from "seven"; None if vague."""
    low = _strip_qualifier(text.lower()).replace(",", "")
    low = re.sub(r"(us\$|[$\u20ac\u00a3\u00a5])", " ", low)
    m = re.search(r"\d+(?:\.\d+)?", low)
    if m:
        value = float(m[0])
    else:
        word = next((w for w in sorted(WORDS, key=len, reverse=True) if re.search(rf"\b{w}\b", low)), None)
        if word is None:
            return None
        value = float(WORDS[word])
    scale = next((s for w, s in SCALES.items() if re.search(rf"\b{w}\b", low)), 1.0)
    return value * scale


def _strip_qualifier(text: str) -> str:
    for q in QUALIFIERS:
        if text.startswith(q + " "):
            return text[len(q) + 1:]
    return text


def _qualifier(doc: Doc, span: Span) -> tuple[str | None, int]:
    """The hedge inside the span or right before it, and where the span should start."""
    low = span.text.lower()
    for q in QUALIFIERS:
        if low.startswith(q + " "):
            return q, span.start_char
    before = doc_text(doc)[max(0, span.start_char - 16):span.start_char].lower()
    for q in QUALIFIERS:
        if before.endswith(q + " "):
            return q, span.start_char - len(q) - 1
    return None, span.start_char


def _counted(span: Span) -> Token | None:
    """The noun a number counts: its head when it modifies a noun ("50 countries"), the
    "of" object for percentages and vague amounts ("hundreds of containers")."""
    root = span.root
    outside = root.head.i < span.start or root.head.i >= span.end
    if outside and root.dep_ in ("nummod", "quantmod", "amod", "compound", "nmod") \
            and root.head.pos_ in ("NOUN", "PROPN"):
        return root.head
    of = next((c for c in root.children if c.lower_ == "of" and c.i >= span.end), None)
    if of is not None:
        return next((c for c in of.children if c.dep_ == "pobj"), None)
    return None


def _unit(span: Span) -> str | None:
    low = span.text.lower()
    if span.label_ == "PERCENT" or "percent" in low or "%" in low:
        return "percent"
    for mark, code in CURRENCIES.items():
        if mark in low:
            return code
    if span.label_ == "QUANTITY":
        return span.root.text.lower()
    return None


def _candidates(doc: Doc) -> list[Span]:
    spans = [e for e in doc.ents if e.label_ in NUMERIC_LABELS]
    for e in doc.ents:
        if e.label_ == "DATE" and _DURATION.match(e.text.strip()):
            spans.append(e)
    return sorted(spans, key=lambda s: s.start)


def extract_numbers(doc: Doc, article_id: str) -> tuple[NumberMention, ...]:
    """Numbers of one parsed article with value, qualifier, unit and what they count.

    Args:
        doc: the parsed article text.
        article_id: ``Article.id``.

    Returns:
        NumberMentions in text order.
    """
    out = []
    for span in _candidates(doc):
        qualifier, start = _qualifier(doc, span)
        end = span.end_char
        vague = any(t.lower_ in VAGUE for t in span)
        value = None if vague else parse_value(span.text)
        if value is None and not vague:
            continue
        if span.label_ == "DATE":
            m = _DURATION.match(span.text.strip())
            counted_text = m[2].lower() if m else None
            c_start = span.start_char + span.text.lower().rfind(counted_text) if counted_text else None
            out.append(NumberMention(article_id, start, end, doc_text(doc)[start:end], value, qualifier,
                                     None, counted_text, c_start,
                                     c_start + len(counted_text) if c_start is not None else None))
            continue
        counted = _counted(span)
        out.append(NumberMention(
            article_id, start, end, doc_text(doc)[start:end], value, qualifier or ("vague" if vague else None),
            _unit(span), counted.text if counted is not None else None,
            counted.idx if counted is not None else None,
            counted.idx + len(counted.text) if counted is not None else None))
    return tuple(out)
