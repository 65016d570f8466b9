"""View models of the web pages and the API's JSON shapes (stories listed, articles).

Article text is hostile input. The highlighted article is built here, segment by
segment: every piece of text between two annotation boundaries is escaped with
``markupsafe`` and wrapped in a ``<span>`` whose class comes from a fixed vocabulary,
never from the data; only the finished ``Markup`` reaches the template.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from storyline.records import Annotations, Article, Story

LOGGER = logging.getLogger(__name__)

ENTITY_KINDS = ("person", "org", "place", "group", "event", "other")


def story_summary(story: Story) -> dict[str, Any]:
    """A story as the list shows it: no articles or events, just what tells it apart."""
    return {
        "id": story.id, "title": story.title, "description": story.description,
        "first_seen": story.first_seen, "last_seen": story.last_seen, "estimated": story.estimated,
        "outlets": list(story.outlets), "articles": len(story.articles), "events": len(story.events),
        "merged_ids": list(story.merged_ids),
    }


def _day(value: str | None) -> str | None:
    return value[:10] if value else None


def filter_stories(stories: Iterable[Story], *, words: str | None = None, article_ids: set[str] | None = None,
                   outlet: str | None = None, date_from: dt.date | None = None,
                   date_to: dt.date | None = None) -> list[Story]:
    """The stories that match every filter given, in the order given.

    ``words`` match when each word is in the story's title or description, or when one of
    its articles is in ``article_ids`` (the full-text hits for the same words); a story
    matches a date range when its span overlaps it (undated stories never do); ``outlet``
    is compared without case.
    """
    terms = words.casefold().split() if words else []
    wanted_outlet = outlet.casefold() if outlet else None
    out = []
    for story in stories:
        if terms and not _matches_words(story, terms, article_ids or set()):
            continue
        if wanted_outlet and wanted_outlet not in {o.casefold() for o in story.outlets}:
            continue
        if date_from and (_day(story.last_seen) or "") < date_from.isoformat():
            continue
        if date_to and (_day(story.first_seen) or "9999") > date_to.isoformat():
            continue
        out.append(story)
    return out


def _matches_words(story: Story, terms: list[str], article_ids: set[str]) -> bool:
    if any(a.id in article_ids for a in story.articles):
        return True
    haystack = f"{story.title}\n{story.description}".casefold()
    return all(t in haystack for t in terms)


# --------------------------------------------------------------------------- articles


def article_json(article: Article, sources: list[dict[str, Any]], annotations: Annotations | None
                 ) -> dict[str, Any]:
    """An article for ``GET /api/articles/{id}``: the keys of ``storyline articles
    --json`` plus paragraph offsets, the removal rules and the annotations (spans)."""
    return {
        "id": article.id, "source_id": article.source_id, "source": article.source,
        "outlet": article.outlet, "title": article.title, "author": article.author,
        "published": article.published, "language": article.language, "url": article.url,
        "format": article.format, "text": article.text,
        "paragraphs": [[p.start, p.end] for p in article.paragraphs],
        "removed": [r.to_dict() for r in article.removed],
        "metadata_origins": [o.to_dict() for o in article.origins],
        "sources": sources,
        "annotations": None if annotations is None else annotations.to_dict(),
    }


@dataclass(frozen=True, slots=True)
class Mark:
    """One highlighted span: ``css`` from a fixed vocabulary, ``label`` shown on hover."""

    start: int
    end: int
    css: str
    label: str


def article_marks(annotations: Annotations | None, names: dict[str, str] | None = None) -> list[Mark]:
    """Entity mentions, quotes and dates of an article as highlight marks."""
    if annotations is None:
        return []
    names = names or {e.id: e.name for e in annotations.entities}
    marks = []
    for m in annotations.mentions:
        kind = m.kind if m.kind in ENTITY_KINDS else "other"
        name = names.get(m.entity_id or "", m.text)
        marks.append(Mark(m.start, m.end, f"ent ent-{kind}", f"{kind}: {name}"))
    for q in annotations.quotes:
        marks.append(Mark(q.start, q.end, "qt", f"{q.kind} quote — {q.speaker or 'speaker unknown'}"))
    for t in annotations.timerefs:
        marks.append(Mark(t.start, t.end, "date", f"date: {t.value or 'not resolved'} ({t.resolved_from})"))
    return marks


def highlight(text: str, marks: Sequence[Mark], start: int = 0, end: int | None = None) -> Markup:
    """``text[start:end]`` as HTML with every mark wrapped in spans, each text segment
    escaped. Overlapping marks split the text into segments that carry all their
    classes; the first segment of a mark with css "cited" gets ``id="cited"``."""
    end = len(text) if end is None else end
    inside = sorted((m for m in marks if start <= m.start < m.end <= end), key=lambda m: m.start)
    points = sorted({start, end, *(m.start for m in inside), *(m.end for m in inside)})
    out: list[Markup] = []
    active: list[Mark] = []
    waiting = 0
    cited_open = False
    for a, b in zip(points, points[1:]):
        active = [m for m in active if m.end > a]
        while waiting < len(inside) and inside[waiting].start <= a:
            active.append(inside[waiting])
            waiting += 1
        segment = escape(text[a:b])
        if not active:
            out.append(segment)
            continue
        classes = " ".join(sorted({c for m in active for c in m.css.split()}))
        title = " · ".join(dict.fromkeys(m.label for m in active if m.label))
        anchor = not cited_open and any(m.css == "cited" for m in active)
        cited_open = cited_open or anchor
        template = '<span id="cited" class="{}" title="{}">{}</span>' if anchor else '<span class="{}" title="{}">{}</span>'
        out.append(Markup(template).format(classes, title, segment))
    return Markup("").join(out)


def article_paragraphs(article: Article, marks: Sequence[Mark]) -> list[Markup]:
    """The article's paragraphs, highlighted (marks that cross a paragraph break are
    cut at it, which the language layer's sentence rules make rare)."""
    spans = [(p.start, p.end) for p in article.paragraphs] or [(0, len(article.text))]
    paragraphs = []
    for start, end in spans:
        clipped = [Mark(max(m.start, start), min(m.end, end), m.css, m.label) for m in marks
                   if m.start < end and m.end > start]
        paragraphs.append(highlight(article.text, clipped, start, end))
    return paragraphs


