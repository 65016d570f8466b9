"""report: a story's analysis as JSON, Markdown or one self-contained HTML file.

Article text is hostile input: the HTML is rendered by Jinja2 with autoescaping on and
carries a Content-Security-Policy that allows no script, no remote fetch, only inline
styles; the Markdown escapes HTML and Markdown control characters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from storyline.records import Article, StoryAnalysis
from storyline.report.data import analysis_json, report_json, story_json
from storyline.report.html import render_html
from storyline.report.markdown import render_markdown

FORMATS = ("md", "html", "json")


def render(analyses: Sequence[StoryAnalysis], fmt: str, articles: Mapping[str, Article],
           *, title: str = "Storyline report") -> str:
    """The report of ``analyses`` in ``fmt`` ("md", "html" or "json")."""
    if fmt == "json":
        import json  # noqa: PLC0415

        return json.dumps(report_json(analyses), ensure_ascii=False, indent=2) + "\n"
    if fmt == "md":
        return render_markdown(analyses, articles, title=title)
    if fmt == "html":
        return render_html(analyses, articles, title=title)
    raise ValueError(f"unknown report format {fmt!r}: choose one of {', '.join(FORMATS)}")


__all__ = ["FORMATS", "analysis_json", "render", "report_json", "story_json"]
