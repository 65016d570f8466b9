"""The public JSON shapes of stories and their analyses (CLI ``--json``, the report's
``--format json`` and the web API share them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storyline.records import Story, StoryAnalysis


def story_json(story: Story) -> dict[str, Any]:
    """A story as ``storyline stories --json`` prints it."""
    return {
        "id": story.id, "title": story.title, "description": story.description,
        "first_seen": story.first_seen, "last_seen": story.last_seen, "estimated": story.estimated,
        "outlets": list(story.outlets), "merged_ids": list(story.merged_ids),
        "articles": [a.to_dict() for a in story.articles],
        "events": [e.to_dict() | {"article_ids": list(e.article_ids)} for e in story.events],
    }


def analysis_json(analysis: StoryAnalysis) -> dict[str, Any]:
    """A story with its brief, facts, quote groups, timeline and network."""
    return story_json(analysis.story) | {
        "brief": [b.to_dict() for b in analysis.brief],
        "facts": [f.to_dict() for f in analysis.facts],
        "quote_groups": [q.to_dict() for q in analysis.quote_groups],
        "timeline": [t.to_dict() for t in analysis.timeline],
        "undated": [t.to_dict() for t in analysis.undated],
        "network": [e.to_dict() for e in analysis.network],
    }


def report_json(analyses: Sequence[StoryAnalysis]) -> dict[str, Any]:
    return {"stories": [analysis_json(a) for a in analyses]}


__all__ = ["analysis_json", "report_json", "story_json"]