def cited_mark(article: Article, start: int | None, end: int | None) -> Mark | None:
    """The span a citation link points at (``?start=&end=``), if it lies in the text."""
    if start is None or end is None or not 0 <= start < end <= len(article.text):
        return None
    return Mark(start, end, "cited", "cited passage")


_SNIPPET_MARK = re.compile(r"\[([^\[\]]{1,80})\]")


def snippet_html(snippet: str, query: str) -> Markup:
    """A search snippet with the matched words marked. FTS5 wraps them in brackets;
    only bracketed words that are query terms are marked, so brackets of the article
    text itself stay text. Everything is escaped."""
    terms = [t.casefold() for t in re.findall(r"\w+\*?", query)]

    def matches(word: str) -> bool:
        word = word.casefold()
        return any(word.startswith(t[:-1]) if t.endswith("*") else word == t for t in terms)

    out: list[Markup] = []
    last = 0
    for found in _SNIPPET_MARK.finditer(snippet):
        if matches(found.group(1)):
            out.append(escape(snippet[last:found.start()]))
            out.append(Markup("<mark>{}</mark>").format(found.group(1)))
            last = found.end()
    out.append(escape(snippet[last:]))
    return Markup("").join(out)


def safe_link(url: str | None) -> str | None:
    """``url`` when it is an http(s) URL a page may link to; None for anything else
    (``javascript:``, ``data:``...): those are shown as text."""
    if url and url.strip().lower().startswith(("http://", "https://")):
        return url.strip()
    return None


__all__ = ["ENTITY_KINDS", "Mark", "article_json", "article_marks", "article_paragraphs", "cited_mark",
           "filter_stories", "highlight", "safe_link", "snippet_html", "story_summary"]
