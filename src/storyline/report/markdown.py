"""The report as Markdown: the brief with numbered citations, facts, quote groups,
timeline and network, for a terminal, a wiki or a pull request."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from storyline.records import Article, Citation, QuoteRendering, StoryAnalysis, Support
from storyline.report.html import Notes, outlet_label

# Characters that would make article text into Markdown structure or raw HTML.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def md(text: str | None) -> str:
    """Article text as inert Markdown: HTML and Markdown control characters escaped,
    line breaks folded (a sentence never opens a new block)."""
    if not text:
        return ""
    return _MD_SPECIAL.sub(r"\\\1", text.replace("&", "&amp;")).replace("\n", " ")


def render_markdown(analyses: Sequence[StoryAnalysis], articles: Mapping[str, Article], *,
                    title: str = "Storyline report") -> str:
    lines = [f"# {md(title)}", ""]
    for analysis in analyses:
        lines += _story(analysis, articles)
    return "\n".join(lines).rstrip() + "\n"


def _story(analysis: StoryAnalysis, articles: Mapping[str, Article]) -> list[str]:
    story = analysis.story
    notes = Notes()
    out = [f"## {md(story.title)}", "", f"*{md(story.description)}*", "",
           f"Story `{story.id}` · {story.first_seen or '?'} → {story.last_seen or '?'} · "
           f"{len(story.articles)} articles · outlets: {md(', '.join(story.outlets)) or '-'}", ""]
    out += ["### Brief", ""]
    for sentence in analysis.brief:
        marks = "".join(_note(notes, c, articles) for c in sentence.citations)
        claim = (f" *(contested; asserted by {md(sentence.speaker)})*" if sentence.contested
                 else f" — *{md(sentence.speaker)}*" if sentence.speaker else "")
        out.append(f"- {md(sentence.text)}{claim} {marks}")
    out += ["", "### Facts", "", "| status | independent outlets | fact | sources |", "|---|---|---|---|"]
    for fact in analysis.facts:
        if fact.status == "single-source" and len(analysis.facts) > 40:
            continue
        about = f"**{md(fact.about)}:** " if fact.about else ""
        sources = "; ".join(_support_label(s, articles) for s in fact.support)
        out.append(f"| {fact.status} | {fact.independent_outlets} | {about}{md(fact.text)} | {sources} |")
        for c in fact.contradicts:
            out.append(f"| ↳ {c.kind} | | {md(c.explanation)} | "
                       f"{'; '.join(_support_label(s, articles) for s in c.spans)} |")
    out += ["", "### Quote groups", ""]
    for group in analysis.quote_groups:
        out.append(f"**{md(group.speaker)}** — reference: {md(group.reference_reason)}")
        out += [f"- {md(outlet_label(r.article_id, r.outlet, articles))} (distance {r.distance:.2f}): {_diff_md(r)}"
                for r in group.renderings]
        out.append("")
    out += ["### Timeline", ""]
    for entry in analysis.timeline:
        marks = "".join(_note(notes, c, articles) for c in entry.citations)
        out.append(f"- **{entry.date}** ({md(entry.when)}): {md(entry.text)} {marks}")
    if analysis.undated:
        out += ["", "Undated or unresolved (not placed on the timeline):", ""]
        for entry in analysis.undated:
            marks = "".join(_note(notes, c, articles) for c in entry.citations)
            out.append(f"- “{md(entry.when)}”: {md(entry.text)} {marks}")
    out += ["", "### Who did what to whom", ""]
    for edge in analysis.network:
        marks = "".join(_note(notes, c, articles) for c in edge.citations)
        neg = "not " if edge.negated else ""
        out.append(f"- {md(edge.source)} — {neg}{md(edge.relation)} → {md(edge.target)} {marks}")
    out += ["", "### Sources", ""]
    out += _sources(notes)
    out.append("")
    return out


def _note(notes: Notes, citation: Citation, articles: Mapping[str, Article]) -> str:
    """The citation's number; a span cited twice keeps its first number."""
    return f"[{notes.cite(citation, articles).number}]"


def _sources(notes: Notes) -> list[str]:
    return [f"{c.number}. {md(c.outlet)}, article `{c.article_id}` [{c.start}:{c.end}]: “{md(c.words)}”"
            for c in notes.items]


def _support_label(support: Support, articles: Mapping[str, Article]) -> str:
    who = f"{md(support.speaker)} via " if support.speaker else ""
    verb = "denies" if support.stance == "denies" else ""
    outlet = support.outlet or outlet_label(support.article_id, None, articles)
    return f"{verb} {who}{md(outlet)} `{support.article_id}`".strip()


def _diff_md(rendering: QuoteRendering) -> str:
    if rendering.reference or not rendering.differences:
        return f"“{md(rendering.text)}”"
    parts = []
    for step in rendering.differences:
        if step.op == "equal":
            parts.append(md(step.rendering))
        else:
            if step.reference:
                parts.append(f"~~{md(step.reference)}~~")
            if step.rendering:
                parts.append(f"**{md(step.rendering)}**")
    return "“" + " ".join(p for p in parts if p) + "”"


__all__ = ["md", "render_markdown"]
