"""The story's timeline: dated statements in calendar order, each with its citations.

Dates come only from the language layer's resolved time expressions (``TimeRef.value``);
nothing is dated here that the annotations did not date. Per sentence:

* every resolved expression that is not a length of time ("24 years", ``P24Y``) dates
  the sentence; days a few days apart in one sentence ("will arrive ... on June 18, the
  main part of the visit is scheduled for June 19") make one interval;
* expressions with no value ("Wednesday" in an article with no publication date) make
  the sentence an *undated* entry, with the reason in ``note``.

Across articles, entries that state the same thing on the same date become one entry
citing each article: the same (or a containing, at most a week long) date, sentences
close in meaning (MiniLM cosine ``SAME_EVENT_MIN``) and naming a common entity.
Undated entries are listed one per sentence and never merged. A
day written without a year ("On 18-19 June, Putin visited North Korea" in an undated
article) is never given a year by guessing; it joins a dated entry only when that entry
states the same event on the same day and month, and the entry's note says so.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from storyline.annotate.dates import MONTHS
from storyline.records import Annotations, Article, Citation, Sentence, TimelineEntry, TimeRef

LOGGER = logging.getLogger(__name__)

# Sentences of one story on the same date that state the same thing. MiniLM cosine alone
# separates events poorly: on ECB+ topics 1-35 (sentences of one seminal event in
# different documents) cosine >= 0.5 keeps 57% of the pairs whose actions are coreferent
# and lets through 25% of those whose actions are not, and on the sample the renderings
# of the June 18-19 visit score 0.55-0.64 while two different Wednesdays' events of
# Putin score 0.62. So the date carries the decision: only sentences on the same date
# (or naming the same day and month) are compared at all, they must name a common entity,
# and an item is compared with the entry's first sentence only (no chaining).
SAME_EVENT_MIN = 0.5
# Days named in one sentence at most this far apart are one interval ("June 18 ... June 19").
SENTENCE_INTERVAL_DAYS = 3
# Only dates at most this long merge by containment (a day inside a two-day visit);
# longer ones (a month, "since November") merge only when equal.
CONTAINMENT_MAX_DAYS = 7

_DAY_MONTH = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?(?:\s*[-\u2013\u2014]\s*(\d{1,2})(?:st|nd|rd|th)?)?"
                        r"\s+([A-Za-z]+)\.?")
_MONTH_DAY = re.compile(r"\b([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:\s*[-\u2013\u2014]\s*(\d{1,2}))?\b")


@dataclass(slots=True)
class _Item:
    """One sentence with one date (or with its unresolved time words), being merged."""

    article: Article
    order: int
    sentence: Sentence
    refs: list[TimeRef]
    entities: frozenset[str]
    start: dt.date | None = None
    end: dt.date | None = None
    value: str | None = None
    granularity: str = "unknown"
    members: list[_Item] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def build_timeline(articles: Sequence[Article], annotations: Mapping[str, Annotations], *,
                   encode: Callable[[Sequence[str]], np.ndarray] | None = None,
                   ) -> tuple[list[TimelineEntry], list[TimelineEntry]]:
    """The dated events of a story in calendar order, and the undatable ones apart.

    Args:
        articles: one story's articles.
        annotations: their annotations by article id (articles without are skipped).
        encode: texts -> unit-length vectors; None uses the packaged MiniLM (the
            threshold is calibrated for it).

    Returns:
        ``(dated, undated)``. Dated entries are ordered by the start of their date (a month
        or year sorts at its first day but keeps its granularity); undated ones by article
        and position. Every entry's ``text`` is the sentence of its first citation.

    Example:
        >>> dated, undated = build_timeline(articles, annotations)
        >>> dated[-1].date, len(dated[-1].citations)
        ('2024-06-18/2024-06-19', 3)
    """
    dated, undated = _items(articles, annotations)
    if not dated and not undated:
        return [], []
    vectors = _sentence_vectors(_comparable(dated, undated), encode)
    clusters = _merge(dated, vectors)
    # Undated sentences are never merged with each other: "Wednesday" in two articles
    # may be two different Wednesdays.
    rest = [u for u in undated if not _join_yearless(u, clusters, vectors)]
    dated_entries = [_entry(c) for c in sorted(clusters, key=_date_order)]
    undated_entries = [_entry(c) for c in sorted(rest, key=lambda c: (c.order, c.sentence.start))]
    return dated_entries, undated_entries


# ----------------------------------------------------------------------------- items


def _items(articles: Sequence[Article], annotations: Mapping[str, Annotations],
           ) -> tuple[list[_Item], list[_Item]]:
    dated: list[_Item] = []
    undated: list[_Item] = []
    for order, article in enumerate(articles):
        ann = annotations.get(article.id)
        if ann is None:
            continue
        for sentence in ann.sentences:
            refs = [r for r in ann.timerefs
                    if sentence.start <= r.start < sentence.end and not _is_duration(r)]
            if not refs:
                continue
            entities = frozenset(m.entity_id for m in ann.mentions
                                 if m.entity_id and sentence.start <= m.start < sentence.end)
            dated.extend(_dated_items(article, order, sentence, [r for r in refs if r.value], entities))
            unresolved = [r for r in refs if not r.value]
            if unresolved:
                notes = list(dict.fromkeys(r.note for r in unresolved if r.note))
                undated.append(_Item(article, order, sentence, unresolved, entities, notes=notes))
    return dated, undated


def _is_duration(ref: TimeRef) -> bool:
    return ref.granularity == "duration" or (ref.value or "").startswith("P")


def _dated_items(article: Article, order: int, sentence: Sentence, refs: list[TimeRef],
                 entities: frozenset[str]) -> list[_Item]:
    """One item per date of the sentence; days a few days apart are one interval."""
    spans = [(span, ref) for ref in refs if (span := bounds(ref.value or "")) is not None]
    items: list[_Item] = []
    for (start, end), ref in sorted(spans, key=lambda pair: pair[0]):
        last = items[-1] if items else None
        if last is not None and last.start is not None and last.end is not None \
                and last.granularity in ("day", "interval") and ref.granularity == "day" \
                and 0 <= (start - last.end).days <= SENTENCE_INTERVAL_DAYS:
            last.refs.append(ref)
            last.end = end
            last.value, last.granularity = f"{last.start.isoformat()}/{end.isoformat()}", "interval"
            continue
        items.append(_Item(article, order, sentence, [ref], entities, start, end, ref.value,
                           ref.granularity, notes=[ref.note] if ref.note else []))
    return items


def bounds(value: str) -> tuple[dt.date, dt.date] | None:
    """First and last day of an ISO 8601 date, month, year or interval ("a/b")."""
    if "/" in value:
        a, b = (bounds(part) for part in value.split("/", 1))
        return (a[0], b[1]) if a and b else None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            day = dt.date.fromisoformat(value)
            return day, day
        if re.fullmatch(r"\d{4}-\d{2}", value):
            first = dt.date.fromisoformat(value + "-01")
            following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
            return first, following - dt.timedelta(days=1)
        if re.fullmatch(r"\d{4}", value):
            return dt.date(int(value), 1, 1), dt.date(int(value), 12, 31)
    except ValueError:
        return None
    return None


# ----------------------------------------------------------------------------- merging


def _comparable(dated: Sequence[_Item], undated: Sequence[_Item]) -> list[_Item]:
    """Items that share a day (or an exact long date, or a year-less day and month) and
    an entity with an item of another article: the only ones whose meaning is ever
    compared, so the only ones embedded."""
    seen: dict[tuple[object, str], list[_Item]] = defaultdict(list)
    for item in dated:
        for key in _keys(item, _date_keys(item)):
            seen[key].append(item)
    out: dict[int, _Item] = {}
    for item, keys in [*((i, _keys(i, _date_keys(i))) for i in dated),
                       *((i, _keys(i, [md for r in i.refs for md in yearless_days(r.text)])) for i in undated)]:
        partners = [p for k in keys for p in seen.get(k, ()) if p.article.id != item.article.id]
        if partners:
            out.update({id(x): x for x in (item, *partners)})
    return list(out.values())


def _keys(item: _Item, dates: Sequence[object]) -> list[tuple[object, str]]:
    return [(d, e) for d in dates for e in item.entities]


def _date_keys(item: _Item) -> list[tuple[int, int] | dt.date | tuple[dt.date, dt.date]]:
    """Every day of a short date (and its month and day, for year-less matches); a long
    date is its own key."""
    assert item.start is not None and item.end is not None
    length = (item.end - item.start).days
    if length >= CONTAINMENT_MAX_DAYS:
        return [(item.start, item.end)]
    days = [item.start + dt.timedelta(days=n) for n in range(length + 1)]
    return [*days, *((d.month, d.day) for d in days)]


def _sentence_vectors(items: Sequence[_Item], encode: Callable[[Sequence[str]], np.ndarray] | None
                      ) -> dict[str, np.ndarray]:
    texts = list(dict.fromkeys(i.sentence.text for i in items))
    if not texts:
        return {}
    if encode is None:
        from storyline.embed import embed_texts  # heavy import (torch), only when needed

        encode = embed_texts
    return dict(zip(texts, encode(texts)))


def _similarity(a: _Item, b: _Item, vectors: Mapping[str, np.ndarray]) -> float:
    """Cosine of the two sentences if they may state the same thing (other articles, a
    common entity, close meaning), else -1."""
    va, vb = vectors.get(a.sentence.text), vectors.get(b.sentence.text)
    if a.article.id == b.article.id or va is None or vb is None or not a.entities & b.entities:
        return -1.0
    similarity = float(va @ vb)
    return similarity if similarity >= SAME_EVENT_MIN else -1.0


def _same_date(a: _Item, b: _Item) -> bool:
    """Equal dates, or short ones (a day in a two-day visit) one inside the other."""
    if a.start is None or b.start is None or a.end is None or b.end is None:
        return False
    if (a.start, a.end) == (b.start, b.end):
        return True
    short = (a.end - a.start).days < CONTAINMENT_MAX_DAYS and (b.end - b.start).days < CONTAINMENT_MAX_DAYS
    return short and (_contains(a, b) or _contains(b, a))


def _merge(items: list[_Item], vectors: Mapping[str, np.ndarray]) -> list[_Item]:
    """Greedy clustering in article order: an item joins the entry on an agreeing date
    whose first sentence (from another article) states the same thing most closely."""
    clusters: list[_Item] = []
    for item in items:
        scored = [(_similarity(c, item, vectors), i) for i, c in enumerate(clusters) if _same_date(c, item)]
        best = max(scored, default=(-1.0, -1))
        if best[0] >= 0:
            clusters[best[1]] = _absorb(clusters[best[1]], item)
        else:
            clusters.append(item)
    return clusters


def _absorb(cluster: _Item, item: _Item) -> _Item:
    """The cluster with ``item`` added. An item whose date contains the cluster's (the
    whole two-day visit, where the cluster said one day) becomes the entry's first
    sentence, so that the entry's date and time words are those of its text."""
    if (item.start, item.end) != (cluster.start, cluster.end) and _contains(item, cluster):
        item.members.extend([cluster, *cluster.members])
        item.notes.extend(cluster.notes)
        cluster.members = []
        return item
    cluster.members.append(item)
    return cluster


