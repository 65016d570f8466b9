"""Story clustering: which articles tell the same story, and the events inside each.

    inputs_from_articles(articles)        -> [StoryInput]
    StoryClusterer(**params).partial_fit(inputs) -> stories_, events_, assignments_

See ``clusterer.py`` for the method, ``events.py`` for events inside a story, and
bench/ecb_clustering.py / bench/stories_scale.py for how the defaults were chosen.
"""

from __future__ import annotations

from storyline.stories.clusterer import StoryClusterer

__all__ = ["StoryClusterer"]
