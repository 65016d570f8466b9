"""The report as one self-contained HTML file.

Everything is in the file (styles inline, charts as SVG drawn here), nothing is fetched,
and no script runs: citations open on hover or keyboard focus through CSS alone, and
the Content-Security-Policy forbids scripts outright, so even text that slipped past
escaping could not execute. Jinja2 autoescaping escapes every value.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from storyline.records import Article, Citation, StoryAnalysis

TEMPLATES = Path(__file__).resolve().parent / "templates"
CONTEXT_CHARS = 160
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                              autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True)


@dataclass(slots=True)
class CitationView:
    number: int
    outlet: str
    title: str
    article_id: str
    start: int
    end: int
    before: str
    words: str
    after: str


@dataclass(slots=True)
class Notes:
    """Citations numbered in order of first use across one story."""

    items: list[CitationView] = field(default_factory=list)
    index: dict[tuple[str, int, int], CitationView] = field(default_factory=dict)

    def cite(self, citation: Citation, articles: Mapping[str, Article]) -> CitationView:
        key = (citation.article_id, citation.start, citation.end)
        if key not in self.index:
            article = articles.get(citation.article_id)
            text = article.text if article else ""
            view = CitationView(
                number=len(self.items) + 1,
                outlet=outlet_label(citation.article_id, citation.outlet, articles),
                title=(article.title if article else None) or "", article_id=citation.article_id,
                start=citation.start, end=citation.end,
                before=_clip_left(text[max(0, citation.start - CONTEXT_CHARS):citation.start]),
                words=text[citation.start:citation.end],
                after=_clip_right(text[citation.end:citation.end + CONTEXT_CHARS]))
            self.items.append(view)
            self.index[key] = view
        return self.index[key]


def _clip_left(text: str) -> str:
    cut = text.find(" ")
    return ("…" + text[cut + 1:]) if len(text) >= CONTEXT_CHARS and cut >= 0 else text


def _clip_right(text: str) -> str:
    cut = text.rfind(" ")
    return (text[:cut] + "…") if len(text) >= CONTEXT_CHARS and cut >= 0 else text


def render_html(analyses: Sequence[StoryAnalysis], articles: Mapping[str, Article], *,
                title: str = "Storyline report") -> str:
    stories = [_story_view(a, articles) for a in analyses]
    template = environment().get_template("report.html.j2")
    return template.render(title=title, csp=CSP, stories=stories,
                           generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"))


def _story_view(analysis: StoryAnalysis, articles: Mapping[str, Article]) -> dict[str, Any]:
    notes = Notes()
    brief = [{"text": s.text, "contested": s.contested, "speaker": s.speaker,
              "citations": [notes.cite(c, articles) for c in s.citations]} for s in analysis.brief]
    outlets = _fact_outlets(analysis, articles)
    facts = [{"fact": f, "cells": _fact_cells(f, outlets, articles),
              "citation": notes.cite(Citation(f.article_id, None, None, f.start, f.end), articles)}
             for f in analysis.facts]
    timeline = [{"entry": e, "citations": [notes.cite(c, articles) for c in e.citations]}
                for e in analysis.timeline]
    undated = [{"entry": e, "citations": [notes.cite(c, articles) for c in e.citations]}
               for e in analysis.undated]
    network = [{"edge": e, "citations": [notes.cite(c, articles) for c in e.citations]}
               for e in analysis.network]
    return {"story": analysis.story, "brief": brief, "outlets": outlets,
            "facts": [f for f in facts if f["fact"].status != "single-source"],
            "single_facts": [f for f in facts if f["fact"].status == "single-source"],
            "counts": _status_counts(analysis), "quote_groups": analysis.quote_groups,
            "timeline": timeline, "undated": undated, "network": network,
            "timeline_chart": timeline_chart(analysis), "network_chart": network_chart(analysis),
            "notes": notes.items,
            # The outlet to show for an article: its name, or "unnamed outlet (file)".
            "outlet_of": {a.id: a.display_outlet() for a in articles.values()}}


def story_view(analysis: StoryAnalysis, articles: Mapping[str, Article]) -> dict[str, Any]:
    """The view model of one story's section (brief, facts x outlets, quote groups,
    timeline and network charts, numbered citations): the web app renders it too."""
    return _story_view(analysis, articles)


def outlet_label(article_id: str, outlet: str | None, articles: Mapping[str, Article]) -> str:
    """The outlet, or "unnamed outlet (file name)" when the source did not say."""
    if outlet:
        return outlet
    article = articles.get(article_id)
    return article.display_outlet() if article else f"article {article_id}"


def _fact_outlets(analysis: StoryAnalysis, articles: Mapping[str, Article]) -> list[str]:
    seen: dict[str, int] = {}
    for fact in analysis.facts:
        for s in fact.support:
            key = outlet_label(s.article_id, s.outlet, articles)
            seen[key] = seen.get(key, 0) + 1
    return sorted(seen, key=lambda k: (-seen[k], k))


def _fact_cells(fact: Any, outlets: list[str], articles: Mapping[str, Article]) -> list[str]:
    """Per outlet column: "asserts", "denies", "other" (the contradicting side) or ""."""
    cells = {}
    for s in fact.support:
        cells[outlet_label(s.article_id, s.outlet, articles)] = s.stance
    for c in fact.contradicts:
        for s in c.spans:
            cells.setdefault(outlet_label(s.article_id, s.outlet, articles), "other")
    return [cells.get(o, "") for o in outlets]


def _status_counts(analysis: StoryAnalysis) -> dict[str, int]:
    counts = {"contested": 0, "corroborated": 0, "single-source": 0}
    for fact in analysis.facts:
        counts[fact.status] = counts.get(fact.status, 0) + 1
    return counts


# --------------------------------------------------------------------------- charts


def _day(value: str) -> dt.date | None:
    """The first day an ISO date, month, year or interval covers."""
    head = value.split("/")[0]
    for fmt, size in (("%Y-%m-%d", 10), ("%Y-%m", 7), ("%Y", 4)):
        try:
            return dt.datetime.strptime(head[:size], fmt).date()
        except ValueError:
            continue
    return None


def timeline_chart(analysis: StoryAnalysis, width: int = 880) -> dict[str, Any] | None:
    """Points of the dated entries on a day axis (SVG coordinates)."""
    points = [(e, _day(e.date or "")) for e in analysis.timeline]
    points = [(e, d) for e, d in points if d is not None]
    if not points:
        return None
    first = min(d for _, d in points)
    last = max(d for _, d in points)
    span = max((last - first).days, 1)
    left, right = 40, width - 40
    rows: dict[int, int] = {}
    marks = []
    for entry, day in points:
        x = left + (right - left) * (day - first).days / span
        column = round(x)
        rows[column] = rows.get(column, 0) + 1
        marks.append({"x": round(x, 1), "y": 60 + 18 * (rows[column] - 1), "label": entry.date,
                      "text": entry.text, "when": entry.when})
    ticks = _ticks(first, last, left, right)
    height = 80 + 18 * max(rows.values())
    return {"width": width, "height": height, "marks": marks, "ticks": ticks, "axis_y": 40,
            "left": left, "right": right}


def _ticks(first: dt.date, last: dt.date, left: float, right: float) -> list[dict[str, Any]]:
    span = max((last - first).days, 1)
    step = max(1, math.ceil(span / 8))
    out = []
    day = first
    while day <= last:
        out.append({"x": round(left + (right - left) * (day - first).days / span, 1),
                    "label": day.isoformat()})
        day += dt.timedelta(days=step)
    return out


def network_chart(analysis: StoryAnalysis, size: int = 640, max_edges: int = 14) -> dict[str, Any] | None:
    """The best-evidenced edges (most citations first) with their actors on a circle.
    The full list is printed under the picture; a picture of every edge of a large
    story is unreadable."""
    if not analysis.network:
        return None
    ranked = sorted((e for e in analysis.network if e.source != e.target),
                    key=lambda e: (-len(e.citations), e.negated, e.source, e.relation))
    shown = []
    names: list[str] = []
    for edge in ranked:
        new = [n for n in (edge.source, edge.target) if n not in names]
        if len(shown) >= max_edges or len(names) + len(new) > 12:
            continue
        shown.append(edge)
        names += new
    if not shown:
        return None
    centre, radius = size / 2, size / 2 - 120
    position = {}
    for k, name in enumerate(names):
        angle = 2 * math.pi * k / len(names) - math.pi / 2
        position[name] = (round(centre + radius * math.cos(angle), 1), round(centre + radius * math.sin(angle), 1))
    nodes = [{"name": n, "x": position[n][0], "y": position[n][1],
              "anchor": "start" if position[n][0] > centre + 1 else "end" if position[n][0] < centre - 1 else "middle"}
             for n in names]
    # One line per ordered pair: its best-evidenced relation names it, "+k" counts the rest.
    pairs: dict[tuple[str, str], list[Any]] = {}
    for edge in shown:
        pairs.setdefault((edge.source, edge.target), []).append(edge)
    edges = []
    for (source, target), group in pairs.items():
        (x1, y1), (x2, y2) = position[source], position[target]
        first = group[0]
        label = ("not " if first.negated else "") + first.relation + (f" (+{len(group) - 1})" if len(group) > 1 else "")
        # Label at 40% of the way from the source: the two directions of one pair then
        # do not print on top of each other.
        edges.append({"x1": x1, "y1": y1, "x2": x2, "y2": y2, "mx": round(x1 + 0.4 * (x2 - x1), 1),
                      "my": round(y1 + 0.4 * (y2 - y1), 1), "label": label,
                      "title": "; ".join(("not " if e.negated else "") + e.relation for e in group),
                      "negated": all(e.negated for e in group),
                      "count": sum(len(e.citations) for e in group)})
    return {"size": size, "nodes": nodes, "edges": edges, "hidden": len(analysis.network) - len(shown)}


__all__ = ["CSP", "Notes", "environment", "network_chart", "outlet_label", "render_html", "story_view", "timeline_chart"]