def _contains(outer: _Item, inner: _Item) -> bool:
    return None not in (outer.start, outer.end, inner.start, inner.end) \
        and outer.start <= inner.start and inner.end <= outer.end  # type: ignore[operator]


def _join_yearless(item: _Item, clusters: list[_Item], vectors: Mapping[str, np.ndarray]) -> bool:
    """Attach an undated sentence whose time words give a day and month but no year to the
    dated entry within those days whose first sentence states the same event; True if
    it was attached."""
    for ref in item.refs:
        days = yearless_days(ref.text)
        if not days:
            continue
        scored = [(_similarity(c, item, vectors), i) for i, c in enumerate(clusters)
                  if _within_one_week(c) and all(_in(c, month, day) for month, day in days)]
        best = max(scored, default=(-1.0, -1))
        if best[0] >= 0:
            cluster = clusters[best[1]]
            cluster.members.append(item)
            cluster.notes.append(f"{ref.text!r} in article {item.article.id} gives no year; it "
                                 "states the same event on the same day and month")
            return True
    return False


def _within_one_week(c: _Item) -> bool:
    return c.start is not None and c.end is not None and c.start.year == c.end.year \
        and (c.end - c.start).days < CONTAINMENT_MAX_DAYS


def _in(cluster: _Item, month: int, day: int) -> bool:
    try:
        date = dt.date(cluster.start.year, month, day)  # type: ignore[union-attr]
    except ValueError:
        return False
    return cluster.start <= date <= cluster.end  # type: ignore[operator]


def yearless_days(text: str) -> list[tuple[int, int]]:
    """(month, day) pairs of a day written without a year: "18-19 June" -> [(6, 18),
    (6, 19)], "June 18" -> [(6, 18)]; [] for anything else (a weekday, a month alone)."""
    if re.search(r"\b(?:1[89]|20)\d\d\b", text):
        return []
    for pattern, month_group, day_groups in ((_DAY_MONTH, 3, (1, 2)), (_MONTH_DAY, 1, (2, 3))):
        match = pattern.search(text)
        if match and match.group(month_group).lower() in MONTHS:
            month = MONTHS[match.group(month_group).lower()]
            days = [int(match.group(g)) for g in day_groups if match.group(g)]
            if all(1 <= d <= 31 for d in days):
                return [(month, d) for d in range(days[0], days[-1] + 1)]
    return []


# ----------------------------------------------------------------------------- entries


def _date_order(item: _Item) -> tuple[dt.date, dt.date, int, int]:
    return item.start or dt.date.max, item.end or dt.date.max, item.order, item.sentence.start


def _entry(cluster: _Item) -> TimelineEntry:
    members = [cluster, *sorted(cluster.members, key=lambda m: (m.order, m.sentence.start))]
    citations: list[Citation] = []
    for m in members:
        citation = Citation(m.article.id, m.article.source_id, m.article.outlet,
                            m.sentence.start, m.sentence.end)
        if citation not in citations:
            citations.append(citation)
    when = ", ".join(dict.fromkeys(r.text for r in cluster.refs))
    text = cluster.article.text[cluster.sentence.start:cluster.sentence.end]
    note = "; ".join(dict.fromkeys(n for n in cluster.notes if n))
    return TimelineEntry(date=cluster.value, granularity=cluster.granularity, when=when, text=text,
                         citations=tuple(citations), note=note)
